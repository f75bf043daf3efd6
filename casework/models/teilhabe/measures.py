"""Measures of the Teilhabemanagement: Handlungsfelder, Förderbausteine, the status
and outcome of a measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from casework.errors import ValidationError


class Handlungsfeld(StrEnum):
    HF1 = "1 Migration und Integration"
    HF2 = "2 Bildung und Sprache"
    HF3 = "3 Jugendhilfe, Gesundheit und Soziales"
    HF4 = "4 Arbeitsmarkt und Wirtschaft"

    @property
    def number(self) -> int:
        return int(self.value[0])

    @classmethod
    def of(cls, number: int) -> Handlungsfeld:
        for member in cls:
            if member.number == number:
                return member
        raise ValidationError("Handlungsfeld", "muss 1 bis 4 sein.")


class Foerderbaustein(StrEnum):
    B1 = "1 Coaching"
    B2 = "2 Berufsbegleitende Qualifizierung / Sprachförderung"
    B3 = "3 Hauptschulabschluss 9/10 A"
    B4 = "4 Schul-, ausbildungs- und berufsvorbereitende Kurse"
    B5 = "5 Innovationsfonds"
    B6 = "6 Teilhabemanagement"

    @property
    def number(self) -> int:
        return int(self.value[0])

    @classmethod
    def of(cls, number: int) -> Foerderbaustein:
        for member in cls:
            if member.number == number:
                return member
        raise ValidationError("Förderbaustein", "muss 1 bis 6 sein.")


class MeasureStatus(StrEnum):
    GEPLANT = "geplant"
    LAUFEND = "laufend"
    ABGESCHLOSSEN = "abgeschlossen"
    ABGEBROCHEN = "abgebrochen"


class Outcome(StrEnum):
    OFFEN = ""
    SCHULE = "Übergang in Schule"
    AUSBILDUNG = "Übergang in Ausbildung"
    ARBEIT = "Übergang in Arbeit"
    ZIEL_ERREICHT = "Ziel erreicht"
    OHNE = "ohne Ergebnis"


TRANSITIONS = (Outcome.SCHULE, Outcome.AUSBILDUNG, Outcome.ARBEIT)


@dataclass(frozen=True, slots=True)
class MeasureDraft:
    title: str
    baustein: Foerderbaustein
    handlungsfeld: Handlungsfeld
    provider: str = ""
    start_on: date | None = None
    end_on: date | None = None
    status: MeasureStatus = MeasureStatus.GEPLANT
    outcome: Outcome = Outcome.OFFEN
    note: str = ""
    # Baustein 5 (Innovationsfonds) needs the municipality's positive statement first
    # (source 000:3409-3410): the day it was given.
    statement_on: date | None = None

    def validated(self) -> MeasureDraft:
        title = self.title.strip()
        if not title:
            raise ValidationError("Maßnahme", "darf nicht leer sein.")
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError("Ende", "liegt vor dem Beginn.")
        if Foerderbaustein(self.baustein) is Foerderbaustein.B5:
            if self.statement_on is None:
                raise ValidationError(
                    "Stellungnahme der Kommune",
                    "ein Projekt aus Baustein 5 (Innovationsfonds) braucht zuerst die "
                    "positive Stellungnahme der Kommune; bitte deren Datum erfassen.",
                )
            if self.start_on is not None and self.statement_on > self.start_on:
                raise ValidationError(
                    "Stellungnahme der Kommune",
                    "liegt nach dem Beginn; die Stellungnahme muss vor dem Beginn vorliegen.",
                )
        status = MeasureStatus(self.status)
        outcome = Outcome(self.outcome)
        if outcome is not Outcome.OFFEN and status in (MeasureStatus.GEPLANT,):
            raise ValidationError("Ergebnis", "eine geplante Maßnahme hat noch kein Ergebnis.")
        if (
            status in (MeasureStatus.ABGESCHLOSSEN, MeasureStatus.ABGEBROCHEN)
            and self.end_on is None
        ):
            raise ValidationError("Ende", "bei abgeschlossenen Maßnahmen bitte angeben.")
        return MeasureDraft(
            title,
            Foerderbaustein(self.baustein),
            Handlungsfeld(self.handlungsfeld),
            self.provider.strip(),
            self.start_on,
            self.end_on,
            status,
            outcome,
            self.note.strip(),
            self.statement_on if Foerderbaustein(self.baustein) is Foerderbaustein.B5 else None,
        )


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    client_id: str
    data: MeasureDraft
    updated_at: str


