"""Contact logging, follow-ups and note search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.errors import ValidationError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.services import contacts
from casework.services.households import households
from tests.conftest import add_family


def test_logged_contact_keeps_typed_notes_and_disputed_marker(session, family) -> None:
    lena = next(p for p in households.members(session, family) if p.data.first_name == "Lena")
    cid, changes = contacts.log_contact(session, family, ContactDraft(
        session.clock.now(), ContactType.HAUSBESUCH, 45, (lena.id,), ("Schule",),
        (NoteEntry(NoteKind.FAKT, "Lena fehlt seit Montag in der Schule."),
         NoteEntry(NoteKind.AUSSAGE_DRITTER, "Nachbarin hört nachts Streit.", "Nachbarin",
                   disputed=True),
         NoteEntry(NoteKind.HYPOTHESE, "Überforderung der Mutter?")),
        "Termin Schulsozialarbeit", date(2026, 11, 25)))
    assert changes.affects("contact") and changes.ids("household") == {family}
    stored = contacts.get(session, cid)
    assert [n.label() for n in stored.data.notes] == [
        "Fakt", "Aussage Dritter (Nachbarin) – bestritten", "Hypothese"]
    assert stored.data.persons_present == (lena.id,)
    row = households.list_rows(session, [family])[0]
    assert row.open_followups == 1


def test_third_party_statement_needs_a_source(session, family) -> None:
    with pytest.raises(ValidationError) as info:
        contacts.log_contact(session, family, ContactDraft(
            session.clock.now(), ContactType.TELEFONAT,
            notes=(NoteEntry(NoteKind.AUSSAGE_DRITTER, "Die Schule sagt …"),)))
    assert info.value.field == "Quelle"
    assert contacts.count(session, family) == 0


def test_person_of_another_household_cannot_be_present(session, family) -> None:
    other = add_family(session, "Schmidt")
    stranger = households.members(session, other)[0]
    with pytest.raises(ValidationError) as info:
        contacts.log_contact(session, family, ContactDraft(
            session.clock.now(), ContactType.HAUSBESUCH, persons_present=(stranger.id,)))
    assert info.value.field == "Anwesende Personen"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"duration_min": -5}, "Dauer"),
    ({"duration_min": 2000}, "Dauer"),
    ({"follow_up": date(2020, 1, 1)}, "Wiedervorlage"),
])
def test_invalid_contact_fields(session, family, kwargs, field) -> None:
    with pytest.raises(ValidationError) as info:
        contacts.log_contact(session, family, ContactDraft(
            session.clock.now(), ContactType.TELEFONAT, **kwargs))
    assert info.value.field == field


def test_contact_in_the_future_is_refused(session, family) -> None:
    with pytest.raises(ValidationError) as info:
        contacts.log_contact(session, family, ContactDraft(
            session.clock.now() + timedelta(hours=2), ContactType.TELEFONAT))
    assert info.value.field == "Datum/Uhrzeit"


def test_follow_ups_due_today_and_overdue_and_completion(session, family) -> None:
    now = session.clock.now()
    overdue, _ = contacts.log_contact(session, family, ContactDraft(
        now - timedelta(days=10), ContactType.TELEFONAT, follow_up=date(2026, 11, 18)))
    contacts.log_contact(session, family, ContactDraft(
        now, ContactType.TELEFONAT, follow_up=date(2026, 12, 1)))
    due = contacts.follow_ups_due(session)
    assert [f.contact_id for f in due] == [overdue]
    contacts.complete_follow_up(session, overdue)
    assert contacts.follow_ups_due(session) == []
    assert households.list_rows(session, [family])[0].open_followups == 1


def test_note_search_newest_first_and_umlaut_folded(session, family) -> None:
    now = session.clock.now()
    for days, text in ((30, "Kita-Platz beantragt"), (1, "Kita-Platz zugesagt, Freude groß")):
        contacts.log_contact(session, family, ContactDraft(
            now - timedelta(days=days), ContactType.TELEFONAT,
            notes=(NoteEntry(NoteKind.FAKT, text),)))
    hits = contacts.search_notes(session, "kita")
    assert [h.snippet for h in hits] == ["Kita-Platz zugesagt, Freude groß",
                                         "Kita-Platz beantragt"]
    assert len(contacts.search_notes(session, "freude gross")) == 1
    assert len(contacts.search_notes(session, "FREUDE GROß")) == 1
    assert contacts.search_notes(session, "freude klein") == []


def test_contacts_logged_today(session, family) -> None:
    contacts.log_contact(session, family, ContactDraft(session.clock.now(), ContactType.BERATUNG))
    today = contacts.logged_today(session)
    assert [name for _, name in today] == ["Müller (Ayşe) · Gärtnerstr. 12"]
