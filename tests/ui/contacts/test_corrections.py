"""Correcting a saved contact visibly and appending a Nachtrag, from the family file."""

from __future__ import annotations

from PySide6.QtCore import Qt

from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.ids import HouseholdId
from casework.services import contacts
from casework.services.session import Session
from casework.ui.context import UiContext
from casework.ui.households.family_file import FamilyFile
from tests.ui.conftest import MessageLog, type_text

WRONG = "Der Vater Dragan war beim Besuch aggressiv."
RIGHT = "Der Onkel war beim Besuch aggressiv; der Vater war nicht da."


def _file(qtbot, ctx: UiContext, session: Session, family: HouseholdId) -> FamilyFile:  # type: ignore[no-untyped-def]
    contacts.log_contact(session, family, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH, 30,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, WRONG),)))
    ctx.attach(session)
    page = FamilyFile(ctx, family)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.contacts)
    page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
    return page


def test_correction_keeps_the_earlier_wording_in_detail_and_history(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,
        message_log: MessageLog) -> None:
    page = _file(qtbot, ctx, session, family)
    dialog = page.contacts.correct()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.blocks[0].text.toPlainText() == WRONG
    assert dialog.windowTitle() == "Kontakt berichtigen"  # titles name no family
    assert dialog.blocks[0].text.hasFocus() or dialog.focusWidget() is dialog.blocks[0].text
    dialog.blocks[0].text.setPlainText(RIGHT)
    assert not dialog.save()  # no reason given: refused, named at the field
    assert "bitte angeben" in dialog.form.error_text("Grund der Berichtigung")
    assert contacts.get(session, page.contacts.model.items[0].id).revisions == ()
    qtbot.keyClicks(dialog.reason, "Personen verwechselt")
    assert dialog.save()
    assert ctx.last_confirmation.startswith("Berichtigung gespeichert")
    detail = page.contacts.detail.toPlainText()
    assert RIGHT in detail and WRONG in detail
    assert "berichtigt am 21.11.2026 10:00 von Lena Beispiel (Grund: Personen verwechselt)" \
        in detail
    assert "[berichtigt]" in page.contacts.model.data(page.contacts.model.index(0, 3))
    history = [page.history.model.data(page.history.model.index(r, 2))
               for r in range(page.history.model.rowCount())]
    assert any("Personen verwechselt" in h and WRONG in h and RIGHT in h for h in history)


def test_addendum_from_the_family_file_and_escape_keeps_typed_text(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,
        message_log: MessageLog) -> None:
    page = _file(qtbot, ctx, session, family)
    dialog = page.contacts.add_addendum()
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.text, "Schule meldet Besserung.")
    message_log.confirm_answer = False  # "Verwerfen?" – no
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.text.toPlainText() == "Schule meldet Besserung."
    assert dialog.save()
    detail = page.contacts.detail.toPlainText()
    assert "Nachtrag vom 21.11.2026 10:00 von Lena Beispiel:" in detail
    assert WRONG in detail and "Schule meldet Besserung." in detail


def test_typed_correction_survives_a_lock(  # type: ignore[no-untyped-def]
        qtbot, unlocked, session: Session, family: HouseholdId, vault_dir,
        message_log: MessageLog) -> None:
    from tests.ui.conftest import unlock

    contacts.log_contact(session, family, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH, 30,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, WRONG),)))
    workspace = unlocked.workspace
    page = workspace.open_family(family)
    page.tabs.setCurrentWidget(page.contacts)
    page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
    dialog = page.contacts.correct()
    dialog.blocks[0].text.setPlainText(RIGHT)
    qtbot.keyClicks(dialog.reason, "Personen verwechselt")
    unlocked.lock()  # no question while locking; the typed text waits in the vault
    assert not any("verwerfen" in t for t in message_log.texts("confirm"))
    unlock(qtbot, unlocked, vault_dir)
    page = unlocked.workspace.open_family(family)
    page.tabs.setCurrentWidget(page.contacts)
    page.contacts.view.setCurrentIndex(page.contacts.model.index(0, 0))
    again = page.contacts.correct()
    assert again.blocks[0].text.toPlainText() == RIGHT
    assert again.reason.text() == "Personen verwechselt"
    assert again.save()
    assert [n.text for n in contacts.contacts(session, family)[0].data.notes] == [RIGHT]


def test_date_type_and_next_step_corrected_from_the_dialog(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session, family: HouseholdId,
        message_log: MessageLog) -> None:
    """Issue 18: the correction dialog shows date and time, type and next step as they
    stand; changing them is a correction like the notes, and the detail keeps the earlier
    values readable."""
    from casework.ui.contacts.correction import CorrectionDialog

    page = _file(qtbot, ctx, session, family)
    dialog = page.contacts.correct()
    assert isinstance(dialog, CorrectionDialog)
    qtbot.addWidget(dialog)
    assert (dialog.date.text(), dialog.time.text()) == ("21.11.2026", "10:00")
    assert dialog.type.currentText() == "Hausbesuch" and dialog.next_step.text() == ""
    assert not dialog.typed()  # showing the values is not a change
    dialog.date.setText("20.11.2026")
    dialog.time.setText("25:00")
    dialog.type.setCurrentIndex(dialog.type.findData(ContactType.TELEFONAT.value))
    type_text(qtbot, dialog.next_step, "Rückruf am Montag")
    qtbot.keyClicks(dialog.reason, "war ein Anruf am Vortag")
    assert dialog.typed()
    assert not dialog.save()  # the time is named at its field
    assert "Uhrzeit" in dialog.form.error_text("Datum/Uhrzeit")
    dialog.time.setText("16:30")
    assert dialog.save()
    stored = contacts.get(session, page.contacts.model.items[0].id)
    assert stored.data.type is ContactType.TELEFONAT and stored.data.next_steps == \
        "Rückruf am Montag"
    assert [n.text for n in stored.data.notes] == [WRONG]  # the notes stay as they were
    detail = page.contacts.detail.toPlainText()
    assert detail.startswith("20.11.2026 16:30 · Telefonat")
    assert "(Grund: war ein Anruf am Vortag); frühere Fassung:" in detail
    for earlier in ("Datum/Uhrzeit: 21.11.2026 10:00", "Art: Hausbesuch",
                    "Nächster Schritt: (leer)"):
        assert earlier in detail
    assert detail.count(WRONG) == 1  # unchanged notes are not repeated as "earlier"


def test_familien_note_search_shows_the_addendum_it_found(  # type: ignore[no-untyped-def]
        qtbot, ctx: UiContext, session: Session, family: HouseholdId) -> None:
    """Issue 18: a family found by the words of a Nachtrag shows that Nachtrag as the
    "Fundstelle in Notizen", like a note."""
    from casework.models.contacts import AddendumDraft
    from casework.services import contacts_corrections
    from casework.ui.households.family_model import COLUMNS, SNIPPET_COLUMN
    from casework.ui.households.screen import FamilienScreen

    page = _file(qtbot, ctx, session, family)
    contacts_corrections.add_addendum(session, page.contacts.model.items[0].id, AddendumDraft(
        "Jobcenter hat den Weiterbewilligungsantrag erhalten."))
    screen = FamilienScreen(ctx, search_delay_ms=0)
    qtbot.addWidget(screen)
    screen.search.setText("weiterbewill")
    screen.run_search()
    assert screen.model.rowCount() == 1 and screen.model.household_id(0) == family
    assert COLUMNS[SNIPPET_COLUMN] == "Fundstelle in Notizen"
    assert not screen.view.isColumnHidden(SNIPPET_COLUMN)
    shown = screen.model.data(screen.model.index(0, SNIPPET_COLUMN))
    assert shown.startswith("[Nachtrag] ") and "Weiterbewilligungsantrag" in shown
