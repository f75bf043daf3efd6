"""`casework vault …` and `casework demo` as a user runs them: exit codes, German
messages on one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PASSPHRASE, run_cli


def _one_german_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_create_check_and_passwd(tmp_path: Path) -> None:
    folder = tmp_path / "akte"
    created = run_cli("vault", "create", "--vault", str(folder), "--name", "Erika Probe")
    assert created.returncode == 0, created.stderr
    checked = run_cli("vault", "check", "--vault", str(folder))
    assert checked.returncode == 0
    assert "Kette unversehrt" in checked.stdout
    changed = run_cli("vault", "passwd", "--vault", str(folder),
                      env={"CASEWORK_NEW_PASSPHRASE": "ganz neue lange Passphrase"})
    assert changed.returncode == 0, changed.stderr
    old = run_cli("vault", "check", "--vault", str(folder))
    assert old.returncode == 3
    assert _one_german_line(old.stderr) == "casework: Die Passphrase ist falsch."
    new = run_cli("vault", "check", "--vault", str(folder), passphrase="ganz neue lange Passphrase")
    assert new.returncode == 0


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run_cli("vault", "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_missing_passphrase_without_terminal_exits_3(tmp_path: Path, vault_dir: Path) -> None:
    result = run_cli("vault", "check", "--vault", str(vault_dir), passphrase=None)
    assert result.returncode == 3
    assert "CASEWORK_PASSPHRASE" in _one_german_line(result.stderr)


def test_damaged_header_exits_3_with_message(vault_dir: Path) -> None:
    (vault_dir / "vault.json").write_text("{", encoding="utf-8")
    result = run_cli("vault", "check", "--vault", str(vault_dir))
    assert result.returncode == 3
    assert "beschädigt" in _one_german_line(result.stderr)


def test_not_a_vault_exits_3(tmp_path: Path) -> None:
    result = run_cli("vault", "check", "--vault", str(tmp_path))
    assert result.returncode == 3
    assert "keine Casework-Akte" in _one_german_line(result.stderr)


def test_tampered_audit_chain_is_reported_by_check(vault_dir: Path) -> None:
    from casework.clock import SystemClock
    from casework.services import session as session_service

    s = session_service.unlock(vault_dir, PASSPHRASE, SystemClock())
    s.db.conn.execute("DROP TRIGGER audit_log_no_update")
    s.db.conn.execute("UPDATE audit_log SET action = 'nichts' WHERE seq = 1")
    s.close()
    result = run_cli("vault", "check", "--vault", str(vault_dir))
    assert result.returncode == 3
    assert "Protokolleintrag 1: Inhalt verändert." in result.stdout


def test_demo_creates_and_fills_a_vault_with_fictitious_data(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = run_cli("demo", "--vault", str(folder), "--families", "40", "--seed", "3",
                     passphrase=None)
    assert result.returncode == 0, result.stderr
    assert "40 Haushalte" in result.stdout
    assert "Beispielhaushalte" in result.stdout
    from casework.clock import SystemClock
    from casework.services import demo
    from casework.services import session as session_service
    from casework.services.households import households

    s = session_service.unlock(folder, demo.DEMO_PASSPHRASE, SystemClock())
    try:
        showcase = int(result.stdout.split("Dazu ")[1].split()[0])
        assert households.count(s) == 40 + showcase
        names = {r.name for r in households.list_rows(s, households.list_ids(s))}
        assert any(ch in "".join(names) for ch in "äöüÄÖÜß")
        members = [p for h in households.list_ids(s) for p in households.members(s, h)]
        assert any(p.data.birth.unborn for p in members)
        assert session_service.check(s).ok
    finally:
        s.close()
    header = json.loads((folder / "vault.json").read_text(encoding="utf-8"))
    assert header["kdf"]["name"] == "argon2id"
