"""Corrections (Berichtigung) and addenda (Nachtrag) of saved contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.errors import ValidationError
from casework.models.contacts import (
    AddendumDraft,
    ContactDraft,
    ContactType,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
    revision_lines,
)
from casework.services import contacts, contacts_corrections, history
from casework.storage.privacy import purge

WRONG = "Die Mutter Ayşe wirkt alkoholisiert."
RIGHT = "Die Nachbarin wirkt alkoholisiert; die Mutter war nüchtern."


def _contact(session, family):
    cid, _ = contacts.log_contact(session, family, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH, 30,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, WRONG),)))
    return cid


def test_correction_is_a_new_version_with_who_when_why(session, family, clock) -> None:
    cid = _contact(session, family)
    clock.advance(timedelta(days=1))
    changes = contacts_corrections.correct(session, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), "Personen verwechselt"))
    assert changes.affects("contact") and changes.ids("household") == {family}
    stored = contacts.get(session, cid)
    assert [n.text for n in stored.data.notes] == [RIGHT]
    assert [n.text for n in stored.original_notes] == [WRONG]
    (correction,) = stored.corrections
    assert correction.reason == "Personen verwechselt"
    assert correction.author_name == "Lena Beispiel"
    text = "\n".join(revision_lines(stored))
    assert "berichtigt am 22.11.2026 10:00 von Lena Beispiel (Grund: Personen verwechselt)" in text
    assert WRONG in text
    # The history names the correction with its reason and the earlier wording.
    summaries = [e.summary() for e in history.for_household(session, family)]
    assert any("Personen verwechselt" in s and WRONG in s for s in summaries), summaries
    # Note search finds what is valid now, not the replaced wording.
    assert [h.contact_id for h in contacts.search_notes(session, "nüchtern")] == [cid]
    assert contacts.search_notes(session, "Ayşe") == []


def test_correction_needs_a_reason_and_a_change(session, family) -> None:
    cid = _contact(session, family)
    with pytest.raises(ValidationError) as info:
        contacts_corrections.correct(session, cid, CorrectionDraft(
            (NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), "  "))
    assert info.value.field == "Grund der Berichtigung"
    with pytest.raises(ValidationError) as info:
        contacts_corrections.correct(session, cid, CorrectionDraft(
            (NoteEntry(NoteKind.BEOBACHTUNG, WRONG),), "versehentlich"))
    assert info.value.field == "Notiz"
    assert contacts.get(session, cid).revisions == ()


def test_addendum_keeps_the_contact_unchanged(session, family, clock) -> None:
    cid = _contact(session, family)
    before = contacts.get(session, cid)
    clock.advance(timedelta(hours=3))
    contacts_corrections.add_addendum(session, cid, AddendumDraft("Kita bestätigt telefonisch."))
    after = contacts.get(session, cid)
    assert after.data == before.data
    (addendum,) = after.addenda
    assert addendum.text == "Kita bestätigt telefonisch."
    assert "Nachtrag vom 21.11.2026 13:00 von Lena Beispiel:" in revision_lines(after)
    with pytest.raises(ValidationError):
        contacts_corrections.add_addendum(session, cid, AddendumDraft(" "))


def test_revisions_are_append_only_and_go_with_the_household(session, family) -> None:
    cid = _contact(session, family)
    contacts_corrections.correct(session, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), "Personen verwechselt"))
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("UPDATE contact_revisions SET reason = 'x'")
    result = purge.purge_household(session.db, family)
    assert result.counts.get("contact_revisions") == 1
    assert session.db.scalar("SELECT count(*) FROM contact_revisions") == 0


def test_restricted_file_is_not_corrected_by_ordinary_workers(session, family) -> None:
    from casework.errors import PermissionDenied
    from casework.models.persons.worker import WorkerDraft, WorkerRole
    from casework.services.persons import workers
    from casework.services.privacy import retention

    cid = _contact(session, family)
    lead, _ = workers.create(session, WorkerDraft("Leitung Eins", WorkerRole.LEITUNG))
    fachkraft, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    session.act_as(lead)
    retention.restrict(session, family, "Aufbewahrungspflicht § 9b")
    session.act_as(fachkraft)
    with pytest.raises(PermissionDenied, match="eingeschränkt"):
        contacts_corrections.add_addendum(session, cid, AddendumDraft("Nachtrag"))
    assert contacts.get(session, cid).revisions == ()


def test_date_type_and_next_step_are_corrected_visibly(session, family, clock) -> None:
    """Issue 18: a wrong date, contact type or next step is corrected like the notes: a
    new version with who, when and why; the earlier values stay readable; the contact
    (and the family list's "last contact") show the corrected ones."""
    from datetime import datetime

    from casework.clock import BERLIN
    from casework.services.households import households

    cid, _ = contacts.log_contact(session, family, ContactDraft(
        datetime(2026, 11, 20, 9, 30, tzinfo=BERLIN), ContactType.HAUSBESUCH, 30,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), next_steps="Kita anrufen"))
    clock.advance(timedelta(hours=2))
    contacts_corrections.correct(session, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), "Telefonat, nicht Hausbesuch; am Vortag",
        occurred_at=datetime(2026, 11, 19, 16, 0, tzinfo=BERLIN), type=ContactType.TELEFONAT,
        next_steps="Schule anrufen"))
    stored = contacts.get(session, cid)
    assert stored.data.type is ContactType.TELEFONAT
    assert stored.data.occurred_at == datetime(2026, 11, 19, 16, 0, tzinfo=BERLIN)
    assert stored.data.next_steps == "Schule anrufen"
    assert [n.text for n in stored.data.notes] == [RIGHT]
    (correction,) = stored.corrections
    assert correction.author_name == "Lena Beispiel" and not correction.notes_changed
    lines = revision_lines(stored)
    assert lines == [
        "berichtigt am 21.11.2026 12:00 von Lena Beispiel (Grund: Telefonat, nicht Hausbesuch;"
        " am Vortag); frühere Fassung:",
        "  Datum/Uhrzeit: 20.11.2026 09:30", "  Art: Hausbesuch",
        "  Nächster Schritt: Kita anrufen"]
    summaries = [e.summary() for e in history.for_household(session, family)]
    assert any("früher: Datum/Uhrzeit: 20.11.2026 09:30 / Art: Hausbesuch / Nächster "
               "Schritt: Kita anrufen" in s for s in summaries), summaries
    assert any("Kontakt geändert" in s for s in summaries)  # the contact's own update
    (row,) = households.list_rows(session, [family])  # the family list's "last contact"
    assert row.last_contact_at is not None and row.last_contact_at.startswith("2026-11-19T15:00")
    # The next step alone, and nothing at all
    contacts_corrections.correct(session, cid, CorrectionDraft(
        stored.data.notes, "Tippfehler", next_steps="Schule anrufen (Frau Kaya)"))
    assert contacts.get(session, cid).data.next_steps == "Schule anrufen (Frau Kaya)"
    with pytest.raises(ValidationError) as info:
        contacts_corrections.correct(session, cid, CorrectionDraft(
            stored.data.notes, "nichts", type=ContactType.TELEFONAT,
            next_steps=" Schule anrufen (Frau Kaya) "))
    assert info.value.field == "Notiz"  # "unverändert"


def test_corrected_date_may_not_lie_ahead_or_after_the_follow_up(session, family) -> None:
    from datetime import date, datetime

    from casework.clock import BERLIN

    cid, _ = contacts.log_contact(session, family, ContactDraft(
        datetime(2026, 11, 10, 9, 30, tzinfo=BERLIN), ContactType.BERATUNG,
        notes=(NoteEntry(NoteKind.FAKT, RIGHT),), follow_up=date(2026, 11, 12)))
    notes = contacts.get(session, cid).data.notes
    for moment, reason in ((datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN), "Zukunft"),
                           (datetime(2026, 11, 15, 9, 0, tzinfo=BERLIN), "Wiedervorlage")):
        with pytest.raises(ValidationError) as info:
            contacts_corrections.correct(session, cid, CorrectionDraft(
                notes, "Datum", occurred_at=moment))
        assert info.value.field == "Datum/Uhrzeit" and reason.lower()[:5] in \
            info.value.reason.lower()
    assert contacts.get(session, cid).revisions == ()


def test_note_search_finds_an_addendum_and_only_the_current_wording(session, family,
                                                                     clock) -> None:
    """Issue 18: a Nachtrag is found by the note search with its snippet, like a note; a
    corrected note by its current wording only; a deleted file leaves no addendum words
    in the index."""
    from casework.storage.privacy import purge

    cid = _contact(session, family)
    clock.advance(timedelta(hours=1))
    contacts_corrections.add_addendum(session, cid, AddendumDraft(
        "Die Schulsozialarbeiterin meldet sich am Freitag zurück."))
    (hit,) = contacts.search_notes(session, "schulsozialarb")  # prefix, as typed
    assert hit.contact_id == cid and hit.household_id == family and hit.kind == "Nachtrag"
    assert hit.snippet.startswith("[Nachtrag] ") and "Schulsozialarbeiterin" in hit.snippet
    assert [h.contact_id for h in contacts.search_notes(session, "freitag",
                                                        ranked=True)] == [cid]
    # Newest first across notes and addenda: the addendum was written after the note.
    other, _ = contacts.log_contact(session, family, ContactDraft(
        clock.now() - timedelta(days=3), ContactType.TELEFONAT,
        notes=(NoteEntry(NoteKind.FAKT, "Freitag ist Elternabend."),)))
    clock.advance(timedelta(hours=1))
    contacts_corrections.add_addendum(session, cid, AddendumDraft("Am Freitag abgesagt."))
    assert [h.contact_id for h in contacts.search_notes(session, "freitag")] == [
        cid, other, cid]
    contacts_corrections.correct(session, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, RIGHT),), "Personen verwechselt"))
    assert [h.contact_id for h in contacts.search_notes(session, "nachbarin")] == [cid]
    assert contacts.search_notes(session, "Ayşe") == []  # the corrected-away wording
    # A correction of the notes alone travels as before migration 76 (no new fields), so
    # a team device not yet updated accepts it.
    logged = [e.fields for e in history.for_household(session, family)
              if e.entity == "contact_revision" and e.fields.get("kind") == "berichtigung"]
    assert logged and all("fields" not in f and "previous_fields" not in f for f in logged)
    purge.purge_household(session.db, family)
    assert session.db.scalar("SELECT count(*) FROM addendum_fts WHERE addendum_fts "
                             "MATCH 'schulsozialarbeiterin'") == 0
    assert contacts.search_notes(session, "freitag") == []
