"""Real deletion of a household (LR-36, SDM Baustein 60): every row that belongs to it,
in every table, including rows of features added later.

What belongs to a household is found from the schema at run time, not from a fixed list:
- the `households` row itself;
- every row of every table with a `household_id` or `scope_id` column equal to the id
  (persons, contacts, contact notes, the search table, change-log rows, file types,
  restrictions, and whatever Kinderschutz, consent, referral … tables carry it);
- every row with a `*person_id` column pointing at one of its persons;
- every row whose declared foreign key points at a row already selected (transitively);
- change-log rows of any deleted record id, rows of any table whose `entity_id` is one of
  those ids or whose `change_id` is one of the deleted change-log rows (sync bookkeeping
  holds field values), and drafts addressed by one of those ids.

Tables that document the deletion itself (journal, approvals, audit chain) are kept; they
hold ids, dates and codes only. Deleting a `contact_notes` / `household_search` row fires
the FTS triggers; FTS5 `secure-delete` is switched on first (external-content tables then
drop the entries at once), and every FTS5 index is 'optimize'd afterwards, because the
contentless-delete note index only tombstones deleted rows until segments are merged.
Append-only tables that refuse DELETE by trigger are unguarded for the purge transaction
only. `compact` afterwards checkpoints the WAL and VACUUMs, so freed pages do not linger
(secure_delete is on for the connection as well). Attachment files are deleted by the
caller (they live outside the database).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from casework.storage.db import Database
from casework.storage.privacy.retention import columns, plain_ident, table_names

# Kept on purpose: the proof of deletion and of data-subject requests (ids, dates, codes),
# the audit chain (append-only, ids only), and settings.
SURVIVORS = frozenset({
    "meta", "workers", "audit_log", "changelog_rows", "deletion_journal", "deletion_requests",
    "deletion_approvals", "deletion_executions", "disclosure_requests",
    "disclosure_decisions", "disclosure_responses", "pending_file_deletions",
})
_CHUNK = 400
# Counted under the name callers know (storage/contact_rows.py), or not at all: the
# household's integer key is its id again, counted with the household row.
_REPORTED_AS = {"contact_rows": "contacts", "id_keys": ""}
REDACTED_REASON = "Begründung gelöscht (Akte der Person gelöscht)"


@dataclass(frozen=True, slots=True)
class PurgeResult:
    counts: dict[str, int]  # table → rows deleted (including "changelog", "drafts")
    attachment_ids: tuple[str, ...]
    person_ids: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def _delete_in(db: Database, table: str, column: str, values: Sequence[Any]) -> int:
    removed = 0
    for chunk in _chunks(values):
        removed += db.execute(
            f"DELETE FROM {table} WHERE {column} IN ({_marks(chunk)})", chunk)
    return removed


def fts_tables(db: Database) -> list[str]:
    rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND sql LIKE 'CREATE VIRTUAL TABLE%' AND sql LIKE '%fts5%'")
    return [str(r[0]) for r in rows if plain_ident(str(r[0]))]


def ensure_fts_secure_delete(db: Database) -> None:
    """FTS5 'secure-delete': deleted terms are removed from the index b-tree, not only
    shadowed by delete markers (SQLite ≥ 3.42). Persistent per table; idempotent."""
    for table in fts_tables(db):
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('secure-delete', 1)")


def _rowid_tables(db: Database) -> list[str]:
    rows = {str(r["name"]): int(r["wr"]) for r in db.query("PRAGMA table_list")
            if r["schema"] == "main" and r["type"] == "table"}
    return [t for t in table_names(db) if not rows.get(t, 1) and t not in SURVIVORS]


def _select_rowids(db: Database, table: str, column: str, values: Iterable[Any]) -> set[int]:
    found: set[int] = set()
    vals = list(values)
    for chunk in _chunks(vals):
        found.update(int(r[0]) for r in db.query(
            f"SELECT rowid FROM {table} WHERE {column} IN ({_marks(chunk)})",
            chunk))
    return found


def _column_values(db: Database, table: str, column: str, rowids: set[int]) -> list[Any]:
    out: list[Any] = []
    ids = sorted(rowids)
    for chunk in _chunks(ids):
        out += [r[0] for r in db.query(
            f"SELECT {column} FROM {table} WHERE rowid IN ({_marks(chunk)})",
            chunk) if r[0] is not None]
    return out


def _targets(db: Database, household_id: str) -> dict[str, set[int]]:
    tables = _rowid_tables(db)
    cols = {t: columns(db, t) for t in tables}
    targets: dict[str, set[int]] = {t: set() for t in tables}
    if "households" in targets:
        targets["households"] |= _select_rowids(db, "households", "id", [household_id])
    if "id_keys" in targets:  # its integer key: the contacts refer to it (m0081)
        targets["id_keys"] |= _select_rowids(db, "id_keys", "id", [household_id])
    for table in tables:
        for column in ("household_id", "scope_id"):
            if column in cols[table]:
                targets[table] |= _select_rowids(db, table, column, [household_id])
    person_ids = (_column_values(db, "persons", "id", targets["persons"])
                  if "persons" in targets else [])
    if person_ids:
        for table in tables:
            for column in cols[table]:
                if column.endswith("person_id") and table != "persons":
                    targets[table] |= _select_rowids(db, table, column, person_ids)
    # Follow declared foreign keys until nothing new is found.
    changed = True
    while changed:
        changed = False
        for table in tables:
            for fk in db.query("SELECT * FROM pragma_foreign_key_list(?)", (table,)):
                parent = str(fk["table"])
                if parent not in targets or not targets[parent]:
                    continue
                if not plain_ident(str(fk["from"])):
                    continue
                parent_col = str(fk["to"]) if fk["to"] else "rowid"
                if not plain_ident(parent_col):
                    continue
                keys = _column_values(db, parent, parent_col, targets[parent])
                new = _select_rowids(db, table, str(fk["from"]), keys) - targets[table]
                if new:
                    targets[table] |= new
                    changed = True
    return {t: rows for t, rows in targets.items() if rows}


def attachment_columns(table: str, cols: list[str]) -> list[str]:
    """Columns that hold attachment ids (found by name, so new record kinds are covered)."""
    found = [c for c in cols if c == "attachment_id" or c.endswith("_attachment_id")
             or c == "scan_id"]
    if table == "attachments" and "id" in cols:
        found.append("id")
    return found


_GUARD = re.compile(r"\bBEFORE\s+DELETE\b.*\bRAISE\s*\(", re.IGNORECASE | re.DOTALL)


def _suspend_delete_guards(db: Database) -> list[tuple[str, str]]:
    """Append-only tables (§ 8a records …) refuse DELETE by trigger. Real deletion at the
    end of retention is the one lawful exception: drop those guards inside the purge
    transaction and recreate them, unchanged, before it commits (DDL is transactional, so
    no other connection ever sees the tables unguarded). The audit log keeps its guard."""
    rows = db.query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    guards = [(str(r["name"]), str(r["sql"])) for r in rows
              if str(r["tbl_name"]) not in SURVIVORS and r["sql"]
              and _GUARD.search(str(r["sql"])) and plain_ident(str(r["name"]))]
    for name, _sql in guards:
        db.execute(f"DROP TRIGGER {name}")
    return guards


def _restore_delete_guards(db: Database, guards: list[tuple[str, str]]) -> None:
    for _name, sql in guards:
        db.execute(sql)  # the trigger's own CREATE statement from sqlite_master


def purge_household(db: Database, household_id: str) -> PurgeResult:
    """Delete everything of one household. Runs in the caller's transaction (or its own);
    foreign keys are checked at commit, so the order of deletion does not matter."""
    with db.transaction():
        db.query("PRAGMA defer_foreign_keys = ON")
        ensure_fts_secure_delete(db)
        guards = _suspend_delete_guards(db)
        targets = _targets(db, household_id)
        counts: dict[str, int] = {}
        record_ids: set[str] = {household_id}
        attachments: set[str] = set()
        person_ids = tuple(str(p) for p in _column_values(db, "persons", "id",
                                                          targets.get("persons", set())))
        for table, rowids in targets.items():
            cols = columns(db, table)
            if "id" in cols:
                record_ids.update(str(v) for v in _column_values(db, table, "id", rowids))
            for column in attachment_columns(table, cols):
                attachments.update(str(v) for v in _column_values(db, table, column, rowids)
                                   if str(v))
        # The change log first: a contact's insert row refers to the contact, and the
        # triggers that keep it true (m0057) would copy the contact into it on delete.
        ids = sorted(record_ids)
        log_rows = [int(r[0]) for r in db.query(
            "SELECT seq FROM changelog_rows WHERE scope_id = ?", (household_id,))]
        for chunk in _chunks(ids):
            log_rows += [int(r[0]) for r in db.query(
                f"SELECT seq FROM changelog_rows WHERE entity_id IN ({_marks(chunk)})",
                chunk)]
        log_rows = sorted(set(log_rows))
        change_ids: list[str] = []
        for chunk in _chunks(log_rows):
            change_ids += [str(r[0]) for r in db.query(
                f"SELECT change_id FROM changelog WHERE seq IN ({_marks(chunk)})", chunk)]
        counts["changelog"] = _delete_in(db, "changelog_rows", "seq", log_rows)
        for table, rowids in targets.items():
            deleted = 0
            for chunk in _chunks(sorted(rowids)):
                deleted += db.execute(
                    f"DELETE FROM {table} WHERE rowid IN ({_marks(chunk)})", chunk)
            if table in _REPORTED_AS:
                table = _REPORTED_AS[table]
                if not table:
                    continue
            counts[table] = counts.get(table, 0) + deleted
        for table in table_names(db):
            if table in SURVIVORS:
                continue
            cols = columns(db, table)
            removed = 0
            if table not in targets:  # WITHOUT ROWID tables and rows not yet found
                for column in ("household_id", "scope_id"):
                    if column in cols:
                        removed += db.execute(
                            f"DELETE FROM {table} WHERE {column} = ?",
                            (household_id,))
            if "entity_id" in cols:  # e.g. sync field versions (they hold values)
                removed += _delete_in(db, table, "entity_id", ids)
            if "change_id" in cols:
                removed += _delete_in(db, table, "change_id", change_ids)
            if removed:
                counts[table] = counts.get(table, 0) + removed
        if "drafts" in table_names(db) and {"key", "payload"} <= set(columns(db, "drafts")):
            drafts = db.execute("DELETE FROM drafts WHERE instr(payload, ?) > 0",
                                (household_id,))
            drafts += _delete_in(db, "drafts", "key", ids)
            counts["drafts"] = counts.get("drafts", 0) + drafts
        _restore_delete_guards(db, guards)
        # Contentless-delete FTS5 tables (note_fts) only mark deleted rows with tombstones;
        # 'secure-delete' does not apply to them. 'optimize' rewrites every index into one
        # segment without the deleted entries, so the words are really gone.
        for table in fts_tables(db):
            db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        # The files go after the commit (`attachments.finish_pending_deletions`); this
        # journal, written in the same transaction, lets the next open finish the job.
        db.executemany("INSERT OR IGNORE INTO pending_file_deletions (attachment_id) "
                       "VALUES (?)", [(a,) for a in sorted(attachments)])
        if person_ids and "disclosure_decisions" in table_names(db):
            # Art. 15 bookkeeping survives (ids, dates); free-text reasons might name
            # people, so they go with the file.
            for chunk in _chunks(list(person_ids)):
                db.execute(
                    "UPDATE disclosure_decisions SET reason = ? WHERE request_id IN "
                    f"(SELECT id FROM disclosure_requests WHERE person_id IN ({_marks(chunk)}))",
                    (REDACTED_REASON, *chunk))
    return PurgeResult({t: n for t, n in counts.items() if n}, tuple(sorted(attachments)),
                       person_ids)


def referenced_attachment_ids(db: Database) -> set[str]:
    """Every attachment id any row refers to."""
    found: set[str] = set()
    for table in table_names(db):
        if table == "pending_file_deletions":
            continue
        for column in attachment_columns(table, columns(db, table)):
            found.update(str(r[0]) for r in db.query(
                f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"))
    return found


def pending_file_deletions(db: Database) -> list[str]:
    return [str(r[0]) for r in db.query(
        "SELECT attachment_id FROM pending_file_deletions ORDER BY attachment_id")]


def forget_pending_file_deletion(db: Database, attachment_id: str) -> None:
    db.execute("DELETE FROM pending_file_deletions WHERE attachment_id = ?", (attachment_id,))


def remaining_rows(db: Database, household_id: str) -> int:
    """How many rows still belong to the household (0 after a purge)."""
    return sum(len(rows) for rows in _targets(db, household_id).values()) + int(
        db.scalar("SELECT count(*) FROM changelog WHERE seq IN (SELECT seq FROM changelog_rows "
                  "WHERE scope_id = ?1 UNION ALL SELECT r.seq FROM contacts k JOIN "
                  "changelog_rows r ON r.entity_id = k.id WHERE k.household_id = ?1)",
                  (household_id,)))


def compact(db: Database) -> None:
    """Overwrite freed space: checkpoint the WAL into the database, VACUUM (rebuilds the
    file without free pages), checkpoint again and truncate the WAL to zero bytes."""
    if db.in_transaction:
        raise RuntimeError("compact inside a transaction")
    db.checkpoint()
    db.query("VACUUM")
    db.checkpoint()
