"""Funding rules of Teilhabemanagement (issue 21, sources-reference §3.14): the
target-group check before enrolling, exclusions from funding recorded as dated facts with
their source, no funded measure while one applies, and the warning for a measure that runs
past the funding period. Pure domain code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from casework.errors import ValidationError
from casework.models.households.person import BirthInfo
from casework.models.teilhabe.eligibility import (
    MAX_AGE,
    MIN_AGE,
    TARGET_STATUSES,
    Exclusion,
    TmStatus,
    de,
)
from casework.models.teilhabe.measures import MeasureDraft


@dataclass(frozen=True, slots=True)
class ExclusionFact:
    """One recorded fact about an exclusion from funding: set (`present`) or lifted, since
    when and on what it rests (e.g. "Mitteilung der Ausländerbehörde vom …"). Recorded
    as an authority's finding with its source, never as the worker's own judgement."""

    exclusion: Exclusion
    present: bool
    since: date
    source: str
    recorded_on: date | None = None
    recorded_by: str = ""

    def validated(self, today: date) -> ExclusionFact:
        source = self.source.strip()
        if not source:
            raise ValidationError(
                "Grundlage", "bitte angeben, worauf die Angabe beruht (Stelle, Schreiben, Datum)."
            )
        if len(source) > 300:
            raise ValidationError("Grundlage", "ist zu lang (höchstens 300 Zeichen).")
        if self.since > today:
            raise ValidationError("seit", "liegt in der Zukunft.")
        return ExclusionFact(Exclusion(self.exclusion), self.present, self.since, source)


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """The target-group check before enrolling (source 000:3327-3337, 3509-3510)."""

    outside: bool
    messages: tuple[str, ...]
    youth_welfare: bool = False  # a minor: the Jugendamt / umA support is responsible


def target_group_check(birth: BirthInfo, status: TmStatus | None, on: date) -> TargetCheck:
    """Warnings for an enrolment outside the programme's target group: young refugees
    "in der Regel" 18-27, in Duldung or Gestattung. A minor is pointed to youth welfare
    (unaccompanied minors: the Jugendamt's umA service) instead of being only "outside"."""
    age = birth.age_years(on)
    messages: list[str] = []
    outside = False
    youth = False
    if age is None:
        messages.append("Geburtsdatum fehlt: bitte die Altersgrenze 18 bis 27 Jahre prüfen.")
    elif age < MIN_AGE:
        outside = youth = True
        turns_18 = (birth.birth_date or on) + relativedelta(years=MIN_AGE)
        when = f", wird am {de(turns_18)} 18" if birth.birth_date else ""
        text = f"{age} Jahre alt{when}: Minderjährige betreut die Kinder- und Jugendhilfe."
        if status is TmStatus.GESTATTUNG or status is TmStatus.DULDUNG:
            text += (
                " Bitte an das Jugendamt verweisen – bei unbegleiteten Minderjährigen an die "
                "Betreuung unbegleiteter minderjähriger Ausländer (umA)."
            )
        messages.append(text)
    elif age > MAX_AGE:
        outside = True
        messages.append(
            f"{age} Jahre alt: außerhalb der Zielgruppe (in der Regel 18 bis 27 Jahre)."
        )
    if status is None:
        messages.append("Kein Aufenthaltsstatus angegeben.")
    elif status not in TARGET_STATUSES:
        outside = True
        messages.append(
            f"{status.value}: außerhalb der Zielgruppe (Duldung oder Gestattung); mit "
            "Aufenthaltstitel stehen Jobcenter und Arbeitsagentur offen."
        )
    return TargetCheck(outside, tuple(messages), youth)


def funding_block(exclusions: frozenset[Exclusion]) -> str:
    """Why no funded measure may be booked for a person ("" if none): everyone excluded
    from funding (source 000:3384) gets no measure of any Förderbaustein."""
    if not exclusions:
        return ""
    reasons = ", ".join(e.label for e in sorted(exclusions))
    return (
        "Keine geförderte Maßnahme möglich: die Person ist von der Förderung "
        f"ausgeschlossen ({reasons}). Es wurde nichts gebucht."
    )


def funding_warnings(draft: MeasureDraft, period_last: date | None) -> tuple[str, ...]:
    """Warnings (not refusals) when a measure runs past the funding period's last day."""
    if period_last is None:
        return ()
    out: list[str] = []
    if draft.start_on is not None and draft.start_on > period_last:
        out.append(
            f"Die Maßnahme beginnt am {de(draft.start_on)}, nach dem Ende des "
            f"Förderzeitraums ({de(period_last)})."
        )
    elif draft.end_on is not None and draft.end_on > period_last:
        out.append(
            f"Die Maßnahme endet am {de(draft.end_on)}, nach dem Ende des "
            f"Förderzeitraums ({de(period_last)}); die Zeit danach ist nicht gefördert."
        )
    return tuple(out)
