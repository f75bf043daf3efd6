"""Versioned schema migrations (`PRAGMA user_version`).

Each module `mNNNN_name.py` in this package defines `VERSION = NNNN` and `SQL` (a fixed
script) or `apply(db)`; they are found automatically and applied in ascending order, each
in one transaction. Numbers are spaced per feature area so parallel work does not collide:
1–9 core and desktop, 10–19 Kinderschutz, 20–29 DSGVO, 30–39 referrals, 40–49
Teilhabemanagement and reports, 50–59 team hub, 60–69 persons, backup and import, 70–79
the case life cycle (goals, appointments, documents, hand-over, closure).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from casework.errors import VaultError

if TYPE_CHECKING:
    from casework.storage.db import Database


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    run: Callable[[Database], None]


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

        found.append(Migration(version, info.name, run))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions: {versions}")
    return found


def latest_version() -> int:
    migrations = discover()
    return migrations[-1].version if migrations else 0


def migrate(db: Database) -> list[int]:
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
        raise VaultError(
            "Diese Akte wurde mit einer neueren Casework-Version angelegt oder geändert "
            f"(Schema {current}, diese Version kennt bis {newest_known}). Bitte Casework "
            "aktualisieren."
        )
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
        raise VaultError(
            "Diese Akte enthält Schema-Änderungen einer neueren Casework-Version "
            f"({', '.join(str(v) for v in sorted(unknown))}). Bitte Casework aktualisieren."
        )
    applied: list[int] = []
    for migration in migrations:
        if migration.version in recorded:
            continue
        with db.transaction():
            migration.run(db)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, datetime('now'))",
                       (migration.version, migration.name))
            db.set_user_version(max(current, migration.version))
        current = max(current, migration.version)
        applied.append(migration.version)
    return applied


def missing(db: Database) -> list[int]:
    """Known migrations not recorded as applied (should be empty after `migrate`)."""
    recorded = {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}
    return [m.version for m in discover() if m.version not in recorded]
