"""Worker profiles."""

from __future__ import annotations

from casework.errors import NotFound, PermissionDenied
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.models.persons.worker import Worker, WorkerDraft, WorkerRole
from casework.services.session import Session
from casework.storage import persons as store
from casework.storage import signatures as person_store


def create(session: Session, draft: WorkerDraft) -> tuple[WorkerId, Changes]:
    """A worker profile without a key slot (Admin only): it cannot unlock, sign or act
    until an Admin gives the person a passphrase (`services.persons.set_passphrase`).
    People are added with `services.persons.add_person`."""
    session.require_role(WorkerRole.ADMIN)
    clean = draft.validated()
    with session.db.transaction():
        wid = store.insert_worker(session.writer(), clean)
        person_store.set_roles(session.db, wid, (clean.role,))
    return wid, Changes.of("worker", wid)


def update(session: Session, worker_id: WorkerId, draft: WorkerDraft) -> Changes:
    """Name, team and share of a profile. Roles change only through
    `services.persons.set_roles` (Admin, re-authenticated, signed)."""
    clean = draft.validated()
    with session.db.transaction():
        worker = get(session, worker_id)
        if clean.role is not worker.data.role:
            raise PermissionDenied("Rollen ändert eine Person mit Admin-Rolle unter "
                                   "Einstellungen → Personen (mit Passphrase).")
        if worker_id != session.actor_id:  # team and share of others: Leitung or Admin
            session.require_role(WorkerRole.ADMIN, WorkerRole.LEITUNG)
        changed = store.update_worker(session.writer(), worker, clean)
    return Changes.of("worker", worker_id) if changed else Changes()


def get(session: Session, worker_id: str) -> Worker:
    worker = store.get_worker(session.db, worker_id)
    if worker is None:
        raise NotFound("Die Mitarbeiterin / der Mitarbeiter")
    return worker


def all_workers(session: Session) -> list[Worker]:
    return store.list_workers(session.db)
