"""Bulk insertion for demo data and imports: the same rows, search entries and change-log
rows as the per-record path, written with executemany in large transactions."""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice, repeat
from operator import le
from typing import Any, TypeVar

from casework.clock import BERLIN, to_utc_iso
from casework.errors import ValidationError
from casework.models.contacts import (
    MAX_DURATION_MIN,
    ContactDraft,
    ContactType,
    NoteEntry,
    NoteKind,
)
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import HouseholdRole, PersonDraft
from casework.models.ids import new_ids
from casework.models.text import fold, index_texts
from casework.storage import contact_rows, report_facts
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database
from casework.storage.households import (
    household_values,
    person_values,
    refresh_adult_first_names,
)

HouseholdRow = tuple[str, HouseholdDraft]
PersonRow = tuple[str, str, PersonDraft]
ContactRow = tuple[str, str, ContactDraft]

# Bound instead of None: SQLite stores a NaN as NULL, and sqlcipher3 binds a float
# directly, while None goes through its adapter lookup (~2.5 µs a value, a third of the
# time of inserting a person with three empty dates).
_NULL = float("nan")
_V = TypeVar("_V")


@dataclass(frozen=True, slots=True)
class ContactColumns:
    """Contacts of one batch column by column, each with exactly one note, in time
    order: for demo data (a million contacts built from templates), where a draft object
    per contact and the per-row work of turning it into rows were a third of the time.
    The values are a `ContactDraft`'s, as `validated` leaves them (`check` refuses any
    that it would change or refuse); `insert_batch` writes the same rows as for the
    drafts `rows()` gives (tests/storage/test_bulk_columns.py compares both)."""

    ids: Sequence[str]
    household_ids: Sequence[str]
    occurred_at: Sequence[datetime]  # aware
    type: Sequence[ContactType]
    duration_min: Sequence[int]
    persons_present: Sequence[tuple[str, ...]]
    topics: Sequence[tuple[str, ...]]
    note_kind: Sequence[NoteKind]
    note_text: Sequence[str]
    note_source: Sequence[str]
    note_disputed: Sequence[bool]
    next_steps: Sequence[str]
    follow_up: Sequence[date | None]
    follow_up_done: Sequence[bool]

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[ContactRow]:
        """The same contacts as drafts (the plain path)."""
        return [(cid, hid, ContactDraft(at, kind, minutes, present, topics,
                                        (NoteEntry(note_kind, text, source, disputed),),
                                        steps, follow_up))
                for (cid, hid, at, kind, minutes, present, topics, note_kind, text, source,
                     disputed, steps, follow_up) in zip(
                    self.ids, self.household_ids, self.occurred_at, self.type,
                    self.duration_min, self.persons_present, self.topics, self.note_kind,
                    self.note_text, self.note_source, self.note_disputed, self.next_steps,
                    self.follow_up, strict=True)]

    def done(self) -> frozenset[str]:
        return frozenset(cid for cid, done in zip(self.ids, self.follow_up_done, strict=True)
                         if done)

    def check(self, now: datetime, enc: Encodings) -> None:
        """What `ContactDraft.validated` checks, and that it would change nothing: per
        contact where a check needs two columns, else once per distinct value (`enc`
        checks each value the first time it encodes it)."""
        n = len(self.ids)
        if any(len(column) != n for column in (
                self.household_ids, self.occurred_at, self.type, self.duration_min,
                self.persons_present, self.topics, self.note_kind, self.note_text,
                self.note_source, self.note_disputed, self.next_steps, self.follow_up,
                self.follow_up_done)):
            raise ValueError("contact columns of different lengths")
        if not n:
            return
        if any(m.tzinfo is None for m in self.occurred_at):
            raise ValidationError("Datum/Uhrzeit", "ohne Zeitzone.")
        if max(self.occurred_at) > now.replace(microsecond=0) + _FUTURE_SLACK:
            raise ValidationError("Datum/Uhrzeit", "liegt in der Zukunft.")
        if min(self.duration_min) < 0 or max(self.duration_min) > MAX_DURATION_MIN:
            raise ValidationError("Dauer", "muss zwischen 0 und 1440 Minuten liegen.")
        day = enc.local_day
        if any(f is not None and f < day[m]
               for m, f in zip(self.occurred_at, self.follow_up, strict=True)):
            raise ValidationError("Wiedervorlage", "liegt vor dem Kontaktdatum.")
        third_party = NoteKind.AUSSAGE_DRITTER
        if any(kind is third_party and not source
               for kind, source in set(zip(self.note_kind, self.note_source, strict=True))):
            raise ValidationError("Quelle", "bei „Aussage Dritter“ ist die Quelle anzugeben.")
        # each distinct value checked as it is encoded (the writer then finds it encoded)
        for column, encoded in ((self.type, enc.type), (self.note_kind, enc.note_kind),
                                (self.persons_present, enc.present),
                                (self.topics, enc.topics), (self.note_text, enc.note_text),
                                (self.note_source, enc.stripped),
                                (self.next_steps, enc.stripped)):
            deque(map(encoded.__getitem__, column), maxlen=0)

    def encode(self, now: datetime, enc: Encodings,
               index_forms: Mapping[str, str]) -> EncodedContacts:
        """Checked (`check`) and in the stored form: everything of the batch's contact
        rows that needs no database (the demo builds it in a second process,
        `services.demo`). `index_forms` as for `insert_batch`."""
        self.check(now, enc)
        occurred = list(map(enc.utc.__getitem__, self.occurred_at))
        types = list(map(enc.type.__getitem__, self.type))
        hids = self.household_ids
        # the latest contact per household: in time order the last one (ISO texts in
        # UTC sort as the times do)
        if all(map(le, occurred, islice(occurred, 1, None))):
            latest = dict(zip(hids, occurred, strict=True))
        else:
            latest = {}
            for hid, at in zip(hids, occurred, strict=True):
                if hid not in latest or at > latest[hid]:
                    latest[hid] = at
        open_follow_ups = Counter(
            hid for hid, follow_up, done in zip(hids, self.follow_up, self.follow_up_done,
                                                strict=True)
            if follow_up is not None and not done)
        return EncodedContacts(
            ids=list(self.ids), household_ids=list(hids), occurred_at=occurred,
            type=types,
            duration_min=list(self.duration_min),
            persons_present=list(map(enc.present.__getitem__, self.persons_present)),
            topics=list(map(enc.topics.__getitem__, self.topics)),
            next_steps=list(self.next_steps),
            follow_up=list(map(enc.follow_up.__getitem__, self.follow_up)),
            follow_up_done=list(map(int, self.follow_up_done)),
            note_kind=list(map(enc.note_kind.__getitem__, self.note_kind)),
            note_source=list(self.note_source), note_text=list(self.note_text),
            note_disputed=list(map(int, self.note_disputed)),
            index_forms=_index_forms(list(self.note_text), index_forms),
            latest=latest, open_follow_ups=dict(open_follow_ups),
            facts=report_facts.count_contacts(zip(hids, occurred, types, strict=True)))


@dataclass(frozen=True, slots=True)
class EncodedContacts:
    """`ContactColumns` checked and encoded as stored (`ContactColumns.encode`): plain
    texts and numbers only, so a batch crosses a process boundary cheaply; what the
    writer adds are the database's keys. `latest` and `open_follow_ups`: per household
    of the batch, its latest contact's time (as stored) and its open follow-ups; `facts`:
    the contacts counted for the report facts."""

    ids: list[str]
    household_ids: list[str]
    occurred_at: list[str]
    type: list[str]
    duration_min: list[int]
    persons_present: list[str]
    topics: list[str]
    next_steps: list[str]
    follow_up: list[Any]  # text, or _NULL
    follow_up_done: list[int]
    note_kind: list[str]
    note_source: list[str]
    note_text: list[str]
    note_disputed: list[int]
    index_forms: list[str]
    latest: dict[str, str]
    open_follow_ups: dict[str, int]
    facts: report_facts.ContactCounts  # what the report facts count of them

    def __len__(self) -> int:
        return len(self.ids)


class Encodings:
    """The stored form of each distinct value of contact columns, computed and checked
    once per bulk load (the demo's contact times: 58,400 possible in a million contacts;
    its texts a few thousand). For loads whose values repeat; a caller without one gets
    one per batch."""

    def __init__(self) -> None:
        self.utc = Memo(_utc_text)
        self.local_day = Memo(_local_day)
        self.type = Memo(lambda kind: _member_value(kind, ContactType))
        self.note_kind = Memo(lambda kind: _member_value(kind, NoteKind))
        self.present = Memo(_checked_present_json)
        self.topics = Memo(_checked_topics_json)
        self.follow_up = Memo(_date_or_null)
        self.note_text = Memo(_note_text)
        self.stripped = Memo(_stripped)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def _member_value(member: Any, kind: type[ContactType] | type[NoteKind]) -> str:
    if type(member) is not kind:
        raise ValueError(f"not a {kind.__name__}: {member!r}")
    return str(member.value)


def _checked_present_json(ids: tuple[str, ...]) -> str:
    if len(set(ids)) != len(ids):
        raise ValueError("a person present twice")  # validated() would drop the second
    return _present_json(ids)


def _checked_topics_json(topics: tuple[str, ...]) -> str:
    if not all(topics) or any(_stripped(t) != t for t in topics):
        raise ValueError("a topic empty or not stripped")
    return _topics_json(topics)


def _date_or_null(day: date | None) -> Any:
    return _NULL if day is None else day.isoformat()


def _stripped(text: str) -> str:
    if text != text.strip():
        raise ValueError("a text not stripped")
    return text


def _note_text(text: str) -> str:
    if not text:
        raise ValidationError("Notiz", "darf nicht leer sein.")
    return _stripped(text)


_FUTURE_SLACK = timedelta(minutes=5)  # as ContactDraft.validated

# Into the table itself, not through the view `contacts` and its triggers
# (storage/contact_rows.py): the keys are looked up once per batch (`_ContactKeys`). A new
# row was never changed (`updated_*` NULL) and was written when it happened.
_INSERT_CONTACT = (
    "INSERT INTO contact_rows (rid, id, household, occurred_at, duration_min, type, "
    "persons_present, topics, next_steps, follow_up, follow_up_done, created_at, "
    "created_by, clock, device) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


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
    db = w.db
    enc = encodings or Encodings()
    if isinstance(contacts, ContactColumns):
        contacts = contacts.encode(w.clock.now(), enc, index_forms or {})
    actor = w.actor
    stamp = to_utc_iso(created_at or w.clock.now())
    # One clock read and one call to the random source per batch, not per row.
    versions = iter(w.hlc.ticks(w.clock, len(households) + len(persons) + len(contacts)))
    # sorted: the change log's unique index on change_id gets them in ascending order
    change_ids = iter(sorted(new_ids(len(households) + len(persons))))
    worker, device = actor.worker_id, actor.device
    encode = flat_json
    log_rows: list[tuple[object, ...]] = []

    # What the member-count and first-names triggers keep on the household row (m0004,
    # m0007), for the households of this batch: written with the row instead of one
    # UPDATE per person (their persons are written right after, triggers suspended).
    in_batch = {hid for hid, _ in households}
    members = Counter(hid for _, hid, _ in persons)  # counted in C
    # persons of households of earlier batches
    added = Counter({hid: n for hid, n in members.items() if hid not in in_batch})
    adults: dict[str, list[str]] = {}
    for _pid, hid, pdraft in persons:
        if pdraft.role is not HouseholdRole.KIND and hid in in_batch:
            adults.setdefault(hid, []).append(pdraft.first_name + "\x1f")
    # … and the last contact and open follow-ups (contact_store.refresh_household_stats)
    # of those whose contacts come in this batch too (demo data) or later (the CSV import
    # writes households first, then all contacts in time order).
    last: dict[str, datetime] = {}
    open_follow_ups: Counter[str] = Counter()
    if later_contacts:
        for hid in in_batch & later_contacts.keys():
            last[hid], open_follow_ups[hid] = later_contacts[hid]
    last_texts = Memo(_utc_text)  # imported contacts share a few hundred times
    stored_last = {hid: last_texts[moment] for hid, moment in last.items()}
    if isinstance(contacts, EncodedContacts):
        _household_stats(contacts, in_batch, stored_last, open_follow_ups)
    else:
        for cid, hid, cdraft in contacts:
            if hid in in_batch:
                if hid not in last or cdraft.occurred_at > last[hid]:
                    last[hid] = cdraft.occurred_at
                if cdraft.follow_up is not None and cid not in done_follow_ups:
                    open_follow_ups[hid] += 1
        stored_last = {hid: last_texts[moment] for hid, moment in last.items()}
    rows = []
    sort_names = Memo(fold)  # a few thousand family names in 100,000 rows
    for hid, draft in households:
        values = household_values(draft, sort_names.__getitem__)
        version = next(versions)
        rows.append((hid, *[_NULL if v is None else v for v in values.values()], members[hid],
                     "".join(adults.get(hid, ())),
                     stored_last.get(hid, _NULL), open_follow_ups[hid],
                     stamp, stamp, worker, worker, version))
        del values["sort_name"]
        log_rows.append((next(change_ids), "household", hid, "insert", encode(values), version,
                         worker, device, stamp, hid))
    if rows:
        cols = [*household_values(households[0][1]), "member_count", "adult_first_names",
                "last_contact_at", "open_followups"]
        db.executemany(
            f"INSERT INTO households (id, {', '.join(cols)}, created_at, updated_at, "
            f"created_by, updated_by, version) VALUES ({','.join('?' * (len(cols) + 6))})",
            rows)

    rows = []
    names: dict[str, list[str]] = {}
    for pid, hid, pdraft in persons:
        values = person_values(pdraft)
        version = next(versions)
        rows.append((pid, hid, *[_NULL if v is None else v for v in values.values()], stamp,
                     stamp, worker, worker, version))
        values["household_id"] = hid
        log_rows.append((next(change_ids), "person", pid, "insert", encode(values), version,
                         worker, device, stamp, hid))
        names.setdefault(hid, []).extend((pdraft.first_name, pdraft.last_name))
    if rows:
        cols = list(person_values(persons[0][2]))
        # The member-count and first-names triggers would update the household once per
        # person; households of earlier batches are updated once each with what they
        # would have kept.
        with _trigger_suspended(db, "persons_member_count_ai") as suspended, \
                _trigger_suspended(db, "persons_adult_names_ai") as names_suspended:
            db.executemany(
                f"INSERT INTO persons (id, household_id, {', '.join(cols)}, created_at, "
                f"updated_at, created_by, updated_by, version) "
                f"VALUES ({','.join('?' * (len(cols) + 7))})",
                rows)
            if suspended and added:
                db.executemany("UPDATE households SET member_count = member_count + ? "
                               "WHERE id = ?", [(n, hid) for hid, n in added.items()])
            if names_suspended and added:
                refresh_adult_first_names(db, list(added))

    search_rows = list(zip((hid for hid, _ in households), index_texts([
        " ".join((draft.name, draft.street, draft.plz, draft.city, draft.district,
                  draft.quarter, *names.get(hid, []))) for hid, draft in households]),
        strict=True))
    if search_rows:
        first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM household_search"))
        with _trigger_suspended(db, "household_search_ai") as suspended:
            db.executemany("INSERT INTO household_search(household_id, text) VALUES (?, ?)",
                           search_rows)
            if suspended:  # index the batch in one statement, as the trigger would have
                db.execute("INSERT INTO household_fts(rowid, text) SELECT rowid, text "
                           "FROM household_search WHERE rowid > ?", (first,))

    db.executemany(
        "INSERT INTO changelog_rows (change_id, entity, entity_id, op, fields, hlc, actor, "
        "device, at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)", log_rows)
    if contacts:
        # Their inserts are logged by reference (storage.changelog): the row holds the
        # change id (the contact's), version, author, device and household; the log row
        # the time.
        if w.hlc.device != device:
            raise RuntimeError("the clock and the writer name different devices")
        if isinstance(contacts, EncodedContacts):
            _insert_contact_columns(db, contacts, list(islice(versions, len(contacts))),
                                    worker, device, stamp)
            return
        contact_log: list[tuple[object, ...]] = []
        _insert_contacts(db, contacts, done_follow_ups, versions, worker, device, stamp,
                         contact_log, index_forms or {})
        db.executemany("INSERT INTO changelog_rows (entity, entity_id, op, at) "
                       "VALUES ('contact', ?, 'insert', ?)", contact_log)


def _household_stats(contacts: EncodedContacts, in_batch: set[str],
                     last: dict[str, str], open_follow_ups: Counter[str]) -> None:
    """`insert_batch`'s last contact (as stored) and open follow-ups per household of the
    batch, from encoded columns (`EncodedContacts.latest`, `.open_follow_ups`)."""
    for hid, at in contacts.latest.items():
        if hid in in_batch and (hid not in last or at > last[hid]):
            last[hid] = at
    open_follow_ups.update({hid: n for hid, n in contacts.open_follow_ups.items()
                            if hid in in_batch})


class Memo(dict[Any, _V]):
    """A value computed once per distinct key, on first use (timestamps and the JSON of
    a contact's topics within one batch or load; the demo's note texts and times)."""

    def __init__(self, compute: Callable[[Any], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> _V:
        value = self[key] = self.compute(key)
        return value


def _utc_text(moment: datetime) -> str:
    """`to_utc_iso`, in half the time: from the year 1000 on, the UTC time's ISO form is
    the same text (a million contact times in a demo)."""
    if moment.tzinfo is None:
        return to_utc_iso(moment)  # refuses it
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return to_utc_iso(moment)
    return utc.isoformat(timespec="microseconds")[:26] + "Z"


def _present_json(ids: tuple[str, ...]) -> str:
    return json.dumps(list(ids))


def _topics_json(topics: tuple[str, ...]) -> str:
    return json.dumps(list(topics), ensure_ascii=False)


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
    utc = Memo(_utc_text)
    present_json = Memo(_present_json)
    topics_json = Memo(_topics_json)
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
        present = present_json[cdraft.persons_present]
        topics = topics_json[cdraft.topics]
        follow_up = cdraft.follow_up.isoformat() if cdraft.follow_up else None
        rows.append((rid, cid, keys.household[hid], occurred, cdraft.duration_min,
                     cdraft.type.value, present, topics, cdraft.next_steps,
                     _NULL if follow_up is None else follow_up, int(cid in done_follow_ups),
                     occurred, keys.worker, clock, keys.device))
        facts.append((hid, occurred, cdraft.type.value))
        log_rows.append((cid, stamp))
        for seq, note in enumerate(cdraft.notes):
            rowid += 1
            note_rows.append((rowid, rid, seq, note.kind.value, note.source, note.text,
                              int(note.disputed)))
            note_texts.append(note.text)
    with report_facts.bulk_contacts(db, facts):
        db.executemany(_INSERT_CONTACT, rows)
    with _trigger_suspended(db, "contact_notes_ai") as suspended:
        db.executemany(
            "INSERT INTO contact_notes (rowid, contact, seq, kind, source, text, disputed) "
            "VALUES (?,?,?,?,?,?,?)", note_rows)
        if suspended:
            db.executemany("INSERT INTO note_fts(rowid, text) VALUES (?, ?)",
                           list(zip((r[0] for r in note_rows),
                                    _index_forms(note_texts, index_forms), strict=True)))


def _index_forms(texts: list[str], known: Mapping[str, str]) -> list[str]:
    if not known:
        return index_texts(texts)
    try:
        return list(map(known.__getitem__, texts))  # demo notes: all known
    except KeyError:
        pass
    missing = [t for t in texts if t not in known]
    folded = dict(zip(missing, index_texts(missing), strict=True))
    return [known[t] if t in known else folded[t] for t in texts]


def _insert_contact_columns(db: Database, c: EncodedContacts, versions: list[str],
                            worker: str, device: str, stamp: str) -> None:
    """`_insert_contacts` for encoded columns: the same rows, built by zipping columns,
    the notes' rowids after the highest one."""
    n = len(c.ids)
    occurred = c.occurred_at
    keys = _ContactKeys(db, set(c.household_ids), worker, device, n)
    rows = list(zip(
        keys.rids, c.ids, map(keys.household.__getitem__, c.household_ids), occurred,
        c.duration_min, c.type, c.persons_present, c.topics, c.next_steps, c.follow_up,
        c.follow_up_done, occurred, repeat(keys.worker, n), keys.clocks(versions),
        repeat(keys.device, n), strict=True))
    with report_facts.bulk_contacts(db, c.facts):
        db.executemany(_INSERT_CONTACT, rows)
    del rows
    first = int(db.scalar("SELECT COALESCE(max(rowid), 0) FROM contact_notes")) + 1
    rowids = range(first, first + n)
    with _trigger_suspended(db, "contact_notes_ai") as suspended:
        db.executemany(
            "INSERT INTO contact_notes (rowid, contact, seq, kind, source, text, disputed) "
            "VALUES (?,?,?,?,?,?,?)",
            list(zip(rowids, keys.rids, repeat(0, n), c.note_kind, c.note_source, c.note_text,
                     c.note_disputed, strict=True)))
        if suspended:
            db.executemany("INSERT INTO note_fts(rowid, text) VALUES (?, ?)",
                           list(zip(rowids, c.index_forms, strict=True)))
    db.executemany("INSERT INTO changelog_rows (entity, entity_id, op, at) "
                   "VALUES ('contact', ?, 'insert', ?)",
                   list(zip(c.ids, repeat(stamp, n), strict=True)))


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
