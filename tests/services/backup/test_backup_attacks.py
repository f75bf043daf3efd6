"""Backups in a shared folder: rotation never touches another vault's files, names are
never reused, and leftovers of crashed runs are cleaned up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import UserError
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.storage.backup import archive as store
from tests.conftest import NOW


def _second_vault(tmp_path: Path) -> Session:
    """Another vault in the same office. Its backups are renamed below to carry our short
    id, as UUIDv7 ids of vaults created within about a minute share their first 8 chars."""
    return session_service.create(tmp_path / "zweite", "eine andere lange Passphrase",
                                  FixedClock(NOW), owner_name="Zweite Person")


def test_rotation_leaves_another_vaults_backups_alone(session: Session, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    other = _second_vault(tmp_path)
    try:
        # The other vault's only backup, named as if it were ours (same short id).
        foreign = backup.create_backup(other, stick / "x").path
        disguised = stick / backup.backup_file_name(session.vault.header.vault_id,
                                                    clock.now() - timedelta(days=60))
        foreign.rename(disguised)
    finally:
        other.close()
    backup.set_schedule(session, stick)
    for _ in range(10):
        assert backup.run_due_backup(session, force=True) is not None
        clock.advance(timedelta(days=1))
    assert disguised.is_file(), "rotation deleted another vault's backup"
    ours = [p for p in stick.glob("casework-*.cwbackup") if p != disguised]
    assert 0 < len(ours) < 10  # our own old ones were rotated


def test_two_backups_in_the_same_second_both_survive(session: Session, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    first = backup.create_backup(session, backup.new_backup_path(session, stick))
    second = backup.create_backup(session, backup.new_backup_path(session, stick))
    assert first.path != second.path  # the clock stands still: same second
    assert first.path.is_file() and second.path.is_file()
    assert backup.parse_backup_name(second.path.name) is not None
    assert backup.backup_info(first.path).created_at == backup.backup_info(second.path).created_at


def test_an_existing_file_is_never_replaced(session: Session, tmp_path: Path) -> None:
    target = tmp_path / "sicherung.cwbackup"
    job = backup.begin_backup(session, target)
    target.write_bytes(b"appeared meanwhile")  # e.g. another backup in the same second
    with pytest.raises(UserError, match="gibt es schon"):
        backup.write_backup(job)
    assert target.read_bytes() == b"appeared meanwhile"
    assert not list(tmp_path.glob(".casework-backup-*"))


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_leftovers_of_a_crashed_backup_and_restore_are_removed(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    crashed = stick / ".casework-backup-abc123"
    crashed.mkdir()
    (crashed / "backup.part").write_bytes(b"encrypted copy")
    (crashed / ".owner").write_text(f"{_dead_pid()} {os.uname().nodename}")
    running = stick / ".casework-backup-running"
    running.mkdir()
    (running / ".owner").write_text(f"{os.getppid()} {os.uname().nodename}")  # alive
    restore_left = tmp_path / ".wieder.restore-xyz"
    restore_left.mkdir()
    (restore_left / ".owner").write_text(f"{_dead_pid()} {os.uname().nodename}")

    made = backup.create_backup(session, stick / "neu")
    assert not crashed.exists()
    assert running.is_dir()  # a backup still in progress elsewhere is not touched
    session.close()
    backup.restore_backup(made.path, tmp_path / "wieder", clock,
                          passphrase="Kaffeetasse auf dem Fensterbrett 7")
    assert not restore_left.exists()
    shutil.rmtree(running)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert store.remove_stale_work_folders(tmp_path) == []
