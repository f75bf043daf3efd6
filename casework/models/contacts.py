"""Contact (Kontakt/Besuch) with typed note entries (LR-09)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from casework.errors import ValidationError
from casework.models.ids import ContactId, HouseholdId, PersonId


class ContactType(StrEnum):
    HAUSBESUCH = "Hausbesuch"
    SPRECHSTUNDE = "Sprechstunde Stadtteilbüro"
    TELEFONAT = "Telefonat"
    BEGLEITUNG = "Begleitung"
    GRUPPENANGEBOT = "Gruppenangebot"
    FAMILIENTRAINING = "Familientraining"
    BERATUNG = "Beratung"
    SONSTIGES = "Sonstiges"


class NoteKind(StrEnum):
    """Keep facts, observations, statements of others, hypotheses and assessments
    apart (LR-09, Sigmaringen practice)."""

    FAKT = "Fakt"
    BEOBACHTUNG = "Beobachtung"
    AUSSAGE_DRITTER = "Aussage Dritter"
    HYPOTHESE = "Hypothese"
    BEWERTUNG = "Bewertung"


@dataclass(frozen=True, slots=True)
class NoteEntry:
    kind: NoteKind
    text: str
    source: str = ""  # required for Aussage Dritter
    disputed: bool = False  # "bestritten": always shown and exported with the marker

    def validated(self) -> NoteEntry:
        text = self.text.strip()
        if not text:
            raise ValidationError("Notiz", "darf nicht leer sein.")
        source = self.source.strip()
        if self.kind is NoteKind.AUSSAGE_DRITTER and not source:
            raise ValidationError("Quelle", "bei „Aussage Dritter“ ist die Quelle anzugeben.")
        return NoteEntry(NoteKind(self.kind), text, source, self.disputed)

    def label(self) -> str:
        label = self.kind.value
        if self.source:
            label += f" ({self.source})"
        if self.disputed:
            label += " – bestritten"
        return label


MAX_DURATION_MIN = 24 * 60


@dataclass(frozen=True, slots=True)
class ContactDraft:
    occurred_at: datetime  # aware
    type: ContactType
    duration_min: int = 0
    persons_present: tuple[PersonId, ...] = ()
    topics: tuple[str, ...] = ()
    notes: tuple[NoteEntry, ...] = ()
    next_steps: str = ""
    follow_up: date | None = None

    def validated(self, now: datetime) -> ContactDraft:
        if self.occurred_at.tzinfo is None:
            raise ValidationError("Datum/Uhrzeit", "ohne Zeitzone.")
        if self.occurred_at > now.replace(microsecond=0) + _FUTURE_SLACK:
            raise ValidationError("Datum/Uhrzeit", "liegt in der Zukunft.")
        if not 0 <= self.duration_min <= MAX_DURATION_MIN:
            raise ValidationError("Dauer", "muss zwischen 0 und 1440 Minuten liegen.")
        if self.follow_up is not None and self.follow_up < self.occurred_at.date():
            raise ValidationError("Wiedervorlage", "liegt vor dem Kontaktdatum.")
        return ContactDraft(
            occurred_at=self.occurred_at,
            type=ContactType(self.type),
            duration_min=self.duration_min,
            persons_present=tuple(dict.fromkeys(self.persons_present)),
            topics=tuple(t.strip() for t in self.topics if t.strip()),
            notes=tuple(n.validated() for n in self.notes),
            next_steps=self.next_steps.strip(),
            follow_up=self.follow_up,
        )


_FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Contact:
    id: ContactId
    household_id: HouseholdId
    data: ContactDraft
    created_at: str
    created_by: str
    version: str
    follow_up_done: bool = False


@dataclass(frozen=True, slots=True)
class FollowUp:
    contact_id: ContactId
    household_id: HouseholdId
    household_name: str
    due: date
    next_steps: str


@dataclass(frozen=True, slots=True)
class NoteHit:
    contact_id: ContactId
    household_id: HouseholdId
    household_name: str
    occurred_at: str
    kind: str
    snippet: str
