"""Hilfeplan: goals agreed with the family, their progress and reviews, and the minutes
of a Hilfeplangespräch.

A goal is SMART when it says what (specific), by what it is measured, by when, and who
does what; `smart_gaps` names what is still missing in the worker's words, so the
minutes of a Hilfeplangespräch can note which goals are not SMART yet (the Bielefeld
measures ask for SMART goals). A goal may be saved before it is SMART: agreeing on it
with the family is a process. Progress entries and reviews are append-only; the goal's
state follows its last closing entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from casework.errors import ValidationError

MAX_TEXT = 2000
MIN_WHAT_WORDS = 3  # "Mehr Struktur" is not yet specific


class GoalState(StrEnum):
    OFFEN = "offen"
    ERREICHT = "erreicht"
    TEILWEISE = "teilweise erreicht"
    NICHT_ERREICHT = "nicht erreicht"
    AUFGEGEBEN = "nicht mehr verfolgt"


CLOSED_GOAL_STATES = frozenset(GoalState) - {GoalState.OFFEN}


class EntryKind(StrEnum):
    FORTSCHRITT = "Fortschritt"
    UEBERPRUEFUNG = "Überprüfung"
    ABSCHLUSS = "Abschluss"  # closes the goal with a final state


@dataclass(frozen=True, slots=True)
class GoalDraft:
    household_id: str
    what: str  # Was soll erreicht werden? (in the family's words)
    measure: str = ""  # Woran erkennen wir, dass es erreicht ist?
    due_on: date | None = None  # Bis wann?
    responsibilities: str = ""  # Wer macht was?
    person_ids: tuple[str, ...] = ()
    review_on: date | None = None  # next review
    procedure_id: str = ""  # optional link to a § 8a Schutzplan (the plan stays separate)

    def validated(self, member_ids: set[str], today: date) -> GoalDraft:
        what = self.what.strip()
        if not what:
            raise ValidationError("Ziel", "bitte beschreiben.")
        texts = {"Ziel": what, "Woran erkennbar": self.measure.strip(),
                 "Wer macht was": self.responsibilities.strip()}
        for label, text in texts.items():
            if len(text) > MAX_TEXT:
                raise ValidationError(label, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
        persons = tuple(dict.fromkeys(self.person_ids))
        if any(p not in member_ids for p in persons):
            raise ValidationError("Personen", "enthält jemanden, der nicht zum Haushalt "
                                              "gehört.")
        if self.review_on is not None and self.review_on < today:
            raise ValidationError("Nächste Überprüfung", "liegt in der Vergangenheit.")
        return GoalDraft(self.household_id, what, texts["Woran erkennbar"], self.due_on,
                         texts["Wer macht was"], persons, self.review_on,
                         self.procedure_id.strip())


def smart_gaps(goal: GoalDraft) -> tuple[str, ...]:
    """What the goal still lacks to be SMART (empty: it is SMART)."""
    gaps = []
    if len(goal.what.split()) < MIN_WHAT_WORDS:
        gaps.append("konkret: genauer beschreiben, was sich ändern soll")
    if not goal.measure.strip():
        gaps.append("messbar: woran erkennen wir, dass das Ziel erreicht ist?")
    if goal.due_on is None:
        gaps.append("terminiert: bis wann?")
    if not goal.responsibilities.strip():
        gaps.append("wer macht was?")
    return tuple(gaps)


@dataclass(frozen=True, slots=True)
class GoalEntry:
    id: str
    goal_id: str
    kind: EntryKind
    on: date
    text: str
    rating: int | None  # 0–10 "wie weit sind wir?" (scaling question), optional
    state: GoalState | None  # for ABSCHLUSS
    next_review_on: date | None
    at: datetime
    by_name: str


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    data: GoalDraft
    state: GoalState
    created_at: datetime
    entries: tuple[GoalEntry, ...] = ()  # oldest first

    @property
    def is_open(self) -> bool:
        return self.state is GoalState.OFFEN

    @property
    def gaps(self) -> tuple[str, ...]:
        return smart_gaps(self.data)

    @property
    def next_review(self) -> date | None:
        """The latest entry's next review date, else the goal's own."""
        for entry in reversed(self.entries):
            if entry.next_review_on is not None:
                return entry.next_review_on
            if entry.kind is EntryKind.UEBERPRUEFUNG:
                return None  # reviewed without a new date
        return self.data.review_on

    @property
    def last_rating(self) -> int | None:
        for entry in reversed(self.entries):
            if entry.rating is not None:
                return entry.rating
        return None


def validated_entry(kind: EntryKind, text: str, rating: int | None,
                    state: GoalState | None, next_review_on: date | None, on: date,
                    today: date) -> tuple[str, int | None, GoalState | None]:
    clean = text.strip()
    if kind is not EntryKind.FORTSCHRITT and not clean and kind is EntryKind.ABSCHLUSS:
        raise ValidationError("Notiz", "bitte kurz festhalten, was erreicht wurde.")
    if kind is EntryKind.FORTSCHRITT and not clean:
        raise ValidationError("Notiz", "bitte angeben.")
    if len(clean) > MAX_TEXT:
        raise ValidationError("Notiz", f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
    if rating is not None and not 0 <= rating <= 10:
        raise ValidationError("Einschätzung", "muss zwischen 0 und 10 liegen.")
    if on > today:
        raise ValidationError("Datum", "liegt in der Zukunft.")
    if next_review_on is not None and next_review_on < on:
        raise ValidationError("Nächste Überprüfung", "liegt vor dem Datum.")
    if kind is EntryKind.ABSCHLUSS:
        if state is None or state is GoalState.OFFEN:
            raise ValidationError("Ergebnis", "bitte auswählen.")
    elif state is not None:
        raise ValidationError("Ergebnis", "nur beim Abschluss eines Ziels.")
    return clean, rating, state


@dataclass(frozen=True, slots=True)
class HilfeplanMeeting:
    """Minutes of a Hilfeplangespräch (append-only)."""

    id: str
    household_id: str
    on: date
    participants: str
    notes: str
    not_smart: tuple[tuple[str, tuple[str, ...]], ...]  # (goal text, gaps) at that time
    at: datetime
    by_name: str
