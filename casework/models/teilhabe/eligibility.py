"""Who the Teilhabemanagement is for: age, residence status and exclusions on a day,
with German reasons. Eligibility follows the programme text: young refugees "in der Regel
18 und nicht älter als 27 Jahre", primarily in Duldung or Gestattung; excluded are people
in a Landesaufnahmeeinrichtung, Gefährder and ausreisepflichtige Personen mit schweren
Straftaten (sources 000:3327–3384)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from casework.errors import ValidationError
from casework.models.households.person import BirthInfo

PROGRAMME = "Teilhabemanagement"
MIN_AGE = 18
MAX_AGE = 27  # "nicht älter als 27": the 28th birthday ends eligibility
YOUTH_WELFARE = (
    "zuständig ist die Kinder- und Jugendhilfe (Jugendamt; unbegleitete Minderjährige: "
    "Betreuung unbegleiteter minderjähriger Ausländer, umA)"
)


def de(day: date) -> str:
    return f"{day:%d.%m.%Y}"


class TmStatus(StrEnum):
    """Residence status relevant to the programme (with document dates)."""

    DULDUNG = "Duldung"
    GESTATTUNG = "Gestattung"
    AUFENTHALTSERLAUBNIS = "Aufenthaltserlaubnis"
    NIEDERLASSUNGSERLAUBNIS = "Niederlassungserlaubnis"
    SONSTIGER = "sonstiger"


TARGET_STATUSES = frozenset({TmStatus.DULDUNG, TmStatus.GESTATTUNG})


class Exclusion(StrEnum):
    """Exclusions from funding (sources 000:3384)."""

    LANDESAUFNAHME = "Landesaufnahmeeinrichtung"
    GEFAEHRDER = "Gefährder"
    STRAFTATEN = "ausreisepflichtig mit schweren Straftaten"

    @property
    def label(self) -> str:
        """How the fact is named on screen: an authority's finding, not our judgement."""
        return EXCLUSION_LABELS[self]


EXCLUSION_LABELS: dict[Exclusion, str] = {
    Exclusion.LANDESAUFNAHME: "wohnt in einer Landesaufnahmeeinrichtung",
    Exclusion.GEFAEHRDER: "von einer Sicherheitsbehörde als Gefährder eingestuft",
    Exclusion.STRAFTATEN: "ausreisepflichtig und wegen schwerer Straftaten verurteilt",
}


class ClientState(StrEnum):
    WARTEND = "wartend"  # on the waiting list, no worker yet
    AKTIV = "aktiv"
    ABGESCHLOSSEN = "abgeschlossen"


class Eligibility(StrEnum):
    JA = "in der Zielgruppe"
    NEIN = "nicht in der Zielgruppe"
    PRUEFEN = "zu prüfen"


@dataclass(frozen=True, slots=True)
class ResidenceRecord:
    """One residence document: status valid from a day, optionally until a day
    (inclusive expiry of the document)."""

    status: TmStatus
    valid_from: date
    valid_until: date | None = None
    note: str = ""

    def validated(self) -> ResidenceRecord:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValidationError("Gültig bis", "liegt vor „gültig ab“.")
        return ResidenceRecord(
            TmStatus(self.status), self.valid_from, self.valid_until, self.note.strip()
        )


def status_on(history: Sequence[ResidenceRecord], day: date) -> ResidenceRecord | None:
    """The record in force on `day`: the latest one that started on or before it (a later
    record supersedes an earlier one from its first day on)."""
    current: ResidenceRecord | None = None
    for record in sorted(history, key=lambda r: r.valid_from):
        if record.valid_from <= day:
            current = record
    return current


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    on: date
    verdict: Eligibility
    reasons: tuple[str, ...]
    ends_on: date | None = None  # first day without eligibility, if known
    ends_because: str = ""

    def text(self) -> str:
        parts = [self.verdict.value, *self.reasons]
        if self.ends_because:
            parts.append(self.ends_because)
        return " – ".join(parts)


def eligibility(
    birth: BirthInfo,
    history: Sequence[ResidenceRecord],
    exclusions: frozenset[Exclusion],
    on: date,
    *,
    age_exception: str = "",
) -> EligibilityResult:
    """Whether a person belongs to the target group on `on`, and why (German).

    `age_exception` is the documented reason for an exception from the age rule ("in der
    Regel 18–27"); with it, age alone does not exclude.
    """
    reasons: list[str] = []
    verdict = Eligibility.JA
    ends: list[tuple[date, str]] = []

    def worse(new: Eligibility) -> None:
        nonlocal verdict
        order = [Eligibility.JA, Eligibility.PRUEFEN, Eligibility.NEIN]
        if order.index(new) > order.index(verdict):
            verdict = new

    # Exclusions first: they override everything.
    for excl in sorted(exclusions):
        reasons.append(str(excl.value))
        worse(Eligibility.NEIN)

    # Age.
    if birth.birth_date is not None:
        age = relativedelta(on, birth.birth_date).years
        turns_18 = birth.birth_date + relativedelta(years=MIN_AGE)
        turns_28 = birth.birth_date + relativedelta(years=MAX_AGE + 1)
        if age < MIN_AGE:
            if age_exception:
                reasons.append(f"Ausnahme von der Altersgrenze: {age_exception}")
            else:
                reasons.append(f"{age} Jahre alt, wird am {de(turns_18)} 18 Jahre alt")
                # A minor is the youth welfare's (unaccompanied: the umA service), not
                # only "outside the target group" (issue 21).
                reasons.append(YOUTH_WELFARE)
                worse(Eligibility.NEIN)
        elif age > MAX_AGE:
            if age_exception:
                reasons.append(f"Ausnahme von der Altersgrenze: {age_exception}")
            else:
                reasons.append(f"seit {de(turns_28)} älter als 27 Jahre ({age} Jahre)")
                worse(Eligibility.NEIN)
        else:
            reasons.append(f"{age} Jahre alt")
            if not age_exception:
                ends.append((turns_28, f"wird am {de(turns_28)} 28 Jahre alt"))
    elif birth.birth_year is not None:
        low, high = on.year - birth.birth_year - 1, on.year - birth.birth_year
        if low >= MIN_AGE and high <= MAX_AGE:
            reasons.append(f"nur Geburtsjahr {birth.birth_year} bekannt ({low}–{high} Jahre)")
        elif age_exception:
            reasons.append(f"Ausnahme von der Altersgrenze: {age_exception}")
        elif high < MIN_AGE or low > MAX_AGE:
            reasons.append(f"nur Geburtsjahr {birth.birth_year} bekannt: außerhalb 18–27")
            worse(Eligibility.NEIN)
        else:
            reasons.append(f"nur Geburtsjahr {birth.birth_year} bekannt: Alter prüfen")
            worse(Eligibility.PRUEFEN)
    else:
        reasons.append("Geburtsdatum fehlt")
        worse(Eligibility.PRUEFEN)

    # Residence status.
    record = status_on(history, on)
    if record is None:
        reasons.append("kein Aufenthaltsstatus erfasst")
        worse(Eligibility.PRUEFEN)
    elif record.status in TARGET_STATUSES:
        if record.valid_until is not None and record.valid_until < on:
            reasons.append(
                f"{record.status.value} – Nachweis am {de(record.valid_until)} "
                "abgelaufen, aktuellen Nachweis erfassen"
            )
            worse(Eligibility.PRUEFEN)
        else:
            reasons.append(f"Status seit {de(record.valid_from)} {record.status.value}")
            if record.valid_until is not None:
                ends.append(
                    (
                        record.valid_until + timedelta(days=1),
                        f"Nachweis ({record.status.value}) gültig bis {de(record.valid_until)}",
                    )
                )
    else:
        reasons.append(f"Status seit {de(record.valid_from)} {record.status.value}")
        worse(Eligibility.NEIN)
    # A later recorded status change that leaves the target group also ends eligibility.
    for later in sorted(history, key=lambda r: r.valid_from):
        if later.valid_from > on and later.status not in TARGET_STATUSES:
            ends.append((later.valid_from, f"ab {de(later.valid_from)} {later.status.value}"))
            break

    if verdict is not Eligibility.JA or not ends:
        return EligibilityResult(on, verdict, tuple(reasons))
    end_day, because = min(ends)
    return EligibilityResult(on, verdict, tuple(reasons), end_day, because)


