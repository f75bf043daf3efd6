"""The Jahresbericht against the project's targets (sources-reference §3.15, §5.2):
target, achieved and ratio per target of the year; households under each target-group
criterion and once in total; Kennzahlen ("X of N" with a target share) and their trend
against the previous year, in percentage points or relative (source 004:376).

Targets and Kennzahlen are reference data of the profile (`reporting`)."""

from __future__ import annotations

import json
from collections import Counter

from dateutil.relativedelta import relativedelta

from casework.models.contacts import ContactType
from casework.models.directory.reporting import (
    FAMILY_METRICS,
    Change,
    Indicator,
    Metric,
    Reporting,
)
from casework.models.households.household import TargetGroup
from casework.models.reports import StatRow, StatTable, TextTable, shown_count
from casework.reports.period import window
from casework.services.session import Session
from casework.storage import reports as q
from casework.storage.reports import Counts, Window

Metrics = dict[Metric, float]


def metrics(session: Session, w: Window, flags: Counts | None = None) -> Metrics:
    """Every countable metric of the period (families, referrals, courses, training);
    `flags` = the period's `households_reached` if the caller has it already."""
    db = session.db
    if flags is None:
        flags = q.reached_flags(db, w)
    reached = sum(flags.values())
    new = sum(n for (is_new, _route), n in flags.items() if is_new == "1")
    referrals = q.referral_totals(db, w) or (0, 0)
    course_households, course_pairs = q.course_participation(db, w)
    training, training_done, _sessions = q.family_training(db, w)
    return {
        Metric.HAUSHALTE_ERREICHT: reached,
        Metric.HAUSHALTE_NEU: new,
        Metric.KONTAKTE: q.contacts_total(db, w),
        Metric.HAUSBESUCHE: q.contacts_of_type(db, w, ContactType.HAUSBESUCH.value),
        Metric.VERMITTLUNGEN: referrals[0],
        Metric.HAUSHALTE_VERMITTELT: referrals[1],
        Metric.HAUSHALTE_KURS: course_households,
        Metric.KURSE_JE_FAMILIE: course_pairs / reached if reached else 0.0,
        Metric.FAMILIENTRAINING: training,
        Metric.FAMILIENTRAINING_ABGESCHLOSSEN: training_done,
    }


def previous_window(w: Window) -> Window:
    """The same period one year earlier."""
    return window(w.first - relativedelta(years=1), w.last - relativedelta(years=1))


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".replace(".", ",")


def _shown(metric: Metric, value: float, k: int) -> str:
    if metric in FAMILY_METRICS or metric is Metric.VERMITTLUNGEN:
        return shown_count(int(value), k)
    return _number(value)


def _hidden(metric: Metric, value: float, k: int) -> bool:
    return (metric in FAMILY_METRICS or metric is Metric.VERMITTLUNGEN) and 0 < value < k


def _percent(value: float) -> str:
    return f"{value:.0f} %"


def target_table(reporting: Reporting, year: int, achieved: Metrics, k: int) -> TextTable:
    """Target, achieved and ratio per target of `year` (the year the period ends in)."""
    targets = reporting.targets_for(year)
    rows = []
    for target in targets:
        value = achieved[target.metric]
        if target.metric is Metric.KURSE_JE_FAMILIE and achieved[Metric.HAUSHALTE_ERREICHT] < k:
            shown, ratio = "–", "–"
        elif _hidden(target.metric, value, k):
            shown, ratio = _shown(target.metric, value, k), "–"
        else:
            shown = _shown(target.metric, value, k)
            ratio = _percent(value / target.value * 100) if target.value else "–"
        rows.append((target.metric.label, (_number(target.value), shown, ratio)))
    note = (
        f"Ziele des Projekts für {year} laut Profil; Quote = erreicht ÷ Ziel."
        if targets
        else f"Für {year} sind im Profil keine Ziele hinterlegt."
    )
    return TextTable(
        "ziele",
        f"Ziele {year}: Zielwert, erreicht, Quote",
        "Ziel",
        ("Zielwert", "erreicht", "Quote"),
        tuple(rows),
        note=note + (" „Kurse je erreichter Familie“: verschiedene Kurse mit namentlicher "
                     "Teilnahme je im Zeitraum erreichter Familie." if targets else ""),
        available=bool(targets),
    )


def criteria_table(session: Session, w: Window) -> StatTable:
    """Reached households under each target-group criterion, and each household once."""
    counts = {g: 0 for g in TargetGroup}
    with_any = 0
    total = 0
    # Households share a few combinations: each distinct list is parsed once.
    for text, n in Counter(q.reached_target_groups(session.db, w)).items():
        total += n
        groups = {TargetGroup(v) for v in json.loads(text) if v in TargetGroup._value2member_map_}
        for group in groups:
            counts[group] += n
        with_any += n if groups else 0
    rows = [StatRow(g.value, (counts[g],)) for g in TargetGroup]
    rows += [
        StatRow("ohne erfasstes Kriterium", (total - with_any,)),
        StatRow("Haushalte insgesamt (jeder einmal gezählt)", (total,)),
    ]
    return StatTable(
        "zielgruppenkriterien",
        "Erreichte Haushalte nach Zielgruppenkriterium",
        "Kriterium",
        ("Haushalte",),
        tuple(rows),
        note="Ein Haushalt mit mehreren Kriterien zählt unter jedem Kriterium, in der "
        "letzten Zeile aber nur einmal; die Zeilen ergeben deshalb keine Summe.",
    )


def _share(indicator: Indicator, values: Metrics, k: int) -> float | None:
    """The share in percent, or None if it cannot be shown (no base, small numbers)."""
    x, n = values[indicator.numerator], values[indicator.denominator]
    if not n or _hidden(indicator.numerator, x, k) or _hidden(indicator.denominator, n, k):
        return None
    return x / n * 100


def _trend(indicator: Indicator, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "kein Vorjahreswert"
    if indicator.change is Change.PROZENTPUNKTE:
        return f"{now - before:+.1f} Prozentpunkte".replace(".", ",")
    if before == 0:
        return "relativ nicht berechenbar (Vorjahr 0 %)"
    return f"{(now - before) / before * 100:+.1f} % (relativ)".replace(".", ",")


def indicator_table(
    reporting: Reporting, current: Metrics, previous: Metrics, k: int, year: int
) -> TextTable:
    rows = []
    for ind in reporting.indicators:
        x, n = current[ind.numerator], current[ind.denominator]
        now, before = _share(ind, current, k), _share(ind, previous, k)
        share = "–" if now is None else f"{now:.1f} %".replace(".", ",")
        previous_text = "–" if before is None else f"{before:.1f} %".replace(".", ",")
        reached = "–" if now is None else ("ja" if now >= ind.target_percent else "nein")
        rows.append((
            ind.label,
            (
                f"{_shown(ind.numerator, x, k)} von {_shown(ind.denominator, n, k)}",
                share,
                f"{ind.target_percent:g} %".replace(".", ","),
                reached,
                previous_text,
                _trend(ind, now, before),
            ),
        ))
    return TextTable(
        "kennzahlen",
        "Kennzahlen: Anteil, Zielwert und Entwicklung zum Vorjahr",
        "Kennzahl",
        ("X von N", "Anteil", "Zielwert", "erreicht", f"Vorjahr ({year - 1})", "Entwicklung"),
        tuple(rows),
        note="Entwicklung in Prozentpunkten (Differenz der Anteile) oder relativ "
        "(Veränderung des Anteils in Prozent), wie im Profil je Kennzahl festgelegt; "
        "Vorjahr = derselbe Zeitraum ein Jahr früher.",
        available=bool(reporting.indicators),
    )


def sections(
    session: Session, w: Window, reporting: Reporting, k: int, flags: Counts | None = None
) -> tuple[tuple[str, tuple[StatTable | TextTable, ...]], ...]:
    """`flags` = the period's `households_reached` if the caller has it already."""
    year = w.last.year
    current = metrics(session, w, flags)
    # Before the previous year's figures, which replace the cached reached set.
    criteria = criteria_table(session, w)
    previous = metrics(session, previous_window(w))
    tables: list[StatTable | TextTable] = [target_table(reporting, year, current, k)]
    if reporting.indicators:
        tables.append(indicator_table(reporting, current, previous, k, year))
    return (
        ("1 Ziele und Kennzahlen", tuple(tables)),
        ("2 Zielgruppenkriterien", (criteria,)),
    )
