"""The working day's small traps (issue 18 part C): every save is confirmed in the status
bar, the Übersicht is read-only until "Bearbeiten", Escape never drops typed text
unasked, person and new-family dialogs keep drafts over a lock, the Verlauf and the
access log speak German, warnings follow the palette."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from casework.services import drafts
from casework.services.households import households
from casework.services.privacy import access_log
from casework.ui.households.family_file import FamilyFile
from casework.ui.households.members import PersonDialog
from casework.ui.households.screen import FamilienScreen
from casework.ui.main_window import MainWindow
from casework.ui.widgets import warning_colour, warning_label
from tests.ui.conftest import MessageLog, type_text


def _family_file(window: MainWindow, household_id: str) -> FamilyFile:
    workspace = window.workspace
    assert workspace is not None
    page = workspace.open_family(household_id)
    assert isinstance(page, FamilyFile)
    return page


def test_saves_are_confirmed_in_the_status_bar(qtbot: QtBot, unlocked: MainWindow,
                                                family: str) -> None:
    status = unlocked.statusBar()
    page = _family_file(unlocked, family)
    shown: list[str] = []
    unlocked.ctx.confirmed.connect(shown.append)

    # Übersicht
    page.tabs.setCurrentWidget(page.overview)
    page.overview.edit_button.click()
    page.overview.form.street.setText("Rüsingstraße 4")
    qtbot.keyClick(page.overview.form.street, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert status.currentMessage() == "Übersicht gespeichert."

    # a person
    page.tabs.setCurrentWidget(page.persons)
    dialog = page.persons.add()
    type_text(qtbot, dialog.first, "Mia")
    dialog.birth_value.setText("01.02.2020")
    dialog.save()
    assert status.currentMessage() == "Person gespeichert."

    # a contact through the quick entry
    workspace = unlocked.workspace
    assert workspace is not None
    entry = workspace.open_quick_entry(family, ask=False)
    assert entry is not None
    type_text(qtbot, entry.note, "Kurzer Anruf wegen der Kita-Anmeldung.")
    entry.save()
    assert status.currentMessage() == "Kontakt gespeichert."

    # a new family
    familien = workspace.show_page("familien")
    assert isinstance(familien, FamilienScreen)
    familien.new_family()
    new = familien.new_dialog
    assert new is not None
    type_text(qtbot, new.form.name, "Schäfer")
    new.save()
    assert status.currentMessage() == "Familie angelegt."

    # a setting
    settings = workspace.show_page("einstellungen")
    spin = settings.auto_lock  # type: ignore[union-attr]
    spin.setValue(spin.value() % 15 + 1)
    assert status.currentMessage() == "Einstellung gespeichert."

    assert shown == ["Übersicht gespeichert.", "Person gespeichert.", "Kontakt gespeichert.",
                     "Familie angelegt.", "Einstellung gespeichert."]
    assert not any("Müller" in text or "Mia" in text or "Schäfer" in text for text in shown)


def test_overview_is_read_only_until_bearbeiten(qtbot: QtBot, unlocked: MainWindow,
                                                family: str, message_log: MessageLog) -> None:
    page = _family_file(unlocked, family)
    overview = page.overview
    street = overview.form.street
    assert street.isReadOnly() and not overview.form.district.isEnabled()
    assert overview.edit_button.isVisible() and not overview.save_button.isVisible()
    qtbot.keyClicks(street, "X")
    assert street.text() == "Gärtnerstraße 12"  # typing does nothing while reading

    qtbot.keyClick(street, Qt.Key.Key_F2)
    assert overview.editing and not street.isReadOnly()
    assert overview.save_button.isVisible() and overview.reset_button.isVisible()
    street.selectAll()
    type_text(qtbot, street, "Lindenstraße 3")

    message_log.confirm_answer = False  # "Verwerfen?" – no
    qtbot.keyClick(street, Qt.Key.Key_Escape)
    assert message_log.texts("confirm")[-1].startswith("Die Änderungen an der Übersicht")
    assert overview.editing and street.text() == "Lindenstraße 3"  # kept

    message_log.confirm_answer = True
    overview.reset_button.click()
    assert not overview.editing and street.text() == "Gärtnerstraße 12"
    assert households.get(unlocked.ctx.require_session(), family).data.street == \
        "Gärtnerstraße 12"

    # Escape without changes just leaves editing, no question
    asked = len(message_log.texts("confirm"))
    overview.edit_button.click()
    qtbot.keyClick(street, Qt.Key.Key_Escape)
    assert not overview.editing and len(message_log.texts("confirm")) == asked


def test_person_and_new_family_dialogs_keep_drafts_over_a_lock(
        qtbot: QtBot, unlocked: MainWindow, family: str, vault_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import unlock

    page = _family_file(unlocked, family)
    person = page.persons.add()
    type_text(qtbot, person.first, "Jonas")
    person.birth_value.setText("03.04.2021")
    familien = unlocked.workspace.show_page("familien")  # type: ignore[union-attr]
    assert isinstance(familien, FamilienScreen)
    familien.new_family()
    new = familien.new_dialog
    assert new is not None
    type_text(qtbot, new.form.name, "Özdemir")
    new.form.street.setText("Südring 7")

    unlocked.lock()
    assert not person.isVisible() and not new.isVisible()
    unlock(qtbot, unlocked, vault_dir)
    session = unlocked.ctx.require_session()
    assert "Özdemir" in (drafts.load_draft(session, "new_household", "new") or "")

    # both open again by themselves with what was typed, as the quick entry does
    workspace = unlocked.workspace
    assert workspace is not None
    familien = workspace.pages["familien"]
    assert isinstance(familien, FamilienScreen)
    restored = familien.new_dialog
    assert restored is not None and restored.isVisible()
    assert restored.form.name.text() == "Özdemir" and restored.form.street.text() == "Südring 7"
    page = _family_file(unlocked, family)
    again = page.persons.dialog
    assert isinstance(again, PersonDialog) and again.isVisible()
    assert again.first.text() == "Jonas" and again.birth_value.text() == "03.04.2021"
    restored.save()
    assert drafts.load_draft(session, "new_household", "new") is None  # saved: draft gone

    # closed with "Verwerfen" confirmed: the next dialog starts empty, no question
    again.reject()
    assert drafts.load_draft(session, "person_dialog", family) is None
    assert page.persons.add().first.text() == ""


def test_escape_in_a_dialog_with_typed_text_asks(qtbot: QtBot, unlocked: MainWindow,
                                                 family: str, message_log: MessageLog) -> None:
    # any dialog, e.g. a feature's form dialog without draft handling of its own
    dialog = QDialog(unlocked)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_text(qtbot, edit, "Beobachtung zur Kita")
    message_log.confirm_answer = False
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert dialog.isVisible() and edit.text() == "Beobachtung zur Kita"
    assert message_log.texts("confirm")[-1].startswith("Die Eingaben in diesem Fenster")
    message_log.confirm_answer = True
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    # the person dialog asks through its own draft keeper; No keeps the text
    page = _family_file(unlocked, family)
    person = page.persons.add()
    assert isinstance(person, PersonDialog)
    type_text(qtbot, person.first, "Ole")
    message_log.confirm_answer = False
    qtbot.keyClick(person.first, Qt.Key.Key_Escape)
    assert person.isVisible() and person.first.text() == "Ole"
    message_log.confirm_answer = True
    person.reject()
    assert not person.isVisible()


def test_verlauf_and_access_log_speak_german(unlocked: MainWindow, family: str) -> None:
    page = _family_file(unlocked, family)
    page.tabs.setCurrentWidget(page.history)
    summaries = [page.history.model.data(page.history.model.index(r, 2))
                 for r in range(page.history.model.rowCount())]
    assert "Haushalt angelegt: Müller" in summaries
    assert "Person angelegt: Lena Müller (Kind)" in summaries

    session = unlocked.ctx.require_session()
    session.audit("referral.print", "referral", "r-1", '{"persons":["a","b"]}')
    session.audit("household.reassign", "worker", "w-1", '{"batch":true,"households":["x"]}')
    rows = access_log.access_log(session)
    by_action = {row.action: row for row in rows}
    assert by_action["referral.print"].action_label == "Übermittlungsbogen gedruckt"
    assert by_action["referral.print"].detail == "Personen: 2"
    assert by_action["household.reassign"].detail == "Sammelvorgang: ja · Familien: 1"
    assert by_action["household.view"].action_label == "Familienakte geöffnet"
    assert not any("{" in row.detail or row.action_label == row.action for row in rows)


def test_warning_colour_reads_in_light_and_dark(qapp: QApplication) -> None:
    light, dark = QPalette(), QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    for palette in (light, dark):
        background = palette.color(QPalette.ColorRole.Window)
        colour = warning_colour(palette)
        assert abs(colour.lightness() - background.lightness()) > 90, palette
    label = warning_label("Auslastung über 100 %")
    assert label.font().bold()
    assert label.palette().color(QPalette.ColorRole.WindowText) == \
        warning_colour(QApplication.palette())


def test_enter_on_a_cancelling_default_button_asks(qtbot: QtBot, unlocked: MainWindow,
                                                   message_log: MessageLog) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = QDialog(unlocked)
    edit = QLineEdit(dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.rejected.connect(dialog.reject)
    buttons.accepted.connect(dialog.accept)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)  # a bad default
    layout = QVBoxLayout(dialog)
    layout.addWidget(edit)
    layout.addWidget(buttons)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_text(qtbot, edit, "Termin beim Jobcenter")
    message_log.confirm_answer = False
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and edit.text() == "Termin beim Jobcenter"
    assert message_log.texts("confirm")[-1].startswith("Die Eingaben in diesem Fenster")
    # a saving default is Enter's ordinary job: no question
    buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)
    asked = len(message_log.texts("confirm"))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    assert len(message_log.texts("confirm")) == asked
