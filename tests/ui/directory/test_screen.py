"""The Verzeichnis screen on a real vault: search, tabs, read-only vs. Leitung editing,
inline validation errors, JSON import/export through the patched file-dialog seam."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from casework.clock import FixedClock
from casework.models.ids import WorkerId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import load_profile, parse_profile_text, profile_to_data
from casework.services.persons import workers
from casework.services.session import Session
from casework.ui import documents, messages
from casework.ui.context import UiContext
from casework.ui.directory import screen as verzeichnis
from casework.ui.directory import screen_transfer
from casework.ui.directory.screen import VerzeichnisScreen
from tests.conftest import add_person


@pytest.fixture(autouse=True)
def _attached(ctx: UiContext, session: Session) -> None:
    """The UI context of tests/ui/conftest.py, unlocked with the test vault."""
    ctx.attach(session)


@pytest.fixture
def screen(qtbot: QtBot, ctx: UiContext) -> VerzeichnisScreen:
    widget = verzeichnis.create(ctx)
    assert isinstance(widget, VerzeichnisScreen)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def as_leitung(session: Session, ctx: UiContext) -> WorkerId:
    wid = add_person(session, "Petra Leitung", WorkerRole.LEITUNG)  # she confirms her edits
    session.act_as(wid)
    ctx.session_changed.emit()
    return wid


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Patch the message seam: record texts, answer every question with yes."""
    record: dict[str, list[str]] = {"info": [], "warn": [], "error": [], "confirm": []}
    monkeypatch.setattr(messages, "info", lambda _p, _t, text: record["info"].append(text))
    monkeypatch.setattr(messages, "warn", lambda _p, _t, text: record["warn"].append(text))
    monkeypatch.setattr(messages, "error", lambda _p, _t, text: record["error"].append(text))

    def confirm(_p: object, _t: str, text: str) -> bool:
        record["confirm"].append(text)
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    return record


def _numbers(screen: VerzeichnisScreen) -> list[int]:
    return [d.number for d in screen.district_model.visible_items()]


def _select(screen: VerzeichnisScreen, query: str) -> None:
    screen.search.setText(query)
    assert screen.district_model.rowCount() == 1
    screen.district_view.selectRow(0)


def test_models_pass_the_model_tester(qtmodeltester: object, screen: VerzeichnisScreen) -> None:
    for model in (
        screen.district_model,
        screen.special_model,
        screen.partner_model,
        screen.emergency_model,
    ):
        assert model.rowCount() > 0
        qtmodeltester.check(model)  # type: ignore[attr-defined]
    screen.search.setText("46236")
    qtmodeltester.check(screen.district_model)  # type: ignore[attr-defined]


def test_district_table_columns(screen: VerzeichnisScreen) -> None:
    model = screen.district_model
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(model.columnCount())
    ]
    assert headers == ["Bezirk", "Stadtteile", "PLZ", "Kontakt", "Telefon", "Rufnummer", "E-Mail"]
    assert model.rowCount() == 11
    last = [model.data(model.index(10, c)) for c in range(7)]
    assert last == [
        "11",
        "Eigen-Süd",
        "(keine angegeben)",
        "ASD Bezirk 11 – Fachkraft",
        "02041-70 3628",
        "ungeprüft, Stand 11/2019",
        "asd-bezirk11@bottrop.example",
    ]


def test_search_by_plz_lists_every_candidate_district(screen: VerzeichnisScreen) -> None:
    screen.search.setText("46236")
    assert _numbers(screen) == [6, 7, 9]
    assert "PLZ 46236 gehört zu 3 ASD-Bezirken (6, 7, 9)" in screen.search_result.text()
    screen.search.setText("")
    assert len(_numbers(screen)) == 11
    assert screen.search_result.isHidden()


def test_search_by_stadtteil_in_loose_spelling(screen: VerzeichnisScreen) -> None:
    screen.search.setText("batenbrock sued")
    assert _numbers(screen) == [9]
    assert "Bezirk 9" in screen.search_result.text()
    screen.search.setText("Batenbrok Sud")  # a typo
    assert 9 in _numbers(screen)
    assert "Meinten Sie: Batenbrock-Süd" in screen.search_result.text()
    screen.search.setText("Batenbrock")
    assert _numbers(screen) == [6, 9, 10]
    assert "nicht eindeutig" in screen.search_result.text()


def test_hours_tab_and_notes_tab(screen: VerzeichnisScreen) -> None:
    hours = [label.text() for label in screen.hours_tab.findChildren(QLabel)]
    assert "Donnerstag: 08:30–12:30, 14:00–17:00 Uhr" in hours
    assert "Keine Sprechzeit: Dienstag, Freitag" in hours
    assert any("Mittwochs bereits ab 12:30 Uhr" in text for text in hours)
    assert "02041/704470" in hours  # Notdienst
    notes = [label.text() for label in screen.findChildren(QLabel)]
    assert any("Donnerstags von 16:00 bis 17:00 Uhr ist der ASD" in text for text in notes)
    tabs = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert tabs == [
        "ASD-Bezirke",
        "Sprechzeiten && Notdienst",
        "Sonderfunktionen",
        "Partner",
        "Rote Mappe",
        "Hinweise",
    ]


def test_partner_filter_is_umlaut_insensitive(screen: VerzeichnisScreen) -> None:
    screen.partner_filter.setText("bildungsburo")
    names = [p.name for p in screen.partner_model.visible_items()]
    assert names and all("Bildungsbüro" in n for n in names)
    emails = [p.email for p in screen.partner_model.visible_items()]
    assert any("ü" in e for e in emails)  # non-ASCII address shown as is


def test_fachkraft_sees_the_directory_read_only(
    screen: VerzeichnisScreen, session: Session, ctx: UiContext
) -> None:
    workers.create(session, WorkerDraft("Petra Leitung", WorkerRole.LEITUNG))
    fachkraft, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    session.act_as(fachkraft)  # the owner herself is the vault's Admin
    ctx.session_changed.emit()
    assert not screen.can_edit
    assert not screen.read_only_note.isHidden()
    assert all(button.isHidden() for button in screen.edit_buttons)
    _select(screen, "Batenbrock-Süd")
    assert screen.edit_district() is None
    assert screen.edit_partner(True) is None
    assert screen.edit_hours() is None
    assert screen.edit_special(True) is None


def test_leitung_edits_a_district_with_inline_errors(
    qtbot: QtBot, screen: VerzeichnisScreen, session: Session, as_leitung: WorkerId
) -> None:
    assert screen.can_edit and screen.read_only_note.isHidden()
    _select(screen, "Batenbrock-Süd")
    dialog = screen.edit_district()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.phone.setText("02041 70-4711")
    dialog.email.setText("kein-at-zeichen")
    assert not dialog.save()
    assert "keine gültige E-Mail-Adresse" in dialog.form.error_text("E-Mail")
    assert dialog.form.error_text("Telefon") == ""
    assert not directory.is_edited(session)

    dialog.email.setText("vertretung9@bottrop.example")
    assert dialog.save()
    assert directory.district(directory.active_profile(session), 9).phone == "02041 70-4711"
    # The screen refreshed through ctx.changed.
    row = screen.district_model.visible_items()
    assert row[0].phone == "02041 70-4711"
    assert "Stand 1" in screen.status.text() and "Petra Leitung" in screen.status.text()


def test_leitung_adds_a_partner_with_opening_hours(
    qtbot: QtBot, screen: VerzeichnisScreen, session: Session, as_leitung: WorkerId
) -> None:
    dialog = screen.edit_partner(True)
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.name.setText("Familienzentrum Beispiel")
    dialog.kind.setText("Familienbildung")
    dialog.email.setText("familienbüro@bottrop.example")
    dialog.offers.setPlainText("Elterncafé\nKrabbelgruppe")
    dialog.hours.setText("Montag 9:00 bis 12")
    assert not dialog.save()
    assert "Wochentag und Zeit" in dialog.form.error_text("Öffnungszeiten")
    dialog.hours.setText("Mo 09:00–12:00; Do 14:00-16:00")
    assert dialog.save()
    added = directory.active_profile(session).partners[-1]
    assert added.email == "familienbüro@bottrop.example"
    assert added.offers == ("Elterncafé", "Krabbelgruppe")
    assert [s.label() for s in added.opening_hours] == ["Mo 09:00–12:00", "Do 14:00–16:00"]
    screen.partner_filter.setText("familienzentrum")
    assert [p.name for p in screen.partner_model.visible_items()] == ["Familienzentrum Beispiel"]


def test_leitung_edits_a_rote_mappe_entry(
    qtbot: QtBot, screen: VerzeichnisScreen, session: Session, as_leitung: WorkerId
) -> None:
    screen.emergency_view.selectRow(4)
    dialog = screen.edit_emergency()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "Frauenhaus Bottrop (AWO)"
    dialog.phone.setText("")
    assert not dialog.save()
    assert "fehlt" in dialog.form.error_text("Telefon")
    dialog.phone.setText("02041 99-0299")
    dialog.hours.setText("24 Stunden")
    assert dialog.save()
    entry = directory.active_profile(session).emergency_contacts[4]
    assert (entry.phone, entry.hours) == ("02041 99-0299", "24 Stunden")


def test_malformed_import_is_rejected_and_nothing_changes(
    screen: VerzeichnisScreen,
    session: Session,
    as_leitung: WorkerId,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seen: dict[str, list[str]],
) -> None:
    data = profile_to_data(load_profile())
    data["asd"]["districts"][0]["phone"] = "02041 1111"
    data["asd"]["districts"][3]["email"] = "kaputt"
    bad = tmp_path / "verzeichnis.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(screen_transfer, "choose_import_file", lambda _parent: str(bad))
    screen.import_json()
    assert len(seen["error"]) == 1
    assert "asd.districts[3].email" in seen["error"][0]
    assert "nichts importiert" in seen["error"][0]
    assert not directory.is_edited(session)
    assert screen.district_model.visible_items()[0].phone == "02041-70 4531"


def test_import_and_export_through_the_file_seam(
    screen: VerzeichnisScreen,
    session: Session,
    as_leitung: WorkerId,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seen: dict[str, list[str]],
) -> None:
    data = profile_to_data(load_profile())
    data["asd"]["districts"][0]["phone"] = "02041 1111"
    good = tmp_path / "neu.json"
    good.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(screen_transfer, "choose_import_file", lambda _parent: str(good))
    screen.import_json()
    assert seen["error"] == []
    # Imported, and the data to check named (issue 21: Bezirke 3 and 7 share a number).
    assert seen["warn"][0].startswith("Das Verzeichnis wurde importiert.\n\nBitte prüfen")
    assert "Bezirk 3 und Bezirk 7" in seen["warn"][0]
    assert screen.district_model.visible_items()[0].phone == "02041 1111"

    target = tmp_path / "export.json"
    monkeypatch.setattr(screen_transfer, "choose_export_file", lambda _parent, _name: str(target))
    screen.export_json()
    exported = parse_profile_text(target.read_text(encoding="utf-8"), target.name)
    assert exported == directory.active_profile(session)
    assert directory.district(exported, 1).phone == "02041 1111"


def test_cancelled_file_dialogs_do_nothing(
    screen: VerzeichnisScreen,
    session: Session,
    as_leitung: WorkerId,
    monkeypatch: pytest.MonkeyPatch,
    seen: dict[str, list[str]],
) -> None:
    monkeypatch.setattr(screen_transfer, "choose_import_file", lambda _parent: "")
    monkeypatch.setattr(screen_transfer, "choose_export_file", lambda _parent, _name: "")
    screen.import_json()
    screen.export_json()
    assert seen == {"info": [], "warn": [], "error": [], "confirm": []}
    assert not directory.is_edited(session)


def test_the_workspace_shows_the_screen(qtbot: QtBot, ctx: UiContext) -> None:
    from casework.ui.workspace import Workspace

    workspace = Workspace(ctx)
    qtbot.addWidget(workspace)
    page = workspace.show_page("verzeichnis")
    assert isinstance(page, VerzeichnisScreen)
    assert page.district_model.rowCount() == 11


def test_rote_mappe_pdf_through_the_file_seam(
    screen: VerzeichnisScreen,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seen: dict[str, list[str]],
) -> None:
    from tests.forms.conftest import extract_text

    target = tmp_path / "rote-mappe.pdf"
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: str(target))
    screen.print_rote_mappe()
    assert screen.ctx.last_confirmation == "Dokument gespeichert."
    text = extract_text(target.read_bytes())
    assert "Rote Mappe Kinderschutz und ASD-Liste" in text
    assert "Frauenhaus Bottrop (AWO)" in text


def test_leitung_edits_hours_and_the_acute_answer_follows(
    qtbot: QtBot,
    screen: VerzeichnisScreen,
    session: Session,
    as_leitung: WorkerId,
    ctx: UiContext,
    clock: FixedClock,
) -> None:
    from datetime import datetime

    from casework.clock import BERLIN
    from casework.ui.kinderschutz.acute_dialog import AcuteDialog

    dialog = screen.edit_hours()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.office_hours.text() == (
        "Mo 08:30–12:30; Mi 08:30–12:30; Do 08:30–12:30; Do 14:00–17:00"
    )
    assert dialog.early_from.text() == "Mi 12:30"
    dialog.early_from.setText("Mi 07:00")
    assert not dialog.save()
    assert "zwischen until und daily_from" in dialog.form.error_text("Früher ab")
    dialog.early_from.setText("Mittwoch 13:00")
    dialog.office_hours.setText("Mo 08:30–12:30; Mi 08:30–12:30; Do 08:30–12:30; Do 1400-1700")
    assert not dialog.save()
    assert "Wochentag und Zeit" in dialog.form.error_text("Sprechzeiten")
    dialog.office_hours.setText("Mo 08:30–12:30; Mi 08:30–12:30; Do 08:30–12:30; Do 14:00-17:00")
    assert dialog.save()
    hours = [label.text() for label in screen.hours_tab.findChildren(QLabel)]
    assert any("Mittwochs bereits ab 13:00 Uhr" in text for text in hours)

    clock.set(datetime(2026, 11, 25, 12, 45, tzinfo=BERLIN))
    acute = AcuteDialog(ctx, "Ebel", None)
    qtbot.addWidget(acute)
    assert acute.route_phones() == ["02041/704470"]  # Notdienst until 13:00 now


def test_leitung_edits_a_special_function(
    qtbot: QtBot, screen: VerzeichnisScreen, session: Session, as_leitung: WorkerId
) -> None:
    screen.special_view.selectRow(3)
    dialog = screen.edit_special()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "unbegleitete minderjährige Ausländer (umA)"
    dialog.email.setText("uma@")
    assert not dialog.save()
    assert "keine gültige E-Mail-Adresse" in dialog.form.error_text("E-Mail")
    dialog.email.setText("uma-neu@bottrop.example")
    assert dialog.save()
    assert screen.special_model.visible_items()[3].email == "uma-neu@bottrop.example"


def test_leitung_records_that_a_number_was_checked(
    qtbot: QtBot, screen: VerzeichnisScreen, session: Session, as_leitung: WorkerId
) -> None:
    """Issue 21: a verification date per entry; a checked number is no longer marked."""
    screen.emergency_view.selectRow(4)
    dialog = screen.edit_emergency()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.checked_on.text() == ""
    dialog.checked_on.setText("31.02.2026")
    assert not dialog.save()
    assert "kein gültiges Datum" in dialog.form.error_text("Rufnummer geprüft am")
    dialog.checked_on.setText("03.12.2026")
    assert dialog.save()
    entry = directory.active_profile(session).emergency_contacts[4]
    assert entry.source.note() == "Rufnummer geprüft am 03.12.2026"
    assert entry.source.published == "11/2019"  # the publication date is kept
    row = [screen.emergency_model.data(screen.emergency_model.index(4, c))
           for c in range(screen.emergency_model.columnCount())]
    assert "geprüft 03.12.2026" in row
