"""Teilhabemanagement ("Gemeinsam klappt's", Förderbaustein 6): clients, eligibility,
intake questionnaire, measures and caseload arithmetic (sources-reference §3.14, §4.6).

Pure domain code: dates in, German reasons out. Eligibility follows the programme text:
young refugees "in der Regel 18 und nicht älter als 27 Jahre", primarily in Duldung or
Gestattung; excluded are people in a Landesaufnahmeeinrichtung, Gefährder and
ausreisepflichtige Personen mit schweren Straftaten (sources 000:3327–3384).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

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


# --------------------------------------------------------------------------- measures


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


# --------------------------------------------------------------------------- clients


@dataclass(frozen=True, slots=True)
class ClientDraft:
    """Programme-specific data of a client (the person lives in `persons`)."""

    intake_on: date  # Aufnahme-/Anfragedatum: orders the waiting list
    exclusions: frozenset[Exclusion] = frozenset()
    benefit_basis: str = "AsylbLG"
    age_exception: str = ""
    note: str = ""

    def validated(self, today: date) -> ClientDraft:
        if self.intake_on > today:
            raise ValidationError("Aufnahmedatum", "liegt in der Zukunft.")
        return ClientDraft(
            self.intake_on,
            frozenset(Exclusion(e) for e in self.exclusions),
            self.benefit_basis.strip(),
            self.age_exception.strip(),
            self.note.strip(),
        )


@dataclass(frozen=True, slots=True)
class Client:
    id: str
    person_id: str
    household_id: str
    display_name: str
    birth: BirthInfo
    gender: str
    data: ClientDraft
    state: ClientState
    worker_id: str | None
    residence: tuple[ResidenceRecord, ...] = ()
    closed_on: date | None = None

    def eligibility(self, on: date) -> EligibilityResult:
        return eligibility(
            self.birth,
            self.residence,
            self.data.exclusions,
            on,
            age_exception=self.data.age_exception,
        )


# --------------------------------------------------------------------------- caseload


@dataclass(frozen=True, slots=True)
class Capacity:
    """Capacity of one worker in one programme: FTE × key (clients per FTE)."""

    fte: float
    clients_per_fte: int
    warn_above: float
    active: int

    @property
    def places(self) -> int:
        # round half up: 0.75 × 100 = 75, 0.333 × 100 = 33
        return int(self.fte * self.clients_per_fte + 0.5 + 1e-9)

    @property
    def utilisation(self) -> float:
        return self.active / self.places if self.places else float("inf") if self.active else 0.0

    @property
    def warning(self) -> bool:
        return self.utilisation > self.warn_above

    @property
    def free(self) -> int:
        return max(self.places - self.active, 0)

    def text(self) -> str:
        """'87/100 (87 %)'"""
        if not self.places:
            return f"{self.active}/0"
        return f"{self.active}/{self.places} ({round(self.utilisation * 100)} %)"


def fair_assignment(
    waiting: Sequence[str], capacities: Mapping[str, Capacity]
) -> list[tuple[str, str]]:
    """Distribute waiting clients (in waiting-list order) to the workers with the most
    free places (then lowest utilisation), never beyond capacity (sources 000:308,
    "möglichst gerecht"). Returns (client_id, worker_id) pairs."""
    state = {wid: [cap.active, cap.places] for wid, cap in capacities.items()}
    result: list[tuple[str, str]] = []
    for client in waiting:
        candidates = [
            (places - active, -(active / places if places else 1), wid)
            for wid, (active, places) in state.items()
            if active < places
        ]
        if not candidates:
            break
        _, _, chosen = max(candidates)
        state[chosen][0] += 1
        result.append((client, chosen))
    return result


# --------------------------------------------------------------------------- questionnaire


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    label: str
    kind: str  # "choice" | "multi" | "text" | "bool"
    options: tuple[str, ...] = ()
    section: str = ""


@dataclass(frozen=True, slots=True)
class NeedRule:
    """'If answer to `question` is one of `values` (or, for bool, True) → need in HF'."""

    question: str
    values: tuple[str, ...]
    handlungsfeld: Handlungsfeld
    need: str


@dataclass(frozen=True, slots=True)
class Questionnaire:
    key: str
    title: str
    version: str
    questions: tuple[Question, ...]
    rules: tuple[NeedRule, ...] = field(default=())

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def validate_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Return cleaned answers; unknown keys or options raise ValidationError."""
        clean: dict[str, Any] = {}
        for key, value in answers.items():
            try:
                q = self.question(key)
            except KeyError:
                raise ValidationError("Erstgespräch", f"unbekannte Frage „{key}“.") from None
            if value in (None, "", [], ()):
                continue
            if q.kind == "choice":
                if value not in q.options:
                    raise ValidationError(q.label, "Antwort ist keine der Vorgaben.")
                clean[key] = value
            elif q.kind == "multi":
                values = list(value) if isinstance(value, (list, tuple)) else [value]
                if any(v not in q.options for v in values):
                    raise ValidationError(q.label, "Antwort ist keine der Vorgaben.")
                clean[key] = [o for o in q.options if o in values]
            elif q.kind == "bool":
                clean[key] = bool(value)
            else:
                text = str(value).strip()
                if len(text) > 2000:
                    raise ValidationError(q.label, "ist zu lang (höchstens 2000 Zeichen).")
                if text:
                    clean[key] = text
        return clean

    def needs(self, answers: Mapping[str, Any]) -> dict[Handlungsfeld, tuple[str, ...]]:
        """Needs per Handlungsfeld derived by the questionnaire's rules."""
        found: dict[Handlungsfeld, list[str]] = {}
        for rule in self.rules:
            value = answers.get(rule.question)
            if value is None:
                continue
            hit = False
            if isinstance(value, bool):
                hit = value if not rule.values else str(value).lower() in rule.values
            elif isinstance(value, list):
                hit = any(v in rule.values for v in value)
            else:
                hit = value in rule.values
            if hit and rule.need not in found.get(rule.handlungsfeld, []):
                found.setdefault(rule.handlungsfeld, []).append(rule.need)
        return {hf: tuple(found[hf]) for hf in Handlungsfeld if hf in found}


def parse_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Build a questionnaire from JSON data; raises ValidationError naming the path."""

    def text(obj: Mapping[str, Any], path: str, key: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{path}{key}", "fehlt oder ist kein Text")
        return value

    questions: list[Question] = []
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError("sections", "fehlt oder ist leer")
    seen: set[str] = set()
    for si, section in enumerate(sections):
        title = text(section, f"sections[{si}].", "title")
        for qi, q in enumerate(section.get("questions", [])):
            path = f"sections[{si}].questions[{qi}]."
            key = text(q, path, "key")
            if key in seen:
                raise ValidationError(f"{path}key", "ist doppelt")
            seen.add(key)
            kind = q.get("kind", "text")
            if kind not in ("choice", "multi", "text", "bool"):
                raise ValidationError(f"{path}kind", "muss choice, multi, text oder bool sein")
            options = tuple(str(o) for o in q.get("options", ()))
            if kind in ("choice", "multi") and not options:
                raise ValidationError(f"{path}options", "fehlt")
            questions.append(Question(key, text(q, path, "label"), kind, options, title))
    rules: list[NeedRule] = []
    for ri, rule in enumerate(data.get("rules", [])):
        path = f"rules[{ri}]."
        qkey = text(rule, path, "question")
        if qkey not in seen:
            raise ValidationError(f"{path}question", "nennt keine Frage des Katalogs")
        hf = rule.get("handlungsfeld")
        if not isinstance(hf, int) or not 1 <= hf <= 4:
            raise ValidationError(f"{path}handlungsfeld", "muss 1 bis 4 sein")
        values = rule.get("values", [])
        rules.append(
            NeedRule(
                qkey, tuple(str(v) for v in values), Handlungsfeld.of(hf), text(rule, path, "need")
            )
        )
    return Questionnaire(
        text(data, "", "key"),
        text(data, "", "title"),
        str(data.get("version", "1")),
        tuple(questions),
        tuple(rules),
    )


@dataclass(frozen=True, slots=True)
class Assignment:
    at: str
    on: date
    from_worker: str
    to_worker: str
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class Intake:
    id: str
    questionnaire: str
    version: str
    interviewed_on: date
    answers: dict[str, Any]
    needs: dict[str, list[str]]
