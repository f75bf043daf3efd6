"""Bulk insertion for demo data and imports: the same rows, search entries and change-log
rows as the per-record path, written with executemany in large transactions."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from typing import Any

from casework.clock import to_utc_iso
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import HouseholdRole, PersonDraft
from casework.models.ids import new_ids
from casework.models.text import fold, index_texts
from casework.storage import contact_rows, report_facts
from casework.storage.bulk_columns import (
    NULL,
    ContactColumns,
    ContactRow,
    EncodedContacts,
    Encodings,
    Memo,
    folded_forms,
    present_json,
    topics_json,
    utc_text,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database
from casework.storage.households import (
    household_values,
    person_values,
    refresh_adult_first_names,
)

# The column path's names, too: callers import the bulk writer from here.
__all__ = ["NULL", "ContactColumns", "ContactRow", "EncodedContacts", "EncodedPeople",
           "Encodings", "HouseholdRow", "Memo", "PersonRow", "encode_people", "flat_json",
           "insert_batch", "insert_rows", "people_stats", "utc_text", "write_batch"]

HouseholdRow = tuple[str, HouseholdDraft]
PersonRow = tuple[str, str, PersonDraft]

# Into the table itself, not through the view `contacts` and its triggers
# (storage/contact_rows.py): the keys are looked up once per batch (`_ContactKeys`). A new
# row was never changed (`updated_*` NULL) and was written when it happened.
_INSERT_CONTACT = (
    "INSERT INTO contact_rows (rid, id, household, occurred_at, duration_min, type, "
    "persons_present, topics, next_steps, follow_up, follow_up_done, created_at, "
    "created_by, clock, device) VALUES ")


class _ContactKeys:
    """The integer keys of one batch of contacts: their own (after the highest), their
    households', the author's and the device's, and the clock part of each version."""

    def __init__(self, db: Database, household_ids: Iterable[str], worker: str,
                 device: str, count: int) -> None:
        found = contact_rows.keys(db, [*household_ids, worker, device])
        self.household = found
        self.worker = found[worker]
        self.device = found[device]
        self.first = int(db.scalar("SELECT COALESCE(max(rid), 0) FROM contact_rows")) + 1
        self.rids = range(self.first, self.first + count)
        self._cut = len(device) + 1

    def clocks(self, versions: Iterable[str]) -> list[str]:
        cut = self._cut
        return [v[:-cut] for v in versions]


def insert_batch(w: RecordWriter, households: Sequence[HouseholdRow],
                 persons: Sequence[PersonRow],
                 contacts: Sequence[ContactRow] | ContactColumns | EncodedContacts,
                 done_follow_ups: frozenset[str] = frozenset(),
                 created_at: datetime | None = None,
                 index_forms: Mapping[str, str] | None = None,
                 later_contacts: Mapping[str, tuple[datetime, int]] | None = None,
                 encodings: Encodings | None = None) -> None:
    """Insert one batch inside the caller's transaction. Contacts should come in
    chronological order so note search returns newest first by rowid. `index_forms`:
    note texts whose search-index form the caller knows already (demo data built from
    templates); the other notes are folded here, once per batch. `later_contacts`:
    household → (last contact, open follow-ups) of the contacts the caller writes in
    later batches of the same transaction (the CSV import), written with the household
    row as for contacts of this batch. `contacts` as `ContactColumns` are checked and
    encoded (`ContactColumns.encode`; or come encoded), their `follow_up_done` replaces
    `done_follow_ups`; `encodings`: the one of a bulk load of many batches (see
    `Encodings`)."""
    if isinstance(contacts, ContactColumns):
        enc = encodings or Encodings()
        contacts = contacts.encode(w.clock.now(), enc, index_forms or {})
    # The last contact and open follow-ups (contact_store.refresh_household_stats) of
    # the batch's households whose contacts come in this batch too (demo data) or later
    # (the CSV import writes households first, then all contacts in time order).
    in_batch = {hid for hid, _ in households}
    last: dict[str, datetime] = {}
    open_follow_ups: Counter[str] = Counter()
    if later_contacts:
        for hid in in_batch & later_contacts.keys():
            last[hid], open_follow_ups[hid] = later_contacts[hid]
    if isinstance(contacts, EncodedContacts):
        last_texts = Memo(utc_text)
        stored_last, stats = people_stats(contacts, in_batch)
        for hid, moment in last.items():
            at = last_texts[moment]
            if hid not in stored_last or at > stored_last[hid]:
                stored_last[hid] = at
        open_follow_ups.update(stats)
    else:
        for cid, hid, cdraft in contacts:
            if hid in in_batch:
                if hid not in last or cdraft.occurred_at > last[hid]:
                    last[hid] = cdraft.occurred_at
                if cdraft.follow_up is not None and cid not in done_follow_ups:
                    open_follow_ups[hid] += 1
        last_texts = Memo(utc_text)  # imported contacts share a few hundred times
        stored_last = {hid: last_texts[moment] for hid, moment in last.items()}
    write_batch(w, encode_people(households, persons, stored_last, open_follow_ups),
                contacts, done_follow_ups, created_at, index_forms)


@dataclass(frozen=True, slots=True)
class EncodedPeople:
    """Households and persons of one batch in their stored form (`encode_people`): plain
    texts and numbers without what the writer adds (versions, time, author, change ids),
    so a batch crosses a process boundary cheaply (the demo builds it in a second
    process)."""

    household_columns: list[str]
    households: list[tuple[Any, ...]]  # id, then the household columns
    household_fields: list[str]  # the change log's JSON of each household
    person_columns: list[str]
    persons: list[tuple[Any, ...]]  # id, household id, then the person columns
    person_fields: list[str]
    search: list[tuple[str, str]]  # household id, its search entry (folded)
    added: dict[str, int]  # persons of households of earlier batches, per household

    def __len__(self) -> int:
        return len(self.households) + len(self.persons)


def people_stats(contacts: EncodedContacts, households: set[str],
                 ) -> tuple[dict[str, str], dict[str, int]]:
    """The last contact (as stored) and the open follow-ups of these households among
    encoded contacts (`EncodedContacts.latest`, `.open_follow_ups`), for `encode_people`."""
    return ({hid: at for hid, at in contacts.latest.items() if hid in households},
            {hid: n for hid, n in contacts.open_follow_ups.items() if hid in households})


def encode_people(households: Sequence[HouseholdRow], persons: Sequence[PersonRow],
                  last: Mapping[str, str], open_follow_ups: Mapping[str, int],
                  ) -> EncodedPeople:
    """The batch's household and person rows, their change-log fields and search
    entries. `last`, `open_follow_ups`: per household of the batch, its last contact
    (as stored) and open follow-ups (written with the row)."""
    # What the member-count and first-names triggers keep on the household row (m0004,
    # m0007), for the households of this batch: written with the row instead of one
    # UPDATE per person (their persons are written right after, triggers suspended).
    in_batch = {hid for hid, _ in households}
    members = Counter(hid for _, hid, _ in persons)  # counted in C
    adults: dict[str, list[str]] = {}
    for _pid, hid, pdraft in persons:
        if pdraft.role is not HouseholdRole.KIND and hid in in_batch:
            adults.setdefault(hid, []).append(pdraft.first_name + "\x1f")
    rows = []
    fields = []
    sort_names = Memo(fold)  # a few thousand family names in 100,000 rows
    for hid, draft in households:
        values = household_values(draft, sort_names.__getitem__)
        rows.append((hid, *[NULL if v is None else v for v in values.values()], members[hid],
                     "".join(adults.get(hid, ())), last.get(hid, NULL),
                     open_follow_ups.get(hid, 0)))
        del values["sort_name"]
        fields.append(flat_json(values))
    person_rows = []
    person_fields = []
    names: dict[str, list[str]] = {}
    for pid, hid, pdraft in persons:
        values = person_values(pdraft)
        person_rows.append((pid, hid, *[NULL if v is None else v for v in values.values()]))
        values["household_id"] = hid
        person_fields.append(flat_json(values))
        names.setdefault(hid, []).extend((pdraft.first_name, pdraft.last_name))
    search = list(zip((hid for hid, _ in households), index_texts([
        " ".join((draft.name, draft.street, draft.plz, draft.city, draft.district,
                  draft.quarter, *names.get(hid, []))) for hid, draft in households]),
        strict=True))
    return EncodedPeople(
        household_columns=[*household_values(households[0][1]), "member_count",
                           "adult_first_names", "last_contact_at", "open_followups"]
        if households else [],
        households=rows, household_fields=fields,
        person_columns=list(person_values(persons[0][2])) if persons else [],
        persons=person_rows, person_fields=person_fields, search=search,
        added={hid: n for hid, n in members.items() if hid not in in_batch})


def write_batch(w: RecordWriter, people: EncodedPeople,
                contacts: Sequence[ContactRow] | EncodedContacts,
                done_follow_ups: frozenset[str] = frozenset(),
                created_at: datetime | None = None,
                index_forms: Mapping[str, str] | None = None) -> None:
    """`insert_batch` for households and persons already encoded (`encode_people`) and
    contacts as drafts or encoded: what needs the database (keys, versions, the time and
    author of the change) is added here."""
    db = w.db
    actor = w.actor
    stamp = to_utc_iso(created_at or w.clock.now())
    # One clock read and one call to the random source per batch, not per row.
    versions = iter(w.hlc.ticks(w.clock, len(people) + (
        0 if isinstance(contacts, EncodedContacts) else len(contacts))))
    worker, device = actor.worker_id, actor.device
    _write_people(db, people, versions, worker, device, stamp)
    if contacts:
        # Their inserts are logged by reference (storage.changelog): the row holds the
        # change id (the contact's), version, author, device and household; the log row
        # the time.
        if w.hlc.device != device:
            raise RuntimeError("the clock and the writer name different devices")
        if isinstance(contacts, EncodedContacts):
            _insert_contact_columns(db, contacts, w.hlc.ticks(w.clock, len(contacts),
                                                              clock_only=True),
                                    worker, device, stamp)
            return
        contact_log: list[tuple[object, ...]] = []
        _insert_contacts(db, contacts, done_follow_ups, versions, worker, device, stamp,
                         contact_log, index_forms or {})
        insert_rows(db, "INSERT INTO changelog_rows (entity, entity_id, op, at) VALUES ",
                    "('contact',?1,'insert',?2)", contact_log)


def _write_people(db: Database, p: EncodedPeople, versions: Iterator[str], worker: str,
                  device: str, stamp: str) -> None:
    """The rows of `encode_people`, their search entries and change-log rows."""
    # sorted: the change log's unique index on change_id gets them in ascending order
    change_ids = iter(sorted(new_ids(len(p))))
    log_rows: list[tuple[object, ...]] = []
    if p.households:
        cols = p.household_columns
        household_versions = list(islice(versions, len(p.households)))
        insert_rows(
            db, f"INSERT INTO households (id, {', '.join(cols)}, created_at, updated_at, "
            "created_by, updated_by, version) VALUES ", _numbered(len(cols) + 6),
            [(*row, stamp, stamp, worker, worker, version)
             for row, version in zip(p.households, household_versions, strict=True)])
        log_rows += [(change_id, "household", row[0], "insert", fields, version, worker,
                      device, stamp, row[0])
                     for change_id, row, fields, version in zip(
                         islice(change_ids, len(p.households)), p.households,
                         p.household_fields, household_versions, strict=True)]
    if p.persons:
        cols = p.person_columns
        person_versions = list(islice(versions, len(p.persons)))
        # The member-count and first-names triggers would update the household once per
        # person; households of earlier batches are updated once each with what they
        # would have kept.
        with _trigger_suspended(db, "persons_member_count_ai") as suspended, \
                _trigger_suspended(db, "persons_adult_names_ai") as names_suspended:
            insert_rows(
                db, f"INSERT INTO persons (id, household_id, {', '.join(cols)}, created_at, "
                "updated_at, created_by, updated_by, version) VALUES ",
                _numbered(len(cols) + 7),
                [(*row, stamp, stamp, worker, worker, version)
                 for row, version in zip(p.persons, person_versions, strict=True)])
            if suspended and p.added:
                db.executemany("UPDATE households SET member_count = member_count + ? "
                               "WHERE id = ?", [(n, hid) for hid, n in p.added.items()])
            if names_suspended and p.added:
                refresh_adult_first_names(db, list(p.added))
        log_rows += [(change_id, "person", row[0], "insert", fields, version, worker,
                      device, stamp, row[1])
                     for change_id, row, fields, version in zip(
                         islice(change_ids, len(p.persons)), p.persons, p.person_fields,
                         person_versions, strict=True)]
    if p.search:
        first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM household_search"))
        with _trigger_suspended(db, "household_search_ai") as suspended:
            db.executemany("INSERT INTO household_search(household_id, text) VALUES (?, ?)",
                           p.search)
            if suspended:  # index the batch in one statement, as the trigger would have
                db.execute("INSERT INTO household_fts(rowid, text) SELECT rowid, text "
                           "FROM household_search WHERE rowid > ?", (first,))
    insert_rows(
        db, "INSERT INTO changelog_rows (change_id, entity, entity_id, op, fields, hlc, "
        "actor, device, at, scope_id) VALUES ", _numbered(10), log_rows)


def _insert_contacts(db: Database, contacts: Sequence[ContactRow],
                     done_follow_ups: frozenset[str], versions: Iterator[str],
                     worker: str, device: str, stamp: str, log_rows: list[tuple[object, ...]],
                     index_forms: Mapping[str, str]) -> None:
    """Contacts, their notes and the notes' index entries, in one pass over the rows.

    The notes get their rowids here (after the highest one), so their index entries can
    be written with the text folded in Python once per batch (`index_texts`), instead of
    the insert trigger calling back into Python for every note; the trigger is dropped
    for the batch and recreated from its own stored definition before the transaction
    ends (see `_trigger_suspended`)."""
    utc = Memo(utc_text)
    present_of = Memo(present_json)
    topics_of = Memo(topics_json)
    rows = []
    facts = []
    note_rows = []
    note_texts = []
    keys = _ContactKeys(db, {hid for _cid, hid, _draft in contacts}, worker, device,
                        len(contacts))
    clocks = keys.clocks(islice(versions, len(contacts)))
    rowid = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes"))
    for (cid, hid, cdraft), rid, clock in zip(contacts, keys.rids, clocks, strict=True):
        occurred = utc[cdraft.occurred_at]
        present = present_of[cdraft.persons_present]
        topics = topics_of[cdraft.topics]
        follow_up = cdraft.follow_up.isoformat() if cdraft.follow_up else None
        rows.append((rid, cid, keys.household[hid], occurred, cdraft.duration_min,
                     cdraft.type.value, present, topics, cdraft.next_steps,
                     NULL if follow_up is None else follow_up, int(cid in done_follow_ups),
                     occurred, keys.worker, clock, keys.device))
        facts.append((hid, occurred, cdraft.type.value))
        log_rows.append((cid, stamp))
        for seq, note in enumerate(cdraft.notes):
            rowid += 1
            note_rows.append((rowid, rid, seq, note.kind.value, note.source, note.text,
                              int(note.disputed)))
            note_texts.append(note.text)
    with report_facts.bulk_contacts(db, facts):
        insert_rows(db, _INSERT_CONTACT, _numbered(15), rows)
    with _trigger_suspended(db, "contact_notes_ai") as suspended:
        insert_rows(
            db, "INSERT INTO contact_notes (rowid, contact, seq, kind, source, text, "
            "disputed) VALUES ", _numbered(7), note_rows)
        if suspended:
            db.executemany("INSERT INTO note_fts(rowid, text) VALUES (?, ?)",
                           list(zip((r[0] for r in note_rows),
                                    folded_forms(note_texts, index_forms), strict=True)))


def _insert_contact_columns(db: Database, c: EncodedContacts, clocks: list[str],
                            worker: str, device: str, stamp: str) -> None:
    """`_insert_contacts` for encoded columns: the same rows, built by zipping columns,
    the notes' rowids after the highest one. `clocks`: the versions' clock parts. The
    rows are handed over one by one as they are built (a million tuples built first
    were a quarter of the time the inserts took)."""
    n = len(c.ids)
    occurred = c.occurred_at
    keys = _ContactKeys(db, set(c.household_ids), worker, device, n)
    with report_facts.bulk_contacts(db, c.facts):
        # the author's and device's keys (integers SQLite gave) in the statement, the
        # time bound once for both columns: three values fewer to bind per row
        insert_rows(
            db, "INSERT INTO contact_rows (rid, id, household, occurred_at, duration_min, "
            "type, persons_present, topics, next_steps, follow_up, follow_up_done, "
            "created_at, created_by, clock, device) VALUES ",
            f"(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?4,{int(keys.worker)},?12,"
            f"{int(keys.device)})",
            zip(keys.rids, c.ids, map(keys.household.__getitem__, c.household_ids), occurred,
                c.duration_min, c.type, c.persons_present, c.topics, c.next_steps,
                c.follow_up, c.follow_up_done, clocks, strict=True))
    first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes")) + 1
    rowids = range(first, first + n)
    with _trigger_suspended(db, "contact_notes_ai") as suspended:
        insert_rows(
            db, "INSERT INTO contact_notes (rowid, contact, seq, kind, source, text, "
            "disputed) VALUES ", "(?1,?2,0,?3,?4,?5,?6)",  # one note each
            zip(rowids, keys.rids, c.note_kind, c.note_source, c.note_text, c.note_disputed,
                strict=True))
        if suspended:  # one row a statement: a virtual table takes many rows slower
            db.executemany("INSERT INTO note_fts(rowid, text) VALUES (?, ?)",
                           zip(rowids, c.index_forms, strict=True))
    # the log rows by one statement from the rows just written: a million bound ids
    # cost more than SQLite reading them back from pages still in the cache
    db.execute("INSERT INTO changelog_rows (entity, entity_id, op, at) "
               "SELECT 'contact', id, 'insert', ? FROM contact_rows "
               "WHERE rid BETWEEN ? AND ? ORDER BY rid", (stamp, keys.first, keys.first + n - 1))


_ROWS_PER_STATEMENT = 50


def _numbered(width: int) -> str:
    """One row's values for `insert_rows`: (?1, …, ?width)."""
    return "(" + ",".join(f"?{k}" for k in range(1, width + 1)) + ")"

_PARAMETER = re.compile(r"\?(\d+)")


def insert_rows(db: Database, head: str, row: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """`db.executemany(head + row, rows)`, with 50 rows in each statement: for the
    bulk writer's million rows the driver's work per statement (each row's call into
    SQLite, its reset, the interpreter lock given back and taken again) was a third of
    an insert (1.5 → 0.9 µs a row measured in memory). `row`: one row's values
    with numbered parameters ?1 … ?k; every row of `rows` has k values (a row of
    another length is refused before its statement runs). SQLite inserts the rows of
    one statement in their order, with every constraint and trigger as for one row at
    a time. Not for virtual tables: FTS5 takes many rows a statement more slowly."""
    width = max((int(m) for m in _PARAMETER.findall(row)), default=0)

    def shifted(i: int) -> str:  # row i's parameters: ?(k·i + 1) … ?(k·i + k)
        return _PARAMETER.sub(lambda m: f"?{int(m[1]) + i * width}", row)

    def values(count: int) -> str:
        return head + ",".join(map(shifted, range(count)))

    source = iter(rows)
    rest: list[tuple[Any, ...]] = []

    def flat(chunk: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        out = tuple(chain.from_iterable(chunk))
        if len(out) != len(chunk) * width:
            raise ValueError("rows of different lengths")
        return out

    def statements() -> Iterator[tuple[Any, ...]]:
        while True:
            chunk = list(islice(source, _ROWS_PER_STATEMENT))
            if len(chunk) < _ROWS_PER_STATEMENT:
                rest.append(flat(chunk))
                return
            yield flat(chunk)

    db.executemany(values(_ROWS_PER_STATEMENT), statements())
    [last] = rest
    if last:
        db.execute(values(len(last) // width), last)


# What json.dumps(fields, ensure_ascii=False, sort_keys=True) writes, without building a new
# encoder for every row (json.dumps does that whenever it gets keyword arguments).
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_quote = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses
_KEYS: dict[str, str] = {}  # column name → its JSON key and ": " (our own names only)


def flat_json(values: Mapping[str, Any]) -> str:
    """`json.dumps(values, ensure_ascii=False, sort_keys=True)` for a change-log row of
    texts, whole numbers and None (a household's or person's columns), in about half the
    time of the encoder (130,000 of them in a 100,000-row import); anything else goes to
    the encoder."""
    parts = []
    for key in sorted(values):
        value = values[key]
        kind = type(value)
        if kind is str:
            text = _quote(value)
        elif value is None:
            text = "null"
        elif kind is int:
            text = int.__repr__(value)
        else:
            return _ENCODER.encode(values)
        prefix = _KEYS.get(key)
        if prefix is None:
            prefix = _KEYS[key] = _quote(key) + ": "
        parts.append(prefix + text)
    return "{" + ", ".join(parts) + "}"


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
