"""Updates: a vault written by a newer app is refused with the version it needs; an older
vault is backed up (verified, into its backups/ folder) before the first migration."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework import __version__
from casework.clock import FixedClock
from casework.errors import VaultError
from casework.services import session as session_service
from casework.storage import migrations
from casework.storage import vault as vault_store
from casework.storage.backup import archive
from casework.storage.backup.format import read_info
from casework.storage.backup.premigration import backup_before_migration
from tests.conftest import PASSPHRASE

OLD_SCHEMA = 43  # a vault from before the team-hub migration (m0050)


def _user_version(folder: Path) -> int:
    header = vault_store.read_header(folder)
    key = vault_store.unlock_data_key(header, PASSPHRASE)
    db = archive.open_snapshot(folder / vault_store.DB_FILE, key)
    try:
        return int(db.pragma("user_version"))
    finally:
        db.close()


@pytest.fixture
def old_vault(tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault created by an app that knew migrations up to OLD_SCHEMA only."""
    every = migrations.discover()
    assert any(m.version > OLD_SCHEMA for m in every)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "discover",
                      lambda: [m for m in every if m.version <= OLD_SCHEMA])
        folder = tmp_path / "alt"
        vault = vault_store.create_vault(folder, PASSPHRASE, clock, owner_name="Lena Beispiel")
        vault.close()
    assert _user_version(folder) == OLD_SCHEMA
    return folder


def _open(folder: Path, clock: FixedClock) -> vault_store.Vault:
    return vault_store.open_vault(folder, PASSPHRASE, clock,
                                  before_migration=backup_before_migration)


def test_older_vault_is_backed_up_and_verified_before_migrating(old_vault: Path,
                                                                clock: FixedClock) -> None:
    vault = _open(old_vault, clock)
    try:
        backup = vault.migration_backup
        assert backup is not None
        assert backup.parent == old_vault / "backups"
        assert "vor-update-schema43" in backup.name
        assert vault.db.pragma("user_version") == migrations.latest_version()
        assert migrations.missing(vault.db) == []
        actions = [r[0] for r in vault.db.query("SELECT action FROM audit_log")]
        assert "vault.migrate" in actions
    finally:
        vault.close()
    # the backup holds the vault as it was before the update, and reads back completely
    info = read_info(backup)
    assert info.schema_version == OLD_SCHEMA
    header = vault_store.read_header(old_vault)
    key = vault_store.unlock_data_key(header, PASSPHRASE)
    digests = archive.verify_file(backup, info, key)
    assert vault_store.DB_FILE in digests
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
    assert _user_version(old_vault) == OLD_SCHEMA  # untouched
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
    vault = vault_store.open_vault(folder, PASSPHRASE, clock)
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
    key = vault_store.unlock_data_key(vault_store.read_header(vault_dir), PASSPHRASE)
    db = archive.open_snapshot(vault_dir / vault_store.DB_FILE, key)
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
