"""Where pulled changes land: each entity's local table and columns, the rows a batch
touches, and the derived data kept in step with them (search, list columns, notes,
features' hooks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from casework.models import hub as kind_table
from casework.models.text import fold
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.db import Database
from casework.storage.hub import IDENT_OK, RemoteChange, chunks, ident

AfterApply = Callable[[Database, str, Mapping[str, Any]], None]


# --- tables of entities ----------------------------------------------------------------

class Tables:
    """Entity → local table and its columns, looked up once per apply run. A table may be
    a view that is written through its triggers (`contacts`, storage/contact_rows.py)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tables: dict[str, str | None] = {}
        self._columns: dict[str, frozenset[str]] = {}

    def table(self, entity: str) -> str | None:
        if entity not in self._tables:
            kind = kind_table.KINDS.get(entity)
            candidates = [kind.table or ""] if kind is not None else []
            found = None
            for name in candidates:
                if name and not set(name) - IDENT_OK and self.db.scalar(
                        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') "
                        "AND name = ?",
                        (name,)):
                    found = name
                    break
            self._tables[entity] = found
        return self._tables[entity]

    def columns(self, table: str) -> frozenset[str]:
        if table not in self._columns:
            rows = self.db.query(f"PRAGMA table_info({ident(table)})")
            self._columns[table] = frozenset(str(r["name"]) for r in rows)
        return self._columns[table]


# --- derived data after remote changes -------------------------------------------------

AFTER_APPLY: dict[str, AfterApply] = {}


def register_after_apply(entity: str, hook: AfterApply) -> None:
    """Features with derived data (search indexes, child tables) keep it in step when a
    remote change of `entity` is applied: `hook(db, entity_id, fields)`."""
    AFTER_APPLY[entity] = hook


def _refresh_household(db: Database, household_id: str) -> None:
    if db.scalar("SELECT 1 FROM households WHERE id = ?", (household_id,)):
        household_store.refresh_search(db, household_id)
        contact_store.refresh_household_stats(db, household_id)


def note_rows(contact_id: str, notes: list[Any]) -> list[tuple[Any, ...]]:
    return [(contact_id, i, str(n.get("kind", "")), str(n.get("source", "")),
             str(n.get("text", "")), int(bool(n.get("disputed", False))))
            for i, n in enumerate(notes) if isinstance(n, dict)]


def insert_notes(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert note rows and index them once (not row by row through the trigger), in
    the caller's transaction, so no other reader sees the table without its trigger."""
    if not rows:
        return
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = 'contact_notes_ai'")
    first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes"))
    if trigger is not None:
        db.execute("DROP TRIGGER contact_notes_ai")
    db.executemany(
        "INSERT OR IGNORE INTO contact_notes (contact, seq, kind, source, text, disputed) "
        "SELECT rid, ?2, ?3, ?4, ?5, ?6 FROM contact_rows WHERE id = ?1", rows)
    if trigger is not None:
        db.execute("INSERT INTO note_fts(rowid, text) SELECT rowid, casework_fold(text) "
                   "FROM contact_notes WHERE rowid > ?", (first,))
        db.execute(str(trigger))


def run_after_apply(db: Database, entity: str, entity_id: str,
                    fields: Mapping[str, Any]) -> None:
    """Derived data of one record after a local write outside the normal storage path
    (a conflict resolution)."""
    if entity == "household":
        if "name" in fields:
            db.execute("UPDATE households SET sort_name = ? WHERE id = ?",
                       (fold(str(fields["name"])), entity_id))
        _refresh_household(db, entity_id)
    elif entity in ("person", "contact"):
        table = "persons" if entity == "person" else "contacts"
        hid = db.scalar(f"SELECT household_id FROM {table} WHERE id = ?",
                        (entity_id,))
        if hid is not None:
            _refresh_household(db, str(hid))
    hook = AFTER_APPLY.get(entity)
    if hook is not None:
        hook(db, entity_id, fields)



class Rows:
    """Existence and bookkeeping columns of the rows a batch touches."""

    def __init__(self, db: Database, tables: Tables) -> None:
        self.db = db
        self.tables = tables
        self.rows: dict[tuple[str, str], dict[str, Any] | None] = {}

    def load(self, changes: Iterable[RemoteChange]) -> None:
        by_table: dict[str, set[str]] = {}
        for c in changes:
            table = self.tables.table(c.entity)
            if table is not None and (table, c.entity_id) not in self.rows:
                by_table.setdefault(table, set()).add(c.entity_id)
        for table, ids in by_table.items():
            extra = ", household_id" if "household_id" in self.tables.columns(table) else ""
            for chunk in chunks(sorted(ids)):
                marks = ",".join("?" for _ in chunk)
                for r in self.db.query(
                        f"SELECT id, version, updated_at, updated_by{extra} "
                        f"FROM {ident(table)} WHERE id IN ({marks})", list(chunk)):
                    self.rows[(table, str(r["id"]))] = dict(r)
            for i in ids:
                self.rows.setdefault((table, i), None)

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        if (table, record_id) not in self.rows:
            found = self.db.query_one(f"SELECT * FROM {ident(table)} WHERE id = ?",
                                      (record_id,))
            self.rows[(table, record_id)] = None if found is None else dict(found)
        return self.rows[(table, record_id)]


_INSERT_SQL: dict[tuple[str, tuple[str, ...]], str] = {}


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """One statement text per table and column set (SQLite reuses its prepared form)."""
    key = (table, columns)
    sql = _INSERT_SQL.get(key)
    if sql is None:
        sql = (f"INSERT INTO {ident(table)} ({', '.join(ident(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        _INSERT_SQL[key] = sql
    return sql


def entity_table(db: Database, entity: str) -> tuple[str | None, frozenset[str]]:
    tables = Tables(db)
    table = tables.table(entity)
    return table, (tables.columns(table) if table else frozenset())


def record_deleted(db: Database, table: str, record_id: str) -> bool:
    return bool(db.scalar(f"SELECT deleted FROM {ident(table)} WHERE id = ?",
                          (record_id,)))
