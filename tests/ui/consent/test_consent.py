"""Einwilligungen tab and screen with real widgets, a real vault and real PDFs.

File choosers are the module functions of `_einwilligungen_dialogs`; message boxes go
through `casework.ui.messages`; both are patched, never clicked by label."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from casework.clock import FixedClock
from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId
from casework.services.consent import lifecycle as service
from casework.services.consent import transfer
from casework.services.households import households
from casework.services.session import Session
from casework.storage import audit as audit_store
from casework.ui import documents, messages, registry
from casework.ui.consent import dialogs
from casework.ui.consent import family_tab as tab_module
from casework.ui.consent import screen as screen_module
from casework.ui.context import UiContext

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages)
                  .replace("\xa0", " "))


@pytest.fixture
def ctx(session: Session, clock: FixedClock) -> Iterator[UiContext]:
    context = UiContext(clock)
    context.attach(session)
    yield context
    context.tasks.shutdown()


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every message box the UI would show; `confirm` answers from `said_answers`."""
    shown: list[tuple[str, str]] = []
    for name in ("info", "warn", "error"):
        monkeypatch.setattr(messages, name,
                            lambda _p, title, text, name=name: shown.append((name, text)))
    monkeypatch.setattr(messages, "confirm",
                        lambda _p, title, text: shown.append(("confirm", text)) or False)
    return shown


@pytest.fixture
def pdf_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The save dialog answers with fresh paths in tmp_path; returns the paths used."""
    used: list[Path] = []

    def choose(_parent: object, _title: str, suggested: str) -> str:
        assert "Özdemir" not in suggested and "Zoë" not in suggested  # no names in files
        path = tmp_path / f"out{len(used)}-{suggested}"
        used.append(path)
        return str(path)

    monkeypatch.setattr(documents, "choose_pdf_target", choose)
    return used


class Fam:
    def __init__(self, session: Session) -> None:
        self.hid, _ = households.create(session, HouseholdDraft(name="Özdemir"))
        self.mother, _ = households.add_person(session, HouseholdId(self.hid), PersonDraft(
            "Ayşe", "Özdemir", BirthInfo(date(1984, 2, 2)), role=HouseholdRole.ELTERNTEIL,
            custody=True))
        self.child, _ = households.add_person(session, HouseholdId(self.hid), PersonDraft(
            "Zoë", "Özdemir", BirthInfo(date(2013, 4, 9)), role=HouseholdRole.KIND))


@pytest.fixture
def fam(session: Session) -> Fam:
    return Fam(session)


def _tab(qtbot: QtBot, ctx: UiContext, fam: Fam) -> tab_module.EinwilligungenTab:
    widget = tab_module.create(ctx, fam.hid)
    qtbot.addWidget(widget)
    assert isinstance(widget, tab_module.EinwilligungenTab)
    return widget


def _new_dialog(tab: tab_module.EinwilligungenTab) -> dialogs.NewConsentDialog:
    tab.new_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, dialogs.NewConsentDialog)
    return dialog


def _fill_child_photo(dialog: dialogs.NewConsentDialog, fam: Fam) -> None:
    dialog.person.setCurrentIndex(dialog.person.findData(fam.child))
    assert dialog.guardian_radio.isChecked()  # a child defaults to the guardians
    dialog.guardian_boxes[fam.mother].setChecked(True)
    dialog.purposes["photo"][0].setChecked(True)
    dialog.purposes["event"][0].setChecked(True)
    dialog.purposes["event"][1].setText("Sommerfest am Südring")
    dialog.recipients["stadt"][0].setChecked(True)
    assert dialog.categories["data-1"][0].isChecked()  # "die Daten Ihres Kindes"
    assert not dialog.categories["data-0"][0].isChecked()
    dialog.categories["health"][0].setChecked(True)  # Art. 9: only when ticked explicitly


def test_tab_contract(qtbot: QtBot, ctx: UiContext, fam: Fam) -> None:
    assert registry.family_tab("einwilligungen").title == "Einwilligungen"
    tab = _tab(qtbot, ctx, fam)
    assert tab.empty.isVisible() or not tab.isVisible()
    assert tab.model.rowCount() == 0
    for button in (tab.new_button, tab.print_button, tab.sign_button, tab.scan_button,
                   tab.withdraw_button):
        assert button.accessibleName()
    assert not tab.print_button.isEnabled()


def test_full_flow_new_print_sign_scan_withdraw(
        qtbot: QtBot, ctx: UiContext, fam: Fam, session: Session, said: list[tuple[str, str]],
        pdf_target: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        qtmodeltester: object) -> None:
    tab = _tab(qtbot, ctx, fam)
    dialog = _new_dialog(tab)
    _fill_child_photo(dialog, fam)
    with qtbot.waitSignal(ctx.changed):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert tab.model.rowCount() == 1
    qtmodeltester.check(tab.model)  # type: ignore[attr-defined]
    row = tab.selected()
    assert row is not None and row.consent.proof_state.value == "vorbereitet"
    assert tab.model.cell(row, "Person") == "Zoë Özdemir (durch Sorgeberechtigte)"
    assert not tab.sign_button.isEnabled()  # order: print first
    assert [c.key for c in row.consent.data_categories] == ["data-1", "health"]

    tab.print_button.click()
    assert len(pdf_target) == 1
    text = pdf_text(pdf_target[0])
    assert "Zoë Özdemir" in text and "Ayşe Özdemir" in text
    assert "Sommerfest am Südring" in text and "Bildablichtung (Foto, Film)" in text
    assert tab.model.cell(tab.selected(), "Nachweis") == "gedruckt"  # type: ignore[arg-type]
    assert tab.sign_button.isEnabled()

    tab.sign_button.click()
    sign = tab.dialog
    assert isinstance(sign, dialogs.SignatureDialog)
    sign.place.setText("Bottrop")
    with qtbot.waitSignal(ctx.changed):
        sign.findChild(dialogs.QDialogButtonBox).button(
            dialogs.QDialogButtonBox.StandardButton.Save).click()
    assert tab.model.cell(tab.selected(), "Nachweis") == \
        "unterschrieben (21.11.2026)"  # type: ignore[arg-type]
    assert tab.model.cell(tab.selected(), "Status") == "gültig"  # type: ignore[arg-type]
    assert transfer.may_transfer(session, fam.child, "photo", "stadt").allowed

    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"signed" * 100)
    monkeypatch.setattr(dialogs, "choose_scan_file", lambda _p, _t: str(scan))
    assert tab.scan_button.isEnabled()
    tab.scan_button.click()
    assert tab.model.cell(tab.selected(), "Nachweis").startswith(  # type: ignore[arg-type]
        "Scan abgelegt")
    consent_id = tab.selected().id  # type: ignore[union-attr]
    assert service.scan(session, consent_id) == scan.read_bytes()

    tab.withdraw_button.click()
    withdraw = tab.dialog
    assert isinstance(withdraw, dialogs.WithdrawDialog)
    withdraw.partial.setChecked(True)
    withdraw.purpose_boxes["photo"].setChecked(True)
    withdraw.via.setCurrentText("telefonisch")
    with qtbot.waitSignal(ctx.changed):
        withdraw.findChild(dialogs.QDialogButtonBox).button(
            dialogs.QDialogButtonBox.StandardButton.Save).click()
    assert tab.model.cell(tab.selected(), "Status") == \
        "teilweise widerrufen"  # type: ignore[arg-type]
    assert not transfer.may_transfer(session, fam.child, "photo", "stadt").allowed
    assert transfer.may_transfer(session, fam.child, "event", "stadt").allowed
    confirmation = pdf_text(pdf_target[-1])
    assert "Bestätigung des Widerrufs" in confirmation
    assert "telefonisch" in confirmation
    assert said == []
    actions = [e.action for e in audit_store.entries(session.db, limit=20)]
    assert actions.count("consent.print") == 2 and "consent.withdraw" in actions


def test_validation_is_shown_at_the_field(qtbot: QtBot, ctx: UiContext, fam: Fam,
                                          said: list[tuple[str, str]]) -> None:
    tab = _tab(qtbot, ctx, fam)
    dialog = _new_dialog(tab)
    dialog.person.setCurrentIndex(dialog.person.findData(fam.child))
    dialog.guardian_boxes[fam.mother].setChecked(True)
    dialog.recipients["stadt"][0].setChecked(True)
    dialog.save()  # no purpose: no blanket consent
    assert "pauschale" in dialog.form.error_text("Zwecke")
    assert dialog.result() != QDialog.DialogCode.Accepted
    # A 13-year-old cannot consent to photos personally.
    dialog.self_radio.setChecked(True)
    dialog.purposes["photo"][0].setChecked(True)
    dialog.save()
    assert "Personensorgeberechtigten" in dialog.form.error_text("Einwilligende Person")
    assert tab.model.rowCount() == 0


def test_warning_below_14_must_be_confirmed(qtbot: QtBot, ctx: UiContext, fam: Fam,
                                            said: list[tuple[str, str]]) -> None:
    tab = _tab(qtbot, ctx, fam)
    dialog = _new_dialog(tab)
    dialog.person.setCurrentIndex(dialog.person.findData(fam.child))
    dialog.self_radio.setChecked(True)
    dialog.purposes["email"][0].setChecked(True)
    dialog.purposes["email"][1].setText("an die Schulsozialarbeit")
    dialog.recipients["stadt"][0].setChecked(True)
    dialog.insight_by.setText("Lena Beispiel, Fachkraft")
    dialog.insight_reason.setText("erklärt Zweck und Folgen in eigenen Worten")
    dialog.save()
    assert said and said[0][0] == "confirm" and "jünger als 14" in said[0][1]
    assert tab.model.rowCount() == 0  # answered "Nein"


def _given(session: Session, person: PersonId, purposes: tuple[str, ...], *,
           capacity: Capacity, guardians: tuple[PersonId, ...] = ()) -> str:
    cid, _ = service.prepare(session, ConsentDraft(
        person, tuple(Selection(p, "Sommerfest" if p == "event" else "") for p in purposes),
        (Selection("stadt"),), capacity, guardians))
    service.print_form(session, cid)
    service.record_signature(session, cid, signed_on=date(2026, 11, 20))
    return cid


def test_screen_filters_and_blank_form(qtbot: QtBot, ctx: UiContext, session: Session,
                                       fam: Fam, pdf_target: list[Path],
                                       qtmodeltester: object) -> None:
    teen, _ = households.add_person(session, HouseholdId(fam.hid), PersonDraft(
        "Deniz", "Özdemir", BirthInfo(date(2010, 5, 1)), role=HouseholdRole.KIND))
    renewal = _given(session, teen, ("photo",), capacity=Capacity.GUARDIAN,
                     guardians=(fam.mother,))
    mine = _given(session, fam.mother, ("event", "photo"), capacity=Capacity.SELF)
    service.withdraw(session, mine, total=False, purposes=("photo",))
    draft_only, _ = service.prepare(session, ConsentDraft(
        fam.child, (Selection("photo"),), (Selection("stadt"),), Capacity.GUARDIAN,
        (fam.mother,)))

    screen = screen_module.create(ctx)
    qtbot.addWidget(screen)
    assert isinstance(screen, screen_module.EinwilligungenScreen)
    assert screen.model.rowCount() == 3
    qtmodeltester.check(screen.model)  # type: ignore[attr-defined]
    assert screen.count.text() == "3 Einwilligungen"

    screen.set_filter("Erneuerung fällig (16 Jahre)")
    assert [r.id for r in screen.model.rows] == [renewal]
    assert screen.model.cell(screen.model.rows[0], "Erneuerung") == "fällig (16 Jahre)"
    assert screen.model.cell(screen.model.rows[0], "Familie") == "Özdemir (Ayşe)"
    screen.set_filter("Widerrufen (ganz oder teilweise)")
    assert [r.id for r in screen.model.rows] == [mine]
    screen.set_filter("Status: in Vorbereitung")
    assert [r.id for r in screen.model.rows] == [draft_only]

    # A change elsewhere (a new consent) refreshes the screen through ctx.changed.
    screen.set_filter("Alle")
    with qtbot.waitSignal(ctx.changed):
        ctx.run(service.prepare, ConsentDraft(fam.mother, (Selection("photo"),),
                                              (Selection("fbs"),), Capacity.SELF))
    assert screen.model.rowCount() == 4

    screen.view.selectRow(0)
    with qtbot.waitSignal(ctx.household_requested) as opened:
        screen.open_button.click()
    assert opened.args == [fam.hid, ""]

    screen.blank_button.click()
    assert len(pdf_target) == 1
    text = pdf_text(pdf_target[0])
    assert "Einverständniserklärung zur DSGVO" in text and "Özdemir" not in text


def test_cancelled_file_chooser_changes_nothing(
        qtbot: QtBot, ctx: UiContext, session: Session, fam: Fam,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cid, _ = service.prepare(session, ConsentDraft(
        fam.mother, (Selection("photo"),), (Selection("stadt"),), Capacity.SELF))
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: "")
    tab = _tab(qtbot, ctx, fam)
    tab.select_row(0)
    tab.print_button.click()
    assert list(tmp_path.glob("*.pdf")) == []
    assert service.get(session, cid).proof_state.value == "vorbereitet"
    assert "consent.print" not in [e.action for e in audit_store.entries(session.db)]


def test_the_family_file_shows_this_tab(qtbot: QtBot, ctx: UiContext, fam: Fam) -> None:
    from casework.ui.households.family_file import FamilyFile

    file = FamilyFile(ctx, HouseholdId(fam.hid))
    qtbot.addWidget(file)
    lazy = file.lazy_tabs["einwilligungen"]
    index = file.tabs.indexOf(lazy)
    assert file.tabs.tabText(index) == "Einwilligungen"
    assert isinstance(lazy.materialize(), tab_module.EinwilligungenTab)


def test_oral_consent_needs_a_reason_in_the_dialog(qtbot: QtBot, ctx: UiContext,
                                                   session: Session, fam: Fam,
                                                   said: list[tuple[str, str]]) -> None:
    cid, _ = service.prepare(session, ConsentDraft(
        fam.mother, (Selection("photo"),), (Selection("stadt"),), Capacity.SELF))
    service.print_form(session, cid)
    tab = _tab(qtbot, ctx, fam)
    tab.select_row(0)
    tab.sign_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, dialogs.SignatureDialog)
    dialog.oral.setChecked(True)
    dialog.save()
    assert "besonderen Umständen" in dialog.form.error_text(
        "Begründung (mündliche Einwilligung)")
    assert service.get(session, cid).proof_state.value == "gedruckt"
    dialog.oral_reason.setText("Hausbesuch, Frau Ö. kann wegen Armbruch nicht unterschreiben")
    with qtbot.waitSignal(ctx.changed):
        dialog.save()
    assert tab.model.cell(tab.selected(), "Nachweis") == \
        "mündlich erteilt (21.11.2026)"  # type: ignore[arg-type]
