"""Bulk insertion for demo data and imports: the same rows, search entries and change-log
rows as the per-record path, written with executemany in large transactions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from casework.clock import to_utc_iso
from casework.models.contacts import ContactDraft
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import PersonDraft
from casework.models.ids import new_ids
from casework.models.text import fold_words
from casework.storage.changelog import CONTACT_IN_ROW, RecordWriter
from casework.storage.db import Database, drop_stat4
from casework.storage.households import (
    household_values,
    person_values,
    refresh_adult_first_names,
)

HouseholdRow = tuple[str, HouseholdDraft]
PersonRow = tuple[str, str, PersonDraft]
ContactRow = tuple[str, str, ContactDraft]


def insert_batch(w: RecordWriter, households: Sequence[HouseholdRow],
                 persons: Sequence[PersonRow], contacts: Sequence[ContactRow],
                 done_follow_ups: frozenset[str] = frozenset(),
                 created_at: datetime | None = None) -> None:
    """Insert one batch inside the caller's transaction. Contacts should come in
    chronological order so note search returns newest first by rowid."""
    db = w.db
    actor = w.actor
    stamp = to_utc_iso(created_at or w.clock.now())
    # One clock read and one call to the random source per batch, not per row.
    versions = iter(w.hlc.ticks(w.clock, len(households) + len(persons) + len(contacts)))
    change_ids = iter(new_ids(len(households) + len(persons) + len(contacts)))
    worker, device = actor.worker_id, actor.device
    encode = _ENCODER.encode
    log_rows: list[tuple[object, ...]] = []

    rows = []
    for hid, draft in households:
        values = household_values(draft)
        version = next(versions)
        rows.append((hid, *values.values(), stamp, stamp, worker, worker, version))
        del values["sort_name"]
        log_rows.append((next(change_ids), "household", hid, "insert", encode(values), version,
                         worker, device, stamp, hid))
    if rows:
        cols = list(household_values(households[0][1]))
        db.executemany(
            f"INSERT INTO households (id, {', '.join(cols)}, created_at, updated_at, "
            f"created_by, updated_by, version) VALUES ({','.join('?' * (len(cols) + 6))})",
            rows)

    rows = []
    names: dict[str, list[str]] = {}
    for pid, hid, pdraft in persons:
        values = person_values(pdraft)
        version = next(versions)
        rows.append((pid, hid, *values.values(), stamp, stamp, worker, worker, version))
        values["household_id"] = hid
        log_rows.append((next(change_ids), "person", pid, "insert", encode(values), version,
                         worker, device, stamp, hid))
        names.setdefault(hid, []).extend((pdraft.first_name, pdraft.last_name))
    if rows:
        cols = list(person_values(persons[0][2]))
        # The member-count and first-names triggers would update the household once per
        # person; the batch updates each household once with what they would have kept.
        with _trigger_suspended(db, "persons_member_count_ai") as suspended, \
                _trigger_suspended(db, "persons_adult_names_ai") as names_suspended:
            db.executemany(
                f"INSERT INTO persons (id, household_id, {', '.join(cols)}, created_at, "
                f"updated_at, created_by, updated_by, version) "
                f"VALUES ({','.join('?' * (len(cols) + 7))})",
                rows)
            added = Counter(hid for _, hid, _ in persons)
            if suspended:
                db.executemany("UPDATE households SET member_count = member_count + ? "
                               "WHERE id = ?", [(n, hid) for hid, n in added.items()])
            if names_suspended:
                refresh_adult_first_names(db, list(added))

    search_rows = []
    for hid, draft in households:
        parts = [draft.name, draft.street, draft.plz, draft.city, draft.district, draft.quarter,
                 *names.get(hid, [])]
        search_rows.append((hid, " ".join(fold_words(" ".join(parts)))))
    if search_rows:
        first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM household_search"))
        with _trigger_suspended(db, "household_search_ai") as suspended:
            db.executemany("INSERT INTO household_search(household_id, text) VALUES (?, ?)",
                           search_rows)
            if suspended:  # index the batch in one statement, as the trigger would have
                db.execute("INSERT INTO household_fts(rowid, text) SELECT rowid, text "
                           "FROM household_search WHERE rowid > ?", (first,))

    contact_rows = []
    note_rows = []
    dumps = json.dumps
    for cid, hid, cdraft in contacts:
        version = next(versions)
        occurred = to_utc_iso(cdraft.occurred_at)
        present = dumps(list(cdraft.persons_present))
        topics = dumps(list(cdraft.topics), ensure_ascii=False)
        follow_up = cdraft.follow_up.isoformat() if cdraft.follow_up else None
        contact_rows.append((cid, hid, occurred, cdraft.duration_min, cdraft.type.value,
                             present, topics, cdraft.next_steps, follow_up,
                             int(cid in done_follow_ups), occurred, occurred, worker, worker,
                             version))
        log_rows.append((next(change_ids), "contact", cid, "insert", CONTACT_IN_ROW,
                         version, worker, device, stamp, hid))
        for seq, note in enumerate(cdraft.notes):
            note_rows.append((cid, hid, seq, note.kind.value, note.source, note.text,
                              int(note.disputed)))
    if contact_rows:
        db.executemany(
            "INSERT INTO contacts (id, household_id, occurred_at, duration_min, type, "
            "persons_present, topics, next_steps, follow_up, follow_up_done, created_at, "
            "updated_at, created_by, updated_by, version) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            contact_rows)
        _insert_notes_indexed_once(db, note_rows)
    db.executemany(
        "INSERT INTO changelog (change_id, entity, entity_id, op, fields, hlc, actor, device, "
        "at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)", log_rows)


# What json.dumps(fields, ensure_ascii=False, sort_keys=True) writes, without building a new
# encoder for every row (json.dumps does that whenever it gets keyword arguments).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


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
def _trigger_suspended(db: Database, name: str) -> Iterator[bool]:
    """Drop a trigger for a bulk statement and recreate it from its own stored definition
    before the caller's transaction ends, so no other writer ever sees the table without
    it (on an error the caller's rollback brings it back). Yields whether the trigger
    existed (the caller then does its work in bulk)."""
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                        (name,))
    if trigger is not None:
        db.execute(f"DROP TRIGGER {name}")
    yield trigger is not None
    if trigger is not None:
        db.execute(str(trigger))


def _insert_notes_indexed_once(db: Database, note_rows: Sequence[tuple[object, ...]]) -> None:
    """Insert note rows and index them in one pass (same transaction as the caller).

    The per-row insert trigger of `note_fts` is dropped for the load and recreated from
    its own stored definition before the transaction ends, so no other writer ever sees
    the table without it; the new rows are then indexed with one INSERT … SELECT, which
    is what the trigger would have done row by row."""
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND name = 'contact_notes_ai'")
    first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes"))
    if trigger is not None:
        db.execute("DROP TRIGGER contact_notes_ai")
    db.executemany(
        "INSERT INTO contact_notes (contact_id, household_id, seq, kind, source, text, "
        "disputed) VALUES (?,?,?,?,?,?,?)", note_rows)
    if trigger is not None:
        db.execute("INSERT INTO note_fts(rowid, text) SELECT rowid, casework_fold(text) "
                   "FROM contact_notes WHERE rowid > ?", (first,))
        db.execute(str(trigger))


def refresh_all_household_stats(w: RecordWriter) -> None:
    w.db.execute(
        "UPDATE households SET "
        "last_contact_at = (SELECT max(occurred_at) FROM contacts c "
        "  WHERE c.household_id = households.id AND c.deleted = 0), "
        "open_followups = (SELECT count(*) FROM contacts c WHERE c.household_id = households.id "
        "  AND c.deleted = 0 AND c.follow_up IS NOT NULL AND c.follow_up_done = 0)")


def optimize_search(w: RecordWriter) -> None:
    w.db.execute("INSERT INTO note_fts(note_fts) VALUES ('optimize')")
    w.db.execute("INSERT INTO household_fts(household_fts) VALUES ('optimize')")
    w.db.execute("ANALYZE")
    # STAT4 samples make SQLite re-plan FTS5's internal lookups on every use (m0004).
    drop_stat4(w.db)
