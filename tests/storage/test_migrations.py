"""Versioned migrations: each once, in order, each in one transaction; newer vaults refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import VaultError
from casework.services import session as session_service
from casework.storage import migrations
from tests.conftest import PASSPHRASE


def test_every_known_migration_is_recorded_once(session) -> None:
    recorded = [int(r[0]) for r in session.db.query(
        "SELECT version FROM schema_migrations ORDER BY version")]
    assert recorded == [m.version for m in migrations.discover()]
    assert int(session.db.pragma("user_version")) == recorded[-1]
    assert migrations.migrate(session.db) == []


def test_a_lower_numbered_migration_added_later_still_runs(session, vault_dir: Path,
                                                          clock: FixedClock) -> None:
    # Simulate a vault that never had migration 2 (it was added to the app later).
    with session.db.transaction():
        session.db.execute("DELETE FROM schema_migrations WHERE version = 2")
        session.db.execute("DROP TABLE IF EXISTS drafts")
    session.close()
    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert 2 in {int(r[0]) for r in reopened.db.query("SELECT version FROM schema_migrations")}
        assert session_service.check(reopened).ok
    finally:
        reopened.close()


def test_vault_from_a_newer_version_is_refused(session, vault_dir: Path,
                                               clock: FixedClock) -> None:
    session.db.set_user_version(9999)
    session.close()
    with pytest.raises(VaultError, match="neueren Casework-Version"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_unknown_recorded_migration_is_refused(session, vault_dir: Path,
                                               clock: FixedClock) -> None:
    with session.db.transaction():
        session.db.execute("INSERT INTO schema_migrations VALUES (4999, 'm4999_future', 'x')")
    session.close()
    with pytest.raises(VaultError, match="neueren Casework-Version"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_a_failing_migration_leaves_nothing_half_applied(session, monkeypatch) -> None:
    def broken(db) -> None:  # type: ignore[no-untyped-def]
        db.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("boom")

    fake = migrations.Migration(9998, "m9998_broken", broken)
    monkeypatch.setattr(migrations, "discover",
                        lambda original=migrations.discover: [*original(), fake])
    session.db.set_user_version(int(session.db.pragma("user_version")))
    with pytest.raises(RuntimeError):
        migrations.migrate(session.db)
    tables = {r[0] for r in session.db.query("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    versions = {int(r[0]) for r in session.db.query("SELECT version FROM schema_migrations")}
    assert 9998 not in versions


def test_prerelease_vault_without_migration_record_is_refused(session, vault_dir: Path,
                                                              clock: FixedClock) -> None:
    with session.db.transaction():
        session.db.execute("DROP TABLE schema_migrations")
    session.close()
    with pytest.raises(VaultError, match="Vorabversion"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
