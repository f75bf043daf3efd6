"""Report periods: local calendar days (Europe/Berlin) ↔ UTC bounds, months within."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from casework.clock import BERLIN, to_utc_iso
from casework.errors import ValidationError
from casework.storage.reports import Window

MONTHS_DE = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
MAX_MONTHS = 60


def parse_day(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(label, f"„{text}“ ist kein Datum im Format JJJJ-MM-TT.") from None


def _utc(day: date) -> str:
    return to_utc_iso(datetime.combine(day, time.min, BERLIN))


def window(first: date, last: date) -> Window:
    if last < first:
        raise ValidationError("Zeitraum", "„von“ liegt nach „bis“.")
    if relativedelta(last, first).years * 12 + relativedelta(last, first).months >= MAX_MONTHS:
        raise ValidationError("Zeitraum", "höchstens fünf Jahre.")
    return Window(first, last, _utc(first), _utc(last + timedelta(days=1)))


def months(w: Window) -> list[tuple[str, str, str]]:
    """(label "Jan 2026", start UTC, end UTC) for each local month touching the period,
    clipped to the period."""
    out = []
    cursor = w.first.replace(day=1)
    while cursor <= w.last:
        nxt = cursor + relativedelta(months=1)
        start = max(cursor, w.first)
        end = min(nxt - timedelta(days=1), w.last)
        out.append(
            (
                f"{MONTHS_DE[cursor.month - 1]} {cursor.year}",
                _utc(start),
                _utc(end + timedelta(days=1)),
            )
        )
        cursor = nxt
    return out


def period_text(w: Window) -> str:
    return f"{w.first:%d.%m.%Y} – {w.last:%d.%m.%Y}"
