"""Bulk insertion for demo data and imports: the same rows, search entries and change-log
rows as the per-record path, written with executemany in large transactions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from casework.clock import to_utc_iso
from casework.models.contact import ContactDraft
from casework.models.household import HouseholdDraft
from casework.models.ids import new_id
from casework.models.person import PersonDraft
from casework.models.text import fold_words
from casework.storage.changelog import RecordWriter
from casework.storage.households import household_values, person_values

HouseholdRow = tuple[str, HouseholdDraft]
PersonRow = tuple[str, str, PersonDraft]
ContactRow = tuple[str, str, ContactDraft]


def insert_batch(w: RecordWriter, households: Sequence[HouseholdRow],
                 persons: Sequence[PersonRow], contacts: Sequence[ContactRow],
                 created_at: datetime | None = None) -> None:
    """Insert one batch inside the caller's transaction. Contacts should come in
    chronological order so note search returns newest first by rowid."""
    db = w.db
    actor = w.actor
    stamp = to_utc_iso(created_at or w.clock.now())
    log_rows: list[tuple[object, ...]] = []

    def log(entity: str, rid: str, fields: dict[str, object], version: str, scope: str) -> None:
        log_rows.append((new_id(), entity, rid, "insert",
                         json.dumps(fields, ensure_ascii=False, sort_keys=True), version,
                         actor.worker_id, actor.device, stamp, scope))

    rows = []
    for hid, draft in households:
        values = household_values(draft)
        version = w.hlc.tick(w.clock)
        rows.append((hid, *values.values(), stamp, stamp, actor.worker_id, actor.worker_id,
                     version))
        log("household", hid, {k: v for k, v in values.items() if k != "sort_name"}, version,
            hid)
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
        version = w.hlc.tick(w.clock)
        rows.append((pid, hid, *values.values(), stamp, stamp, actor.worker_id,
                     actor.worker_id, version))
        log("person", pid, {"household_id": hid, **values}, version, hid)
        names.setdefault(hid, []).extend((pdraft.first_name, pdraft.last_name))
    if rows:
        cols = list(person_values(persons[0][2]))
        db.executemany(
            f"INSERT INTO persons (id, household_id, {', '.join(cols)}, created_at, "
            f"updated_at, created_by, updated_by, version) "
            f"VALUES ({','.join('?' * (len(cols) + 7))})",
            rows)

    search_rows = []
    for hid, draft in households:
        parts = [draft.name, draft.street, draft.plz, draft.city, draft.district, draft.quarter,
                 *names.get(hid, [])]
        search_rows.append((hid, " ".join(fold_words(" ".join(parts)))))
    db.executemany("INSERT INTO household_search(household_id, text) VALUES (?, ?)", search_rows)

    contact_rows = []
    note_rows = []
    for cid, hid, cdraft in contacts:
        version = w.hlc.tick(w.clock)
        occurred = to_utc_iso(cdraft.occurred_at)
        contact_values = (hid, occurred, cdraft.duration_min, cdraft.type.value,
                  json.dumps(list(cdraft.persons_present)),
                  json.dumps(list(cdraft.topics), ensure_ascii=False), cdraft.next_steps,
                  cdraft.follow_up.isoformat() if cdraft.follow_up else None)
        contact_rows.append((cid, *contact_values, occurred, occurred, actor.worker_id,
                             actor.worker_id, version))
        log("contact", cid, {"household_id": hid, "occurred_at": occurred,
                             "type": cdraft.type.value, "duration_min": cdraft.duration_min,
                             "notes": [{"kind": n.kind.value, "text": n.text,
                                        "source": n.source, "disputed": n.disputed}
                                       for n in cdraft.notes]},
            version, hid)
        for seq, note in enumerate(cdraft.notes):
            note_rows.append((cid, hid, seq, note.kind.value, note.source, note.text,
                              int(note.disputed)))
    if contact_rows:
        db.executemany(
            "INSERT INTO contacts (id, household_id, occurred_at, duration_min, type, "
            "persons_present, topics, next_steps, follow_up, created_at, updated_at, "
            "created_by, updated_by, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            contact_rows)
        db.executemany(
            "INSERT INTO contact_notes (contact_id, household_id, seq, kind, source, text, "
            "disputed) VALUES (?,?,?,?,?,?,?)", note_rows)
    db.executemany(
        "INSERT INTO changelog (change_id, entity, entity_id, op, fields, hlc, actor, device, "
        "at, scope_id) VALUES (?,?,?,?,?,?,?,?,?,?)", log_rows)


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
