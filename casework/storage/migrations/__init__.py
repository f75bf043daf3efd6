"""Versioned schema migrations (`PRAGMA user_version`).

Each module `mNNNN_name.py` in this package defines `VERSION = NNNN` and `SQL` (a fixed
script) or `apply(db)`; they are found automatically and applied in ascending order, each
in one transaction. Numbers are spaced per feature area so parallel work does not collide:
1–9 core and desktop, 10–19 Kinderschutz, 20–29 DSGVO, 30–39 referrals, 40–49
Teilhabemanagement and reports, 50–59 team hub, 60–69 backup and import.
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
    """Bring the schema up to date; returns the versions applied."""
    current = int(db.pragma("user_version") or 0)
    migrations = discover()
    known = migrations[-1].version if migrations else 0
    if current > known:
        raise VaultError(
            "Diese Akte wurde mit einer neueren Casework-Version angelegt oder geändert "
            f"(Schema {current}, diese Version kennt bis {known}). Bitte Casework aktualisieren."
        )
    applied: list[int] = []
    for migration in migrations:
        if migration.version <= current:
            continue
        with db.transaction():
            migration.run(db)
            db.set_user_version(migration.version)
        applied.append(migration.version)
    return applied
