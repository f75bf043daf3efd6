"""The morning flow end to end: create a vault, unlock it, create a family with two
children, log a contact with the keyboard, find the family again, read its history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from casework.services import contacts
from casework.services.households import households
from casework.ui.contacts.quick_entry import QuickEntryDialog
from casework.ui.households.family_file import FamilyFile
from casework.ui.households.form import NewHouseholdDialog
from casework.ui.households.members import PersonDialog
from casework.ui.households.screen import FamilienScreen
from casework.ui.main_window import MainWindow
from tests.ui.conftest import type_text

NEW_PASSPHRASE = "Gießkanne neben dem Rhabarberbeet"


def create_vault(qtbot, window: MainWindow, folder: Path) -> None:  # type: ignore[no-untyped-def]
    window.show_start(folder)  # a folder that does not exist yet → the create panel
    panel = window.start.create_panel
    assert window.start.current_panel is panel
    assert panel.folder.text() == str(folder)
    qtbot.keyClicks(panel.owner, "Lena Beispiel")
    type_text(qtbot, panel.passphrase, NEW_PASSPHRASE)
    assert "Stärke:" in panel.strength.text() and "zu schwach" not in panel.strength.text()
    type_text(qtbot, panel.repeat, NEW_PASSPHRASE)
    qtbot.keyClick(panel.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.start.current_panel is window.start.unlock, timeout=20000)
    assert (folder / "vault.json").is_file()
    assert panel.passphrase.text() == "" and panel.repeat.text() == ""


def add_child(qtbot, page: FamilyFile, first: str, born: str) -> None:  # type: ignore[no-untyped-def]
    dialog = page.persons.add()  # owned by the family file, closed with the window
    assert isinstance(dialog, PersonDialog)
    qtbot.keyClicks(dialog.first, first)
    type_text(qtbot, dialog.last, "Müller")
    qtbot.keyClicks(dialog.birth_value, born)
    dialog.save()
    assert dialog.result() == PersonDialog.DialogCode.Accepted, dialog.form.general_error.text()


def test_create_unlock_family_contact_search_history(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path, message_log) -> None:
    folder = tmp_path / "neue-akte"
    create_vault(qtbot, window, folder)
    type_text(qtbot, window.start.unlock.passphrase, NEW_PASSPHRASE)
    qtbot.keyClick(window.start.unlock.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=20000)
    assert window.windowTitle() == "Casework"
    assert window.ctx.settings.last_vault == str(folder)
    workspace = window.workspace
    assert workspace is not None

    # New family from the Familien screen (Ctrl+N).
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    qtbot.keyClick(familien.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = familien.new_dialog
    assert isinstance(dialog, NewHouseholdDialog)
    type_text(qtbot, dialog.form.name, "Müller")
    type_text(qtbot, dialog.form.street, "Gärtnerstraße 12")
    qtbot.keyClicks(dialog.form.plz, "46236")
    dialog.save()
    assert dialog.created_id is not None
    household_id = dialog.created_id
    page = workspace.family_file(household_id)
    assert page is not None and workspace.stack.currentWidget() is page
    assert page.title.text() == "Familie Müller"

    add_child(qtbot, page, "Lena", "01.03.2019")
    add_child(qtbot, page, "Emil", "15.08.2022")
    assert page.persons.model.rowCount() == 2
    assert "Lena Müller (7 J.)" in page.members.text()
    assert "Emil Müller (4 J.)" in page.members.text()

    # Quick entry with the keyboard: Ctrl+K, then type, tick, write, Ctrl+Enter.
    page.tabs.setCurrentWidget(page.contacts)
    page.contacts.view.setFocus()
    qtbot.keyClick(page.contacts.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    entry = workspace.quick_entries.get(household_id)
    assert isinstance(entry, QuickEntryDialog)
    assert entry.date.text() == "21.11.2026" and entry.time.text() == "10:00"
    qtbot.keyClick(entry.type, Qt.Key.Key_T)  # first letter picks "Telefonat"
    assert entry.type.currentText() == "Telefonat"
    entry.duration.selectAll()
    qtbot.keyClicks(entry.duration, "20")
    entry.present.setCurrentRow(0)
    qtbot.keyClick(entry.present, Qt.Key.Key_Space)
    qtbot.keyClick(entry.note_kind, Qt.Key.Key_B)  # "Beobachtung"
    assert entry.note_kind.currentText() == "Beobachtung"
    type_text(qtbot, entry.note, "Die Wohnung ist feucht, Schimmel an der Außenwand.")
    qtbot.keyClicks(entry.next_step, "Vermieter anschreiben")
    qtbot.keyClicks(entry.follow_up, "+7")
    qtbot.keyClick(entry.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert household_id not in workspace.quick_entries, entry.form.general_error.text()
    assert not message_log.shown

    session = window.ctx.session
    assert session is not None
    logged = contacts.contacts(session, household_id)
    assert len(logged) == 1
    contact = logged[0]
    assert contact.data.type.value == "Telefonat"
    assert contact.data.duration_min == 20
    assert len(contact.data.persons_present) == 1
    assert contact.data.notes[0].kind.value == "Beobachtung"
    assert str(contact.data.follow_up) == "2026-11-28"
    assert page.contacts.model.rowCount() == 1
    assert "[Beobachtung] Die Wohnung ist feucht" in page.contacts.model.data(
        page.contacts.model.index(0, 3))

    # Search: umlaut-folded name and a word of the note, debounced as you type.
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    qtbot.keyClicks(familien.search, "Muller")
    qtbot.waitUntil(lambda: familien.model.search == "Muller", timeout=20000)
    assert familien.model.rowCount() == 1
    assert familien.model.data(familien.model.index(0, 0)) == "Müller"
    familien.search.clear()
    qtbot.keyClicks(familien.search, "schimmel")
    qtbot.waitUntil(lambda: familien.model.search == "schimmel", timeout=20000)
    assert familien.model.rowCount() == 1
    assert familien.model.household_id(0) == household_id
    assert familien.count.text() == "1 Treffer"

    # History shows the family's creation and the contact (newest first).
    page = workspace.open_family(household_id)
    assert page is not None
    page.tabs.setCurrentWidget(page.history)
    summaries = [page.history.model.data(page.history.model.index(r, 2))
                 for r in range(page.history.model.rowCount())]
    # what was added, not just that something was: type, date, the note's first words
    assert summaries[0].startswith("Kontakt angelegt: Telefonat, ")
    assert summaries[0].endswith(" – Die Wohnung ist feucht, Schimmel an der Außenwand.")
    assert summaries[-1] == "Haushalt angelegt: Müller"
    assert len([s for s in summaries if s.startswith("Person angelegt: ")]) == 2
    assert page.history.model.data(page.history.model.index(0, 1)) == "Lena Beispiel"
    assert households.get(session, household_id).last_contact_at is not None
    QApplication.processEvents()


def test_tab_order_of_quick_entry_follows_the_form(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                    family) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    entry = workspace.open_quick_entry(family)
    assert entry is not None
    expected = [entry.date, entry.time, entry.type, entry.duration, entry.present,
                entry.note_kind, entry.source, entry.disputed, entry.note,
                entry.add_note_button, entry.topics,
                entry.next_step, entry.follow_up, entry.save_button]
    # Walk Qt's focus chain (it also holds inner widgets such as a spin box's line edit)
    # and keep the fields in the order Tab reaches them.
    chain, widget = [], entry.date
    for _ in range(100):
        if widget in expected and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == expected


def test_several_typed_notes_in_one_contact(qtbot, unlocked: MainWindow, family: str,  # type: ignore[no-untyped-def]
                                            session) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    entry = workspace.open_quick_entry(family)
    assert entry is not None
    type_text(qtbot, entry.note, "Im Kinderzimmer ist Schimmel an der Außenwand.")
    qtbot.keyClick(entry.note, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(entry.extra_notes) == 1
    second = entry.extra_notes[0]
    assert second.title() == "Notiz 2"
    second.kind.setCurrentIndex(second.kind.findText("Aussage Dritter"))
    qtbot.keyClicks(second.text, "Die Nachbarin sagt, es wird oft laut.")
    entry.save()
    assert "Notiz 2 – Quelle" in entry.form.general_error.text()  # names the note
    qtbot.keyClicks(second.source, "Nachbarin")
    entry.add_note()
    third = entry.extra_notes[1]
    third.kind.setCurrentIndex(third.kind.findText("Hypothese"))
    qtbot.keyClicks(third.text, "Die Feuchtigkeit belastet die Atemwege der Kinder.")

    entry.flush_draft()  # the draft keeps all three entries
    entry.reject()
    qtbot.waitUntil(lambda: family not in workspace.quick_entries, timeout=20000)
    again = workspace.open_quick_entry(family, ask=False)
    assert again is not None
    assert [b.text.toPlainText() for b in again.extra_notes] == [
        "Die Nachbarin sagt, es wird oft laut.",
        "Die Feuchtigkeit belastet die Atemwege der Kinder."]
    again.remove_note(again.extra_notes[0])
    assert again.extra_notes[0].title() == "Notiz 2"
    again.save()
    logged = contacts.contacts(session, family)
    assert [n.label() for n in logged[0].data.notes] == ["Fakt", "Hypothese"]
