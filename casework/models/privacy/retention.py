"""Retention rules (Aufbewahrungsfristen) and when a file may be deleted (LR-34…LR-37).

A rule says: for files of these types (Aktenart), keep the data for `duration` after a
start event (case closed, a person's 18th or 30th birthday, end of a consent, last
contact). Several rules can apply to one file; the LONGEST wins (legal-reference §4.1).
A rule whose start event has not happened yet (case still open, birth date unknown)
keeps the file indefinitely for now: deletion is never due while any applicable rule is
still open. Rules are data (`resources/retention/default.json`), validated by
`parse_rules`; pure code, no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

from casework.errors import ValidationError


class FileType(StrEnum):
    """Aktenart of a household file. § 9b SGB VIII names the last four."""

    QUARTIERSARBEIT = "Quartiersarbeit"
    HZE = "Hilfe zur Erziehung"
    EINGLIEDERUNGSHILFE = "Eingliederungshilfe"
    HEIM = "Heimerziehung"
    VORMUNDSCHAFT = "Vormundschaft"


class StartEvent(StrEnum):
    CASE_CLOSED = "Fallabschluss"
    BIRTHDAY_18 = "Vollendung des 18. Lebensjahres"
    BIRTHDAY_30 = "Vollendung des 30. Lebensjahres"
    CONSENT_END = "Ende der Einwilligung"
    LAST_CONTACT = "letzter Kontakt"


_EVENT_KEYS = {
    "case_closed": StartEvent.CASE_CLOSED,
    "birthday_18": StartEvent.BIRTHDAY_18,
    "birthday_30": StartEvent.BIRTHDAY_30,
    "consent_end": StartEvent.CONSENT_END,
    "last_contact": StartEvent.LAST_CONTACT,
}
_FILE_TYPE_KEYS = {
    "quartiersarbeit": FileType.QUARTIERSARBEIT,
    "hze": FileType.HZE,
    "eingliederungshilfe": FileType.EINGLIEDERUNGSHILFE,
    "heim": FileType.HEIM,
    "vormundschaft": FileType.VORMUNDSCHAFT,
}


def file_type_key(file_type: FileType | str) -> str:
    kind = FileType(file_type)  # also accepts the plain value (e.g. from a Qt combo box)
    return next(k for k, v in _FILE_TYPE_KEYS.items() if v is kind)


def file_type_from_key(key: str) -> FileType:
    try:
        return _FILE_TYPE_KEYS[key]
    except KeyError:
        raise ValidationError("Aktenart", f"„{key}“ ist unbekannt.") from None


@dataclass(frozen=True, slots=True)
class RetentionRule:
    key: str
    label: str
    start_event: StartEvent
    years: int
    months: int
    file_types: frozenset[FileType]
    legal_source: str
    agreement_ref: str = ""  # Vereinbarung (LR-34: configurable per JA partner)
    example: bool = False  # an illustrative default, not law (shown as such)

    @property
    def duration(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months)

    def duration_text(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} Jahr{'e' if self.years != 1 else ''}")
        if self.months:
            parts.append(f"{self.months} Monat{'e' if self.months != 1 else ''}")
        return " und ".join(parts) or "sofort"


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    rules: tuple[RetentionRule, ...]

    def rule(self, key: str) -> RetentionRule | None:
        return next((r for r in self.rules if r.key == key), None)

    def applicable(self, file_type: FileType) -> tuple[RetentionRule, ...]:
        return tuple(r for r in self.rules if file_type in r.file_types)


def _text(data: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"Löschregel {where}", f"„{key}“ fehlt oder ist kein Text.")
    return value.strip()


def _count(data: Mapping[str, Any], key: str, where: str, limit: int) -> int:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise ValidationError(f"Löschregel {where}",
                              f"„{key}“ muss eine ganze Zahl von 0 bis {limit} sein.")
    return value


def parse_rules(data: Any) -> RuleSet:
    """Validate a rule file (JSON already decoded); raises `ValidationError` naming the
    rule and field."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ValidationError("Löschregeln", "erwartet ein Objekt mit einer Liste „rules“.")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ValidationError("Löschregeln", "„name“ ist kein Text.")
    rules: list[RetentionRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["rules"], start=1):
        where = f"Nr. {index}"
        if not isinstance(raw, dict):
            raise ValidationError(f"Löschregel {where}", "ist kein Objekt.")
        key = _text(raw, "key", where)
        where = f"„{key}“"
        if key in seen:
            raise ValidationError(f"Löschregel {where}", "ist doppelt vorhanden.")
        seen.add(key)
        event_key = _text(raw, "start_event", where)
        if event_key not in _EVENT_KEYS:
            raise ValidationError(
                f"Löschregel {where}",
                f"Startereignis „{event_key}“ ist unbekannt (erlaubt: "
                f"{', '.join(sorted(_EVENT_KEYS))}).")
        years = _count(raw, "years", where, 150)
        months = _count(raw, "months", where, 1800)
        if not years and not months:
            raise ValidationError(f"Löschregel {where}", "braucht eine Dauer (Jahre/Monate).")
        types_raw = raw.get("file_types")
        if not isinstance(types_raw, list) or not types_raw:
            raise ValidationError(f"Löschregel {where}", "„file_types“ muss eine nicht leere "
                                                         "Liste sein.")
        try:
            types = frozenset(file_type_from_key(str(t)) for t in types_raw)
        except ValidationError as error:
            raise ValidationError(f"Löschregel {where}", error.reason) from None
        example = raw.get("example", False)
        if not isinstance(example, bool):
            raise ValidationError(f"Löschregel {where}", "„example“ muss true/false sein.")
        rules.append(RetentionRule(
            key=key, label=_text(raw, "label", where), start_event=_EVENT_KEYS[event_key],
            years=years, months=months, file_types=types,
            legal_source=_text(raw, "legal_source", where),
            agreement_ref=_text(raw, "agreement_ref", where, required=False),
            example=example))
    if not rules:
        raise ValidationError("Löschregeln", "enthält keine Regel.")
    return RuleSet(name.strip(), tuple(rules))


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class EventFact:
    """A start event of one file: `on` the date it happened, or None with a German
    `pending` reason ("Fall noch nicht abgeschlossen", "Geburtsdatum unbekannt")."""

    on: date | None
    pending: str = ""


def add_period(start: date, years: int, months: int = 0) -> date:
    """`start` + years and months with relativedelta's rule (31 Jan + 1 month = 28/29 Feb,
    29 Feb + 1 year = 28 Feb), without its cost (the due list runs this per household)."""
    month_index = start.month - 1 + months
    year = start.year + years + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def birthday(born: date, years: int) -> date:
    """The date a person completes `years` years (29 Feb → 28 Feb)."""
    return add_period(born, years)


def birthday_fact(births: Sequence[tuple[date | None, int | None]], years: int) -> EventFact:
    """The LATEST such birthday among the persons (the youngest keeps the file longest).
    Year-only births count as 31 December (conservative); an unknown birth keeps the
    event pending, because the rule could run longer than any known one."""
    latest: date | None = None
    for born, year in births:
        if born is not None:
            day = birthday(born, years)
        elif year is not None:
            day = date(year + years, 12, 31)
        else:
            return EventFact(None, "Geburtsdatum einer Person unbekannt")
        latest = day if latest is None or day > latest else latest
    if latest is None:
        return EventFact(None, "keine Personen mit Geburtsdatum")
    return EventFact(latest)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule: RetentionRule
    keep_until: date | None  # None: start event pending
    pending: str = ""


@dataclass(frozen=True, slots=True)
class RetentionDecision:
    """`keep_until`: the first day deletion is allowed (None = not foreseeable yet).
    `governing`: the rule that sets it (the longest), or None."""

    file_type: FileType
    outcomes: tuple[RuleOutcome, ...]
    keep_until: date | None
    governing: RetentionRule | None
    pending: str = ""

    def is_due(self, today: date) -> bool:
        return self.keep_until is not None and self.keep_until <= today

    def summary(self) -> str:
        if self.governing is None and not self.outcomes:
            return "Keine Löschregel für diese Aktenart – bitte Regeln prüfen."
        if self.keep_until is None:
            return f"Aufbewahrung bis auf Weiteres ({self.pending})."
        assert self.governing is not None
        example = " – Beispielregel, kein Gesetz" if self.governing.example else ""
        return (f"Aufbewahrung bis {self.keep_until:%d.%m.%Y} "
                f"({self.governing.label}: {self.governing.duration_text()} ab "
                f"{self.governing.start_event.value}{example}).")


def decide(rules: RuleSet, file_type: FileType,
           facts: Mapping[StartEvent, EventFact]) -> RetentionDecision:
    """Apply every rule for `file_type`; the longest wins. An event missing from `facts`
    means the rule does not apply to this file (e.g. no consent ever recorded)."""
    outcomes: list[RuleOutcome] = []
    for rule in rules.applicable(file_type):
        fact = facts.get(rule.start_event)
        if fact is None:
            continue
        if fact.on is None:
            outcomes.append(RuleOutcome(rule, None, fact.pending or "Startereignis offen"))
        else:
            outcomes.append(RuleOutcome(rule, add_period(fact.on, rule.years, rule.months)))
    if not outcomes:
        return RetentionDecision(file_type, (), None, None,
                                 "keine anwendbare Löschregel")
    pending = [o for o in outcomes if o.keep_until is None]
    if pending:
        first = pending[0]
        return RetentionDecision(file_type, tuple(outcomes), None, first.rule,
                                 f"{first.rule.label}: {first.pending}")
    longest = max(outcomes, key=lambda o: (o.keep_until or date.min))
    return RetentionDecision(file_type, tuple(outcomes), longest.keep_until, longest.rule)


class DeletionApproval(StrEnum):
    """The second person's decision on a proposed deletion (four eyes, LR-36)."""

    APPROVED = "freigegeben"
    REJECTED = "abgelehnt"


class DueState(StrEnum):
    """Where a household whose retention has ended stands."""

    DUE = "fällig"
    PROPOSED = "vorgeschlagen"
    APPROVED = "freigegeben"


@dataclass(frozen=True, slots=True)
class DeletionRequest:
    """A proposed real deletion and what became of it."""

    id: str
    target_id: str
    rule_key: str
    keep_until: str | None
    reason_code: str
    file_type: str
    created_at: str
    created_by: str
    approval: DeletionApproval | None  # None: not decided yet
    approved_by: str | None
    approved_at: str | None
    executed_at: str | None
    executed_by: str | None
    counts: dict[str, int] | None
    attachments: int


@dataclass(frozen=True, slots=True)
class DeletionJournalEntry:
    """One record the deletion journal lists as deleted (LR-37)."""

    seq: int
    entity: str
    entity_id: str
    scope_id: str | None
    deleted_at: str
