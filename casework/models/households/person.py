"""Person (household member) with partial or expected birth dates.

Families count from −9 months (sources 000:1139): an unborn child is a member with an
expected date of delivery (ET). A birth date may be exact or only a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from casework.errors import ValidationError
from casework.models.ids import HouseholdId, PersonId


class Gender(StrEnum):
    WEIBLICH = "weiblich"
    MAENNLICH = "männlich"
    DIVERS = "divers"
    KEINE_ANGABE = "keine Angabe"


class HouseholdRole(StrEnum):
    KIND = "Kind"
    ELTERNTEIL = "Elternteil"
    SONSTIGE = "sonstige"


class ResidenceStatus(StrEnum):
    DEUTSCH = "deutsche Staatsangehörigkeit"
    AUFENTHALTSERLAUBNIS = "Aufenthaltserlaubnis"
    NIEDERLASSUNGSERLAUBNIS = "Niederlassungserlaubnis"
    DULDUNG = "Duldung"
    GESTATTUNG = "Gestattung"
    EU = "EU-Freizügigkeit"
    SONSTIGER = "sonstiger"


# How far ahead an expected date of delivery may lie (a pregnancy lasts ~40 weeks).
MAX_PREGNANCY = relativedelta(months=10)
_EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class BirthInfo:
    """Exactly one of: exact date, year only, expected date of delivery (unborn)."""

    birth_date: date | None = None
    birth_year: int | None = None
    due_date: date | None = None

    @property
    def unborn(self) -> bool:
        return self.due_date is not None and self.birth_date is None

    def age_years(self, on: date) -> int | None:
        """Completed years on `on`; None if unknown or unborn. Year-only gives the
        lower bound (the birthday may not have passed yet)."""
        if self.birth_date is not None:
            years: int = relativedelta(on, self.birth_date).years
            return years
        if self.birth_year is not None:
            return max(on.year - self.birth_year - 1, 0)
        return None

    def age_text(self, on: date) -> str:
        """German display: '7 J.', '8 Mon.', 'ca. 34 J.', 'ungeboren, ET 03.02.2027'."""
        if self.unborn and self.due_date is not None:
            return f"ungeboren, ET {self.due_date:%d.%m.%Y}"
        if self.birth_date is not None:
            delta = relativedelta(on, self.birth_date)
            if delta.years == 0:
                return f"{delta.months} Mon."
            return f"{delta.years} J."
        if self.birth_year is not None:
            return f"ca. {on.year - self.birth_year} J."
        return "Alter unbekannt"

    def validate(self, today: date) -> None:
        if self.birth_date is not None and self.birth_year is not None:
            raise ValidationError("Geburtsdatum", "entweder Datum oder nur Jahr angeben.")
        if self.birth_date is not None and self.birth_date > today:
            raise ValidationError(
                "Geburtsdatum",
                "liegt in der Zukunft. Für ein ungeborenes Kind bitte den "
                "errechneten Geburtstermin (ET) angeben.",
            )
        if self.birth_date is not None and self.birth_date < _EARLIEST:
            raise ValidationError("Geburtsdatum", "liegt vor 1900.")
        if self.birth_year is not None and not 1900 <= self.birth_year <= today.year:
            raise ValidationError("Geburtsjahr", f"muss zwischen 1900 und {today.year} liegen.")
        if (self.due_date is not None and self.birth_date is None
                and self.due_date > today + MAX_PREGNANCY):
            raise ValidationError(
                "Errechneter Geburtstermin", "liegt mehr als 10 Monate in der Zukunft."
            )


@dataclass(frozen=True, slots=True)
class PersonDraft:
    first_name: str
    last_name: str
    birth: BirthInfo = BirthInfo()
    gender: Gender = Gender.KEINE_ANGABE
    role: HouseholdRole = HouseholdRole.SONSTIGE
    custody: bool = False  # personensorgeberechtigt
    school: str = ""  # Schule / Kita
    residence_status: ResidenceStatus | None = None
    unaccompanied: bool = False  # unbegleitete/r minderjährige/r Ausländer/in (umA)

    def validated(self, today: date) -> PersonDraft:
        first = self.first_name.strip()
        last = self.last_name.strip()
        if not first and not last:
            raise ValidationError("Name", "Vor- oder Nachname muss angegeben werden.")
        if len(first) > 100 or len(last) > 100:
            raise ValidationError("Name", "ist zu lang (höchstens 100 Zeichen).")
        self.birth.validate(today)
        if self.custody and self.birth.unborn:
            raise ValidationError(
                "Personensorgeberechtigt", "ein ungeborenes Kind kann es nicht sein."
            )
        school = self.school.strip()
        if (first == self.first_name and last == self.last_name and school == self.school
                and type(self.gender) is Gender and type(self.role) is HouseholdRole):
            return self  # already clean: no copy (the CSV import validates 100,000 of them)
        return PersonDraft(
            first_name=first,
            last_name=last,
            birth=self.birth,
            gender=Gender(self.gender),
            role=HouseholdRole(self.role),
            custody=self.custody,
            school=school,
            residence_status=self.residence_status,
            unaccompanied=self.unaccompanied,
        )


@dataclass(frozen=True, slots=True)
class Person:
    id: PersonId
    household_id: HouseholdId
    data: PersonDraft
    created_at: str
    updated_at: str
    version: str

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.data.first_name, self.data.last_name) if p)
