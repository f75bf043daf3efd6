"""Goals, goal entries and Hilfeplan minutes (migration m0072)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from casework.clock import from_utc_iso
from casework.models.goals import (
    EntryKind,
    Goal,
    GoalDraft,
    GoalEntry,
    GoalState,
    HilfeplanMeeting,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _values(d: GoalDraft) -> dict[str, Any]:
    return {"household_id": d.household_id, "what": d.what, "measure": d.measure,
            "due_on": _iso(d.due_on), "responsibilities": d.responsibilities,
            "person_ids": json.dumps(list(d.person_ids)), "review_on": _iso(d.review_on),
            "procedure_id": d.procedure_id}


def insert_goal(w: RecordWriter, draft: GoalDraft) -> str:
    return w.insert("goals", "goal", {**_values(draft), "state": GoalState.OFFEN.value},
                    scope_id=draft.household_id)


def _current(db: Database, goal_id: str) -> dict[str, Any]:
    row = db.query_one("SELECT * FROM goals WHERE id = ?", (goal_id,))
    if row is None:
        raise LookupError(goal_id)
    return dict(row)


def update_goal(w: RecordWriter, goal_id: str, draft: GoalDraft) -> bool:
    return w.update("goals", "goal", goal_id, _values(draft), scope_id=draft.household_id,
                    current=_current(w.db, goal_id))


def set_state(w: RecordWriter, goal: Goal, state: GoalState) -> None:
    w.update("goals", "goal", goal.id, {"state": state.value},
             scope_id=goal.data.household_id, current=_current(w.db, goal.id))


def insert_entry(w: RecordWriter, goal: Goal, kind: EntryKind, on: date, text: str,
                 rating: int | None, state: GoalState | None,
                 next_review_on: date | None) -> str:
    return w.insert("goal_entries", "goal_entry", {
        "goal_id": goal.id, "household_id": goal.data.household_id, "kind": kind.value,
        "on_date": on.isoformat(), "text": text, "rating": rating,
        "state": state.value if state else "", "next_review_on": _iso(next_review_on)},
        scope_id=goal.data.household_id)


def _entry(r: Row) -> GoalEntry:
    return GoalEntry(r["id"], r["goal_id"], EntryKind(r["kind"]), date.fromisoformat(r["on_date"]),
                     r["text"], r["rating"], GoalState(r["state"]) if r["state"] else None,
                     _d(r["next_review_on"]), from_utc_iso(r["created_at"]), r["by_name"] or "")


def _goal(r: Row, entries: Sequence[GoalEntry]) -> Goal:
    draft = GoalDraft(r["household_id"], r["what"], r["measure"], _d(r["due_on"]),
                      r["responsibilities"], tuple(json.loads(r["person_ids"])),
                      _d(r["review_on"]), r["procedure_id"])
    return Goal(r["id"], draft, GoalState(r["state"]), from_utc_iso(r["created_at"]),
                tuple(entries))


def _load(db: Database, where: str, params: Sequence[Any]) -> list[Goal]:
    rows = db.query(f"SELECT * FROM goals WHERE deleted = 0 AND {where} "
                    "ORDER BY created_at, id", params)
    if not rows:
        return []
    ids = [str(r["id"]) for r in rows]
    entries: dict[str, list[GoalEntry]] = {i: [] for i in ids}
    for start in range(0, len(ids), 400):
        part = ids[start:start + 400]
        marks = ",".join("?" for _ in part)
        for e in db.query("SELECT e.*, w.name AS by_name FROM goal_entries e "
                          "LEFT JOIN workers w ON w.id = e.created_by "
                          f"WHERE e.deleted = 0 AND e.goal_id IN ({marks}) ORDER BY e.version",
                          part):
            entries[e["goal_id"]].append(_entry(e))
    return [_goal(r, entries[r["id"]]) for r in rows]


def get_goal(db: Database, goal_id: str) -> Goal | None:
    found = _load(db, "id = ?", (goal_id,))
    return found[0] if found else None


def goals_of(db: Database, household_id: str) -> list[Goal]:
    return _load(db, "household_id = ?", (household_id,))


def open_goals_of_running_households(db: Database) -> list[tuple[Goal, str, str | None]]:
    """Open goals of households not closed, with the household name and worker."""
    rows = db.query("SELECT g.id, h.name, h.assigned_worker_id FROM goals g "
                    "JOIN households h ON h.id = g.household_id AND h.deleted = 0 "
                    "AND h.status <> 'abgeschlossen' WHERE g.deleted = 0 AND g.state = ?",
                    (GoalState.OFFEN.value,))
    meta = {str(r[0]): (str(r[1]), r[2]) for r in rows}
    goals = _load(db, "state = ?", (GoalState.OFFEN.value,)) if meta else []
    return [(g, *meta[g.id]) for g in goals if g.id in meta]


def insert_meeting(w: RecordWriter, household_id: str, on: date, participants: str,
                   notes: str, not_smart: Sequence[tuple[str, Sequence[str]]]) -> str:
    return w.insert("hilfeplan_meetings", "hilfeplan_meeting", {
        "household_id": household_id, "on_date": on.isoformat(), "participants": participants,
        "minutes": notes,
        "not_smart": json.dumps([[t, list(g)] for t, g in not_smart], ensure_ascii=False)},
        scope_id=household_id)


def meetings_of(db: Database, household_id: str) -> list[HilfeplanMeeting]:
    """Newest first."""
    return [HilfeplanMeeting(
        r["id"], r["household_id"], date.fromisoformat(r["on_date"]), r["participants"],
        r["minutes"], tuple((str(t), tuple(g)) for t, g in json.loads(r["not_smart"])),
        from_utc_iso(r["created_at"]), r["by_name"] or "")
        for r in db.query("SELECT m.*, w.name AS by_name FROM hilfeplan_meetings m "
                          "LEFT JOIN workers w ON w.id = m.created_by "
                          "WHERE m.household_id = ? AND m.deleted = 0 "
                          "ORDER BY m.on_date DESC, m.version DESC", (household_id,))]
