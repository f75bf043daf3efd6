"""Around a bulk load (the demo, the CSV import): the settings a load runs under and the
merge and statistics that end it. The rows themselves are written by `storage.bulk`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, DatabaseBusy, drop_stat4


@contextmanager
def deferred_index_merging(w: RecordWriter) -> Iterator[None]:
    """For a bulk load in many transactions: FTS5 does not merge its segments after each
    one (automerge 0), the caller ends with `optimize_search`, which merges everything
    once. Merging after every batch rewrote the growing note index again and again.
    The previous setting is restored even when the load fails."""
    db = w.db
    previous = db.scalar("SELECT v FROM note_fts_config WHERE k = 'automerge'")
    with db.transaction():
        db.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('automerge', 0)")
    try:
        yield
    finally:
        with db.transaction():
            db.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('automerge', ?)",
                       (4 if previous is None else int(previous),))


@contextmanager
def page_cache(db: Database, kib: int) -> Iterator[None]:
    """A larger page cache for a bulk load (demo data): with a million contacts the
    indexes a batch touches (occurred_at, created_at, the report index, the change log's)
    outgrow the default cache, and every batch read back and rewrote pages it had just
    spilled. SQLite allocates only the pages it uses; the previous size comes back."""
    previous = int(db.scalar("PRAGMA cache_size"))
    db.conn.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA cache_size = {previous}")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a bulk write. A batch allocates hundreds of
    thousands of tuples, and each wave of allocations started a collection that walked
    every live object (11 % of the demo's time); the rows are freed by reference counting
    anyway. Collection is on again afterwards (as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def demo_sync(db: Database) -> Iterator[None]:
    """`synchronous = NORMAL` while fictitious demo data is written (never for a
    person's data): in WAL mode a commit then waits for no fsync, the checkpoint still
    syncs; a power cut may lose the last commits but never damages the vault. The demo's
    example cases are several hundred small transactions through the services, and
    their fsyncs were a fifth of that time. Outside a transaction; restored after."""
    previous = int(db.scalar("PRAGMA synchronous"))
    db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA synchronous = {previous}")


@contextmanager
def rollback_journal(db: Database) -> Iterator[bool]:
    """A rollback journal instead of the write-ahead log for one large transaction of
    fictitious demo data (never for a person's data): the commit writes each page once,
    into the vault, instead of into the log and then again by the checkpoint (a third
    of the commit of a large demo). Still atomic: an interruption rolls back from the
    journal when the vault is next opened. Only while no other connection has the vault
    open (SQLite refuses the switch otherwise: the block then runs in WAL as always);
    WAL again afterwards, as every open sets it. Yields whether the switch took place."""
    try:
        switched = str(db.scalar("PRAGMA journal_mode = DELETE")).lower() == "delete"
    except DatabaseBusy:  # another connection has it open
        switched = False
    try:
        yield switched
    finally:
        if switched:
            db.scalar("PRAGMA journal_mode = WAL")


def contacts_held(db: Database) -> int:
    """About how many contacts the vault holds (the highest row number: at least as
    many as it holds, read without counting)."""
    return int(db.scalar("SELECT COALESCE(max(rid), 0) FROM contact_rows"))


# The tables a bulk load writes, whose plain indexes `indexes_deferred` builds afterwards.
BULK_TABLES = ("households", "persons", "contact_rows", "changelog_rows")


@contextmanager
def indexes_deferred(db: Database, tables: tuple[str, ...] = BULK_TABLES) -> Iterator[None]:
    """Inside the caller's transaction, for a bulk load into tables that hold few rows
    yet (the demo in a new vault): their plain indexes are dropped and built again from
    their own stored definitions at the end of the block, by one sort each instead of a
    million scattered inserts (a sixth of a large demo's time). Unique indexes and
    constraints stay, so every row is still checked as it is written; no other
    connection ever sees a table without its indexes (DDL is transactional; an error
    leaves the rebuild out and the caller's rollback brings them back)."""
    marks = ",".join("?" * len(tables))
    plain = [(str(r[0]), str(r[1])) for r in db.query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY rowid", tables)
        if not str(r[1]).upper().startswith("CREATE UNIQUE")]
    for name, _ in plain:
        db.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in plain:
        db.execute(sql)


def optimize_search(w: RecordWriter) -> None:
    w.db.execute("INSERT INTO note_fts(note_fts) VALUES ('optimize')")
    w.db.execute("INSERT INTO household_fts(household_fts) VALUES ('optimize')")
    w.db.execute("ANALYZE")
    # STAT4 samples make SQLite re-plan FTS5's internal lookups on every use (m0004).
    drop_stat4(w.db)
    # The optimized index leaves its old segments' pages free: give them back (vaults
    # created before auto-vacuum was on keep them for later writes).
    w.db.query("PRAGMA incremental_vacuum")
