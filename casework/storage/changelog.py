"""Hybrid logical clock, the change log and the generic record writer.

Every mutation goes through `RecordWriter`, which writes the row and its change-log row in
the caller's transaction, so history and the sync outbox can never drift from the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casework.clock import Clock, to_utc_iso
from casework.models.history import HistoryEntry
from casework.models.ids import new_id
from casework.storage.db import Database

_IDENT_OK = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


def _ident(name: str) -> str:
    """Table/column names come from our own code, never from users; check anyway."""
    if not name or set(name) - _IDENT_OK:
        raise ValueError(f"bad identifier {name!r}")
    return name


class Hlc:
    """Hybrid logical clock: 'millis.counter.device', sortable as text.

    Monotonic per device even if the wall clock steps back; `observe` folds in remote
    versions during sync so causally later edits always sort later.
    """

    def __init__(self, device: str, last: str | None = None) -> None:
        self.device = device
        self._ms = 0
        self._counter = 0
        if last:
            self.observe(last)

    def tick(self, clock: Clock) -> str:
        now_ms = int(clock.now().timestamp() * 1000)
        if now_ms > self._ms:
            self._ms, self._counter = now_ms, 0
        else:
            self._counter += 1
        return f"{self._ms:013d}.{self._counter:06d}.{self.device}"

    def ticks(self, clock: Clock, count: int, *, clock_only: bool = False) -> list[str]:
        """`count` successive versions, as `count` calls of `tick` in the same millisecond
        would give (bulk writes: one clock read instead of one per row). `clock_only`:
        without their device part ('millis.counter'), as a contact row stores them."""
        if count <= 0:
            return []
        first = self.tick(clock)
        if clock_only:
            first = first[: -len(self.device) - 1]
        start = self._counter
        self._counter += count - 1
        # One format for the batch: half the time of an f-string per row.
        version = f"{self._ms:013d}.%06d" + ("" if clock_only else f".{self.device}")
        return [first, *map(version.__mod__, range(start + 1, start + count))]

    def observe(self, version: str) -> None:
        ms_text, counter_text, _ = version.split(".", 2)
        ms, counter = int(ms_text), int(counter_text)
        if (ms, counter) > (self._ms, self._counter):
            self._ms, self._counter = ms, counter


# A contact's insert is logged as a reference to its row (issue 23: the log repeated
# every contact, ~40 % of the vault): its `fields` read `CONTACT_IN_ROW`, and whoever reads
# log rows gets them back whole through `expand_fields` (the push, the history), built from
# `contacts` and `contact_notes`.
#
# Storage (migration 57): the log is stored in `changelog_rows` and read through the view
# `changelog`. A contact insert's row stores only what the contact row cannot say: its
# `fields` are NULL ("as in the row"), and so is each of change id, version, author,
# device, time and household that equals the contact's id, `version`, `created_by`, the
# version's device, `created_at` and `household_id` — the view fills them in
# (`VIEW_SQL`). Before anything changes the contact or its notes, or deletes either,
# triggers write what the row still says into the log row (`stamp_sql`,
# `keep_original_sql`), whichever code path makes the change, so the log always says
# what was first written. The one change no trigger sees is a note added to a contact
# without notes (a correction): `keep_original_notes`.
CONTACT_IN_ROW = '{"=":"contacts"}'
# Where the log is stored (written, updated, deleted); `changelog` is the view to read.
ROWS = "changelog_rows"
# The form before migration 8: the contact's values in the row, only the notes' text by
# reference (migration 6); rows whose contact changed since keep it.
NOTES_IN_ROW = "=contact_notes"
# The columns a contact insert logs (besides its notes), as `storage.contacts` writes them.
# Fixed: rows already referring to their contact would otherwise claim a field their
# insert never had. A column added later is logged next to the reference
# (`expand_fields` keeps such keys) and gets its own trigger handling.
CONTACT_LOGGED = ("duration_min", "follow_up", "household_id", "next_steps", "occurred_at",
                  "persons_present", "topics", "type")
_LOGGED_ORDER = tuple(sorted((*CONTACT_LOGGED, "notes")))


def notes_of_sql(contact_id: str, keyed: bool = True) -> str:
    """SQL condition on `contact_notes` for the notes of the contact whose id is the SQL
    expression `contact_id`: through its integer key (storage/contact_rows.py); by the id
    itself before migration 81 (`keyed=False`, for the migrations before it)."""
    if keyed:
        return f"contact = (SELECT rid FROM contact_rows WHERE id = {contact_id})"
    return f"contact_id = {contact_id}"


def notes_json_sql(contact_id: str, keyed: bool = True) -> str:
    """SQL for the notes of one contact as the per-row path logged them
    (`json.dumps(..., sort_keys=True)` of kind, text, source, disputed), built by SQLite
    from `contact_notes`; `contact_id` is an SQL expression."""
    return ("SELECT json_group_array(json(n) ORDER BY seq) FROM (SELECT seq, json_object("
            "'disputed', json(CASE WHEN disputed THEN 'true' ELSE 'false' END), 'kind', kind, "
            f"'source', source, 'text', text) AS n FROM contact_notes "
            f"WHERE {notes_of_sql(contact_id, keyed)})")


def contact_fields_sql(row: str, keyed: bool = True) -> str:
    """SQL for a contact insert's logged fields (keys sorted, as `json.dumps(...,
    sort_keys=True)` wrote them) from the contact row `row` (an alias or OLD of the view
    `contacts`) and its notes in `contact_notes`."""
    pairs = []
    for name in sorted((*CONTACT_LOGGED, "notes")):
        value = (f"json(({notes_json_sql(row + '.id', keyed)}))" if name == "notes"
                 else f"{row}.{name}")
        pairs.append(f"'{name}', {value}")
    return f"json_object({', '.join(pairs)})"


@dataclass(frozen=True, slots=True)
class Stored:
    """What compact log rows refer to, loaded for a batch of rows (`stored_fields`):
    contact id → the insert's fields (reference form), or → its notes (notes form)."""
    contacts: Mapping[str, dict[str, Any]]
    notes: Mapping[str, list[Any]]


def stored_fields(db: Database, rows: Iterable[Any]) -> Stored:
    """Load what the compact ones among these change-log rows (with entity, op,
    entity_id, fields) refer to, one query per 500 contacts."""
    whole: list[str] = []
    notes: list[str] = []
    for r in rows:
        if r["entity"] == "contact" and r["op"] == "insert":
            if r["fields"] == CONTACT_IN_ROW:
                whole.append(str(r["entity_id"]))
            elif NOTES_IN_ROW in r["fields"]:
                notes.append(str(r["entity_id"]))
    return Stored(stored_contacts(db, whole), stored_notes(db, notes))


def expand_fields(db: Database, entity: str, op: str, entity_id: str,
                  fields: dict[str, Any], stored: Stored | None = None) -> dict[str, Any]:
    """The logged fields as written: a contact insert's filled in from `contacts` and
    `contact_notes` (`stored`: preloaded by `stored_fields` for a batch of rows)."""
    if entity != "contact" or op != "insert":
        return fields
    if fields.get("=") == "contacts":
        found = stored.contacts.get(entity_id) if stored is not None else None
        if found is None:
            found = stored_contacts(db, [entity_id]).get(entity_id)
        if found is None:
            return fields
        return {**found, **{k: v for k, v in fields.items() if k != "="}}
    if fields.get("notes") == NOTES_IN_ROW:
        listed = stored.notes.get(entity_id) if stored is not None else None
        if listed is None:
            listed = stored_notes(db, [entity_id]).get(entity_id, [])
        return dict(fields, notes=listed)
    return fields


def stored_contacts(db: Database, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The insert fields of these contacts as logged (keys in order), from their rows;
    ids without a row are left out. The same values as `contact_fields_sql` builds in
    SQL for the triggers, built here in Python (a third of the time)."""
    ids = list(dict.fromkeys(contact_ids))
    found: dict[str, dict[str, Any]] = {}
    columns = ", ".join(f"c.{name}" for name in CONTACT_LOGGED)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = db.query(f"SELECT c.id, {columns} FROM contacts c "
                        "WHERE c.id IN (SELECT value FROM json_each(?))", (json.dumps(chunk),))
        notes = stored_notes(db, [str(r[0]) for r in rows])
        for r in rows:
            fields = dict(zip(CONTACT_LOGGED, tuple(r)[1:], strict=True))
            fields["notes"] = notes[str(r[0])]
            found[str(r[0])] = {k: fields[k] for k in _LOGGED_ORDER}
    return found


def stored_notes(db: Database, contact_ids: Iterable[str],
                 keyed: bool = True) -> dict[str, list[Any]]:
    """The notes of these contacts in change-log form, one query per 500 contacts
    (`keyed=False`: as stored before migration 81, for the migrations before it)."""
    ids = list(dict.fromkeys(contact_ids))
    found: dict[str, list[Any]] = {c: [] for c in ids}
    sql = ("SELECT k.id, n.kind, n.source, n.text, n.disputed FROM contact_rows k "
           "JOIN contact_notes n ON n.contact = k.rid WHERE k.id IN "
           "(SELECT value FROM json_each(?)) ORDER BY k.id, n.seq") if keyed else (
        "SELECT contact_id, kind, source, text, disputed FROM contact_notes WHERE "
        "contact_id IN (SELECT value FROM json_each(?)) ORDER BY contact_id, seq")
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.query(sql, (json.dumps(chunk),)):
            found[str(r[0])].append({"disputed": bool(r[4]), "kind": r[1], "source": r[2],
                                     "text": r[3]})
    return found


def version_device_sql(v: str) -> str:
    """SQL for the device of a version 'millis.counter.device' (`v`: an SQL expression;
    the counter may have more than six digits after a bulk write)."""
    return f"substr({v}, 15 + instr(substr({v}, 15), '.'))"


# The log as written (see above): what every reader selects from. The contact row is
# read from its table and keys (storage/contact_rows.py), not through the view
# `contacts`: SQLite cannot flatten a view with joins on the right of a LEFT JOIN.
VIEW_SQL = f"""CREATE VIEW changelog AS
SELECT l.seq, COALESCE(l.change_id, l.entity_id) AS change_id, l.entity, l.entity_id, l.op,
       COALESCE(l.fields, '{CONTACT_IN_ROW}') AS fields,
       COALESCE(l.hlc, c.clock || '.' || d.id) AS hlc, COALESCE(l.actor, a.id) AS actor,
       COALESCE(l.device, CASE WHEN l.hlc IS NULL THEN d.id
                               ELSE {version_device_sql('l.hlc')} END) AS device,
       COALESCE(l.at, c.created_at) AS at, COALESCE(l.scope_id, h.id) AS scope_id
FROM changelog_rows l LEFT JOIN contact_rows c ON l.fields IS NULL AND c.id = l.entity_id
LEFT JOIN id_keys d ON d.n = c.device LEFT JOIN id_keys a ON a.n = c.created_by
LEFT JOIN id_keys h ON h.n = c.household"""


def _stamped(c: str) -> str:
    """SET clauses that write into a referring log row the bookkeeping it takes from the
    contact row `c` (an alias or OLD)."""
    return (f"change_id = COALESCE(change_id, entity_id), hlc = COALESCE(hlc, {c}.version), "
            f"actor = COALESCE(actor, {c}.created_by), "
            f"device = COALESCE(device, {version_device_sql(f'COALESCE(hlc, {c}.version)')}), "
            f"at = COALESCE(at, {c}.created_at), scope_id = COALESCE(scope_id, {c}.household_id)")


def stamp_sql(keyed: bool = True) -> str:
    """Trigger SQL, before any update of a contact row (OLD): its insert's log row gets
    the bookkeeping values it took from the row (the version, say, changes now); its
    fields still refer to the row (the logged columns have triggers of their own). Since
    migration 81 the row's values are read through the view `contacts`."""
    if not keyed:
        return (f"UPDATE {ROWS} SET {_stamped('OLD')} WHERE entity_id = OLD.id "
                "AND entity = 'contact' AND op = 'insert' AND fields IS NULL AND "
                "(change_id IS NULL OR hlc IS NULL OR actor IS NULL OR device IS NULL "
                "OR at IS NULL OR scope_id IS NULL)")
    return (f"UPDATE {ROWS} SET {_stamped('c')} "
            "FROM (SELECT * FROM contacts WHERE id = OLD.id) AS c "
            f"WHERE {ROWS}.entity_id = OLD.id AND {ROWS}.entity = 'contact' "
            f"AND {ROWS}.op = 'insert' AND {ROWS}.fields IS NULL AND ("
            + " OR ".join(f"{ROWS}.{c} IS NULL"
                          for c in ("change_id", "hlc", "actor", "device", "at", "scope_id"))
            + ")")


def keep_original_sql(contact_id: str, keyed: bool = True) -> str:
    """SQL that writes a contact's current values into its insert's log row if that row
    still refers to them (`contact_id`: an SQL expression); the triggers of migration 57
    run the same."""
    return (f"UPDATE {ROWS} SET fields = {contact_fields_sql('c', keyed)}, {_stamped('c')} "
            f"FROM (SELECT * FROM contacts WHERE id = {contact_id}) AS c "
            f"WHERE {ROWS}.entity_id = {contact_id} AND {ROWS}.entity = 'contact' "
            f"AND {ROWS}.op = 'insert' AND {ROWS}.fields IS NULL")


def triggers_sql(keyed: bool = True) -> str:
    """The triggers that keep a referring log row true: before a contact row changes at
    all, its bookkeeping; before a logged value of it changes, or a note of it is changed
    or deleted, or the row is deleted, its values. In whichever order SQLite runs the two
    before an update, the log row ends the same. On `contact_rows` (migration 81) a
    logged value counts as changed only if it differs: the view `contacts` writes every
    column of the table on each update. `keyed=False`: the triggers of migration 57 on
    the table `contacts`, for that migration."""
    if keyed:
        table, note_of = "contact_rows", "(SELECT id FROM contact_rows WHERE rid = OLD.contact)"
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in (
            "household" if c == "household_id" else c for c in CONTACT_LOGGED))
        keep_update = f"UPDATE ON {table} WHEN {changed}"
    else:
        table, note_of = "contacts", "OLD.contact_id"
        keep_update = f"UPDATE OF {', '.join(CONTACT_LOGGED)} ON {table}"
    return f"""
CREATE TRIGGER contacts_log_stamp_bu BEFORE UPDATE ON {table} BEGIN
    {stamp_sql(keyed)};
END;
CREATE TRIGGER contacts_log_keep_au BEFORE {keep_update} BEGIN
    {keep_original_sql('OLD.id', keyed)};
END;
CREATE TRIGGER contacts_log_keep_ad BEFORE DELETE ON {table} BEGIN
    {keep_original_sql('OLD.id', keyed)};
END;
CREATE TRIGGER contact_notes_log_keep_au BEFORE UPDATE ON contact_notes BEGIN
    {keep_original_sql(note_of, keyed)};
END;
CREATE TRIGGER contact_notes_log_keep_ad BEFORE DELETE ON contact_notes BEGIN
    {keep_original_sql(note_of, keyed)};
END;
"""


def keep_original_notes(db: Database, contact_id: str) -> None:
    """Before a contact's notes are replaced (a correction): its insert's log row gets
    the values it refers to, which are still the original ones. Inside the caller's
    transaction. (Deleting a note triggers the same; adding the first note to a contact
    without notes deletes nothing, hence this call.)"""
    db.execute(keep_original_sql("?1"), (contact_id,))
    db.execute(
        f"UPDATE {ROWS} SET fields = json_set(fields, '$.notes', json(("
        + notes_json_sql("?1") + "))) WHERE entity_id = ?1 AND entity = 'contact' "
        "AND op = 'insert' AND json_extract(fields, '$.notes') = ?2", (contact_id, NOTES_IN_ROW))


def known_change_ids(db: Database, ids: Iterable[str]) -> set[str]:
    """Which of these change ids are in the log (a contact insert stored by reference has
    its contact's id as change id), 500 at a time, by index."""
    wanted = list(dict.fromkeys(ids))
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = json.dumps(wanted[start:start + 500])
        known.update(str(r[0]) for r in db.query(
            f"SELECT change_id FROM {ROWS} WHERE change_id IN (SELECT value FROM json_each(?1)) "
            f"UNION ALL SELECT entity_id FROM {ROWS} WHERE change_id IS NULL "
            "AND entity_id IN (SELECT value FROM json_each(?1))", (chunk,)))
    return known


def newest_version(db: Database) -> str | None:
    """The version of the last change-log row written (by any connection); max(hlc)
    would scan the whole log."""
    value = db.scalar("SELECT hlc FROM changelog ORDER BY seq DESC LIMIT 1")
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Actor:
    worker_id: str
    device: str


def _encode(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


class RecordWriter:
    """Writes rows with their bookkeeping columns and change-log entries."""

    def __init__(self, db: Database, clock: Clock, hlc: Hlc, actor: Actor) -> None:
        self.db = db
        self.clock = clock
        self.hlc = hlc
        self.actor = actor

    def _log(self, entity: str, entity_id: str, op: str, fields: Mapping[str, Any] | str,
             version: str, at: str, scope_id: str | None) -> None:
        """`fields`: the changed values, or the JSON text of a reference
        (`CONTACT_IN_ROW`)."""
        self.db.execute(
            f"INSERT INTO {ROWS} (change_id, entity, entity_id, op, fields, hlc, actor, "
            "device, at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (new_id(), entity, entity_id, op,
             fields if isinstance(fields, str) else
             json.dumps({k: _encode(v) for k, v in fields.items()}, ensure_ascii=False,
                        sort_keys=True),
             version, self.actor.worker_id, self.actor.device, at, scope_id),
        )

    def _log_contact_insert(self, contact_id: str, household_id: object,
                            scope_id: str | None) -> None:
        """A contact's insert, stored by reference: the row just written says the rest
        (its id is the change id; its version, author, creation time and household are
        the log's)."""
        device = None if self.hlc.device == self.actor.device else self.actor.device
        self.db.execute(
            f"INSERT INTO {ROWS} (entity, entity_id, op, device, scope_id) "
            "VALUES ('contact', ?, 'insert', ?, ?)",
            (contact_id, device, None if scope_id == household_id else scope_id))

    def insert(self, table: str, entity: str, values: Mapping[str, Any], *,
               record_id: str | None = None, scope_id: str | None = None,
               log_fields: Mapping[str, Any] | str | None = None) -> str:
        """Insert a row; `values` are column → DB value. Returns the id. `log_fields`:
        what the log row says instead of `values` (a JSON text is logged as it is)."""
        rid = record_id or new_id()
        at = to_utc_iso(self.clock.now())
        version = self.hlc.tick(self.clock)
        row = dict(values)
        row.update(id=rid, created_at=at, updated_at=at, created_by=self.actor.worker_id,
                   updated_by=self.actor.worker_id, version=version)
        cols = ", ".join(_ident(c) for c in row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"INSERT INTO {_ident(table)} ({cols}) VALUES ({marks})",
                        tuple(row.values()))
        if table == "contacts" and log_fields == CONTACT_IN_ROW:
            self._log_contact_insert(rid, values.get("household_id"), scope_id)
        else:
            self._log(entity, rid, "insert", log_fields if log_fields is not None else values,
                      version, at, scope_id)
        return rid

    def update(self, table: str, entity: str, record_id: str, values: Mapping[str, Any], *,
               scope_id: str | None = None, current: Mapping[str, Any] | None = None) -> bool:
        """Update changed columns only; returns False (and logs nothing) if nothing
        changed. `current` is the row as read in this transaction."""
        if current is not None:
            values = {k: v for k, v in values.items() if current[k] != v}
        if not values:
            return False
        self._require_live(table, record_id)
        at = to_utc_iso(self.clock.now())
        version = self.hlc.tick(self.clock)
        assignments = ", ".join(f"{_ident(c)} = ?" for c in values)
        self.db.execute(
            f"UPDATE {_ident(table)} SET {assignments}, updated_at = ?, updated_by = ?, "
            "version = ? WHERE id = ? AND deleted = 0",
            (*values.values(), at, self.actor.worker_id, version, record_id),
        )
        self._log(entity, record_id, "update", values, version, at, scope_id)
        return True

    def tombstone(self, table: str, entity: str, record_id: str, *,
                  scope_id: str | None = None) -> None:
        self._require_live(table, record_id)
        at = to_utc_iso(self.clock.now())
        version = self.hlc.tick(self.clock)
        self.db.execute(
            f"UPDATE {_ident(table)} SET deleted = 1, updated_at = ?, updated_by = ?, "
            "version = ? WHERE id = ? AND deleted = 0",
            (at, self.actor.worker_id, version, record_id),
        )
        self._log(entity, record_id, "delete", {}, version, at, scope_id)

    def _require_live(self, table: str, record_id: str) -> None:
        """Raise LookupError unless the record is there and not deleted. Asked before the
        write: a statement on a view (`contacts`, storage/contact_rows.py) reports no
        changed rows."""
        if self.db.scalar(f"SELECT 1 FROM {_ident(table)} WHERE id = ? AND deleted = 0",
                          (record_id,)) is None:
            raise LookupError(record_id)

    def log_only(self, entity: str, entity_id: str, op: str, fields: Mapping[str, Any], *,
                 scope_id: str | None = None) -> None:
        """Log a change of a row written by hand (bulk paths, child tables)."""
        at = to_utc_iso(self.clock.now())
        self._log(entity, entity_id, op, fields, self.hlc.tick(self.clock), at, scope_id)


def history(db: Database, *, scope_id: str | None = None,
            entity_ids: Iterable[str] = (), limit: int = 500) -> list[HistoryEntry]:
    """Newest first. `scope_id` selects everything logged under a household."""
    clauses: list[str] = []
    params: list[Any] = []
    if scope_id is not None:
        # by index: a contact insert stored by reference takes its scope from the contact
        clauses.append(f"c.seq IN (SELECT seq FROM {ROWS} WHERE scope_id = ? UNION ALL "
                       f"SELECT r.seq FROM contacts k JOIN {ROWS} r ON r.entity_id = k.id "
                       "WHERE k.household_id = ? AND r.scope_id IS NULL)")
        params += [scope_id, scope_id]
    ids = list(entity_ids)
    if ids:
        clauses.append(f"c.entity_id IN ({','.join('?' for _ in ids)})")
        params.extend(ids)
    where = " OR ".join(clauses) if clauses else "1"
    rows = db.query(
        "SELECT c.seq, c.at, c.actor, COALESCE(w.name, '') AS actor_name, c.entity, "
        "c.entity_id, c.op, c.fields FROM changelog c LEFT JOIN workers w ON w.id = c.actor "
        f"WHERE {where} ORDER BY c.seq DESC LIMIT ?",
        (*params, limit),
    )
    stored = stored_fields(db, rows)
    return [
        HistoryEntry(r["seq"], r["at"], r["actor"], r["actor_name"], r["entity"],
                     r["entity_id"], r["op"],
                     expand_fields(db, r["entity"], r["op"], r["entity_id"],
                                   json.loads(r["fields"]), stored))
        for r in rows
    ]
