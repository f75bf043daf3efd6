"""Jahresauswertung Kinderschutz: the Träger's yearly internal evaluation of its § 8a
procedures, reported to the Jugendamt (sources-reference §3.10 "Annual evaluation",
source 000:2155-2157; §5.2 item 8).

Per calendar year of opening: procedures opened (acute or not), the result of the risk
assessment by category, whether the Jugendamt was informed, the furthest step reached and
the duration until closure. Counts only, no names or dates of a case; small numbers are
suppressed like in every report (LR-39)."""

from __future__ import annotations

from datetime import date
from statistics import median

from casework.clock import BERLIN, from_utc_iso
from casework.models.kinderschutz.vocabulary import STATE_LABELS, ResultCategory, State
from casework.models.reports import DEFAULT_K, Report, StatRow, StatTable, shown_count
from casework.reports.period import period_text, window
from casework.services.session import Session
from casework.storage import reports_kinderschutz as q

TITLE = "Jahresauswertung Kinderschutz (§ 8a SGB VIII)"

# The steps of the procedure in order; the furthest one reached is counted.
STEPS = (State.S1, State.S2, State.S3, State.S4, State.S5, State.S6, State.S6B, State.S7,
         State.S8)
DURATIONS = ("bis 7 Tage", "8 bis 30 Tage", "31 bis 90 Tage", "91 bis 180 Tage",
             "mehr als 180 Tage")
OPEN = "am Ende des Zeitraums noch nicht abgeschlossen"
NO_RESULT = "noch ohne Ergebnis"
ACUTE = "akut"


def _duration_band(days: int) -> str:
    for limit, label in zip((7, 30, 90, 180), DURATIONS, strict=False):
        if days <= limit:
            return label
    return DURATIONS[-1]


def _furthest(states: str) -> str:
    reached = set(states.split(",")) if states else set()
    best = ""
    for step in STEPS:
        if step.value in reached:
            best = STATE_LABELS[step]
    return best or STATE_LABELS[State.S0]


def build(session: Session, first: date, last: date, k: int = DEFAULT_K) -> Report:
    w = window(first, last)
    rows = q.kinderschutz_procedures(session.db, w)
    years = [str(y) for y in range(first.year, last.year + 1)]
    if rows is None:
        unavailable = StatTable("verfahren", "Eröffnete Verfahren", "Verfahren", (), (),
                                available=False,
                                note="In dieser Akte werden keine § 8a-Verfahren erfasst.")
        return Report(TITLE, period_text(w), (("1 Verfahren", (unavailable,)),), (), k,
                      (("Berichtszeitraum", period_text(w)),))
    opened: dict[tuple[str, str], int] = {}
    results: dict[tuple[str, str], int] = {}
    informed: dict[tuple[str, str], int] = {}
    steps: dict[tuple[str, str], int] = {}
    durations: dict[tuple[str, str], int] = {}
    closed_days: list[int] = []

    def add(counts: dict[tuple[str, str], int], row: str, year: str) -> None:
        counts[(row, year)] = counts.get((row, year), 0) + 1

    for opened_at, acute, states, closed_at, was_informed, category in rows:
        start = from_utc_iso(opened_at).astimezone(BERLIN)
        year = str(start.year)
        is_acute = acute or category == ResultCategory.AKUT.value
        add(opened, ACUTE if is_acute else "nicht akut", year)
        add(results, category or NO_RESULT, year)
        told = was_informed or State.S7.value in states.split(",")
        add(informed, "Jugendamt informiert" if told else "Jugendamt nicht informiert", year)
        add(steps, _furthest(states), year)
        if closed_at is None:
            add(durations, OPEN, year)
        else:
            days = (from_utc_iso(closed_at).astimezone(BERLIN).date() - start.date()).days
            closed_days.append(days)
            add(durations, _duration_band(days), year)

    def table(key: str, title: str, header: str, labels: list[str],
              counts: dict[tuple[str, str], int], note: str = "") -> StatTable:
        return StatTable(
            key, title, header, tuple(years),
            tuple(StatRow(label, tuple(counts.get((label, y), 0) for y in years))
                  for label in labels),
            note=note, total_column=len(years) > 1, total_row=True,
        )

    categories = [c.value for c in ResultCategory]
    categories += sorted({r for r, _y in results} - set(categories) - {NO_RESULT})
    step_labels = [STATE_LABELS[State.S0], *(STATE_LABELS[s] for s in STEPS)]
    sections = (
        ("1 Eröffnete Verfahren", (table(
            "verfahren", "Eröffnete Verfahren nach Jahr der Eröffnung", "Verfahren",
            ["nicht akut", ACUTE], opened,
            "Akut: der Weg bei dringender Gefahr wurde gewählt oder das Ergebnis lautet "
            "„akute Kindeswohlgefährdung“."),)),
        ("2 Ergebnis der Gefährdungseinschätzung", (table(
            "ergebnisse", "Verfahren nach Ergebniskategorie (zuletzt festgehaltenes Ergebnis)",
            "Ergebnis", [*categories, NO_RESULT], results),)),
        ("3 Information an das Jugendamt", (table(
            "jugendamt", "Verfahren, in denen das Jugendamt informiert wurde", "Information",
            ["Jugendamt informiert", "Jugendamt nicht informiert"], informed),)),
        ("4 Erreichter Verfahrensschritt", (table(
            "schritt", "Verfahren nach dem weitesten erreichten Schritt", "Schritt",
            [label for label in step_labels if any(key[0] == label for key in steps)]
            or step_labels[1:3], steps),)),
        ("5 Dauer", (table(
            "dauer", "Dauer von der Eröffnung bis zum Abschluss", "Dauer",
            [*DURATIONS, OPEN], durations),)),
    )
    total = len(rows)
    middle = (f"{median(closed_days):.0f} Tage".replace(".", ",")
              if len(closed_days) >= k else "–")
    key_figures = (
        ("Berichtszeitraum", period_text(w)),
        ("Eröffnete Verfahren", shown_count(total, k)),
        ("davon abgeschlossen", shown_count(len(closed_days), k)),
        ("Mittlere Dauer bis zum Abschluss (Median)", middle),
    )
    remarks = (
        "Gezählt sind die im Zeitraum eröffneten Verfahren, mit ihrem Stand am Ende des "
        "Zeitraums; Spalten nach dem Jahr der Eröffnung.",
        "Die Auswertung enthält keine Namen, Anschriften, Geburtsdaten oder Daten einzelner "
        "Verfahren; kleine Zahlen sind nicht ausgewiesen.",
    )
    return Report(TITLE, period_text(w), sections, remarks, k, key_figures)
