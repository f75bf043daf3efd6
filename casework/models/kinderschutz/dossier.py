"""Plain data for § 8a documents, and the pseudonymised extract for the iseF (LR-05).

`Dossier` is what the service gathers for printing (procedure file, family, worker names,
review lines); `casework.forms.kinderschutz` renders it. `pseudonymise` turns a dossier
into an `IsefExtract` in which names, addresses, exact birth dates and phone numbers are
replaced (§ 64 Abs. 2a SGB VIII, § 4 Abs. 2 KKG): persons become "Kind A", "Elternteil 1",
birth dates become age bands, and the family's names, street, postcode, phone numbers,
e-mail addresses and birth dates are scrubbed from all free text. The re-identification
key (pseudonym → person id) is returned separately and stays in the vault.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from casework.clock import BERLIN
from casework.models.households.person import BirthInfo
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.vocabulary import EntryKind, InvolvementTarget

# --------------------------------------------------------------------------- dossier


@dataclass(frozen=True, slots=True)
class PersonInfo:
    id: str
    first_name: str
    last_name: str
    role: str  # HouseholdRole value: Kind / Elternteil / sonstige
    birth: BirthInfo
    gender: str = ""
    custody: bool = False

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class ReviewLine:
    label: str
    status: str
    author_name: str
    decided_by_name: str = ""
    decided_at: datetime | None = None
    comment: str = ""
    # Role, short key fingerprint and whether the signature was verified (issue 15), e.g.
    # "Leitung · Schlüssel 1A2B 3C4D 5E6F 7A8B · Signatur geprüft".
    signature: str = ""


@dataclass(frozen=True, slots=True)
class Dossier:
    file: ProcedureFile
    household_name: str
    street: str
    plz: str
    city: str
    stadtteil: str
    persons: tuple[PersonInfo, ...]
    worker_names: Mapping[str, str]
    reviews: tuple[ReviewLine, ...] = ()
    today: date = field(default_factory=lambda: date(1970, 1, 1))
    phones: tuple[str, ...] = ()  # the family's known phone numbers (scrubbed in extracts)

    def person(self, person_id: str) -> PersonInfo | None:
        return next((p for p in self.persons if p.id == person_id), None)

    def children(self) -> tuple[PersonInfo, ...]:
        """The children concerned by the procedure (in the order recorded)."""
        found = (self.person(c) for c in self.file.procedure.child_ids)
        return tuple(p for p in found if p is not None)

    def worker(self, worker_id: str | None) -> str:
        if not worker_id:
            return ""
        return self.worker_names.get(worker_id, "unbekannt")

    def address(self) -> str:
        place = " ".join(p for p in (self.plz, self.city) if p)
        return ", ".join(p for p in (self.street, place) if p)


# --------------------------------------------------------------------------- age bands

# Bands of the Stuttgart/Düsseldorf anchor examples (legal-reference §2.1 B).
_CHILD_BANDS = ((3, "0–3 Jahre"), (6, "3–6 Jahre"), (14, "6–14 Jahre"), (18, "14–18 Jahre"))


def age_band(birth: BirthInfo, today: date) -> str:
    """An age band instead of an exact birth date (LR-05)."""
    if birth.unborn:
        return "ungeboren"
    years = birth.age_years(today)
    if years is None:
        return "Alter unbekannt"
    for upper, label in _CHILD_BANDS:
        if years < upper:
            return label
    decade = (years // 10) * 10
    return f"erwachsen, {decade}–{decade + 9} Jahre"


# --------------------------------------------------------------------------- scrubbing

_PHONE = re.compile(r"(?<![\w+])(?:\+|0)[\d\s/()\-]{5,}\d")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue"})


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.replace("ß", "ss"))
                   if not unicodedata.combining(c))


def _variants(word: str) -> set[str]:
    return {v for v in (word, word.translate(_TRANSLIT), _ascii(word)) if v}


def _date_forms(day: date) -> list[str]:
    return [f"{day:%d.%m.%Y}", f"{day.day}.{day.month}.{day.year}", f"{day:%d.%m.%y}",
            day.isoformat(), f"{day.day}. {_MONTHS[day.month - 1]} {day.year}",
            f"{day:%d}. {_MONTHS[day.month - 1]} {day.year}"]


class Scrubber:
    """Replaces a family's identifiers in free text."""

    def __init__(self, dossier: Dossier, pseudonyms: Mapping[str, str]) -> None:
        replacements: list[tuple[str, str]] = []
        family_names = {dossier.household_name} | {p.last_name for p in dossier.persons}
        for person in dossier.persons:
            pseudo = pseudonyms.get(person.id, "[Name]")
            if person.first_name and person.last_name:
                replacements.append((f"{person.first_name} {person.last_name}", pseudo))
            for part in re.split(r"[\s\-]+", person.first_name):
                if len(part) >= 2:
                    replacements.append((part, pseudo))
        for name in family_names:
            for part in [name, *re.split(r"[\s\-]+", name)]:
                if len(part) >= 2:
                    replacements.append((part, "[Familienname]"))
        for report in dossier.file.of(EntryKind.REPORT):  # LR-19: never name the reporter
            reporter = report.data.reporter_name.strip()
            for part in [reporter, *re.split(r"[\s\-]+", reporter)] if reporter else []:
                if len(part) >= 3:
                    replacements.append((part, "[meldende Person]"))
        streets: list[str] = []
        street = dossier.street.strip()
        if street:
            street_name = re.sub(r"\s*\d+\s*[a-zA-Z]?$", "", street).strip()
            streets.append(street_name)
            for suffix in ("straße", "strasse"):
                if street_name.lower().endswith(suffix):  # casefold() would turn ß into ss
                    streets.append(street_name[:-len(suffix)] + "str.")
        if dossier.plz:
            replacements.append((dossier.plz, "[PLZ]"))
        # e-mail addresses first: they often contain the names
        patterns: list[tuple[re.Pattern[str], str]] = [(_EMAIL, "[E-Mail]")]
        for person in dossier.persons:
            if person.birth.birth_date is not None:
                for form in _date_forms(person.birth.birth_date):
                    patterns.append((re.compile(rf"(?<![\d.]){re.escape(form)}(?![\d])"),
                                     "[Geburtsdatum]"))
        for phone in dossier.phones:
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= 5:
                loose = r"[\s/()\-]*".join(re.escape(d) for d in digits)
                patterns.append((re.compile(r"\+?" + loose), "[Telefon]"))
        # the street in any spelling, with the house number if one follows
        for name in sorted({v for s in streets for v in _variants(s)}, key=len, reverse=True):
            patterns.append((re.compile(
                rf"(?<!\w){re.escape(name)}(?!\w)(?:\s*\d+\s*[a-zA-Z]?(?!\w))?",
                re.IGNORECASE), "[Adresse]"))
        seen: set[str] = set()
        for text, replacement in sorted(replacements, key=lambda r: -len(r[0])):
            for variant in _variants(text):
                key = variant.casefold()
                if key in seen:
                    continue
                seen.add(key)
                patterns.append((re.compile(
                    rf"(?<!\w){re.escape(variant)}(?:s|'s|’s)?(?!\w)", re.IGNORECASE),
                    replacement))
        patterns.append((_PHONE, "[Telefon]"))
        self._patterns = patterns

    def __call__(self, text: str) -> str:
        for pattern, replacement in self._patterns:
            text = pattern.sub(replacement, text)
        return text


# --------------------------------------------------------------------------- extract


@dataclass(frozen=True, slots=True)
class PseudoPerson:
    pseudonym: str
    role: str
    age_band: str
    gender: str
    concerned: bool  # a child the procedure is about
    custody: bool


@dataclass(frozen=True, slots=True)
class PseudoObservation:
    observed_on: date
    kind: str
    text: str
    source: str
    disputed: bool


@dataclass(frozen=True, slots=True)
class PseudoAssessment:
    version: int
    assessed_on: date
    participants: tuple[str, ...]  # functions only, no names
    summary: str
    instrument: str
    ratings: tuple[tuple[str, str], ...]
    resources: str
    risks: str
    cooperation: str
    safety: str


@dataclass(frozen=True, slots=True)
class IsefExtract:
    reference: str  # neutral short reference for the conversation, not a name
    state: str
    persons: tuple[PseudoPerson, ...]
    observations: tuple[PseudoObservation, ...]
    assessments: tuple[PseudoAssessment, ...]
    involvement: tuple[tuple[str, str], ...]  # (target, text)
    questions: str
    reports: tuple[tuple[date, str, str], ...] = ()  # (received, relation, content); no identity


def pseudonyms_for(dossier: Dossier) -> dict[str, str]:
    """Stable pseudonyms: concerned children "Kind A, B …" (in birth order), parents
    "Elternteil 1, 2", other children "Geschwisterkind 1 …", others "Person 1 …"."""
    concerned = set(dossier.file.procedure.child_ids)

    def born(p: PersonInfo) -> tuple[date, str]:
        b = p.birth.birth_date or p.birth.due_date
        if b is None and p.birth.birth_year:
            b = date(p.birth.birth_year, 7, 1)
        return (b or date(1900, 1, 1), p.id)

    out: dict[str, str] = {}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    kids = sorted((p for p in dossier.persons if p.id in concerned), key=born)
    for i, p in enumerate(kids):
        out[p.id] = f"Kind {letters[i % 26]}"
    counters = {"Elternteil": 0, "Kind": 0, "sonstige": 0}
    for p in sorted((p for p in dossier.persons if p.id not in concerned), key=born):
        role = p.role if p.role in counters else "sonstige"
        counters[role] += 1
        label = {"Elternteil": "Elternteil", "Kind": "Geschwisterkind",
                 "sonstige": "Person"}[role]
        out[p.id] = f"{label} {counters[role]}"
    return out


def pseudonymise(dossier: Dossier, questions: str = "",
                 redactor: Callable[[str], str] | None = None,
                 ) -> tuple[IsefExtract, dict[str, str]]:
    """The extract for the iseF and the re-identification key (pseudonym → person id).
    `redactor` (everything the vault knows, see models.privacy.redaction) runs after the
    family's own pseudonymisation."""
    names = pseudonyms_for(dossier)
    family = Scrubber(dossier, names)

    def scrub(text: str) -> str:
        cleaned = family(text)
        return redactor(cleaned) if redactor is not None else cleaned

    concerned = set(dossier.file.procedure.child_ids)
    persons = tuple(sorted(
        (PseudoPerson(names[p.id], p.role, age_band(p.birth, dossier.today), p.gender,
                      p.id in concerned, p.custody) for p in dossier.persons),
        key=lambda x: (not x.concerned, x.pseudonym)))
    observations = tuple(
        PseudoObservation(e.data.observed_at.astimezone(BERLIN).date(), e.data.kind.value,
                          scrub(e.data.text), scrub(e.data.source), e.data.disputed)
        for e in dossier.file.observations())
    assessments = []
    for number, e in enumerate(dossier.file.assessments(), start=1):
        a = e.data
        participants = tuple(
            scrub(p.function) if p.function else f"Fachkraft {i}"
            for i, p in enumerate(a.participants, start=1))
        assessments.append(PseudoAssessment(
            number, a.assessed_at.astimezone(BERLIN).date(), participants, scrub(a.summary),
            " ".join(x for x in (a.instrument, a.instrument_version) if x),
            tuple((r.module, r.rating.value) for r in a.ratings), scrub(a.resources),
            scrub(a.risks), scrub(a.cooperation), scrub(a.safety)))
    involvement = []
    for target in InvolvementTarget:
        entry = dossier.file.involvement(target)
        if entry is None:
            continue
        inv = entry.data
        text = (f"erfolgt: {scrub(inv.content)}" if inv.done
                else f"nicht erfolgt: {scrub(inv.reason)}")
        involvement.append((target.value, text))
    isef_questions = questions or next(
        (e.data.questions for e in reversed(dossier.file.of(EntryKind.ISEF))
         if e.data.questions), "")
    reports = tuple(
        (e.data.received_at.astimezone(BERLIN).date(),
         "anonym" if e.data.anonymous else (scrub(e.data.reporter_relation) or "benannt"),
         scrub(e.data.content))
        for e in dossier.file.of(EntryKind.REPORT))
    extract = IsefExtract(
        reference=f"Vorgang {dossier.file.procedure.id[-6:].upper()}",
        state=dossier.file.state.label, persons=persons, observations=observations,
        assessments=tuple(assessments), involvement=tuple(involvement),
        questions=scrub(isef_questions), reports=reports)
    key = {pseudo: pid for pid, pseudo in names.items()}
    return extract, key
