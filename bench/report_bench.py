"""Report timings for the benchmark runner (called by bench/run.py as step 6).

Jahresbericht Quartiersarbeit for the last full calendar year (and the Programm-Monitoring)
on the benchmark vault: statistics (aggregate SQL) and PDF rendering measured separately.
"""

from __future__ import annotations

from datetime import date

from bench.harness import Result, measure
from casework.clock import local_today
from casework.reports.export import ReportKind, build, pdf_bytes
from casework.services.session import Session


def _touch(session: Session) -> None:
    session.vault.set_meta("bench_touch", session.clock.now().isoformat())


def run(session: Session) -> list[Result]:
    year = local_today(session.clock).year - 1
    first, last = date(year, 1, 1), date(year, 12, 31)
    report = build(session, ReportKind.JAHRESBERICHT, first, last)
    results = [
        Result(
            "6 Jahresbericht: Statistik (SQL)",
            "ms",
            # A write before each run (≈2 ms, included) so nothing is served from the
            # per-connection cache of reached households (storage.reports._fill_reached).
            measure(lambda: (_touch(session),
                             build(session, ReportKind.JAHRESBERICHT, first, last)),
                    runs=5, warmup=1),
            budget=500,  # issue 9: statistics for a year ≤ 0.5 s
            note=f"Zeitraum {year}",
        ),
        Result(
            "6 Jahresbericht: PDF erzeugen",
            "ms",
            measure(lambda: pdf_bytes(session, report), runs=3, warmup=1),
            budget=1000,  # issue 9: statistics + PDF ≤ 1.5 s, so the PDF part ≤ 1.0 s
        ),
        Result(
            "6 Programm-Monitoring: Statistik + PDF",
            "ms",
            measure(
                lambda: pdf_bytes(session, build(session, ReportKind.MONITORING, first, last)),
                runs=3,
                warmup=0,
            ),
        ),
    ]
    return results
