"""Deadlines of the § 8a procedure from a configurable deadline profile (LR-13).

Federal law sets no hour- or day-based deadline for § 8a ("unverzüglich" = without
culpable delay, legal-reference §1.4). Concrete deadlines come from the local Vereinbarung,
so they are data: a profile (JSON, `resources/deadlines/*.json`) lists rules
"from entering state X, step Y is due within N working days / hours". Nothing here is a
legal deadline. Working days skip weekends and the public holidays of a predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.review import ReviewKind
from casework.models.kinderschutz.rules import open_tasks
from casework.models.kinderschutz.vocabulary import (
    EntryKind,
    InvolvementTarget,
    MeasureStatus,
    State,
)

HolidayPredicate = Callable[[date], bool]


class DoneWhen(StrEnum):
    """What completes a deadline step (a closed list the profile refers to by name)."""

    LEITUNG_INFORMIERT = "leitung_informiert"  # the Leitung acknowledged entering S1
    EINSCHAETZUNG = "einschaetzung"  # an assessment version was recorded
    ISEF = "isef"  # iseF consultation recorded (or, acute path only, skipped with reason)
    EINBEZIEHUNG = "einbeziehung"  # parents and child documented
    ERGEBNIS = "ergebnis"  # a result was recorded
    MITTEILUNG = "mitteilung"  # the Jugendamt was informed


class InformationPolicy(StrEnum):
    """When the Träger informs the Jugendamt. The cooperation agreements differ: one says
    "unverzüglich" once weighty indications are known (sources 000:1274), the § 8a
    agreement puts it at step 4, after the Träger's own efforts (000:2132)."""

    UNVERZUEGLICH = "unverzueglich"
    IM_VERFAHREN = "im_verfahren"

    @property
    def label(self) -> str:
        return {
            InformationPolicy.UNVERZUEGLICH:
                "unverzüglich, sobald gewichtige Anhaltspunkte bekannt sind",
            InformationPolicy.IM_VERFAHREN:
                "im späteren Schritt „Information an das Jugendamt“",
        }[self]


IMMEDIATE_KEY = "jugendamt_unverzueglich"
IMMEDIATE_LABEL = "Jugendamt unverzüglich informieren (gewichtige Anhaltspunkte)"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    key: str
    label: str
    start: State  # the deadline runs from the latest entry into this state
    done: DoneWhen
    working_days: int | None = None  # 0 = by the end of the same working day
    hours: int | None = None


@dataclass(frozen=True, slots=True)
class DeadlineProfile:
    name: str
    title: str
    note: str  # shown with the deadlines: "Beispielwerte, bitte anpassen" …
    day_ends: time  # a working-day deadline ends at this local time
    rules: tuple[DeadlineRule, ...]
    acute_followup_working_days: int  # LR-10 follow-up tasks
    example: bool  # True for the shipped, non-binding example values
    information: InformationPolicy = InformationPolicy.IM_VERFAHREN
    information_working_days: int = 0  # UNVERZUEGLICH: reminder due after N working days

    @property
    def immediate(self) -> bool:
        return self.information is InformationPolicy.UNVERZUEGLICH


@dataclass(frozen=True, slots=True)
class DueStep:
    procedure_id: str
    key: str
    label: str
    due_at: datetime  # aware, Europe/Berlin
    overdue: bool


def _need(data: Mapping[str, Any], path: str, key: str) -> Any:
    if key not in data:
        raise ValidationError(f"{path}.{key}", "fehlt.")
    return data[key]


def _count(value: Any, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
        raise ValidationError(path, "muss eine ganze Zahl zwischen 0 und 365 sein.")
    return value


def parse_deadline_profile(data: Mapping[str, Any]) -> DeadlineProfile:
    """Validate a deadline profile; errors name the JSON path."""
    if not isinstance(data, Mapping):
        raise ValidationError("Fristenprofil", "muss ein JSON-Objekt sein.")
    rules: list[DeadlineRule] = []
    raw_rules = _need(data, "fristen", "rules")
    if not isinstance(raw_rules, list):
        raise ValidationError("rules", "muss eine Liste sein.")
    for i, raw in enumerate(raw_rules):
        path = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            raise ValidationError(path, "muss ein Objekt sein.")
        try:
            start = State(_need(raw, path, "start"))
        except ValueError:
            raise ValidationError(f"{path}.start", "unbekannter Schritt.") from None
        try:
            done = DoneWhen(_need(raw, path, "done"))
        except ValueError:
            raise ValidationError(f"{path}.done", "unbekannte Bedingung.") from None
        working = raw.get("working_days")
        hours = raw.get("hours")
        if (working is None) == (hours is None):
            raise ValidationError(path, "genau eines von working_days oder hours angeben.")
        key = str(_need(raw, path, "key")).strip()
        label = str(_need(raw, path, "label")).strip()
        if not key or not label:
            raise ValidationError(path, "key und label dürfen nicht leer sein.")
        rules.append(DeadlineRule(
            key, label, start, done,
            _count(working, f"{path}.working_days") if working is not None else None,
            _count(hours, f"{path}.hours") if hours is not None else None))
    if len({r.key for r in rules}) != len(rules):
        raise ValidationError("rules", "enthält doppelte Schlüssel.")
    try:
        day_ends = time.fromisoformat(str(data.get("day_ends", "23:59")))
    except ValueError:
        raise ValidationError("day_ends", "Uhrzeit im Format HH:MM angeben.") from None
    try:
        information = InformationPolicy(str(data.get("jugendamt_information",
                                                     InformationPolicy.IM_VERFAHREN.value)))
    except ValueError:
        raise ValidationError("jugendamt_information",
                              "„unverzueglich“ oder „im_verfahren“ angeben.") from None
    name = str(_need(data, "fristen", "name")).strip()
    if not name:
        raise ValidationError("name", "darf nicht leer sein.")
    return DeadlineProfile(
        name=name, title=str(data.get("title", name)), note=str(data.get("note", "")),
        day_ends=day_ends, rules=tuple(rules),
        acute_followup_working_days=_count(data.get("acute_followup_working_days", 2),
                                           "acute_followup_working_days"),
        example=bool(data.get("example", False)),
        information=information,
        information_working_days=_count(data.get("jugendamt_information_working_days", 0),
                                        "jugendamt_information_working_days"),
    )


def deadline_profile_to_data(profile: DeadlineProfile) -> dict[str, Any]:
    return {
        "name": profile.name, "title": profile.title, "note": profile.note,
        "example": profile.example, "day_ends": profile.day_ends.strftime("%H:%M"),
        "acute_followup_working_days": profile.acute_followup_working_days,
        "jugendamt_information": profile.information.value,
        "jugendamt_information_working_days": profile.information_working_days,
        "rules": [
            {"key": r.key, "label": r.label, "start": r.start.value, "done": r.done.value,
             **({"working_days": r.working_days} if r.working_days is not None
                else {"hours": r.hours})}
            for r in profile.rules
        ],
    }


# --------------------------------------------------------------------------- calendar


def is_working_day(day: date, is_holiday: HolidayPredicate) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: datetime, days: int, day_ends: time,
                     is_holiday: HolidayPredicate) -> datetime:
    """End (`day_ends`, local) of the `days`-th working day after `start`; 0 = the same
    working day, or the next one if `start` is not a working day or after `day_ends`."""
    local = start.astimezone(BERLIN)
    day = local.date()
    if not is_working_day(day, is_holiday) or local.time() > day_ends:
        day += timedelta(days=1)
        while not is_working_day(day, is_holiday):
            day += timedelta(days=1)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, is_holiday):
            remaining -= 1
    return datetime.combine(day, day_ends, tzinfo=BERLIN)


def due_at(rule: DeadlineRule, started: datetime, profile: DeadlineProfile,
           is_holiday: HolidayPredicate) -> datetime:
    if rule.hours is not None:
        return (started + timedelta(hours=rule.hours)).astimezone(BERLIN)
    assert rule.working_days is not None
    return add_working_days(started, rule.working_days, profile.day_ends, is_holiday)


# --------------------------------------------------------------------------- evaluation


def _done(file: ProcedureFile, rule: DeadlineRule, acknowledged: frozenset[ReviewKind]) -> bool:
    since = rule.start
    if rule.done is DoneWhen.LEITUNG_INFORMIERT:
        return ReviewKind.ANHALTSPUNKTE in acknowledged or ReviewKind.AKUT in acknowledged
    if rule.done is DoneWhen.EINSCHAETZUNG:
        return bool(file.since(EntryKind.ASSESSMENT, since))
    if rule.done is DoneWhen.ISEF:
        return bool(file.since(EntryKind.ISEF, since)) or (
            file.was_acute() and bool(file.of(EntryKind.ISEF_SKIP)))
    if rule.done is DoneWhen.EINBEZIEHUNG:
        return all(file.involvement(t) is not None for t in InvolvementTarget)
    if rule.done is DoneWhen.ERGEBNIS:
        return bool(file.since(EntryKind.RESULT, since))
    return bool(file.since(EntryKind.MITTEILUNG, since))


def due_steps(file: ProcedureFile, profile: DeadlineProfile, now: datetime,
              is_holiday: HolidayPredicate,
              acknowledged: frozenset[ReviewKind] = frozenset()) -> list[DueStep]:
    """Open steps with deadlines, soonest first; `overdue` when past due at `now`.

    `acknowledged` are the review kinds of this procedure the Leitung has approved.
    """
    if file.state in (State.S0, State.S9):
        return []
    pid = file.procedure.id
    local_now = now.astimezone(BERLIN)
    steps: list[DueStep] = []
    for rule in profile.rules:
        started = file.entered(rule.start)
        if started is None or _done(file, rule, acknowledged):
            continue
        due = due_at(rule, started.at, profile, is_holiday)
        steps.append(DueStep(pid, rule.key, rule.label, due, due < local_now))
    weighty = file.entered(State.S1)
    if (profile.immediate and weighty is not None
            and not file.since(EntryKind.MITTEILUNG, State.S1)):
        due = add_working_days(weighty.at, profile.information_working_days, profile.day_ends,
                               is_holiday)
        steps.append(DueStep(pid, IMMEDIATE_KEY, IMMEDIATE_LABEL, due, due < local_now))
    pending = set(open_tasks(file))
    for task in file.of(EntryKind.TASK):
        if task.data.key in pending:
            pending.discard(task.data.key)
            due = task.data.due_at.astimezone(BERLIN)
            steps.append(DueStep(pid, f"nacharbeit_{task.data.key.value}", task.data.key.label,
                                 due, due < local_now))
    plan = file.current_plan()
    if plan is not None and file.state in (State.S6, State.S6B):
        review = plan.data.review_date
        if review is not None and file.state is State.S6:
            due = datetime.combine(review, profile.day_ends, tzinfo=BERLIN)
            steps.append(DueStep(pid, "schutzplan_ueberpruefung",
                                 "Überprüfung des Schutzplans", due, due < local_now))
        for number, m in enumerate(plan.data.measures, start=1):
            if m.status is MeasureStatus.OFFEN:
                due = datetime.combine(m.due, profile.day_ends, tzinfo=BERLIN)
                steps.append(DueStep(pid, f"massnahme_{number}",
                                     f"Schutzplan-Maßnahme {number}: {m.measure}", due,
                                     due < local_now))
    steps.sort(key=lambda s: s.due_at)
    return steps
