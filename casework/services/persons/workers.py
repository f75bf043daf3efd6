"""Worker profiles."""

from __future__ import annotations

from casework.errors import NotFound
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.models.persons.worker import Worker, WorkerDraft
from casework.services.session import Session
from casework.storage import persons as store


def create(session: Session, draft: WorkerDraft) -> tuple[WorkerId, Changes]:
    clean = draft.validated()
    with session.db.transaction():
        wid = store.insert_worker(session.writer(), clean)
    return wid, Changes.of("worker", wid)


def update(session: Session, worker_id: WorkerId, draft: WorkerDraft) -> Changes:
    clean = draft.validated()
    with session.db.transaction():
        worker = get(session, worker_id)
        changed = store.update_worker(session.writer(), worker, clean)
    return Changes.of("worker", worker_id) if changed else Changes()


def get(session: Session, worker_id: str) -> Worker:
    worker = store.get_worker(session.db, worker_id)
    if worker is None:
        raise NotFound("Die Mitarbeiterin / der Mitarbeiter")
    return worker


def all_workers(session: Session) -> list[Worker]:
    return store.list_workers(session.db)
