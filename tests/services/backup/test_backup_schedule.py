"""Scheduled backups, rotation, the overdue flag, and re-applying deletions (LR-37)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from casework.clock import BERLIN, FixedClock, to_utc_iso
from casework.errors import UserError, ValidationError
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.households import households as household_service
from casework.services.session import Session
from casework.storage.backup import archive as store
from casework.storage.privacy import purge
from casework.storage.privacy import retention as retention_store
from tests.conftest import PASSPHRASE, add_family


def _at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=BERLIN)


def test_rotation_keeps_seven_days_and_four_weeks() -> None:
    # one backup a day for 40 days (Oct 13 … Nov 21), two on the last day
    backups = [(f"b{i:02d}", _at(21) - timedelta(days=i)) for i in range(40)]
    backups.append(("late", _at(21, 18)))
    keep = backup.files_to_keep(backups)
    days = {name for name, moment in backups if moment >= _at(15)}  # last 7 days
    assert {"late"} | (days - {"b00"}) <= keep
    assert "b00" not in keep  # the earlier backup of the same day
    weekly = keep - days - {"late"}
    # newest of each of the 4 most recent ISO weeks; the current weeks are covered by days
    assert [b for b in sorted(weekly)] == ["b13", "b20"]
    assert len(keep) == 9


def test_rotation_of_nothing_and_of_a_single_backup() -> None:
    assert backup.files_to_keep([]) == set()
    assert backup.files_to_keep([("x", _at(1))]) == {"x"}


def test_backup_names_parse_back() -> None:
    name = backup.backup_file_name("0123abcd-rest", _at(21, 9))
    assert name == "casework-0123abcd-20261121-090000.cwbackup"
    assert backup.parse_backup_name(name) == ("0123abcd", _at(21, 9))
    assert backup.parse_backup_name("casework-0123abcd-20261321-090000.cwbackup") is None
    assert backup.parse_backup_name("notiz.txt") is None


def test_overdue_flag_follows_the_interval(session: Session, clock: FixedClock,
                                           tmp_path: Path) -> None:
    assert not backup.backup_overdue(session)  # a vault created just now
    clock.advance(timedelta(hours=25))
    assert backup.backup_overdue(session)
    backup.create_backup(session, tmp_path / "b1")
    assert not backup.backup_overdue(session)
    clock.advance(timedelta(hours=23))
    assert not backup.backup_overdue(session)
    clock.advance(timedelta(hours=1))
    assert backup.backup_overdue(session)
    backup.set_schedule(session, tmp_path, interval_hours=72)
    assert not backup.backup_overdue(session)


def test_schedule_validation(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="existiert nicht"):
        backup.set_schedule(session, tmp_path / "fehlt")
    with pytest.raises(ValidationError, match="Akten-Ordner"):
        backup.set_schedule(session, session.vault.backups_dir)
    with pytest.raises(ValidationError, match="Abstand"):
        backup.set_schedule(session, tmp_path, interval_hours=0)
    assert backup.schedule(session).folder is None


def test_scheduled_runs_write_and_rotate(session: Session, clock: FixedClock,
                                         tmp_path: Path) -> None:
    assert backup.run_due_backup(session) is None  # no folder set
    with pytest.raises(UserError, match="kein Ordner"):
        backup.run_due_backup(session, force=True)
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "fremde-datei.txt").write_text("bleibt")
    backup.set_schedule(session, stick)

    first = backup.run_due_backup(session)
    assert first is not None and first.path.parent == stick
    assert backup.run_due_backup(session) is None  # not due yet
    for _ in range(11):
        clock.advance(timedelta(days=1))
        assert backup.run_due_backup(session) is not None

    kept = sorted(p.name for p in stick.glob("casework-*.cwbackup"))
    # 12 daily backups Nov 21 … Dec 2: the last 7 days plus the newest of the two
    # earlier ISO weeks (Sun 22.11. ends week 47; the Sat 21.11. itself is in week 47 too)
    assert len(kept) == 8
    assert (stick / "fremde-datei.txt").read_text() == "bleibt"
    assert (stick / store.JOURNAL_FILE).is_file()


def _purge_household(session: Session, household_id: str) -> None:
    """What the retention engine's execute_deletion does in its transaction."""
    with session.db.transaction():
        purge.purge_household(session.db, household_id)
        retention_store.add_journal(session.db, "household", household_id, household_id,
                                    to_utc_iso(session.clock.now()))


def test_restoring_an_old_backup_deletes_later_deletions_again(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    """LR-37: the deleted family file does not reappear after a restore."""
    stick = tmp_path / "usb"
    stick.mkdir()
    gone = add_family(session, "Gelöscht")
    add_family(session, "Bleibt")
    old = backup.create_backup(session, stick / "alt").path
    clock.advance(timedelta(hours=2))
    _purge_household(session, gone)
    clock.advance(timedelta(hours=2))
    backup.create_backup(session, stick / "neu")  # updates deletions.journal
    session.close()
    journal = (stick / store.JOURNAL_FILE).read_bytes()
    assert gone.encode() not in journal  # ids only, and those encrypted

    result = backup.restore_backup(old, tmp_path / "wieder", clock, passphrase=PASSPHRASE)

    assert result.deletions_reapplied == 1
    restored = session_service.unlock(tmp_path / "wieder", PASSPHRASE, clock)
    try:
        names = [household_service.get(restored, h).name
                 for h in household_service.list_ids(restored)]
        assert names == ["Bleibt"]
        assert restored.db.scalar("SELECT count(*) FROM persons WHERE household_id = ?",
                                  (gone,)) == 0
    finally:
        restored.close()


def test_a_damaged_deletion_journal_stops_the_restore(session: Session, clock: FixedClock,
                                                      tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    path = backup.create_backup(session, stick / "b").path
    session.close()
    (stick / store.JOURNAL_FILE).write_text("{kaputt")
    with pytest.raises(UserError, match=r"deletions\.journal"):
        backup.restore_backup(path, tmp_path / "neu", clock, passphrase=PASSPHRASE)
    assert not (tmp_path / "neu").exists()
