"""Rows of the § 72a register (migration m0080). Every change-log row of a person's
register entry carries her id as `scope_id`, so her history reads by scope and the
real deletion removes it with the rows (`purge`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from casework.models.ids import new_id
from casework.models.vetting.register import (
    Activity,
    ActivityDraft,
    Decision,
    Indication,
    Inspection,
    InspectionDraft,
    Member,
    MemberDraft,
    MemberFile,
)
from casework.models.vetting.scheme import Answers, Engagement
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row
from casework.storage.privacy.retention import add_journal

TABLES = ("vetting_indications", "vetting_inspections", "vetting_activities", "vetting_staff")
# Deletion-journal entities (ids only): a restored older backup deletes them again (LR-37).
JOURNAL_ENTRY = "vetting_staff"  # the whole register entry of a person
JOURNAL_RECORDS = "vetting_records"  # her inspections and indications only


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _current(db: Database, table: str, record_id: str) -> dict[str, Any]:
    row = db.query_one(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
    if row is None:
        raise LookupError(record_id)
    return dict(row)


# --- persons --------------------------------------------------------------------------------


def _member_values(d: MemberDraft) -> dict[str, Any]:
    return {"name": d.name, "engagement": d.engagement.value, "adult_on": _iso(d.adult_on)}


def insert_member(w: RecordWriter, draft: MemberDraft) -> str:
    member_id = new_id()
    w.insert("vetting_staff", "vetting_staff", _member_values(draft), record_id=member_id,
             scope_id=member_id)
    return member_id


def update_member(w: RecordWriter, member_id: str, draft: MemberDraft) -> bool:
    return w.update("vetting_staff", "vetting_staff", member_id, _member_values(draft),
                    scope_id=member_id, current=_current(w.db, "vetting_staff", member_id))


def _member(r: Row) -> Member:
    return Member(r["id"], MemberDraft(r["name"], Engagement(r["engagement"]),
                                       _day(r["adult_on"])))


def get_member(db: Database, member_id: str) -> Member | None:
    row = db.query_one("SELECT * FROM vetting_staff WHERE id = ? AND deleted = 0", (member_id,))
    return None if row is None else _member(row)


def members(db: Database) -> list[Member]:
    return [_member(r) for r in db.query(
        "SELECT * FROM vetting_staff WHERE deleted = 0 ORDER BY name COLLATE NOCASE, id")]


# --- activities -----------------------------------------------------------------------------


def _activity_values(d: ActivityDraft) -> dict[str, Any]:
    a = d.answers
    return {"staff_id": d.member_id, "title": d.title, "starts_on": d.starts_on.isoformat(),
            "ends_on": _iso(d.ends_on), "children_contact": int(a.children_contact),
            "ratings": json.dumps(dict(a.ratings), sort_keys=True),
            "triggers": json.dumps(list(a.triggers)), "waivers": json.dumps(list(a.waivers)),
            "decision": d.decision.value, "decision_reason": d.decision_reason}


def insert_activity(w: RecordWriter, draft: ActivityDraft) -> str:
    return w.insert("vetting_activities", "vetting_activity", _activity_values(draft),
                    scope_id=draft.member_id)


def update_activity(w: RecordWriter, activity_id: str, draft: ActivityDraft) -> bool:
    return w.update("vetting_activities", "vetting_activity", activity_id,
                    _activity_values(draft), scope_id=draft.member_id,
                    current=_current(w.db, "vetting_activities", activity_id))


def _activity(r: Row) -> Activity:
    answers = Answers(bool(r["children_contact"]),
                      tuple(sorted(json.loads(r["ratings"]).items())),
                      tuple(json.loads(r["triggers"])), tuple(json.loads(r["waivers"])))
    start = _day(r["starts_on"])
    assert start is not None
    return Activity(r["id"], ActivityDraft(r["staff_id"], r["title"], start, answers,
                                           _day(r["ends_on"]), Decision(r["decision"]),
                                           r["decision_reason"]))


def get_activity(db: Database, activity_id: str) -> Activity | None:
    row = db.query_one("SELECT * FROM vetting_activities WHERE id = ? AND deleted = 0",
                       (activity_id,))
    return None if row is None else _activity(row)


# --- inspections and indications ------------------------------------------------------------


def insert_inspection(w: RecordWriter, draft: InspectionDraft) -> str:
    return w.insert("vetting_inspections", "vetting_inspection", {
        "staff_id": draft.member_id, "inspected_on": draft.inspected_on.isoformat(),
        "certificate_date": draft.certificate_date.isoformat(),
        "relevant_entry": int(draft.relevant_entry)},
        scope_id=draft.member_id)


def insert_indication(w: RecordWriter, member_id: str, requested_on: date) -> str:
    return w.insert("vetting_indications", "vetting_indication",
                    {"staff_id": member_id, "requested_on": requested_on.isoformat()},
                    scope_id=member_id)


def _inspection(r: Row) -> Inspection:
    inspected, certificate = _day(r["inspected_on"]), _day(r["certificate_date"])
    assert inspected is not None and certificate is not None
    return Inspection(r["id"], InspectionDraft(r["staff_id"], inspected, certificate,
                                               bool(r["relevant_entry"])), r["created_by"])


# --- whole files ----------------------------------------------------------------------------


def files(db: Database, member_ids: Sequence[str] | None = None) -> list[MemberFile]:
    """Each person with her activities, inspections and indications (by name)."""
    people = members(db)
    if member_ids is not None:
        wanted = set(member_ids)
        people = [m for m in people if m.id in wanted]
    by_id: dict[str, tuple[list[Activity], list[Inspection], list[Indication]]] = {
        m.id: ([], [], []) for m in people}
    for r in db.query("SELECT * FROM vetting_activities WHERE deleted = 0 "
                      "ORDER BY starts_on, created_at, id"):
        if r["staff_id"] in by_id:
            by_id[r["staff_id"]][0].append(_activity(r))
    for r in db.query("SELECT * FROM vetting_inspections WHERE deleted = 0 "
                      "ORDER BY inspected_on, created_at, id"):
        if r["staff_id"] in by_id:
            by_id[r["staff_id"]][1].append(_inspection(r))
    for r in db.query("SELECT * FROM vetting_indications WHERE deleted = 0 "
                      "ORDER BY requested_on, created_at, id"):
        if r["staff_id"] in by_id:
            by_id[r["staff_id"]][2].append(Indication(r["id"], r["staff_id"],
                                                      date.fromisoformat(r["requested_on"])))
    return [MemberFile(m, tuple(by_id[m.id][0]), tuple(by_id[m.id][1]), tuple(by_id[m.id][2]))
            for m in people]


def _marks(values: Sequence[str]) -> str:
    return ",".join("?" for _ in values)


def purge(db: Database, member_id: str, *, whole_entry: bool, at: str | None = None
          ) -> dict[str, int]:
    """Delete for real (no tombstone) the inspections and indications of a person, and
    with `whole_entry` also her activities and the person; their change-log rows go too
    (they hold the same values). With `at` the deletion is journaled (id and time), so a
    restore of an older backup repeats it. Runs in the caller's transaction."""
    counts: dict[str, int] = {}
    ids: list[str] = []
    tables = TABLES if whole_entry else TABLES[:2]
    for table in tables:
        column = "id" if table == "vetting_staff" else "staff_id"
        rows = [str(r[0]) for r in db.query(f"SELECT id FROM {table} WHERE {column} = ?",
                                            (member_id,))]
        ids.extend(rows)
        counts[table] = db.execute(f"DELETE FROM {table} WHERE {column} = ?", (member_id,))
    counts["changelog"] = _delete_log(db, ids)
    if at is not None:
        add_journal(db, JOURNAL_ENTRY if whole_entry else JOURNAL_RECORDS, member_id, None, at)
    return counts


def remaining(db: Database, member_id: str, *, whole_entry: bool) -> int:
    """Rows a journaled deletion would remove (0: nothing has reappeared)."""
    tables = TABLES if whole_entry else TABLES[:2]
    return sum(int(db.scalar(
        f"SELECT count(*) FROM {table} WHERE {'id' if table == 'vetting_staff' else 'staff_id'}"
        " = ?", (member_id,))) for table in tables)


def _delete_log(db: Database, entity_ids: Iterable[str]) -> int:
    ids = list(entity_ids)
    deleted = 0
    for start in range(0, len(ids), 400):
        chunk = ids[start:start + 400]
        deleted += db.execute(f"DELETE FROM changelog_rows WHERE entity_id IN ({_marks(chunk)})",
                              chunk)
    return deleted
