"""`casework team …`, `kinderschutz freigeben`, `vault rekey` and the acting person
(`--worker`, CASEWORK_WORKER) as real processes (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.models.kinderschutz.review import ReviewKind
from casework.services import session as session_service
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from tests.conftest import COLLEAGUE_PASSPHRASE, PASSPHRASE, add_family, run_cli, sign
from tests.services.kinderschutz.support import drive_to_s5, make_team, result

MARA = "Mara hat einen eigenen Satz 6"


@pytest.fixture
def procedure(vault_dir: Path, clock: FixedClock) -> tuple[Path, str, str]:
    """(vault, procedure id, review item of the result Dana Leitung recorded herself)."""
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        team = make_team(session)
        pid, fact = drive_to_s5(session, team, add_family(session))
        session.act_as(team.leitung)
        ks.record_result(session, pid, result(fact))
        ks.hand_over(session, pid, auth=sign(session))
        item = next(v for v in review.items_for(session, pid)
                    if v.item.kind is ReviewKind.ERGEBNIS)
    finally:
        session.close()
    return vault_dir, pid, item.id


def _one_german_line(stderr: str) -> None:
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1


def test_team_add_list_passwd_remove(procedure: tuple[Path, str, str]) -> None:
    vault = str(procedure[0])
    added = run_cli("team", "add", "--vault", vault, "--name", "Mara Neu", "--rolle",
                    "Fachkraft", "--rolle", "Leitung", env={"CASEWORK_NEW_PASSPHRASE": MARA})
    assert added.returncode == 0, added.stderr
    assert "Mara Neu (Fachkraft + Leitung)" in added.stdout
    # a Leitung is not an Admin: she cannot add persons (nor make herself one)
    refused = run_cli("team", "add", "--vault", vault, "--name", "Zweite Leitung", "--rolle",
                      "Leitung", "--worker", "Dana Leitung", passphrase=COLLEAGUE_PASSPHRASE,
                      env={"CASEWORK_NEW_PASSPHRASE": MARA})
    assert refused.returncode == 3 and "Admin" in refused.stderr
    _one_german_line(refused.stderr)

    listed = run_cli("team", "list", "--vault", vault, "--json")
    assert listed.returncode == 0, listed.stderr
    team = {row["name"]: row for row in json.loads(listed.stdout)}
    assert team["Lena Beispiel"]["rollen"] == ["Fachkraft", "Admin"]
    assert team["Lena Beispiel"]["inhaberin"] is True
    assert team["Mara Neu"]["schluessel"] and len(team["Mara Neu"]["fingerabdruck"]) == 19
    assert team["Tom Zweitkraft"]["schluessel"] is False  # a profile without key slot
    assert "Zweite Leitung" not in team

    # Tom gets his first passphrase from the owner; then he unlocks as himself
    first = run_cli("team", "passwd", "--vault", vault, "--worker", "Tom Zweitkraft",
                    env={"CASEWORK_NEW_PASSPHRASE": "Toms erster eigener Satz 2"})
    assert first.returncode == 0, first.stderr
    tom = run_cli("team", "list", "--vault", vault, "--worker", "Tom Zweitkraft",
                  passphrase="Toms erster eigener Satz 2")
    assert tom.returncode == 0, tom.stderr

    removed = run_cli("team", "remove", "--vault", vault, "--name", "Mara Neu")
    assert removed.returncode == 0, removed.stderr
    gone = run_cli("team", "list", "--vault", vault, "--worker", "Mara Neu", passphrase=MARA)
    assert gone.returncode == 3
    _one_german_line(gone.stderr)


def test_freigeben_only_as_leitung_and_never_the_own_entry(
        procedure: tuple[Path, str, str]) -> None:
    folder, pid, item = procedure
    vault = str(folder)
    fachkraft = run_cli("kinderschutz", "freigeben", "--vault", vault, "--verfahren", pid)
    assert fachkraft.returncode == 3 and "Leitung" in fachkraft.stderr
    _one_german_line(fachkraft.stderr)
    dana = {"passphrase": COLLEAGUE_PASSPHRASE, "env": {"CASEWORK_WORKER": "Dana Leitung"}}
    own = run_cli("kinderschutz", "freigeben", "--vault", vault, "--verfahren", pid,
                  "--eintrag", item, **dana)  # type: ignore[arg-type]
    assert own.returncode == 3 and "Vier-Augen" in own.stderr
    _one_german_line(own.stderr)
    kai = run_cli("kinderschutz", "freigeben", "--vault", vault, "--verfahren", pid,
                  "--eintrag", item, "--worker", "Kai Vertretung",
                  passphrase=COLLEAGUE_PASSPHRASE)
    assert kai.returncode == 0, kai.stderr
    assert "1 Eintrag/Einträge freigegeben" in kai.stdout
    check = run_cli("vault", "check", "--vault", vault)
    assert check.returncode == 0, check.stdout + check.stderr
    # two persons added by the owner (signed), Dana's hand-over and Kai's approval
    assert "Signaturen geprüft: 4 gültig" in check.stdout


def test_failed_unlocks_are_counted_and_audited(vault_dir: Path, clock: FixedClock) -> None:
    wrong = run_cli("vault", "check", "--vault", str(vault_dir),
                    passphrase="Leider die falsche Passphrase")
    assert wrong.returncode == 3
    assert json.loads((vault_dir / "unlock-failures.json").read_text())["count"] == 1
    assert run_cli("vault", "check", "--vault", str(vault_dir)).returncode == 0
    assert not (vault_dir / "unlock-failures.json").exists()
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        details = [r[0] for r in session.db.query(
            "SELECT detail FROM audit_log WHERE action = 'vault.unlock_failed'")]
    finally:
        session.close()
    assert details == ["count=1"]


def test_rekey_makes_old_headers_useless(vault_dir: Path, tmp_path: Path) -> None:
    old = (vault_dir / "vault.json").read_bytes()
    done = run_cli("vault", "rekey", "--vault", str(vault_dir))
    assert done.returncode == 0, done.stderr
    assert run_cli("vault", "check", "--vault", str(vault_dir)).returncode == 0
    (vault_dir / "vault.json").write_bytes(old)
    stale = run_cli("vault", "check", "--vault", str(vault_dir))
    assert stale.returncode == 3 and "passt nicht zu ihrem Schlüssel" in stale.stderr
    passwd = run_cli("vault", "passwd", "--help")
    assert "rekey" in passwd.stdout

