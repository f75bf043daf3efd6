"""Inline validation: the German message appears next to the field it names, and nothing
is saved."""

from __future__ import annotations

from PySide6.QtCore import Qt

from casework.services import contacts
from casework.services.households import households
from casework.ui.households.form import NewHouseholdDialog
from casework.ui.main_window import MainWindow
from tests.ui.conftest import type_text


def test_new_family_plz_and_empty_name(qtbot, unlocked: MainWindow) -> None:  # type: ignore[no-untyped-def]
    session = unlocked.ctx.session
    assert session is not None
    dialog = NewHouseholdDialog(unlocked.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save()
    assert dialog.form.error_text("Familienname") == "⚠ darf nicht leer sein."
    assert dialog.form.name.hasFocus() or not dialog.isActiveWindow()
    type_text(qtbot, dialog.form.name, "Schäfer")
    qtbot.keyClicks(dialog.form.plz, "4623")
    dialog.save()
    assert dialog.form.error_text("Familienname") == ""
    assert "genau 5 Ziffern" in dialog.form.error_text("PLZ")
    assert dialog.created_id is None
    assert households.count(session) == 0
    qtbot.keyClicks(dialog.form.plz, "6")
    dialog.save()
    assert dialog.created_id is not None
    assert households.count(session) == 1


def test_overview_tab_shows_error_next_to_field(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    page = workspace.open_family(family)
    assert page is not None
    form = page.overview.form
    page.overview.edit_button.click()  # the Übersicht is read-only until "Bearbeiten"
    form.plz.setText("4623")
    assert page.overview.is_dirty()
    assert not page.overview.save()
    assert "genau 5 Ziffern" in form.error_text("PLZ")
    form.plz.setText("46240")
    form.name.clear()
    assert not page.overview.save()
    assert form.error_text("PLZ") == ""
    assert "darf nicht leer sein" in form.error_text("Familienname")
    type_text(qtbot, form.name, "Müller-Yılmaz")
    assert page.overview.save()
    assert page.title.text() == "Familie Müller-Yılmaz"
    session = unlocked.ctx.session
    assert session is not None
    assert households.get(session, family).data.plz == "46240"


def test_person_birth_date_in_future_and_bad_formats(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                     family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    page = workspace.open_family(family)
    assert page is not None
    before = page.persons.model.rowCount()
    dialog = page.persons.add()
    qtbot.keyClicks(dialog.first, "Mia")
    qtbot.keyClicks(dialog.birth_value, "01.01.2027")  # the fixed clock says 21.11.2026
    dialog.save()
    assert "liegt in der Zukunft" in dialog.form.error_text("Geburtsdatum")
    assert dialog.isVisible()
    dialog.birth_value.clear()
    qtbot.keyClicks(dialog.birth_value, "2019-03-01")
    dialog.save()
    assert "TT.MM.JJJJ" in dialog.form.error_text("Geburtsdatum")
    # Unborn: expected date of delivery instead of a birth date.
    dialog.birth_kind.setCurrentIndex(dialog.birth_kind.findData("due"))
    dialog.birth_value.clear()
    qtbot.keyClicks(dialog.birth_value, "03.02.2027")
    dialog.save()
    assert not dialog.isVisible()
    assert page.persons.model.rowCount() == before + 1
    assert "Mia (ungeboren, ET 03.02.2027)" in page.members.text()


def test_quick_entry_needs_a_source_for_third_party_statements(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                               family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    entry = workspace.open_quick_entry(family)
    assert entry is not None
    entry.note_kind.setCurrentIndex(entry.note_kind.findText("Aussage Dritter"))
    assert entry.source.isEnabled()
    qtbot.keyClicks(entry.note, "Die Lehrerin sagt, Lena fehlt oft.")
    qtbot.keyClick(entry.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "die Quelle anzugeben" in entry.form.error_text("Quelle")
    entry.time.setText("25:00")
    entry.save()
    assert "keine gültige Uhrzeit" in entry.form.error_text("Datum/Uhrzeit")
    entry.time.setText("09:30")
    qtbot.keyClicks(entry.source, "Schulsozialarbeit")
    entry.disputed.setChecked(True)
    entry.save()
    session = unlocked.ctx.session
    assert session is not None
    logged = contacts.contacts(session, family)
    assert len(logged) == 1
    assert logged[0].data.notes[0].label() == "Aussage Dritter (Schulsozialarbeit) – bestritten"
