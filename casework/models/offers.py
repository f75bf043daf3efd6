"""Group offers of the Stadtteilbüro (Müttercafé, Nähtreff, Sprachcafé,
Hausaufgabenhilfe, Familientraining …) with sessions and attendance (sources §3.4, §3.5).

Attendance is recorded either as anonymous headcounts by age group and gender, or as named
participants — the latter only where an Einwilligung exists (DSGVO; LR-39 keeps the
statistics anonymous either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from casework.errors import ValidationError

FAMILY_TRAINING_SESSIONS = 10  # 10 sessions × 2 h (sources 000:1684)
FAMILY_TRAINING_HOURS = 2.0


class OfferKind(StrEnum):
    MUETTERCAFE = "Müttercafé"
    NAEHTREFF = "Nähtreff"
    SPRACHCAFE = "Sprachcafé"
    HAUSAUFGABENHILFE = "Hausaufgabenhilfe"
    ELTERN_KIND = "Mutter-Kind-Gruppe"
    FAMILIENTRAINING = "Familientraining"
    ERZAEHLCAFE = "Erzählcafé"
    KURS = "Kurs/Workshop"
    FEST = "Fest/Veranstaltung"
    SONSTIGES = "sonstiges Angebot"


class AgeGroup(StrEnum):
    U6 = "0–5"
    U12 = "6–11"
    U18 = "12–17"
    U27 = "18–26"
    U65 = "27–64"
    AB65 = "65+"
    UNBEKANNT = "unbekannt"


class AttendeeGender(StrEnum):
    WEIBLICH = "weiblich"
    MAENNLICH = "männlich"
    DIVERS = "divers"
    UNBEKANNT = "keine Angabe"


def age_group(age: int | None) -> AgeGroup:
    if age is None:
        return AgeGroup.UNBEKANNT
    for limit, group in (
        (6, AgeGroup.U6),
        (12, AgeGroup.U12),
        (18, AgeGroup.U18),
        (27, AgeGroup.U27),
        (65, AgeGroup.U65),
    ):
        if age < limit:
            return group
    return AgeGroup.AB65


@dataclass(frozen=True, slots=True)
class OfferDraft:
    title: str
    kind: OfferKind
    description: str = ""
    target_group: str = ""
    location: str = ""
    start_on: date | None = None
    end_on: date | None = None
    sessions_planned: int | None = None
    session_hours: float | None = None
    household_id: str | None = None  # a Familientraining for one family

    def validated(self) -> OfferDraft:
        title = self.title.strip()
        if not title:
            raise ValidationError("Angebot", "darf nicht leer sein.")
        kind = OfferKind(self.kind)
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError("Ende", "liegt vor dem Beginn.")
        planned = self.sessions_planned
        hours = self.session_hours
        if kind is OfferKind.FAMILIENTRAINING:
            planned = planned or FAMILY_TRAINING_SESSIONS
            hours = hours or FAMILY_TRAINING_HOURS
        if planned is not None and not 1 <= planned <= 500:
            raise ValidationError("Geplante Termine", "muss zwischen 1 und 500 liegen.")
        if hours is not None and not 0 < hours <= 24:
            raise ValidationError("Stunden je Termin", "muss zwischen 0 und 24 liegen.")
        return OfferDraft(
            title,
            kind,
            self.description.strip(),
            self.target_group.strip(),
            self.location.strip(),
            self.start_on,
            self.end_on,
            planned,
            hours,
            self.household_id,
        )


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    data: OfferDraft
    sessions_held: int = 0


@dataclass(frozen=True, slots=True)
class Headcount:
    age_group: AgeGroup
    gender: AttendeeGender
    count: int


@dataclass(frozen=True, slots=True)
class SessionDraft:
    held_on: date
    hours: float | None = None
    headcounts: tuple[Headcount, ...] = ()
    participants: tuple[str, ...] = ()  # person ids (named, with consent)
    consent_confirmed: bool = False  # "Einwilligung liegt vor" for the named participants
    note: str = ""

    def validated(self, today: date, *, require_attendance: bool = True) -> SessionDraft:
        """`require_attendance=False` for a Familientraining bound to one family, where
        the session itself is the record."""
        if self.held_on > today:
            raise ValidationError("Datum", "liegt in der Zukunft.")
        if self.hours is not None and not 0 < self.hours <= 24:
            raise ValidationError("Dauer", "muss zwischen 0 und 24 Stunden liegen.")
        merged: dict[tuple[AgeGroup, AttendeeGender], int] = {}
        for hc in self.headcounts:
            if hc.count < 0 or hc.count > 10_000:
                raise ValidationError("Teilnehmende", "Anzahl muss zwischen 0 und 10000 liegen.")
            key = (AgeGroup(hc.age_group), AttendeeGender(hc.gender))
            merged[key] = merged.get(key, 0) + hc.count
        counts = tuple(Headcount(a, g, n) for (a, g), n in merged.items() if n)
        people = tuple(dict.fromkeys(self.participants))
        if require_attendance and not counts and not people:
            raise ValidationError("Teilnehmende", "bitte Anzahl oder Namen erfassen.")
        return SessionDraft(
            self.held_on, self.hours, counts, people, self.consent_confirmed, self.note.strip()
        )


@dataclass(frozen=True, slots=True)
class OfferSession:
    id: str
    offer_id: str
    held_on: date
    hours: float | None
    total: int
    named: int


@dataclass(frozen=True, slots=True)
class TrainingProgress:
    """Familientraining progress of one family: sessions held of planned (10)."""

    household_id: str
    offer_id: str
    sessions_held: int
    sessions_planned: int
    hours: float

    @property
    def complete(self) -> bool:
        return self.sessions_held >= self.sessions_planned

    def text(self) -> str:
        hours = f"{self.hours:g}".replace(".", ",")
        return f"{self.sessions_held} von {self.sessions_planned} Terminen ({hours} Std.)"
