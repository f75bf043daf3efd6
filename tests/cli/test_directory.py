"""`casework verzeichnis asd-bezirk …` run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "casework", "verzeichnis", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_stadtteil_in_loose_spelling_prints_the_district() -> None:
    result = run("asd-bezirk", "--stadtteil", "batenbrock sued")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Bezirk 9" in out
    assert "Batenbrock-Süd, Welheimer Mark, Ebel, Lehmkuhle-Ost" in out
    assert "ASD Bezirk 9 – Fachkraft" in out
    assert "02041-70 3626" in out
    assert "asd-bezirk9@bottrop.example" in out
    assert "Bezirk 6" not in out


def test_json_output_has_the_documented_keys() -> None:
    result = run("asd-bezirk", "--stadtteil", "Batenbrock-Süd", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 1
    entry = data[0]
    assert entry["bezirk"] == 9
    assert entry["stadtteile"][0] == "Batenbrock-Süd"
    assert entry["kontakt"] == "ASD Bezirk 9 – Fachkraft"
    assert entry["telefon"] == "02041-70 3626"
    assert entry["email"] == "asd-bezirk9@bottrop.example"


def test_plz_lists_all_candidate_districts() -> None:
    result = run("asd-bezirk", "--plz", "46236", "--json")
    assert result.returncode == 0, result.stderr
    assert [e["bezirk"] for e in json.loads(result.stdout)] == [6, 7, 9]
    text = run("asd-bezirk", "--plz", "46236")
    assert text.returncode == 0
    assert "3 ASD-Bezirken" in text.stdout
    for number in (6, 7, 9):
        assert f"Bezirk {number}\n" in text.stdout


def test_unknown_stadtteil_exits_3_with_suggestions() -> None:
    result = run("asd-bezirk", "--stadtteil", "Batenbrok Sud")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "Unbekannter Stadtteil „Batenbrok Sud“. Meinten Sie: Batenbrock-Süd" in result.stderr
    assert result.stderr.rstrip().endswith("?")
    assert "Traceback" not in result.stderr


def test_other_profile_and_bad_input() -> None:
    other = run("asd-bezirk", "--stadtteil", "Am Weissen Stein", "--profile", "musterstadt")
    assert other.returncode == 0, other.stderr
    assert "Bezirk 2" in other.stdout and "Sozialer Dienst Süd – Fachkraft" in other.stdout
    bad_plz = run("asd-bezirk", "--plz", "4623")
    assert bad_plz.returncode == 3
    assert "5 Ziffern" in bad_plz.stderr
    no_profile = run("asd-bezirk", "--stadtteil", "Boy", "--profile", "gibtsnicht")
    assert no_profile.returncode == 3
    assert "Profil „gibtsnicht“" in no_profile.stderr
    usage = run("asd-bezirk")
    assert usage.returncode == 2
