"""Attachment files under attack: a flipped bit, a missing or an unreferenced file is
reported by `vault check`, by backups and by restores; a crash between a real deletion's
commit and the removal of its files is finished at the next open."""

from __future__ import annotations

from pathlib import Path

from casework.clock import FixedClock, to_utc_iso
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.storage import attachments
from casework.storage.privacy import purge
from casework.storage.privacy import retention as retention_store
from tests.conftest import PASSPHRASE, add_family, run_cli


def _referenced_scan(session: Session, household_id: str, data: bytes) -> str:
    """An attachment referenced from a row (as a consent scan or a later document is)."""
    attachment_id = attachments.put(session.vault, data)
    with session.db.transaction():
        session.db.execute("CREATE TABLE IF NOT EXISTS zz_docs (id TEXT PRIMARY KEY, "
                           "household_id TEXT REFERENCES households(id), attachment_id TEXT)")
        session.db.execute("INSERT INTO zz_docs VALUES (?, ?, ?)",
                           (attachment_id, household_id, attachment_id))
    return attachment_id


def _flip_a_bit(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))


def test_vault_check_finds_a_flipped_bit_a_missing_and_an_orphaned_file(
        session: Session) -> None:
    family = add_family(session, "Anhang")
    assert session_service.check(session).ok
    damaged = _referenced_scan(session, family, b"Einwilligung, unterschrieben")
    missing = _referenced_scan(session, family, b"zweiter Scan")
    orphan = attachments.put(session.vault, b"niemandem zugeordnet")
    _flip_a_bit(session.vault.attachments_dir / damaged)
    (session.vault.attachments_dir / missing).unlink()

    problems = " ".join(session_service.check(session).problems)
    assert f"Anhang {damaged[:8]} ist beschädigt" in problems
    assert "1 Anhang/Anhänge fehlen" in problems and missing[:8] in problems
    assert "1 Datei(en) in „attachments“ gehören zu keinem Eintrag" in problems
    assert orphan[:8] in problems


def test_cli_vault_check_fails_on_a_damaged_attachment(session: Session,
                                                       vault_dir: Path) -> None:
    family = add_family(session, "Anhang")
    damaged = _referenced_scan(session, family, b"Scan")
    session.close()
    _flip_a_bit(vault_dir / "attachments" / damaged)
    result = run_cli("vault", "check", "--vault", str(vault_dir))
    assert result.returncode == 3
    assert "beschädigt" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_backup_and_restore_report_a_damaged_attachment(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    family = add_family(session, "Anhang")
    good = _referenced_scan(session, family, b"guter Scan")
    damaged = _referenced_scan(session, family, b"Scan mit Bitfehler")
    _flip_a_bit(session.vault.attachments_dir / damaged)
    made = backup.create_backup(session, tmp_path / "sicherung")
    assert made.path.is_file()  # written all the same …
    assert any(damaged[:8] in p for p in made.problems)  # … and it says what is wrong
    assert not any(good[:8] in p for p in made.problems)
    session.close()
    restored = backup.restore_backup(made.path, tmp_path / "wieder", clock,
                                     passphrase=PASSPHRASE)
    assert any(damaged[:8] in p for p in restored.problems)


def test_a_crash_after_the_purge_commit_leaves_no_scan_behind(
        session: Session, clock: FixedClock, vault_dir: Path) -> None:
    gone = add_family(session, "Gelöscht")
    kept = add_family(session, "Bleibt")
    gone_scan = _referenced_scan(session, gone, b"Scan der geloeschten Familie")
    kept_scan = _referenced_scan(session, kept, b"Scan der bleibenden Familie")
    # What execute_deletion commits — and then the process dies before removing files.
    with session.db.transaction():
        purge.purge_household(session.db, gone)
        retention_store.add_journal(session.db, "household", gone, gone,
                                    to_utc_iso(clock.now()))
    assert (vault_dir / "attachments" / gone_scan).is_file()
    session.close()

    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert not (vault_dir / "attachments" / gone_scan).exists()
        assert attachments.get(reopened.vault, kept_scan) == b"Scan der bleibenden Familie"
        assert purge.pending_file_deletions(reopened.db) == []
        assert session_service.check(reopened).ok
    finally:
        reopened.close()
