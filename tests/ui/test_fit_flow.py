"""Issue 18: the § 8a view, the Kinderschutz screen, Heute, the § 8a forms, the consent
form and recording a transfer fit a 1366x768 laptop (minus a 40 px taskbar) without
horizontal scrolling; "Akut" stays visible; the Schutzplan headers are not cut; the
consent form's "und zwar:" fields need no scroll bar. Asserted on the widgets' size hints
against the available geometry, on the demo vault's real data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize
from PySide6.QtWidgets import QAbstractScrollArea, QDialog, QScrollArea, QWidget

from casework.clock import FixedClock
from casework.models.kinderschutz.vocabulary import State
from casework.services import demo, referrals, referrals_reading, referrals_transfer
from casework.services import session as session_service
from casework.services.kinderschutz import procedures as ks
from casework.ui.consent.dialogs import NewConsentDialog
from casework.ui.kinderschutz import dialogs_records as rec
from casework.ui.kinderschutz import dialogs_steps as steps
from casework.ui.main_window import MainWindow
from casework.ui.referrals.dialogs import SendDialog
from tests.conftest import NOW
from tests.ui.conftest import unlock

AVAILABLE = QSize(1366, 768 - 40)  # a municipal laptop with a taskbar
TITLE_BAR = 32


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fit") / "vault"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, 8, contacts_per_family=1, passphrase=demo.DEMO_PASSPHRASE)
    finally:
        session.close()
    return folder


@pytest.fixture
def laptop(qtbot, window: MainWindow, demo_folder: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window.resize(AVAILABLE.width(), AVAILABLE.height() - TITLE_BAR)
    unlock(qtbot, window, demo_folder, demo.DEMO_PASSPHRASE)
    yield window


def no_horizontal_scroll(area: QAbstractScrollArea) -> None:
    bar = area.horizontalScrollBar()
    assert bar.maximum() == 0, f"{area.accessibleName()}: scrolls {bar.maximum()} px"


def fits(widget: QWidget, room: QSize) -> None:
    hint = widget.minimumSizeHint()
    assert hint.width() <= room.width(), (widget.accessibleName(), hint, room)


def dialog_fits(qtbot, dialog: QDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= AVAILABLE.width(), (dialog.windowTitle(), dialog.size())
    assert dialog.height() <= AVAILABLE.height() - TITLE_BAR, (dialog.windowTitle(),
                                                                 dialog.size())
    fits(dialog, AVAILABLE)
    for area in dialog.findChildren(QScrollArea):
        no_horizontal_scroll(area)


def test_issue18_flow_screens_fit_1366x768(qtbot, laptop: MainWindow) -> None:  # type: ignore[no-untyped-def]
    workspace = laptop.workspace
    assert workspace is not None
    session = laptop.ctx.require_session()
    kaya = next(p for p in ks.list_procedures(session) if p.state is State.S5)

    # the § 8a view in the family file: no horizontal scrolling, "Akut" fully visible
    page = workspace.open_family(kaya.household_id)
    assert page is not None
    tab = next(page.tabs.widget(i) for i in range(page.tabs.count())
               if page.tabs.tabText(i).replace("&", "") == "Kinderschutz")
    page.tabs.setCurrentWidget(tab)
    content = getattr(tab, "materialize", None)
    tab = content() if content is not None else tab
    tab.select(kaya.id)
    qtbot.waitUntil(lambda: tab.procedure.file is not None)
    view, area = tab.procedure, tab.procedure_area
    qtbot.waitUntil(lambda: area.viewport().width() > 600)  # laid out at the window size
    no_horizontal_scroll(area)
    fits(view, area.viewport().size())
    acute = view.acute_button
    right = acute.mapTo(area.viewport(), QPoint(acute.width(), 0)).x()
    assert acute.isVisible() and right <= area.viewport().width()
    assert "Akut" in acute.text()

    # the forms of the procedure, the Schutzplan headers not cut
    file = view.file
    plan = steps.PlanDialog(laptop.ctx, file, laptop)
    dialog_fits(qtbot, plan)
    header = plan.table.horizontalHeader()
    for column in range(header.count()):
        assert header.sectionSize(column) >= header.sectionSizeHint(column), column
    plan.reject()
    for dialog in (steps.MitteilungDialog(laptop.ctx, file, laptop),
                   rec.AssessmentDialog(laptop.ctx, file, laptop)):
        dialog_fits(qtbot, dialog)
        dialog.reject()

    # the consent form: two columns, the "und zwar:" fields without any scroll bar
    consent = NewConsentDialog(laptop.ctx, kaya.household_id, laptop)
    dialog_fits(qtbot, consent)
    assert consent.scroll_area.verticalScrollBar().maximum() == 0
    details = [detail for _check, detail in consent.purposes.values()]
    assert all(d.isVisibleTo(consent) and d.width() >= 150 for d in details)
    consent.reject()
    laptop.resize(1093, 614 - TITLE_BAR)  # 125 % scaling: one column, no side scrolling
    narrow = NewConsentDialog(laptop.ctx, kaya.household_id, laptop)
    dialog_fits(qtbot, narrow)
    assert narrow.width() <= 1093
    narrow.reject()
    laptop.resize(AVAILABLE.width(), AVAILABLE.height() - TITLE_BAR)
    from casework.models.referrals import ReferralDraft
    from casework.services.households import households

    child = households.members(session, kaya.household_id)[-1].id
    choices = referrals.recipient_choices(session, kaya.household_id)
    rid, _ = referrals.create(session, ReferralDraft(
        kaya.household_id, (child,), choices.districts[0], "Beratung"))
    assert not referrals_transfer.check_transfer(session, rid).allowed
    send = SendDialog(laptop.ctx, referrals_reading.get(session, rid), laptop)
    dialog_fits(qtbot, send)
    assert not send.ok_button.isEnabled() and send.ok_reason.isVisibleTo(send)
    send.reject()

    # the Kinderschutz screen (Fachkraft and Leitung side) and Heute
    for key in ("kinderschutz", "heute"):
        screen = workspace.show_page(key)
        assert screen is not None
        fits(screen, screen.size())
        for area in screen.findChildren(QAbstractScrollArea):
            if area.isVisibleTo(screen) and area.horizontalScrollBarPolicy() != 1:
                assert area.width() <= screen.width()
