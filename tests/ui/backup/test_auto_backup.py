"""Scheduled backups run in the background while the app is unlocked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from casework.services.backup import backups as backup


def test_due_backup_is_written_to_the_folder_without_a_dialog(qtbot, unlocked, clock,
                                                              tmp_path: Path) -> None:
    ctx = unlocked.ctx
    folder = tmp_path / "usb-stick"
    folder.mkdir()
    backup.set_schedule(ctx.session, folder, 24)
    auto = unlocked.auto_backup
    unlocked.idle.stop()  # a day passes on the fake clock; this test is not about auto-lock
    clock.advance(timedelta(hours=25))
    assert auto.check()
    qtbot.waitUntil(lambda: not auto.running, timeout=60000)
    files = sorted(p.name for p in folder.iterdir())
    assert [f for f in files if f.endswith(".cwbackup")] != []
    assert files[-1] == "deletions.journal"  # ids of later deletions travel with backups
    assert len(files) == 2
    assert not backup.backup_overdue(ctx.session)
    assert not auto.check()  # nothing due any more


def test_unreachable_folder_writes_nothing_and_stays_overdue(qtbot, unlocked, clock,
                                                             tmp_path: Path) -> None:
    ctx = unlocked.ctx
    folder = tmp_path / "stick"
    folder.mkdir()
    backup.set_schedule(ctx.session, folder, 24)
    folder.rmdir()
    unlocked.idle.stop()
    clock.advance(timedelta(hours=25))
    assert not unlocked.auto_backup.check()
    assert backup.backup_overdue(ctx.session)
