"""Contact (Kontakt/Besuch) with typed note entries (LR-09)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from casework.clock import BERLIN, from_utc_iso
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
    # Corrections and addenda, oldest first; `data.notes` is the current wording.
    revisions: tuple[ContactRevision, ...] = ()

    @property
    def corrections(self) -> tuple[ContactRevision, ...]:
        return tuple(r for r in self.revisions if r.kind is RevisionKind.BERICHTIGUNG)

    @property
    def addenda(self) -> tuple[ContactRevision, ...]:
        return tuple(r for r in self.revisions if r.kind is RevisionKind.NACHTRAG)

    @property
    def original_notes(self) -> tuple[NoteEntry, ...]:
        """The wording as first saved (before any correction)."""
        corrections = self.corrections
        return corrections[0].previous if corrections else self.data.notes


class RevisionKind(StrEnum):
    """A correction replaces the wording visibly (the earlier one stays readable); an
    addendum (Nachtrag) adds to a contact without changing it."""

    BERICHTIGUNG = "berichtigung"
    NACHTRAG = "nachtrag"


MAX_REVISION_TEXT = 20_000
# How a note-search snippet says it comes from a Nachtrag, not from a note entry.
ADDENDUM_MARK = "[Nachtrag] "


# What a correction may change besides the note entries, with the words people see.
CORRECTABLE_FIELDS = {"occurred_at": "Datum/Uhrzeit", "type": "Art",
                      "next_steps": "Nächster Schritt"}
MAX_NEXT_STEPS = 2000


@dataclass(frozen=True, slots=True)
class CorrectionDraft:
    """A correction of a saved contact and why: the full new wording of the note entries
    and, where they change, date and time, type and next step (None: unchanged)."""

    notes: tuple[NoteEntry, ...]
    reason: str
    occurred_at: datetime | None = None  # aware
    type: ContactType | None = None
    next_steps: str | None = None

    def validated(self, current: ContactDraft, now: datetime) -> CorrectionDraft:
        """`current`: the contact as it stands; values equal to it count as unchanged."""
        reason = self.reason.strip()
        if not reason:
            raise ValidationError("Grund der Berichtigung", "bitte angeben.")
        if len(reason) > 1000:
            raise ValidationError("Grund der Berichtigung", "ist zu lang (höchstens 1000 "
                                  "Zeichen).")
        notes = tuple(n.validated() for n in self.notes)
        if not notes:
            raise ValidationError("Notiz", "eine berichtigte Fassung braucht mindestens "
                                  "eine Notiz.")
        occurred = self.occurred_at
        if occurred is not None:
            if occurred.tzinfo is None:
                raise ValidationError("Datum/Uhrzeit", "ohne Zeitzone.")
            if occurred > now.replace(microsecond=0) + _FUTURE_SLACK:
                raise ValidationError("Datum/Uhrzeit", "liegt in der Zukunft.")
            if current.follow_up is not None and current.follow_up < occurred.date():
                raise ValidationError("Datum/Uhrzeit", "liegt nach der Wiedervorlage "
                                      f"({current.follow_up:%d.%m.%Y}).")
            if occurred == current.occurred_at:
                occurred = None
        kind = ContactType(self.type) if self.type is not None else None
        if kind is current.type:
            kind = None
        steps = self.next_steps.strip() if self.next_steps is not None else None
        if steps is not None and len(steps) > MAX_NEXT_STEPS:
            raise ValidationError("Nächster Schritt", "ist zu lang (höchstens 2000 Zeichen).")
        if steps == current.next_steps:
            steps = None
        if notes == current.notes and occurred is None and kind is None and steps is None:
            raise ValidationError("Notiz", "ist unverändert; es gibt nichts zu berichtigen.")
        return CorrectionDraft(notes, reason, occurred, kind, steps)


@dataclass(frozen=True, slots=True)
class AddendumDraft:
    text: str

    def validated(self) -> AddendumDraft:
        text = self.text.strip()
        if not text:
            raise ValidationError("Nachtrag", "darf nicht leer sein.")
        if len(text) > MAX_REVISION_TEXT:
            raise ValidationError("Nachtrag", "ist zu lang (höchstens 20.000 Zeichen).")
        return AddendumDraft(text)


@dataclass(frozen=True, slots=True)
class ContactRevision:
    """One correction or addendum: who, when, why; append-only."""

    id: str
    contact_id: ContactId
    kind: RevisionKind
    created_at: str  # UTC ISO
    created_by: str
    author_name: str
    version: str
    reason: str = ""  # correction: why
    notes: tuple[NoteEntry, ...] = ()  # correction: the corrected wording
    previous: tuple[NoteEntry, ...] = ()  # correction: the wording it replaced
    text: str = ""  # addendum
    # correction of date, type or next step: the new and the replaced values, stored as
    # in the contact ("occurred_at": UTC ISO, "type": its German value, "next_steps")
    fields: dict[str, str] = field(default_factory=dict)
    previous_fields: dict[str, str] = field(default_factory=dict)

    @property
    def notes_changed(self) -> bool:
        return self.notes != self.previous


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


def revision_day(revision: ContactRevision) -> str:
    return f"{from_utc_iso(revision.created_at).astimezone(BERLIN):%d.%m.%Y %H:%M}"


def note_line(note: NoteEntry) -> str:
    return f"{note.label()}: {note.text}"


def correction_mark(revision: ContactRevision) -> str:
    """'berichtigt am 21.11.2026 10:00 von Lena Beispiel (Grund: Name verwechselt)'."""
    who = f" von {revision.author_name}" if revision.author_name else ""
    return f"berichtigt am {revision_day(revision)}{who} (Grund: {revision.reason})"


def addendum_mark(revision: ContactRevision) -> str:
    """'Nachtrag vom 22.11.2026 09:15 von Lena Beispiel'."""
    who = f" von {revision.author_name}" if revision.author_name else ""
    return f"Nachtrag vom {revision_day(revision)}{who}"


def field_value(key: str, value: str) -> str:
    """A corrected field's stored value as people read it ('20.11.2026 10:00')."""
    if key == "occurred_at" and value:
        try:
            return f"{from_utc_iso(value).astimezone(BERLIN):%d.%m.%Y %H:%M}"
        except ValueError:
            return value
    return value or "(leer)"


def field_line(key: str, value: str) -> str:
    """'Art: Telefonat', 'Nächster Schritt: (leer)'."""
    return f"{CORRECTABLE_FIELDS.get(key, key)}: {field_value(key, value)}"


def previous_field_lines(revision: ContactRevision) -> list[str]:
    """The values a correction replaced, in the order of the contact form."""
    return [field_line(k, revision.previous_fields[k]) for k in CORRECTABLE_FIELDS
            if k in revision.previous_fields]


def revision_lines(contact: Contact) -> list[str]:
    """The corrections (each with the wording and values it replaced) and addenda of a
    contact, as plain lines for the family file, the history and printed documents."""
    lines: list[str] = []
    for revision in contact.revisions:
        if revision.kind is RevisionKind.BERICHTIGUNG:
            lines.append(correction_mark(revision) + "; frühere Fassung:")
            lines += ["  " + line for line in previous_field_lines(revision)]
            if revision.notes_changed:
                lines += ["  " + note_line(n) for n in revision.previous]
        else:
            lines.append(addendum_mark(revision) + ":")
            lines.append("  " + revision.text)
    return lines
