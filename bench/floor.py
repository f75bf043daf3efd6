"""The measured limit of a bulk write (issue 23): the rows a bulk path wrote, pre-built in
memory, inserted with plain `executemany` into a fresh database with the same schema,
indexes, triggers and full-text indexes, in the same number of transactions.

    python -m bench.floor VAULT [--transactions N] [--cache-kib K]

What is timed per transaction: one `executemany` per table (households, persons,
household_search, contact_rows, contact_notes, changelog) in insertion order, the two FTS
tables fed with the already folded text, and the commit (WAL, fsync, checkpoint); at the
end the same `optimize` and `ANALYZE` the demo runs. With `--deferred`, as the demo
loads: one transaction with a rollback journal, fifty rows a statement (but the FTS
tables), the plain indexes built after the rows, and the merge and ANALYZE before the
commit. What is not timed: reading the rows
from the source vault and folding the note text. The triggers whose work the rows already
contain (member count, first names, FTS feeding) are dropped in the copy; everything else
(foreign keys, unique checks, partial indexes) works as in the app.

Two copies: plain SQLite (no key) and SQLCipher keyed like a vault (`Database.open`); the
difference is the cost of encryption, the rest is what SQLite needs for these rows."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3

from casework.storage.bulk import insert_rows
from casework.storage.db import Database, _fold_for_index, drop_stat4

# In insertion order; the change log says which rows the bulk path wrote.
ENTITY_TABLES = {"household": "households", "person": "persons", "contact": "contact_rows"}
DERIVED_TRIGGERS = ("persons_member_count_ai", "persons_adult_names_ai",
                    "household_search_ai", "contact_notes_ai", "contacts_facts_ai")
# What the report-facts trigger would have counted: the bulk writer counts a batch in
# Python and writes the counts (report_facts.bulk_contacts); the copy gets the source's
# counts with its last transaction.
FACT_TABLES = ("household_years", "contact_months")
FTS_SHADOW = ("_data", "_idx", "_config", "_docsize", "_content")
# SQLite stores a NaN as NULL; sqlcipher3 binds a float directly but looks None up in its
# adapters (~2.5 µs a value): the rows are pre-built with this instead.
NULL = float("nan")


def _schema(source: Database) -> list[str]:
    """CREATE statements of the source: tables, virtual tables, indexes, triggers (FTS5
    creates its own shadow tables, SQLite its internal ones)."""
    rows = source.query("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
    virtual = [r["name"] for r in rows if str(r["sql"]).upper().startswith("CREATE VIRTUAL")]
    order = {"table": 0, "index": 1, "view": 2, "trigger": 3}  # INSTEAD OF: on a view
    keep = [r for r in rows
            if not any(r["name"] == v + s for v in virtual for s in FTS_SHADOW)]
    keep.sort(key=lambda r: order.get(r["type"], 4))
    return [str(r["sql"]) for r in keep]


def _open(path: Path, key: bytes | None, cache_kib: int) -> Database:
    if key is not None:
        return Database.open(path, key, create=True, cache_kib=cache_kib)
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.row_factory = sqlcipher3.Row
    conn.create_function("casework_fold", 1, _fold_for_index, deterministic=True)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON",
                   "secure_delete = ON", "temp_store = MEMORY", f"cache_size = {-cache_kib}"):
        conn.execute(f"PRAGMA {pragma}").fetchall()
    return Database(conn, path)


def _columns(db: Database, table: str) -> list[str]:
    return [str(r[1]) for r in db.query(f"PRAGMA table_info({table})")]


CHUNK = 25_000  # change-log rows read (and pre-built) at a time


def _batches(source: Database, transactions: int,
             ) -> Iterator[tuple[dict[str, list[Any]], bool]]:
    """The bulk-written rows in `transactions` slices of the change log (by seq), each
    slice with the rows of its entities, in the source's insertion order; read in chunks
    (a million contacts pre-built at once took 6 GB), each with whether it ends its
    transaction."""
    seqs = [int(r[0]) for r in source.query(
        "SELECT seq FROM changelog_rows WHERE op = 'insert' AND entity IN "
        "('household', 'person', 'contact') ORDER BY seq")]
    if not seqs:
        return
    per_transaction = -(-len(seqs) // max(1, transactions))
    ends = set(range(per_transaction, len(seqs), per_transaction)) | {len(seqs)}
    size = min(per_transaction, CHUNK)
    cols = {t: _columns(source, t) for t in (*ENTITY_TABLES.values(), "changelog_rows",
                                              "household_search", "contact_notes")}
    start = 0
    while start < len(seqs):
        stop = min(start + size, min(e for e in ends if e > start))
        first, last = seqs[start], seqs[stop - 1]
        log = source.query("SELECT * FROM changelog_rows WHERE seq BETWEEN ? AND ? AND "
                           "op = 'insert' AND entity IN ('household', 'person', 'contact') "
                           "ORDER BY seq", (first, last))
        ids: dict[str, list[str]] = {e: [] for e in ENTITY_TABLES}
        for r in log:
            ids[r["entity"]].append(r["entity_id"])
        batch: dict[str, list[Any]] = {"changelog_rows": [_nulls(r) for r in log]}
        for entity, table in ENTITY_TABLES.items():
            batch[table] = _by_id(source, table, "id", ids[entity])
        batch["household_search"] = _by_id(source, "household_search", "household_id",
                                           ids["household"])
        batch["contact_notes"] = _by_id(source, "contact_notes", "contact",
                                        [r[0] for r in batch["contact_rows"]])  # rid
        search_text = cols["household_search"].index("text")
        note_text = cols["contact_notes"].index("text")
        batch["household_fts"] = [(r[0], r[search_text]) for r in batch["household_search"]]
        batch["note_fts"] = [(r[0], _fold_for_index(r[note_text]))
                             for r in batch["contact_notes"]]
        yield batch, stop in ends
        start = stop


def _by_id(source: Database, table: str, column: str, ids: list[str]) -> list[Any]:
    rows: list[Any] = []
    sql = (f"SELECT rowid AS rowid_, * FROM {table} WHERE {column} IN "  # noqa: S608
           "(SELECT value FROM json_each(?)) ORDER BY rowid")
    for start in range(0, len(ids), 20_000):
        rows += [tuple(r) for r in source.query(sql, (json.dumps(ids[start:start + 20_000]),))]
    return [_nulls(r[1:] if _has_rowid_alias(table) else r) for r in rows]


def _nulls(row: Any) -> tuple[Any, ...]:
    return tuple(NULL if v is None else v for v in row)


def _has_rowid_alias(table: str) -> bool:
    # household_search, contact_notes and contact_rows declare an INTEGER PRIMARY KEY;
    # changelog_rows' seq is its rowid alias. The others get their rowid written explicitly.
    return table in ("household_search", "contact_notes", "contact_rows")


def _deferred(sql: str) -> bool:
    """A plain index of a bulk-written table: built after the rows with `--deferred`
    (the demo's way since it loads with `bulk_load.indexes_deferred`)."""
    text = " ".join(sql.split()).upper()
    return text.startswith("CREATE INDEX") and any(
        f" ON {t.upper()}(" in text or f" ON {t.upper()} (" in text
        for t in ("HOUSEHOLDS", "PERSONS", "CONTACT_ROWS", "CHANGELOG_ROWS"))


def measure(source: Database, folder: Path, *, transactions: int, cache_kib: int,
            encrypted: bool, optimize: bool = True,
            deferred: bool = False) -> dict[str, float]:
    """Insert the bulk-written rows of `source` into a fresh copy of its schema in
    `folder`; returns the timed seconds (insert + commit, optimize) and row counts."""
    target_path = folder / ("floor-encrypted.db" if encrypted else "floor-plain.db")
    target = _open(target_path, secrets.token_bytes(32) if encrypted else None, cache_kib)
    if deferred:  # and a rollback journal, as the demo loads (bulk_load.rollback_journal)
        target.query("PRAGMA journal_mode = DELETE")
    try:
        with target.transaction():
            later = [sql for sql in _schema(source) if deferred and _deferred(sql)]
            for sql in _schema(source):
                if sql not in later:
                    target.execute(sql)
            for trigger in DERIVED_TRIGGERS:
                target.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for table in ("workers", "id_keys"):  # the few keys the bulk writer looks up
                rows = source.query(f"SELECT * FROM {table}")  # noqa: S608
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    target.executemany(f"INSERT INTO {table} VALUES ({marks})",  # noqa: S608
                                       [tuple(r) for r in rows])
        statements = {}
        for table in ("households", "persons", "household_search", "contact_rows",
                      "contact_notes", "changelog_rows"):
            cols = _columns(target, table)
            if not _has_rowid_alias(table) and table != "changelog_rows":
                cols = ["rowid", *cols]
            if deferred:  # fifty rows a statement, as the bulk writer (bulk.insert_rows)
                marks = ",".join(f"?{k}" for k in range(1, len(cols) + 1))
            else:
                marks = ",".join("?" * len(cols))
            statements[table] = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"  # noqa: S608
        statements["household_fts"] = "INSERT INTO household_fts(rowid, text) VALUES (?, ?)"
        statements["note_fts"] = "INSERT INTO note_fts(rowid, text) VALUES (?, ?)"
        with target.transaction():
            target.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('automerge', 0)")
        insert = cpu = 0.0
        counts = dict.fromkeys(statements, 0)
        conn = target.conn
        facts = {t: [tuple(r) for r in source.query(f"SELECT * FROM {t}")]  # noqa: S608
                 for t in FACT_TABLES}
        if deferred:  # the demo's way: one transaction that also builds and merges
            return _deferred_load(source, target, target_path, folder, statements, facts,
                                  later, optimize)
        batches = _batches(source, transactions)
        following = next(batches, None)
        while following is not None:
            batch, ends_transaction = following
            following = next(batches, None)
            start, started = time.perf_counter(), time.process_time()
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            for table, sql in statements.items():
                conn.executemany(sql, batch[table])
            if following is None:
                for table, rows in facts.items():
                    if rows:
                        marks = ",".join("?" * len(rows[0]))
                        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
            if ends_transaction:
                conn.execute("COMMIT")
            insert += time.perf_counter() - start
            cpu += time.process_time() - started
            for table in statements:
                counts[table] += len(batch[table])
        start, started = time.perf_counter(), time.process_time()
        with target.transaction():
            for sql in later:  # as the demo builds them (bulk_load.indexes_deferred)
                target.execute(sql)
            target.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('automerge', 4)")
            if optimize:  # as the demo ends (bulk_load.optimize_search)
                target.execute("INSERT INTO note_fts(note_fts) VALUES ('optimize')")
                target.execute("INSERT INTO household_fts(household_fts) VALUES ('optimize')")
                target.execute("ANALYZE")
                drop_stat4(target)
        optimized = time.perf_counter() - start
        cpu += time.process_time() - started
    finally:
        target.close()
    return {"insert_s": insert, "optimize_s": optimized, "total_s": insert + optimized,
            "cpu_s": cpu,
            "contacts": counts["contact_rows"], "households": counts["households"],
            "changelog": counts["changelog_rows"], "bytes": sum(
                p.stat().st_size for p in folder.glob(target_path.name + "*"))}


def _deferred_load(source: Database, target: Database, target_path: Path, folder: Path,
                   statements: dict[str, str], facts: dict[str, list[tuple[Any, ...]]],
                   later: list[str], optimize: bool) -> dict[str, float]:
    """`measure` as the demo loads: one transaction, fifty rows a statement but for the
    FTS tables (`bulk.insert_rows`), the plain indexes built, the note index merged and
    ANALYZE run before the commit (`bulk_load.indexes_deferred`, `optimize_search`)."""
    counts = dict.fromkeys(statements, 0)
    insert = cpu = 0.0
    with target.transaction() as conn:
        for batch, _ends in _batches(source, 1):
            start, started = time.perf_counter(), time.process_time()
            for table, sql in statements.items():
                if table.endswith("_fts"):
                    conn.executemany(sql, batch[table])
                else:
                    head, row = sql.split(" VALUES ")
                    insert_rows(target, head + " VALUES ", row, batch[table])
                counts[table] += len(batch[table])
            insert += time.perf_counter() - start
            cpu += time.process_time() - started
        start, started = time.perf_counter(), time.process_time()
        for table, rows in facts.items():
            if rows:
                marks = ",".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608
        for sql in later:
            target.execute(sql)
        if optimize:
            target.execute("INSERT INTO note_fts(note_fts) VALUES ('optimize')")
            target.execute("INSERT INTO household_fts(household_fts) VALUES ('optimize')")
            target.execute("ANALYZE")
            drop_stat4(target)
    with target.transaction():
        target.execute("INSERT INTO note_fts(note_fts, rank) VALUES ('automerge', 4)")
    optimized = time.perf_counter() - start  # with the commit
    cpu += time.process_time() - started
    return {"insert_s": insert, "optimize_s": optimized, "total_s": insert + optimized,
            "cpu_s": cpu,
            "contacts": counts["contact_rows"], "households": counts["households"],
            "changelog": counts["changelog_rows"], "bytes": sum(
                p.stat().st_size for p in folder.glob(target_path.name + "*"))}


def measure_both(source: Database, *, transactions: int, cache_kib: int,
                 optimize: bool = True, deferred: bool = False) -> dict[str, dict[str, float]]:
    """`measure` on plain SQLite and on SQLCipher, each in a throw-away folder."""
    out = {}
    for name, encrypted in (("plain", False), ("encrypted", True)):
        with tempfile.TemporaryDirectory(prefix="casework-floor-") as tmp:
            out[name] = measure(source, Path(tmp), transactions=transactions,
                                cache_kib=cache_kib, encrypted=encrypted, optimize=optimize,
                                deferred=deferred)
    return out


def main(argv: list[str] | None = None) -> int:
    from casework.clock import SystemClock
    from casework.services import demo
    from casework.services import session as session_service

    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("vault", type=Path)
    parser.add_argument("--transactions", type=int, default=1)
    parser.add_argument("--deferred", action="store_true",
                        help="as the demo loads: plain indexes of the bulk tables built "
                             "after the rows, a rollback journal")
    parser.add_argument("--cache-kib", type=int, default=demo.DEMO_CACHE_KIB)
    parser.add_argument("--json", action="store_true", help="one JSON line (bench/run.py)")
    args = parser.parse_args(argv)
    passphrase = os.environ.get("CASEWORK_PASSPHRASE", demo.DEMO_PASSPHRASE)
    session = session_service.unlock(args.vault, passphrase, SystemClock())
    try:
        result = measure_both(session.db, transactions=args.transactions, deferred=args.deferred,
                              cache_kib=args.cache_kib)
    finally:
        session.close()
    if args.json:
        print(json.dumps(result))
        return 0
    for name, values in result.items():
        print(f"{name}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
