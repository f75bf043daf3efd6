"""Updates: a vault written by a newer app is refused with the version it needs; an older
vault is backed up (verified, into its backups/ folder) before the first migration."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework import __version__
from casework.clock import FixedClock
from casework.errors import VaultError
from casework.services import session as session_service
from casework.storage import migrations, vault_header, vault_open, vault_slots
from casework.storage import vault as vault_store
from casework.storage.backup import archive
from casework.storage.backup.format import read_info
from casework.storage.backup.premigration import backup_before_migration
from casework.storage.db import Database
from tests.conftest import PASSPHRASE

ROLLED_BACK = 51  # the vault predates this migration (m0051_sync_quarantine)


def _db(folder: Path) -> Database:
    key = vault_slots.unlock_data_key(vault_header.read_header(folder), PASSPHRASE)
    return archive.open_snapshot(folder / vault_header.DB_FILE, key)


def _user_version(folder: Path) -> int:
    db = _db(folder)
    try:
        return int(db.pragma("user_version"))
    finally:
        db.close()


def _has_rolled_back_migration(db: Database) -> bool:
    tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    recorded = {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}
    return "sync_quarantine" in tables and ROLLED_BACK in recorded


@pytest.fixture
def old_vault(vault_dir: Path) -> Path:
    """A vault as an app without migration 51 left it (and without the version record
    that only this app writes)."""
    db = _db(vault_dir)
    try:
        with db.transaction():
            db.execute("DROP TABLE sync_quarantine")
            db.execute("DELETE FROM schema_migrations WHERE version = ?", (ROLLED_BACK,))
            db.execute("DELETE FROM meta WHERE key = ?", (migrations.META_REQUIRED,))
        assert not _has_rolled_back_migration(db)
    finally:
        db.close()
    return vault_dir


def _open(folder: Path, clock: FixedClock) -> vault_store.Vault:
    return vault_open.open_vault(folder, PASSPHRASE, clock,
                                 before_migration=backup_before_migration)


def test_older_vault_is_backed_up_and_verified_before_migrating(old_vault: Path,
                                                                clock: FixedClock,
                                                                tmp_path: Path) -> None:
    vault = _open(old_vault, clock)
    try:
        backup = vault.migration_backup
        assert backup is not None
        assert backup.parent == old_vault / "backups"
        assert "-vor-update-schema" in backup.name
        assert _has_rolled_back_migration(vault.db)
        assert migrations.missing(vault.db) == []
        actions = [r[0] for r in vault.db.query("SELECT action FROM audit_log")]
        assert "vault.migrate" in actions
    finally:
        vault.close()
    # the backup holds the vault as it was before the update, and reads back completely
    info = read_info(backup)
    key = vault_slots.unlock_data_key(vault_header.read_header(old_vault), PASSPHRASE)
    assert vault_header.DB_FILE in archive.verify_file(backup, info, key)
    restored = tmp_path / "ausgepackt"
    restored.mkdir()
    archive.extract(backup, info, key, restored)
    copy = archive.open_snapshot(restored / vault_header.DB_FILE, key)
    try:
        assert not _has_rolled_back_migration(copy)
    finally:
        copy.close()
    # the next open has nothing to migrate and takes no further backup
    again = _open(old_vault, clock)
    try:
        assert again.migration_backup is None
    finally:
        again.close()
    assert len(list((old_vault / "backups").glob(f"*{archive.SUFFIX}"))) == 1


def test_no_migration_without_a_good_backup(old_vault: Path, clock: FixedClock,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "snapshot_problems", lambda db, full: ["page 3: HMAC"])
    with pytest.raises(VaultError, match="Sicherung vor dem Update"):
        _open(old_vault, clock)
    db = _db(old_vault)
    try:
        assert not _has_rolled_back_migration(db)  # untouched
    finally:
        db.close()
    assert list((old_vault / "backups").glob(f"*{archive.SUFFIX}")) == []


def test_unlocking_through_the_services_takes_the_backup(old_vault: Path,
                                                         clock: FixedClock) -> None:
    session = session_service.unlock(old_vault, PASSPHRASE, clock)
    try:
        assert session.vault.migration_backup is not None
        assert session.vault.migration_backup.is_file()
    finally:
        session.close()


def test_a_new_vault_records_the_app_version_it_needs(vault_dir: Path,
                                                      clock: FixedClock) -> None:
    vault = _open(vault_dir, clock)
    try:
        assert vault.migration_backup is None  # nothing to migrate: no backup
        assert vault.meta(migrations.META_REQUIRED) == migrations.FIRST_RELEASE
    finally:
        vault.close()


def _make_newer(folder: Path, clock: FixedClock, needed: str | None) -> None:
    """What a future Casework leaves behind: a migration this app does not know."""
    vault = vault_open.open_vault(folder, PASSPHRASE, clock)
    try:
        with vault.db.transaction():
            vault.db.execute("INSERT INTO schema_migrations VALUES (900, 'm0900_future', "
                             "datetime('now'))")
            vault.db.set_user_version(900)
            if needed is not None:
                vault.db.execute("UPDATE meta SET value = ? WHERE key = ?",
                                 (needed, migrations.META_REQUIRED))
    finally:
        vault.close()


def test_vault_of_a_newer_version_is_refused_naming_the_version(vault_dir: Path,
                                                                 clock: FixedClock) -> None:
    _make_newer(vault_dir, clock, "7.2.0")
    with pytest.raises(VaultError) as caught:
        _open(vault_dir, clock)
    message = caught.value.message
    assert "Casework 7.2.0 oder neuer" in message
    assert f"installiert ist Casework {__version__}" in message
    assert _user_version(vault_dir) == 900  # nothing changed, nothing backed up
    assert list((vault_dir / "backups").glob(f"*{archive.SUFFIX}")) == []


def test_newer_vault_without_a_recorded_version_still_names_ours(vault_dir: Path,
                                                                 clock: FixedClock) -> None:
    _make_newer(vault_dir, clock, None)
    db = _db(vault_dir)
    try:
        with db.transaction():
            db.execute("DELETE FROM meta WHERE key = ?", (migrations.META_REQUIRED,))
    finally:
        db.close()
    with pytest.raises(VaultError, match=f"Casework {__version__}; Schema 900"):
        _open(vault_dir, clock)


def test_version_order_is_numeric() -> None:
    assert migrations.version_key("0.10.0") > migrations.version_key("0.9.3")
    assert migrations.required_app_version({1, 50}) == migrations.FIRST_RELEASE


def test_the_unlock_worker_migrates_so_the_window_thread_has_nothing_left(
        old_vault: Path, clock: FixedClock) -> None:
    # The app unlocks in two halves: this one on its worker thread, then the open on the
    # GUI thread. After an update the migration (and its backup) belongs to the first.
    key = session_service.unwrap_and_migrate(old_vault, PASSPHRASE, None, clock)
    backups = list((old_vault / "backups").glob(f"*{archive.SUFFIX}"))
    assert len(backups) == 1
    session = session_service.open_unwrapped(key, clock)
    try:
        assert session.vault.migration_backup is None  # nothing left to migrate
        assert _has_rolled_back_migration(session.vault.db)
    finally:
        session.close()
    # an up-to-date vault is only looked at: no backup, and it opens as before
    key = session_service.unwrap_and_migrate(old_vault, PASSPHRASE, None, clock)
    session_service.open_unwrapped(key, clock).close()
    assert list((old_vault / "backups").glob(f"*{archive.SUFFIX}")) == backups
