"""`casework report jahresbericht|monitoring` as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.clock import FixedClock
from casework.services import session as session_service
from tests.conftest import NOW, PASSPHRASE, run_cli
from tests.reports.conftest import build


@pytest.fixture(scope="module")
def report_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-countable report vault of tests/reports (shared builder)."""
    folder = tmp_path_factory.mktemp("cli_reports") / "vault"
    session = session_service.create(
        folder, PASSPHRASE, FixedClock(NOW), owner_name="Lena Beispiel"
    )
    try:
        build(session)
    finally:
        session.close()
    return folder


def test_jahresbericht_writes_pdf_and_csv(report_vault: Path, tmp_path: Path) -> None:
    pdf, csv = tmp_path / "jb.pdf", tmp_path / "jb.csv"
    result = run_cli(
        "report",
        "jahresbericht",
        "--vault",
        str(report_vault),
        "--von",
        "2025-01-01",
        "--bis",
        "2025-12-31",
        "--out",
        str(pdf),
        "--csv",
        str(csv),
    )
    assert result.returncode == 0, result.stderr
    assert "Jahresbericht Quartiersarbeit gespeichert" in result.stdout
    text = PdfReader(str(pdf)).pages[0].extract_text()
    assert "Berichtszeitraum 01.01.2025 – 31.12.2025" in text
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_monitoring_writes_pdf(report_vault: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "m.pdf"
    result = run_cli(
        "report",
        "monitoring",
        "--vault",
        str(report_vault),
        "--von",
        "2025-01-01",
        "--bis",
        "2025-12-31",
        "--out",
        str(pdf),
    )
    assert result.returncode == 0, result.stderr
    assert "Programm-Monitoring Teilhabemanagement" in PdfReader(str(pdf)).pages[0].extract_text()


def test_bad_dates_exit_2_with_german_message(report_vault: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    bad = run_cli(
        "report",
        "jahresbericht",
        "--vault",
        str(report_vault),
        "--von",
        "2025-13-01",
        "--bis",
        "2025-12-31",
        "--out",
        str(pdf),
        passphrase=None,
    )
    assert bad.returncode == 2
    assert "--von: „2025-13-01“ ist kein Datum im Format JJJJ-MM-TT." in bad.stderr
    reversed_ = run_cli(
        "report",
        "monitoring",
        "--vault",
        str(report_vault),
        "--von",
        "2025-12-31",
        "--bis",
        "2025-01-01",
        "--out",
        str(pdf),
        passphrase=None,
    )
    assert reversed_.returncode == 2
    assert "Zeitraum: „von“ liegt nach „bis“." in reversed_.stderr
    assert not pdf.exists()


def test_wrong_passphrase_exit_3(report_vault: Path, tmp_path: Path) -> None:
    result = run_cli(
        "report",
        "jahresbericht",
        "--vault",
        str(report_vault),
        "--von",
        "2025-01-01",
        "--bis",
        "2025-12-31",
        "--out",
        str(tmp_path / "x.pdf"),
        passphrase="falsche Passphrase 123",
    )
    assert result.returncode == 3
    assert "Passphrase" in result.stderr


@pytest.mark.parametrize("k", ["1", "4", "0", "-3"])
def test_k_below_five_is_refused(report_vault: Path, tmp_path: Path, k: str) -> None:
    """LR-39: five is a floor — `--k 1` must not switch suppression off."""
    pdf = tmp_path / "jb.pdf"
    result = run_cli("report", "jahresbericht", "--vault", str(report_vault), "--von",
                     "2025-01-01", "--bis", "2025-12-31", "--out", str(pdf), "--k", k)
    assert result.returncode == 3
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["casework: Kleinste Fallzahl: muss mindestens 5 sein; kleinere Zahlen "
                     "könnten einzelne Familien erkennbar machen."]
    assert not pdf.exists()


def test_kinderschutz_evaluation_for_a_year(report_vault: Path, tmp_path: Path) -> None:
    # Source 000:2155-2157: the yearly § 8a evaluation for the Jugendamt, as a command.
    pdf, csv = tmp_path / "ks.pdf", tmp_path / "ks.csv"
    result = run_cli("report", "kinderschutz", "--vault", str(report_vault), "--jahr", "2025",
                     "--out", str(pdf), "--csv", str(csv))
    assert result.returncode == 0, result.stderr
    assert "Jahresauswertung Kinderschutz (§ 8a SGB VIII) gespeichert" in result.stdout
    text = " ".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert "Berichtszeitraum 01.01.2025 – 31.12.2025" in text
    assert "Eröffnete Verfahren 0" in text
    assert csv.exists()


def test_year_and_period_together_are_refused(report_vault: Path, tmp_path: Path) -> None:
    result = run_cli("report", "kinderschutz", "--vault", str(report_vault), "--jahr", "2025",
                     "--von", "2025-01-01", "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("Entweder --jahr oder --von/--bis angeben.")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.pdf").exists()
