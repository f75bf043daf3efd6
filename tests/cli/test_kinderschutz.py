"""`casework kinderschutz …` as a real process: list, export-isef, pdf, erreichbarkeit."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdf
import pytest

from casework.models.ids import HouseholdId
from casework.services.session import Session
from tests.conftest import run_cli
from tests.services.kinderschutz.support import drive_to_s5, make_team, observe


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


@pytest.fixture
def procedure_vault(session: Session, family: HouseholdId, vault_dir: Path) -> tuple[Path, str]:
    team = make_team(session)
    pid, _ = drive_to_s5(session, team, family)
    observe(session, pid, "Ayşe Müller sagt am Telefon (0176 9876543), Lena sei krank.")
    session.close()
    return vault_dir, pid


def test_list_and_export_isef(procedure_vault: tuple[Path, str], tmp_path: Path) -> None:
    vault, pid = procedure_vault
    listed = run_cli("kinderschutz", "list", "--vault", str(vault), "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["schritt"], r["haushalt"]) for r in rows] == [
        (pid, "S5", "Müller (Ayşe) · Gärtnerstr. 12")]

    out = tmp_path / "isef.pdf"
    done = run_cli("kinderschutz", "export-isef", "--vault", str(vault), "--verfahren", pid,
                   "--out", str(out), "--fragestellung", "Ist Lena Müller gefährdet?")
    assert done.returncode == 0, done.stderr
    text = pdf_text(out)
    assert "pseudonymisierter Auszug" in text and "Kind A" in text
    assert "Ist Kind A gefährdet?" in text
    body = text.split("Bezug", 1)[1]  # the letterhead (the Träger) is not family data
    for secret in ("Müller", "Ayşe", "Lena", "Gärtnerstraße", "46236", "01.03.2019",
                   "0176", "9876543"):
        assert secret not in body, secret


def test_pdf_and_unknown_procedure(procedure_vault: tuple[Path, str], tmp_path: Path) -> None:
    vault, pid = procedure_vault
    out = tmp_path / "doku.pdf"
    done = run_cli("kinderschutz", "pdf", "--vault", str(vault), "--verfahren", pid,
                   "--dokument", "dokumentation", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Gefährdungseinschätzung – alle Fassungen" in pdf_text(out)
    missing = run_cli("kinderschutz", "pdf", "--vault", str(vault), "--verfahren", pid,
                      "--dokument", "schutzplan", "--out", str(tmp_path / "plan.pdf"))
    assert missing.returncode == 3 and "noch nichts festgehalten" in missing.stderr
    unknown = run_cli("kinderschutz", "export-isef", "--vault", str(vault), "--verfahren",
                      "gibt-es-nicht", "--out", str(tmp_path / "x.pdf"))
    assert unknown.returncode == 3 and "nicht gefunden" in unknown.stderr
    assert not (tmp_path / "x.pdf").exists()


def reach(when: str, stadtteil: str = "Batenbrock-Süd") -> dict[str, object]:
    done = run_cli("kinderschutz", "erreichbarkeit", "--stadtteil", stadtteil, "--zeit", when,
                   "--json", passphrase=None)
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize(("when", "route"), [
    ("2026-11-25T12:29", "asd"),  # Wednesday, last minute of the Sprechzeit
    ("2026-11-25T12:30", "polizei_feuerwehr"),  # Wednesday from 12:30
    ("2026-11-27T09:00", "notdienst"),  # Friday morning: no Sprechzeit, before 16:00
    ("2026-11-30T08:29", "polizei_feuerwehr"),  # Monday after a weekend, before 08:30
    ("2026-11-30T08:30", "asd"),
    ("2026-06-04T10:00", "polizei_feuerwehr"),  # Fronleichnam (Thursday, NRW holiday)
])
def test_erreichbarkeit_boundaries(when: str, route: str) -> None:
    answer = reach(when)
    assert answer["route"] == route
    assert answer["contacts"]
    assert str(answer["asd_wieder_erreichbar"]).startswith("2026-")


def test_erreichbarkeit_thursday_1630_shows_both_routes_and_says_so() -> None:
    answer = reach("2026-11-26T16:30+01:00")
    assert answer["routes"] == ["asd", "polizei_feuerwehr"]
    phones = {c["phone"] for c in answer["contacts"]}  # type: ignore[attr-defined]
    assert {"110", "112"} <= phones
    assert any("überschneiden" in h for h in answer["hinweise"])  # type: ignore[attr-defined]


def test_erreichbarkeit_next_asd_time_after_weekend() -> None:
    answer = reach("2026-11-28T10:00")  # Saturday
    assert answer["route"] == "polizei_feuerwehr"
    assert answer["asd_wieder_erreichbar"] == "2026-11-30T08:30:00+01:00"


def test_erreichbarkeit_errors_exit_3_in_german() -> None:
    unknown = run_cli("kinderschutz", "erreichbarkeit", "--stadtteil", "Batenbrok", "--zeit",
                      "2026-11-25T10:00", passphrase=None)
    assert unknown.returncode == 3
    assert "Unbekannter Stadtteil" in unknown.stderr and "Batenbrock-Süd" in unknown.stderr
    bad = run_cli("kinderschutz", "erreichbarkeit", "--stadtteil", "Batenbrock-Süd", "--zeit",
                  "morgen früh", passphrase=None)
    assert bad.returncode == 3 and "kein ISO-Datum" in bad.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr
