"""`casework fz …` and `casework verzeichnis offen` as real processes.

Source requirements: Trägervereinbarung § 72a (000:2197 three months, 000:2199 five
years); § 72a Abs. 5 (LR-38); partner opening hours with NRW holidays (000:2018–2033,
sources-reference §7 no. 3); ASD list data quality (§3.20 no. 7, 12).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from casework.clock import FixedClock
from casework.models.vetting.register import ActivityDraft, MemberDraft
from casework.models.vetting.scheme import Answers, Engagement
from casework.services import session as session_service
from casework.services import vetting
from casework.services.directory.shipped import load_profile, profile_to_data
from tests.conftest import NOW, PASSPHRASE, run_cli


def test_register_from_the_command_line(vault_dir: Path) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    try:  # the person and her activity in-process (fast); inspections through the CLI
        member_id, _ = vetting.add_member(session, MemberDraft("Jonas Ehrenfeld",
                                                               Engagement.EHRENAMTLICH))
        vetting.add_activity(session, ActivityDraft(member_id, "Ferienfreizeit",
                                                    date(2026, 11, 1),
                                                    Answers(True, (), ("overnight",))))
    finally:
        session.close()
    vault = str(vault_dir)
    stale = run_cli("fz", "pruefung", "--vault", vault, "--person", "jonas ehrenfeld",
                    "--fz-datum", "01.01.2020", "--einsicht", "02.12.2026")
    assert stale.returncode == 3
    assert "älter als 3 Monate" in stale.stderr and "Traceback" not in stale.stderr
    assert len(stale.stderr.strip().splitlines()) == 1
    ok = run_cli("fz", "pruefung", "--vault", vault, "--person", "Jonas Ehrenfeld",
                 "--fz-datum", "01.12.2026", "--einsicht", "02.12.2026")
    assert ok.returncode == 0, ok.stderr
    assert "Einsatz mit Kindern: ja" in ok.stdout and "gültig bis 01.12.2031" in ok.stdout
    listed = run_cli("fz", "liste", "--vault", vault, "--einsatzfaehig", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["darf_mit_kindern_arbeiten"]) for r in rows] == [
        ("Jonas Ehrenfeld", True)]


def test_a_wrong_date_is_one_line_before_anything_is_unlocked(tmp_path: Path) -> None:
    wrong = run_cli("fz", "pruefung", "--vault", str(tmp_path / "keine-akte"), "--person",
                    "Niemand", "--fz-datum", "31.02.2026")
    assert wrong.returncode == 3
    assert wrong.stderr.strip() == "casework: --fz-datum: ist kein gültiges Datum."


def test_who_is_open_with_holidays_and_import_warnings(vault_dir: Path,
                                                       tmp_path: Path) -> None:
    christmas = run_cli("verzeichnis", "offen", "--zeit", "25.12.2026 10:00",
                        "--ort", "Batenbrock", passphrase=None)
    assert christmas.returncode == 0, christmas.stderr
    assert "Niemand hat geöffnet." in christmas.stdout
    assert "Feiertag – geschlossen, öffnet Mo 08:00" in christmas.stdout
    profile = tmp_path / "profil.json"
    profile.write_text(json.dumps(profile_to_data(load_profile()), ensure_ascii=False),
                       encoding="utf-8")
    imported = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(profile))
    assert imported.returncode == 0, imported.stderr  # warned, not refused
    assert "Bitte prüfen: ASD-Liste: Bezirk 3 und Bezirk 7 haben dieselbe Rufnummer" \
        in imported.stdout
    assert "bildungsbüro@bottrop.example" in imported.stdout
