"""Worker rows."""

from __future__ import annotations

from casework.models.ids import WorkerId
from casework.models.persons.worker import Worker, WorkerDraft, WorkerRole
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _from_row(r: Row) -> Worker:
    return Worker(WorkerId(r["id"]),
                  WorkerDraft(r["name"], WorkerRole(r["role"]), r["team"], float(r["fte"])),
                  r["created_at"], r["version"])


def get_worker(db: Database, worker_id: str) -> Worker | None:
    row = db.query_one("SELECT * FROM workers WHERE id = ? AND deleted = 0", (worker_id,))
    return None if row is None else _from_row(row)


def list_workers(db: Database) -> list[Worker]:
    return [_from_row(r) for r in db.query("SELECT * FROM workers WHERE deleted = 0 ORDER BY name")]


def insert_worker(w: RecordWriter, draft: WorkerDraft, worker_id: str | None = None) -> WorkerId:
    """`worker_id`: an id chosen beforehand (a key slot derived for it already)."""
    return WorkerId(w.insert("workers", "worker", {"name": draft.name, "role": draft.role.value,
                                                    "team": draft.team, "fte": draft.fte},
                             record_id=worker_id))


def update_worker(w: RecordWriter, worker: Worker, draft: WorkerDraft) -> bool:
    current = w.db.query_one("SELECT * FROM workers WHERE id = ?", (worker.id,))
    assert current is not None
    return w.update("workers", "worker", worker.id,
                    {"name": draft.name, "role": draft.role.value, "team": draft.team,
                     "fte": draft.fte}, current=dict(current))
