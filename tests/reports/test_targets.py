"""Reports against targets and by criterion, Kennzahlen with trend, the funding line on
every report page and the monitoring's funding basis (issue 21; sources-reference §3.13,
§3.14, §3.15, §5.2). Numbers against the hand-countable vault of tests/reports/conftest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.errors import ValidationError
from casework.models.directory.reporting import (
    Change,
    Indicator,
    Metric,
    Reporting,
    parse_reporting,
)
from casework.models.households.household import TargetGroup
from casework.models.persons.worker import WorkerRole
from casework.reports import jahresbericht, monitoring, targets
from casework.reports.export import ReportKind, produce
from casework.services import teilhabe as tm
from casework.services.households import households
from casework.services.persons import workers
from casework.services.session import Session
from tests.reports.test_reports import shown

Y1, Y2 = date(2025, 1, 1), date(2025, 12, 31)
FUNDING_TEXT = "Mit finanzieller Unterstützung des Europäischen Sozialfonds (ESF)"


def _household(session: Session, name: str) -> str:
    rows = households.list_rows(session, households.list_ids(session, search=name))
    return str(next(r for r in rows if r.name.startswith(name)).id)


def test_jahresbericht_target_achieved_ratio_and_criteria(report_session: Session) -> None:
    # Source 000:1668, 1877-1881 (families reached, referrals, courses per family) and
    # 000:1154-1158 (target-group criteria): each criterion counts, each household once.
    alt = _household(report_session, "Altkontakt")
    draft = households.get(report_session, alt).data
    households.update(report_session, alt, replace(draft, target_groups=frozenset(
        {TargetGroup.ALLEINERZIEHEND, TargetGroup.ARMUT, TargetGroup.FEHLENDE_NETZWERKE})))
    neu = _household(report_session, "Neujahr")
    draft = households.get(report_session, neu).data
    households.update(report_session, neu, replace(
        draft, target_groups=frozenset({TargetGroup.ALLEINERZIEHEND})))
    report = jahresbericht.build(report_session, Y1, Y2, k=1)
    goals = shown(report, "ziele")
    assert goals["Erreichte Familien"] == ("40", "3", "8 %")
    assert goals["Vermittlungen"] == ("40", "0", "0 %")
    criteria = shown(report, "zielgruppenkriterien")
    assert criteria["Alleinerziehend"] == ("2",)
    assert criteria["Armut"] == ("1",) and criteria["fehlende Netzwerke"] == ("1",)
    assert criteria["ohne erfasstes Kriterium"] == ("1",)
    assert criteria["Haushalte insgesamt (jeder einmal gezählt)"] == ("3",)
    # With the floor of five the small achieved count and its ratio are not shown.
    suppressed = jahresbericht.build(report_session, Y1, Y2, k=5)
    assert shown(suppressed, "ziele")["Erreichte Familien"] == ("40", "< 5", "–")
    assert shown(suppressed, "zielgruppenkriterien")["Alleinerziehend"] == ("< 5",)


def test_funding_line_on_every_report_page(report_session: Session, tmp_path: Path) -> None:
    # Source 000:1250-1267: the funders' credit line on printed material.
    for kind in ReportKind:
        pdf = tmp_path / f"{kind.value}.pdf"
        produce(report_session, kind, Y1, Y2, pdf_path=pdf)
        pages = PdfReader(str(pdf)).pages
        assert len(pages) >= 1
        for page in pages:
            text = " ".join(page.extract_text().split())
            assert FUNDING_TEXT in text, (kind, text[-400:])
        first = " ".join(pages[0].extract_text().split())
        if kind is ReportKind.JAHRESBERICHT:
            assert "Ziele 2025: Zielwert, erreicht, Quote" in first
            assert "Erreichte Familien 40 < 5 –" in first


def _metrics(**values: float) -> dict[Metric, float]:
    base = dict.fromkeys(Metric, 0.0)
    base.update({Metric(k): v for k, v in values.items()})
    return base


def test_kennzahlen_with_trend_in_points_and_relative() -> None:
    # Source 004:376: a change stated relative (+2 % relative) or in percentage points.
    reporting = Reporting(indicators=(
        Indicator("v", "Familien mit Vermittlung", Metric.HAUSHALTE_VERMITTELT,
                  Metric.HAUSHALTE_ERREICHT, 25, Change.PROZENTPUNKTE),
        Indicator("k", "Familien mit Kurs", Metric.HAUSHALTE_KURS,
                  Metric.HAUSHALTE_ERREICHT, 50, Change.RELATIV),
    ))
    now = _metrics(haushalte_vermittelt=12, haushalte_erreicht=40, haushalte_kurs=3)
    before = _metrics(haushalte_vermittelt=8, haushalte_erreicht=40, haushalte_kurs=10)
    rows = dict(targets.indicator_table(reporting, now, before, 5, 2026).rows)
    assert rows["Familien mit Vermittlung"] == (
        "12 von 40", "30,0 %", "25 %", "ja", "20,0 %", "+10,0 Prozentpunkte")
    assert rows["Familien mit Kurs"] == (
        "< 5 von 40", "–", "50 %", "–", "25,0 %", "kein Vorjahreswert")
    now = _metrics(haushalte_vermittelt=12, haushalte_erreicht=40, haushalte_kurs=15)
    rows = dict(targets.indicator_table(reporting, now, before, 5, 2026).rows)
    assert rows["Familien mit Kurs"][1] == "37,5 %"
    assert rows["Familien mit Kurs"][5] == "+50,0 % (relativ)"


def test_profile_reporting_is_checked() -> None:
    with pytest.raises(ValidationError) as info:
        parse_reporting({"targets": [{"year": 2026, "metric": "familien", "value": 40}]})
    assert info.value.field == "reporting.targets[0].metric"
    with pytest.raises(ValidationError) as info:
        parse_reporting({"indicators": [{"key": "a", "label": "A", "numerator": "kontakte",
                                         "denominator": "kontakte", "target_percent": 120}]})
    assert info.value.field == "reporting.indicators[0].target_percent"


def test_monitoring_states_the_funding_basis_next_to_the_posts(report_session: Session) -> None:
    # Source 000:3453-3455: posts rest on the number of persons with Duldung/Gestattung
    # aged 18-27 (about 100 -> 1.0 VZÄ); Bottrop 01.07.2019: 100 Duldung, 98 Gestattung.
    figures = dict(monitoring.build(report_session, Y1, Y2, k=1).key_figures)
    assert figures["Zielgruppe am Stichtag (18–27 Jahre)"] == (
        "2 Duldung, 1 Gestattung (aus dieser Akte gezählt)")
    assert figures["Förderbasis: Stellen nach Schlüssel (VZÄ)"] == "0,03 (3 ÷ 100)"
    lead = next(w for w in workers.all_workers(report_session)
                if w.data.role is WorkerRole.LEITUNG)
    report_session.act_as(lead.id)
    tm.record_target_count(report_session, date(2025, 7, 1), 100, 98, "Ausländerbehörde")
    figures = dict(monitoring.build(report_session, Y1, Y2).key_figures)
    assert figures["Zielgruppe am Stichtag (18–27 Jahre)"] == (
        "100 Duldung, 98 Gestattung (Stand 01.07.2025; Ausländerbehörde)")
    assert figures["Förderbasis: Stellen nach Schlüssel (VZÄ)"] == "1,98 (198 ÷ 100)"
    assert figures["besetzt gegenüber Förderbasis"] == (
        "0,50 von 1,98 VZÄ besetzt (1,48 VZÄ nicht besetzt)")


def test_a_profile_without_targets_says_so() -> None:
    table = targets.target_table(Reporting(), 2026, _metrics(), 5)
    assert not table.available
    assert table.note == "Für 2026 sind im Profil keine Ziele hinterlegt."


def test_reporting_survives_the_directory_round_trip() -> None:
    from casework.models.directory.parsing import parse_profile
    from casework.services.directory.shipped import load_profile, profile_to_data

    profile = load_profile("bottrop-beispiel")
    assert profile.reporting.targets_for(2026) and profile.reporting.indicators
    assert parse_profile(profile_to_data(profile)) == profile
