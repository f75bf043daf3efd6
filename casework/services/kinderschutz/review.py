"""Leitung review queue for § 8a steps (Fachaufsicht, four-eyes principle).

Steps that need the Leitung (entering "gewichtige Anhaltspunkte", the acute path, the
result, a "nicht erfolgt" involvement, informing the Jugendamt, closing) create a review
item in the same transaction (`casework.services.kinderschutz.procedures` calls `ensure_item`). The
Leitung approves or returns with a comment. An approval stores the sha256 of the canonical
JSON of exactly the content it saw, so it goes stale ("veraltet") when that content changes
and the item reappears in the queue. Nobody approves their own entry.

On one shared vault the workers switch with `session.act_as`; across devices the same rows
travel through the team hub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.models.changes import Changes
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.kinderschutz.review import (
    OPEN_STATUSES,
    QUEUE_STATUSES,
    Decision,
    ReviewDecision,
    ReviewItem,
    ReviewKind,
    ReviewStatus,
    handed_over_hashes,
    status_of,
    subject_of,
)
from casework.models.kinderschutz.vocabulary import EntryKind
from casework.models.persons.worker import WorkerRole
from casework.services.session import Session

if TYPE_CHECKING:
    from casework.services.persons import Authorization
from casework.storage import households as household_store
from casework.storage import kinderschutz as store
from casework.storage import persons as worker_store

MAX_COMMENT = 4000


@dataclass(frozen=True, slots=True)
class ReviewView:
    """A review item as a screen shows it."""

    item: ReviewItem
    status: ReviewStatus
    current_hash: str | None  # pass back as `expected_hash` when deciding
    content: Mapping[str, Any] | None  # what is reviewed now (None: no longer applies)
    author_id: str  # who wrote the reviewed content (may not approve it)
    author_name: str
    household_name: str
    decisions: tuple[ReviewDecision, ...]  # oldest first
    handed_over_at: datetime | None = None  # "An die Leitung gegeben" (this version)

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def label(self) -> str:
        return self.item.kind.label

    @property
    def last_decision(self) -> ReviewDecision | None:
        return self.decisions[-1] if self.decisions else None


def ensure_item(session: Session, file: ProcedureFile, kind: ReviewKind,
                subject: str = "") -> str:
    """Create the review item for (procedure, kind, subject) unless it exists; returns its
    id. Call inside the transaction that wrote the reviewed content."""
    existing = store.find_review_item(session.db, file.procedure.id, kind, subject)
    if existing is not None:
        return existing.id
    return store.insert_review_item(session.writer(), file.procedure, kind, subject)


def _views(session: Session, items: list[ReviewItem]) -> list[ReviewView]:
    if not items:
        return []
    decided = store.decisions(session.db, [i.id for i in items])
    files: dict[str, ProcedureFile | None] = {}
    names: dict[str, str] = {}
    # household labels for all items at once (same-surname families, issue 18)
    households = household_store.household_labels(
        session.db, sorted({i.household_id for i in items}))
    views: list[ReviewView] = []
    for item in items:
        if item.procedure_id not in files:
            files[item.procedure_id] = store.load_file(session.db, item.procedure_id)
        file = files[item.procedure_id]
        subject = subject_of(file, item.kind, item.subject) if file is not None else None
        digest = subject.hash if subject is not None else None
        author = subject.author_id if subject is not None else item.created_by
        if author not in names:
            worker = worker_store.get_worker(session.db, author)
            names[author] = worker.name if worker is not None else ""
        history = tuple(decided[item.id])
        handed = (handed_over_hashes(file, item.kind, item.subject) if file is not None
                  else None)
        handed_at = None
        if handed is not None and file is not None and digest in handed:
            handed_at = max(e.created_at for e in file.of(EntryKind.HANDOVER)
                            if e.data.content_hash == digest)
        views.append(ReviewView(item, status_of(digest, history, handed), digest,
                                subject.content if subject is not None else None, author,
                                names[author], households.get(item.household_id, ""), history,
                                handed_at))
    return views


def items_for(session: Session, procedure_id: str) -> list[ReviewView]:
    """All review items of one procedure, oldest first, with their derived status."""
    return _views(session, store.review_items(session.db, procedure_id))


def get(session: Session, item_id: str) -> ReviewView:
    item = store.get_review_item(session.db, item_id)
    if item is None:
        raise NotFound("Der Prüfauftrag")
    return _views(session, [item])[0]


def queue(session: Session) -> list[ReviewView]:
    """The Leitung's queue: items waiting for a decision ("offen") or whose approved
    content changed since ("veraltet"), oldest first. Leitung only."""
    session.require_role(WorkerRole.LEITUNG)
    views = _views(session, store.review_items(session.db))
    return [v for v in views if v.status in QUEUE_STATUSES]


def returned(session: Session, *, mine_only: bool = False) -> list[ReviewView]:
    """Items the Leitung returned with a comment and nobody has reworked yet (with
    `mine_only`: only those whose reviewed content the acting worker wrote)."""
    views = _views(session, store.review_items(session.db))
    return [v for v in views if v.status is ReviewStatus.ZURUECKGEGEBEN
            and (not mine_only or v.author_id == session.actor_id)]


def waiting(session: Session) -> list[ReviewView]:
    """What of the acting worker waits for the Leitung or for her own hand-over: items of
    procedures she leads or whose content she wrote, not yet approved, oldest first."""
    views = _views(session, store.review_items(session.db))
    leads = {pid for pid in {v.item.procedure_id for v in views}
             if (p := store.get_procedure(session.db, pid)) is not None
             and p.lead_worker_id == session.actor_id}
    return [v for v in views if v.status in OPEN_STATUSES
            and (v.author_id == session.actor_id or v.item.procedure_id in leads)]


def result_status(session: Session, procedure_id: str) -> ReviewStatus | None:
    """Status of the Leitung's review of the current result (None: no result yet)."""
    for v in items_for(session, procedure_id):
        if v.item.kind is ReviewKind.ERGEBNIS:
            return v.status
    return None


def open_count(session: Session, procedure_id: str) -> int:
    """Items of a procedure that are not (or no longer) approved."""
    return sum(1 for v in items_for(session, procedure_id) if v.status in OPEN_STATUSES)


def acknowledged_kinds(session: Session, procedure_id: str) -> frozenset[ReviewKind]:
    """Review kinds of a procedure approved on their current content."""
    return frozenset(v.item.kind for v in items_for(session, procedure_id)
                     if v.status is ReviewStatus.FREIGEGEBEN)


def _decide(session: Session, item_id: str, decision: Decision, comment: str,
            expected_hash: str | None, auth: Authorization) -> Changes:
    from casework.services import persons

    session.require_role(WorkerRole.LEITUNG)
    persons.check_auth(session, auth, (WorkerRole.LEITUNG,))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError("Kommentar", f"ist zu lang (höchstens {MAX_COMMENT} Zeichen).")
    with session.db.transaction():
        view = get(session, item_id)
        if view.current_hash is None:
            raise ValidationError("Prüfauftrag", "der Inhalt muss nicht mehr geprüft werden.")
        if view.status is ReviewStatus.IN_ARBEIT:
            raise ValidationError("Prüfauftrag",
                                  "die Fachkraft hat diese Fassung noch nicht an die Leitung "
                                  "gegeben.")
        if expected_hash is not None and expected_hash != view.current_hash:
            raise ValidationError(
                "Prüfauftrag",
                "der Inhalt wurde inzwischen geändert. Bitte die aktuelle Fassung ansehen.")
        if view.author_id == session.actor_id:  # four-eyes principle
            raise PermissionDenied(
                "Vier-Augen-Prinzip: Eigene Einträge kann nur eine andere Leitung freigeben.")
        persons.require_other_key(session, auth, view.author_id)
        decision_id = store.insert_decision(session.writer(), view.item, decision, comment,
                                            view.current_hash)
        action = "approve" if decision is Decision.FREIGEGEBEN else "return"
        persons.sign_act(session, auth, f"kinderschutz.review.{action}", "ks_review_decision",
                         decision_id, allowed=(WorkerRole.LEITUNG,))
        session.audit(f"kinderschutz.review.{action}", "ks_review_item", item_id)
    return (Changes.of("kinderschutz_review", item_id)
            | Changes.of("kinderschutz", view.item.procedure_id))


def approve(session: Session, item_id: str, *, auth: Authorization,
            expected_hash: str | None = None, comment: str = "") -> Changes:
    """Approve (or, for notifications, acknowledge) the item's current content: reserved
    to the Leitung, re-authenticated (`services.persons.authorize`) and signed."""
    return _decide(session, item_id, Decision.FREIGEGEBEN, comment, expected_hash, auth)


def return_item(session: Session, item_id: str, comment: str, *, auth: Authorization,
                expected_hash: str | None = None) -> Changes:
    """Return the item to the worker; the comment says what to change (signed)."""
    if not comment.strip():
        raise ValidationError("Kommentar", "bitte angeben, was überarbeitet werden soll.")
    return _decide(session, item_id, Decision.ZURUECKGEGEBEN, comment, expected_hash, auth)


def arrived_at(view: ReviewView) -> datetime:
    """When the item reached the Leitung: handed over, else when it was created."""
    return view.handed_over_at or view.item.created_at


def decided_at(view: ReviewView) -> datetime | None:
    last = view.last_decision
    return last.decided_at if last is not None else None
