"""Produce a report: statistics → PDF (casework.forms.reports) and CSV for Excel
(semicolon-separated, UTF-8 with BOM), with timings for the benchmark."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from casework.errors import UserError
from casework.forms import base
from casework.forms.reports import render_report
from casework.models.reports import DEFAULT_K, Report, check_k, csv_rows, plain_number
from casework.models.spreadsheet import csv_text
from casework.reports import jahresbericht, kinderschutz, monitoring
from casework.services.directory import vault_profile
from casework.services.session import Session


class ReportKind(StrEnum):
    JAHRESBERICHT = "jahresbericht"
    MONITORING = "monitoring"
    KINDERSCHUTZ = "kinderschutz"


TITLES = {
    ReportKind.JAHRESBERICHT: jahresbericht.TITLE,
    ReportKind.MONITORING: monitoring.TITLE,
    ReportKind.KINDERSCHUTZ: kinderschutz.TITLE,
}


@dataclass(frozen=True, slots=True)
class Produced:
    report: Report
    pdf: Path | None
    csv: Path | None
    statistics_seconds: float
    pdf_seconds: float


def build(
    session: Session, kind: ReportKind, first: date, last: date, k: int = DEFAULT_K
) -> Report:
    check_k(k)  # before any statistics are computed
    if kind is ReportKind.JAHRESBERICHT:
        return jahresbericht.build(session, first, last, k)
    if kind is ReportKind.KINDERSCHUTZ:
        return kinderschutz.build(session, first, last, k)
    return monitoring.build(session, first, last, k)


def csv_bytes(report: Report) -> bytes:
    """Semicolon-separated, UTF-8 with BOM (Excel opens umlauts correctly); formula
    prefixes neutralised (`casework.models.spreadsheet`)."""
    rows: list[list[str]] = [[report.title, report.period]]
    rows += [["Kennzahl", label, "", "", plain_number(value)]
             for label, value in report.key_figures]
    rows += csv_rows(report, report.k)
    return ("\ufeff" + csv_text(rows)).encode("utf-8")


def pdf_bytes(session: Session, report: Report) -> bytes:
    funding = None
    try:
        profile = vault_profile.active_profile(session)
        letterhead = base.letterhead_from_organisation(profile.organisation)
        funding = profile.reporting.funding_line
    except UserError:  # a broken or missing profile must not block a report
        letterhead = base.Letterhead(name="Casework")
    return render_report(report, letterhead=letterhead, clock=session.clock, funding=funding)


def produce(
    session: Session,
    kind: ReportKind,
    first: date,
    last: date,
    *,
    pdf_path: Path | None = None,
    csv_path: Path | None = None,
    k: int = DEFAULT_K,
) -> Produced:
    """Build the statistics and write the requested files (atomically)."""
    started = time.perf_counter()
    report = build(session, kind, first, last, k)
    stats_done = time.perf_counter()
    pdf_written = None
    if pdf_path is not None:
        pdf_written = base.write_pdf_atomic(pdf_path, pdf_bytes(session, report))
    pdf_done = time.perf_counter()
    csv_written = None
    if csv_path is not None:
        csv_written = base.write_pdf_atomic(csv_path, csv_bytes(report))
    session.audit(
        "report.export", "report", kind.value, f"{first.isoformat()}..{last.isoformat()} k={k}"
    )
    return Produced(report, pdf_written, csv_written, stats_done - started, pdf_done - stats_done)
