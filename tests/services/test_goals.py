"""Hilfeplan on real vaults: SMART goals, append-only progress and reviews, reviews due
on Heute, minutes that note goals not SMART yet, the family's Hilfeplan PDF (issue 20)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pypdf
import pytest

from casework.clock import FixedClock
from casework.errors import ValidationError
from casework.models.goals import EntryKind, GoalDraft, GoalState, smart_gaps
from casework.models.households.lifecycle import ClosureReason
from casework.models.ids import HouseholdId
from casework.services import agenda, goals
from casework.services.households import households, lifecycle
from casework.services.session import Session
from casework.storage import audit as audit_store

TODAY = date(2026, 11, 21)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def smart(hid: str, **kw: object) -> GoalDraft:
    values: dict[str, object] = dict(
        what="Lena geht jeden Morgen pünktlich in die Kita",
        measure="an höchstens zwei Tagen im Monat zu spät",
        due_on=date(2027, 3, 31),
        responsibilities="Mutter: Wecker um 7 Uhr; Fachkraft: Gespräch mit der Kita",
        review_on=date(2026, 12, 15))
    values.update(kw)
    return GoalDraft(hid, **values)  # type: ignore[arg-type]


def test_smart_gaps_name_what_is_missing() -> None:
    assert smart_gaps(smart("h")) == ()
    gaps = smart_gaps(GoalDraft("h", "Mehr Struktur"))
    assert gaps == ("konkret: genauer beschreiben, was sich ändern soll",
                    "messbar: woran erkennen wir, dass das Ziel erreicht ist?",
                    "terminiert: bis wann?", "wer macht was?")


def test_goal_progress_and_closing(session: Session, family: HouseholdId) -> None:
    with pytest.raises(ValidationError) as info:
        goals.create(session, GoalDraft(family, " "))
    assert info.value.field == "Ziel"
    gid, _ = goals.create(session, smart(family))
    goals.add_entry(session, gid, EntryKind.FORTSCHRITT, "erste Woche pünktlich", rating=4)
    with pytest.raises(ValidationError):
        goals.add_entry(session, gid, EntryKind.FORTSCHRITT, "", rating=4)
    with pytest.raises(ValidationError) as info:
        goals.add_entry(session, gid, EntryKind.ABSCHLUSS, "fertig")
    assert info.value.field == "Ergebnis"
    assert households.list_ids(session, open_goals=True) == [family]
    goals.add_entry(session, gid, EntryKind.ABSCHLUSS, "klappt seit Wochen",
                    state=GoalState.ERREICHT, rating=9)
    goal = goals.get(session, gid)
    assert goal.state is GoalState.ERREICHT and goal.last_rating == 9
    assert [e.kind for e in goal.entries] == [EntryKind.FORTSCHRITT, EntryKind.ABSCHLUSS]
    assert households.list_ids(session, open_goals=True) == []
    with pytest.raises(ValidationError):  # closed goals take no more entries
        goals.add_entry(session, gid, EntryKind.FORTSCHRITT, "noch was")
    with pytest.raises(Exception, match="append-only"), session.db.transaction():
        session.db.execute("UPDATE goal_entries SET text = 'x'")


def test_review_due_on_heute(session: Session, family: HouseholdId, clock: FixedClock) -> None:
    gid, _ = goals.create(session, smart(family, review_on=TODAY + timedelta(days=2)))
    assert goals.reviews_due(session) == []
    clock.advance(timedelta(days=2))
    assert [r.goal.id for r in goals.reviews_due(session)] == [gid]
    items = [i for i in agenda.items(session) if i.area == "Hilfeplan"]
    assert len(items) == 1 and "Überprüfung" in items[0].text
    goals.add_entry(session, gid, EntryKind.UEBERPRUEFUNG, "läuft gut", rating=6,
                    next_review_on=TODAY + timedelta(days=30))
    assert goals.reviews_due(session) == []
    assert goals.get(session, gid).next_review == TODAY + timedelta(days=30)


def test_open_goal_is_a_closure_warning(session: Session, family: HouseholdId) -> None:
    goals.create(session, smart(family))
    assert "1 offenes Ziel im Hilfeplan." in lifecycle.closure_check(session, family).warnings
    lifecycle.close(session, family, ClosureReason.ZIELE_ERREICHT, confirm_warnings=True)
    assert goals.reviews_due(session, TODAY + timedelta(days=60)) == []


def test_minutes_note_goals_not_smart_yet(session: Session, family: HouseholdId) -> None:
    goals.create(session, smart(family))
    goals.create(session, GoalDraft(family, "Mehr Ruhe", measure="weniger Streit"))
    with pytest.raises(ValidationError):
        goals.record_meeting(session, family, "", "Notizen")
    goals.record_meeting(session, family, "Frau Müller, Lena, Fachkraft",
                         "Kita-Ziel gut angelaufen.")
    minutes = goals.meetings(session, family)[0]
    assert [text for text, _ in minutes.not_smart] == ["Mehr Ruhe"]
    assert "terminiert: bis wann?" in minutes.not_smart[0][1]


def test_hilfeplan_pdf_in_plain_language_with_signature_lines(
        session: Session, family: HouseholdId) -> None:
    lena = next(p.id for p in households.members(session, family)
                if p.data.first_name == "Lena")
    goals.create(session, smart(family, person_ids=(lena,)))
    goals.create(session, GoalDraft(family, "Mehr Ruhe"))
    goals.record_meeting(session, family, "Frau Müller, Lena, Fachkraft", "")
    text = pdf_text(goals.print_hilfeplan(session, family))
    assert "Unser Hilfeplan" in text and "Familie Müller" in text
    assert "Daran merken wir, dass es geklappt hat" in text
    assert "pünktlich in die Kita" in text and "bis 31.03.2027" in text
    assert "noch klären" in text and "bis wann?" in text  # the goal not SMART yet
    assert "Ayşe Müller" in text and "Lena Beispiel (Fachkraft)" in text  # signers
    assert "Unterschrift" in text and "Ort, Datum" in text
    for internal in ("offen", "S0", "goal", lena):
        assert internal not in text.replace("noch offen", ""), internal
    reader = pypdf.PdfReader(io.BytesIO(goals.print_hilfeplan(session, family)))
    assert "Müller" not in str(reader.metadata.title if reader.metadata else "")
    assert [e.action for e in audit_store.entries(session.db)].count("hilfeplan.print") == 2
