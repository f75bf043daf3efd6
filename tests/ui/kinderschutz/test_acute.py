"""The acute dialog „Akut: Wen rufe ich jetzt an?“ with real vaults, a fixed clock, real
widgets (no sleeps: the clock is moved and the timer slot is called)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from casework.clock import BERLIN, FixedClock
from casework.models.ids import HouseholdId
from casework.services.directory import vault_profile as directory
from casework.services.session import Session
from casework.storage import audit
from casework.ui import registry
from casework.ui.context import UiContext
from casework.ui.kinderschutz import acute_action as akut
from casework.ui.kinderschutz.acute_dialog import AUDIT_ACTION, AcuteDialog, show_acute_dialog
from tests.conftest import add_family, sign

WED_1229 = datetime(2026, 11, 25, 12, 29, tzinfo=BERLIN)
THU_1630 = datetime(2026, 11, 26, 16, 30, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _attached(ctx: UiContext, session: Session) -> None:
    """The UI context of tests/ui/conftest.py, unlocked with the test vault."""
    ctx.attach(session)


def _open(qtbot: QtBot, ctx: UiContext, household_id: str) -> AcuteDialog:
    dialog = akut.trigger(ctx, household_id, None)
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def _text(dialog: AcuteDialog) -> str:
    return "\n".join(dialog.visible_texts())


def test_action_contract() -> None:
    entry = registry.household_action("akut")
    assert entry.label == "Akut: Wen rufe ich jetzt an?"
    assert entry.shortcut == "Ctrl+Shift+A"


def test_wednesday_1229_asd_then_1230_polizei_feuerwehr(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    clock.set(WED_1229)
    dialog = _open(qtbot, ctx, family)
    text = _text(dialog)
    assert "Jetzt: Mittwoch, 25.11.2026, 12:29 Uhr" in text
    assert dialog.stadtteil_picker.currentData() == "Batenbrock-Süd"
    assert "1. ASD Bezirk 9" in text
    assert "02041-70 3626" in text  # Bezirk 9 of the Müller family (Batenbrock-Süd)
    assert "Allgemeine Sprechzeit des ASD (Mi 08:30–12:30)" in text
    assert "ASD-Sprechzeit jetzt, bis 12:30 Uhr." in text
    assert dialog.route_phones() == ["02041-70 3626"]
    assert "Zwei Regeln gelten gleichzeitig" not in text

    clock.advance(timedelta(minutes=1))
    dialog.tick()  # what the timer does every second
    text = _text(dialog)
    assert "Jetzt: Mittwoch, 25.11.2026, 12:30 Uhr" in text
    assert "1. Polizei 110 / Feuerwehr 112 → Notfallrufbereitschaft des Jugendamtes" in text
    assert dialog.route_phones() == ["110", "112"]
    assert "Mi bereits ab 12:30 Uhr" in text
    assert "1. ASD Bezirk 9" not in text
    assert "ASD wieder erreichbar: Donnerstag, 26.11.2026, 08:30 Uhr" in text
    # The district contact is still shown for later.
    assert "02041-70 3626" in dialog.visible_texts()


def test_thursday_1630_shows_both_routes_and_says_so(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    clock.set(THU_1630)
    dialog = _open(qtbot, ctx, family)
    text = _text(dialog)
    assert "⚠ Zwei Regeln gelten gleichzeitig" in text
    assert "Die Regeln überschneiden sich" in text
    assert "Beide Wege werden angezeigt" in text
    assert "Jetzt anrufen, in dieser Reihenfolge:" in text
    assert text.index("1. ASD Bezirk 9") < text.index("2. Polizei 110 / Feuerwehr 112")
    assert dialog.route_phones() == ["02041-70 3626", "110", "112"]
    assert "Allgemeine Sprechzeit des ASD (Do 14:00–17:00)" in text
    assert "ab 16:00 Uhr" in text


def test_saturday_shows_when_asd_is_next_reachable(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId
) -> None:
    dialog = _open(qtbot, ctx, family)  # conftest clock: Saturday 21.11.2026 10:00
    text = _text(dialog)
    assert "Wochenende (Sa)" in text
    assert "ASD wieder erreichbar: Montag, 23.11.2026, 08:30 Uhr (in 1 Tagen)" not in text
    assert "ASD wieder erreichbar: Montag, 23.11.2026, 08:30 Uhr (in 46 Std. 30 Min.)" in text


def test_the_minute_refresh_keeps_the_content_when_nothing_changes(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))  # Tuesday: Notdienst
    dialog = _open(qtbot, ctx, family)
    assert dialog.route_phones() == ["02041/704470"]
    assert "(in 22 Std. 30 Min.)" in _text(dialog)
    content = dialog.scroll_area.widget()
    clock.advance(timedelta(minutes=1))
    dialog.tick()
    assert dialog.scroll_area.widget() is content  # same answer: no rebuild, focus stays
    text = _text(dialog)
    assert "Jetzt: Dienstag, 24.11.2026, 10:01 Uhr" in text
    assert "ASD wieder erreichbar: Mittwoch, 25.11.2026, 08:30 Uhr (in 22 Std. 29 Min.)" in text
    assert dialog.timer.isActive()
    dialog.close()
    assert not dialog.timer.isActive()


def test_unknown_stadtteil_shows_candidates_and_a_picker(
    qtbot: QtBot, ctx: UiContext, session: Session, clock: FixedClock
) -> None:
    clock.set(WED_1229 - timedelta(hours=2))
    household = add_family(session, "Yilmaz", district="Batenbrok Süd")
    dialog = _open(qtbot, ctx, household)
    text = _text(dialog)
    assert "Der Stadtteil „Batenbrok Süd“ ist im Verzeichnis nicht bekannt." in text
    assert "Meinten Sie: Batenbrock-Süd, " in text  # closest first
    assert "Nach der PLZ 46236 kommen infrage: Bezirk 6, 7, 9." in text
    for number in (6, 7, 9):
        assert f"Bezirk {number}:" in text
    texts = dialog.visible_texts()
    assert "02041-70 4158" in texts and "02041-70 3626" in texts
    assert "02041-70 3121" in texts  # Bezirk 7 shares Bezirk 3's number (as in the source)
    # In Sprechzeit with no known district, the ASD office is the route.
    assert "Bezirk unbekannt" in text
    assert dialog.route_phones() == []  # no central ASD number is published: none invented
    assert "Keine Rufnummer hinterlegt – siehe Verzeichnis." in text
    assert dialog.stadtteil_picker.currentIndex() == 0

    index = dialog.stadtteil_picker.findData("Batenbrock-Süd")
    dialog.stadtteil_picker.setCurrentIndex(index)
    dialog.stadtteil_picker.activated.emit(index)
    text = _text(dialog)
    assert "Stadtteil „Batenbrock-Süd“:" in text
    assert "1. ASD Bezirk 9" in text
    assert "nicht bekannt" not in text


def test_ambiguous_stadtteil_lists_the_districts(
    qtbot: QtBot, ctx: UiContext, session: Session, clock: FixedClock
) -> None:
    household = add_family(session, "Kaya", district="Batenbrock")
    clock.set(WED_1229 - timedelta(hours=1))
    dialog = _open(qtbot, ctx, household)
    text = _text(dialog)
    assert "„Batenbrock“ ist nicht eindeutig" in text
    for number in (6, 9, 10):
        assert f"Bezirk {number}:" in text
    # In Sprechzeit the three districts are alternatives, not an order to dial.
    assert "zuständig ist EINER dieser Bezirke" in text
    assert "in dieser Reihenfolge" not in text
    assert dialog.route_phones() == ["02041-70 4158", "02041-70 3626", "02041-70 3618"]


def test_an_edit_of_the_directory_refreshes_an_open_dialog(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    clock.set(WED_1229)
    dialog = _open(qtbot, ctx, family)
    ctx.apply(
        directory.update_district,
        9,
        contact_role="ASD Bezirk 9 – Vertretung",
        phone="02041 70-4712",
        email="",
        auth=sign(ctx.require_session()),
    )
    assert dialog.route_phones() == ["02041 70-4712"]


def test_locking_closes_the_dialog(qtbot: QtBot, ctx: UiContext, family: HouseholdId) -> None:
    dialog = _open(qtbot, ctx, family)
    assert dialog.isVisible()
    session = ctx.detach()
    assert not dialog.isVisible()
    assert not dialog.timer.isActive()
    assert session is not None


def test_opening_writes_an_audit_event_with_the_household_id_only(
    qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId
) -> None:
    _open(qtbot, ctx, family)
    entry = audit.entries(session.db, limit=1)[0]
    assert (entry.action, entry.entity, entry.entity_id) == (AUDIT_ACTION, "household", family)
    assert entry.detail == ""


def test_show_acute_dialog_without_household(qtbot: QtBot, ctx: UiContext) -> None:
    dialog = show_acute_dialog(ctx, None, "Kirchhellen", None)
    qtbot.addWidget(dialog)
    assert "Stadtteil „Kirchhellen“:" in _text(dialog)
    assert "02041-70 4531" in dialog.visible_texts()


def test_rote_mappe_and_copy_button(qtbot: QtBot, ctx: UiContext, family: HouseholdId) -> None:
    dialog = _open(qtbot, ctx, family)
    text = _text(dialog)
    assert "Rote Mappe Kinderschutz" in text
    assert "Marienhospital Bottrop – Kinderklinik / Ärztliche Kinderschutzambulanz" in text
    assert "Frauenhaus Bottrop (AWO)" in text
    button = next(
        b
        for b in dialog.findChildren(QPushButton)
        if b.accessibleName() == "Rufnummer 0 20 41 106-1550 kopieren"
    )
    button.click()
    assert QGuiApplication.clipboard().text() == "0 20 41 106-1550"


def test_the_dialog_uses_the_vaults_edited_directory(
    qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId, clock: FixedClock
) -> None:
    directory.update_district(
        session,
        9,
        contact_role="ASD Bezirk 9 – Vertretung",
        phone="02041 70-4711",
        email="vertretung9@bottrop.example",
        auth=sign(session),
    )
    clock.set(WED_1229)
    dialog = _open(qtbot, ctx, family)
    assert "02041 70-4711" in dialog.visible_texts()
    assert "ASD Bezirk 9 – Vertretung" in _text(dialog)


def test_the_family_file_button_and_shortcut_open_the_dialog(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    from PySide6.QtWidgets import QApplication

    from casework.ui.households.family_file import FamilyFile

    clock.set(THU_1630)
    file = FamilyFile(ctx, family)
    qtbot.addWidget(file)
    file.show()
    qtbot.waitExposed(file)
    label = registry.household_action("akut").label
    (button,) = [b for b in file.action_buttons if b.accessibleName() == label]
    button.click()
    dialogs = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, AcuteDialog) and w.isVisible() and w.household_id == family
    ]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.addWidget(dialog)
    assert dialog.route_phones() == ["02041-70 3626", "110", "112"]
    assert "⚠ Zwei Regeln gelten gleichzeitig" in _text(dialog)


def test_an_unreadable_vault_directory_still_gives_an_answer(
    qtbot: QtBot, ctx: UiContext, session: Session, family: HouseholdId, clock: FixedClock
) -> None:
    from casework.storage import directory as directory_store

    with session.db.transaction():  # as a damaged or too new vault would hold it
        directory_store.insert_revision(
            session.writer(),
            profile_name=session.profile_name,
            revision=1,
            data="{}",
            content_hash="0",
            changed_paths=(),
            source="edit",
        )
    clock.set(WED_1229)
    dialog = _open(qtbot, ctx, family)
    text = _text(dialog)
    assert "Angezeigt wird das mitgelieferte Profil" in text
    assert dialog.route_phones() == ["02041-70 3626"]


def test_unchecked_numbers_are_marked_in_the_acute_dialog(
    qtbot: QtBot, ctx: UiContext, family: HouseholdId, clock: FixedClock
) -> None:
    """Issue 21: published numbers count as unchecked until the organisation checks them;
    the dialog says so under every number it shows (110/112 need no check)."""
    clock.set(WED_1229)
    dialog = _open(qtbot, ctx, family)
    texts = dialog.visible_texts()
    note = "Rufnummer ungeprüft (veröffentlicht, Stand 11/2019) – vor Gebrauch vom Träger prüfen"
    assert dialog.route_phones() == ["02041-70 3626"]
    # the district route, the district section and each of the six Rote Mappe entries
    assert texts.count(note) == 1 + 1 + 6
