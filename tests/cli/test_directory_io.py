"""`casework verzeichnis export|import` as real subprocesses against real vaults."""

from __future__ import annotations

import json
from pathlib import Path

from casework.clock import FixedClock
from casework.services import session as session_service
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import load_profile, parse_profile_text, profile_to_data
from tests.conftest import PASSPHRASE, run_cli


def _active(vault: Path, clock: FixedClock) -> object:
    session = session_service.unlock(vault, PASSPHRASE, clock)
    try:
        return directory.active_profile(session), len(directory.revisions(session))
    finally:
        session.close()


def test_export_writes_the_shipped_profile_without_a_vault(tmp_path: Path) -> None:
    out = tmp_path / "musterstadt.json"
    result = run_cli(
        "verzeichnis", "export", "--profile", "musterstadt", "--out", str(out), passphrase=None
    )
    assert result.returncode == 0, result.stderr
    assert parse_profile_text(out.read_text(encoding="utf-8"), out.name) == load_profile(
        "musterstadt"
    )


def test_export_of_an_unknown_profile_fails_with_the_known_names(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    result = run_cli(
        "verzeichnis", "export", "--profile", "gibtsnicht", "--out", str(out), passphrase=None
    )
    assert result.returncode == 3
    assert "gibtsnicht" in result.stderr and "bottrop-beispiel" in result.stderr
    assert not out.exists()


def test_round_trip_export_edit_import(tmp_path: Path, vault_dir: Path, clock: FixedClock) -> None:
    out = tmp_path / "bottrop.json"
    exported = run_cli(
        "verzeichnis", "export", "--profile", "bottrop-beispiel", "--out", str(out), passphrase=None
    )
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    data["asd"]["districts"][8]["phone"] = "02041 70-1234"
    data["partners"][0]["email"] = "bildungsbüro@bottrop.example"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    imported = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(out))
    assert imported.returncode == 0, imported.stderr
    assert "importiert" in imported.stdout

    profile, count = _active(vault_dir, clock)
    assert profile == parse_profile_text(out.read_text(encoding="utf-8"), out.name)
    assert count == 1

    # And the vault's directory exports back to the same profile.
    again = tmp_path / "again.json"
    result = run_cli("verzeichnis", "export", "--vault", str(vault_dir), "--out", str(again))
    assert result.returncode == 0, result.stderr
    assert parse_profile_text(again.read_text(encoding="utf-8"), again.name) == profile


def test_malformed_json_exits_3_naming_the_line(
    tmp_path: Path, vault_dir: Path, clock: FixedClock
) -> None:
    bad = tmp_path / "kaputt.json"
    bad.write_text('{\n  "name": "bottrop-beispiel",\n  "title" "x"\n}\n', encoding="utf-8")
    result = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(bad))
    assert result.returncode == 3
    assert "kaputt.json" in result.stderr
    assert "Zeile 3" in result.stderr
    assert "nichts importiert" in result.stderr
    assert "Traceback" not in result.stderr
    assert _active(vault_dir, clock) == (load_profile(), 0)


def test_invalid_field_exits_3_naming_the_field(
    tmp_path: Path, vault_dir: Path, clock: FixedClock
) -> None:
    data = profile_to_data(load_profile())
    data["asd"]["districts"][0]["contact_role"] = "geändert, aber nicht übernommen"
    data["asd"]["districts"][3]["email"] = "kein-at-zeichen"
    bad = tmp_path / "feld.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(bad))
    assert result.returncode == 3
    assert "asd.districts[3].email" in result.stderr
    assert "keine gültige E-Mail-Adresse" in result.stderr
    assert _active(vault_dir, clock) == (load_profile(), 0)


def test_import_of_a_missing_file_exits_3(tmp_path: Path, vault_dir: Path) -> None:
    result = run_cli(
        "verzeichnis", "import", "--vault", str(vault_dir), str(tmp_path / "fehlt.json")
    )
    assert result.returncode == 3
    assert "fehlt.json" in result.stderr and "nicht gefunden" in result.stderr


def test_importing_another_profile_says_so(tmp_path: Path, vault_dir: Path) -> None:
    out = tmp_path / "muster.json"
    assert (
        run_cli(
            "verzeichnis", "export", "--profile", "musterstadt", "--out", str(out), passphrase=None
        ).returncode
        == 0
    )
    result = run_cli("verzeichnis", "import", "--vault", str(vault_dir), str(out))
    assert result.returncode == 0, result.stderr
    assert "Profil „musterstadt“" in result.stdout
    assert "„bottrop-beispiel“" in result.stdout
