"""Versioned schema migrations (`PRAGMA user_version`).

Each module `mNNNN_name.py` in this package defines `VERSION = NNNN` and `SQL` (a fixed
script) or `apply(db)`; they are found automatically and applied in ascending order, each
in one transaction. Numbers are spaced per feature area so parallel work does not collide:
1–9 core and desktop, 10–19 Kinderschutz, 20–29 DSGVO, 30–39 referrals, 40–49
Teilhabemanagement and reports, 50–59 team hub, 60–69 persons, backup and import, 70–79
the case life cycle (goals, appointments, documents, hand-over, closure), 80–89 § 72a
register.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from casework import __version__ as APP_VERSION
from casework.errors import VaultError

if TYPE_CHECKING:
    from casework.storage.db import Database

# The app version that first shipped each migration: a module may say `SINCE = "x.y.z"`;
# those without (everything up to the first release) came with FIRST_RELEASE. After every
# open the vault records the newest of these as `meta.app_version_required`, so an older
# app that meets a newer vault can name the version the person needs.
FIRST_RELEASE = "0.1.0"
META_REQUIRED = "app_version_required"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    run: Callable[[Database], None]
    since: str = FIRST_RELEASE
    # Rebuilds a table others refer to: runs with foreign keys off (SQLite's documented
    # procedure; the pragma is a no-op inside a transaction) and checks them before commit.
    foreign_keys_off: bool = False


def discover() -> list[Migration]:
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m") or not info.name[1:5].isdigit():
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        version = int(module.VERSION)
        if hasattr(module, "apply"):
            run = module.apply
        else:
            sql = str(module.SQL)

            def run(db: Database, sql: str = sql) -> None:
                db.executescript(sql)

        found.append(Migration(version, info.name, run,
                               str(getattr(module, "SINCE", FIRST_RELEASE)),
                               bool(getattr(module, "FOREIGN_KEYS_OFF", False))))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def latest_version() -> int:
    migrations = discover()
    return migrations[-1].version if migrations else 0


def version_key(version: str) -> tuple[int, ...]:
    """ "0.10.2" → (0, 10, 2); anything that is not a number counts as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def required_app_version(versions: set[int]) -> str:
    """The oldest app version that knows every one of these schema versions."""
    since = [m.since for m in discover() if m.version in versions]
    return max(since, key=version_key, default=FIRST_RELEASE)


def _stored_requirement(db: Database) -> str | None:
    has_meta = db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'meta'")
    if not has_meta:
        return None
    value = db.scalar("SELECT value FROM meta WHERE key = ?", (META_REQUIRED,))
    return str(value) if value else None


def _too_new(db: Database, detail: str) -> VaultError:
    needed = _stored_requirement(db)
    if needed is not None and version_key(needed) > version_key(APP_VERSION):
        return VaultError(
            f"Diese Akte braucht Casework {needed} oder neuer; installiert ist Casework "
            f"{APP_VERSION}. Bitte Casework aktualisieren (die IT hilft dabei). Die Akte "
            "bleibt unverändert."
        )
    return VaultError(
        "Diese Akte wurde mit einer neueren Casework-Version bearbeitet als der installierten "
        f"(Casework {APP_VERSION}; {detail}). Bitte Casework aktualisieren (die IT hilft "
        "dabei). Die Akte bleibt unverändert."
    )


def pending(db: Database) -> list[int]:
    """Migrations an existing vault still needs (empty for a new, empty database);
    raises the "newer version" error for a vault this app is too old for."""
    current = int(db.pragma("user_version") or 0)
    if current == 0:
        return []
    migrations = discover()
    known = {m.version for m in migrations}
    if current > max(known, default=0):
        raise _too_new(db, f"Schema {current}")
    exists = db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'schema_migrations'")
    if not exists:
        return [m.version for m in migrations]
    recorded = {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}
    if recorded - known:
        raise _too_new(db, "Schema-Änderungen "
                       + ", ".join(str(v) for v in sorted(recorded - known)))
    return [m.version for m in migrations if m.version not in recorded]


# progress(step, steps) before each migration step runs (1-based), for a progress line
Progress = Callable[[int, int], None]


def migrate(db: Database, progress: Progress | None = None) -> list[int]:
    """Apply every known migration this vault has not had yet, in ascending order.

    Applied versions are recorded in `schema_migrations`, not only as `user_version`:
    feature areas use spaced number ranges, so a migration numbered 33 may be added after
    a vault already has 50, and it must still run. `user_version` keeps the highest
    applied number so older app versions can tell that a vault is newer than they are.
    """
    current = int(db.pragma("user_version") or 0)
    migrations = discover()
    known = {m.version for m in migrations}
    newest_known = max(known, default=0)
    if current > newest_known:
        raise _too_new(db, f"Schema {current}, diese Version kennt bis {newest_known}")
    with db.transaction():
        exists = db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'schema_migrations'")
        if current and not exists:
            # Only development vaults of the very first builds lack the table; no release
            # ever wrote one. Refuse rather than guess which migrations ran.
            raise VaultError("Diese Akte stammt aus einer Vorabversion ohne Schema-Protokoll "
                             "und kann nicht geöffnet werden.")
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                   "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        recorded = {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}
    unknown = recorded - known
    if unknown:
        raise _too_new(db, "Schema-Änderungen " + ", ".join(str(v) for v in sorted(unknown)))
    applied: list[int] = []
    todo = [m for m in migrations if m.version not in recorded]
    for step, migration in enumerate(todo, 1):
        if progress is not None:
            progress(step, len(todo))
        enforced = migration.foreign_keys_off and bool(db.pragma("foreign_keys"))
        if enforced:
            db.query("PRAGMA foreign_keys = OFF")
        try:
            with db.transaction():
                migration.run(db)
                if enforced and db.query("PRAGMA foreign_key_check"):
                    raise RuntimeError(f"migration {migration.version} broke a reference")
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, datetime('now'))",
                           (migration.version, migration.name))
                db.set_user_version(max(current, migration.version))
        finally:
            if enforced:
                db.query("PRAGMA foreign_keys = ON")
        current = max(current, migration.version)
        applied.append(migration.version)
    _record_requirement(db, recorded | set(applied))
    return applied


def _record_requirement(db: Database, versions: set[int]) -> None:
    """Remember which app version this vault needs from now on (never lowered: a newer
    app may have raised it)."""
    needed = required_app_version(versions)
    stored = _stored_requirement(db)
    if stored is not None and version_key(stored) >= version_key(needed):
        return
    with db.transaction():
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                   "DO UPDATE SET value = excluded.value", (META_REQUIRED, needed))


def missing(db: Database) -> list[int]:
    """Known migrations not recorded as applied (should be empty after `migrate`)."""
    recorded = {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}
    return [m.version for m in discover() if m.version not in recorded]
