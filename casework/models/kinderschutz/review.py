"""Leitung review of § 8a steps: what is reviewed, content hashes, derived status.

A review item names a reviewable subject of one procedure (`ReviewKind` + `subject`).
Its *current content* is computed from the procedure file; an approval stores the sha256
of the canonical JSON of the content it approved, so it is bound to that exact version
and becomes stale ("veraltet") as soon as the content changes (ARCHITECTURE §4).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from casework.models.ids import WorkerId
from casework.models.kinderschutz.procedure import ProcedureFile, Transition
from casework.models.kinderschutz.vocabulary import EntryKind, InvolvementTarget, State


class ReviewKind(StrEnum):
    ANHALTSPUNKTE = "anhaltspunkte"  # entering S1 (LR-15: notify, acknowledge)
    AKUT = "akut"  # acute path (LR-10: Leitung informed at once)
    ERGEBNIS = "ergebnis"  # the result (S5)
    NICHT_EINBEZOGEN = "nicht_einbezogen"  # a "nicht erfolgt" reason (legal-reference §1.5)
    MITTEILUNG = "mitteilung"  # informing the Jugendamt (S7)
    ABSCHLUSS = "abschluss"  # closing (S9)

    @property
    def label(self) -> str:
        return {
            ReviewKind.ANHALTSPUNKTE: "Gewichtige Anhaltspunkte – Leitung informiert",
            ReviewKind.AKUT: "Akutfall – Leitung informiert",
            ReviewKind.ERGEBNIS: "Ergebnis der Gefährdungseinschätzung",
            ReviewKind.NICHT_EINBEZOGEN: "Einbeziehung nicht erfolgt – Begründung",
            ReviewKind.MITTEILUNG: "Mitteilung an das Jugendamt",
            ReviewKind.ABSCHLUSS: "Abschluss des Verfahrens",
        }[self]

    @property
    def is_notification(self) -> bool:
        """Approval means "zur Kenntnis genommen" (acknowledged)."""
        return self in (ReviewKind.ANHALTSPUNKTE, ReviewKind.AKUT)


class Decision(StrEnum):
    FREIGEGEBEN = "freigegeben"
    ZURUECKGEGEBEN = "zurückgegeben"


class ReviewStatus(StrEnum):
    IN_ARBEIT = "noch nicht an die Leitung gegeben"  # with the worker (HANDOVER_KINDS)
    OFFEN = "offen"  # waiting for the Leitung
    FREIGEGEBEN = "freigegeben"  # approved, content unchanged since
    ZURUECKGEGEBEN = "zurückgegeben"  # returned with a comment; with the worker
    VERALTET = "veraltet"  # an earlier version was approved; the content changed since
    ENTFALLEN = "entfallen"  # the subject no longer needs review (e.g. now involved)


OPEN_STATUSES = frozenset({ReviewStatus.IN_ARBEIT, ReviewStatus.OFFEN,
                           ReviewStatus.VERALTET, ReviewStatus.ZURUECKGEGEBEN})
# Subjects the worker hands over explicitly ("An die Leitung geben", signed): the Leitung
# reviews the version handed over, and nothing builds on it before she has approved it.
# Notifications (Anhaltspunkte, Akutfall) reach the Leitung at once, without a hand-over.
HANDOVER_KINDS = frozenset({ReviewKind.ERGEBNIS})
QUEUE_STATUSES = frozenset({ReviewStatus.OFFEN, ReviewStatus.VERALTET})


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: str
    procedure_id: str
    household_id: str
    kind: ReviewKind
    subject: str  # transition id, entry id, involvement target or "" (the result)
    created_at: datetime
    created_by: WorkerId


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    id: str
    item_id: str
    decision: Decision
    comment: str
    content_hash: str
    decided_at: datetime
    decided_by: WorkerId


def canonical_json(content: Mapping[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def content_hash(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the reviewed content."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def status_of(current_hash: str | None, decisions: Sequence[ReviewDecision],
              handed_over: frozenset[str] | None = None) -> ReviewStatus:
    """Derive the status from the current content and the decisions (oldest first).
    `handed_over` (for HANDOVER_KINDS) holds the content hashes the worker handed over;
    a version not handed over stays with the worker ("in Arbeit")."""
    if current_hash is None:
        return ReviewStatus.ENTFALLEN
    on_current = [d for d in decisions if d.content_hash == current_hash]
    if on_current:
        last = on_current[-1]
        return (ReviewStatus.FREIGEGEBEN if last.decision is Decision.FREIGEGEBEN
                else ReviewStatus.ZURUECKGEGEBEN)
    if handed_over is not None and current_hash not in handed_over:
        return ReviewStatus.IN_ARBEIT
    if any(d.decision is Decision.FREIGEGEBEN for d in decisions):
        return ReviewStatus.VERALTET
    return ReviewStatus.OFFEN


def _transition_content(t: Transition) -> dict[str, Any]:
    return {"transition": t.id, "from": t.from_state.value if t.from_state else None,
            "to": t.to_state.value, "at": t.at.isoformat(), "by": t.actor_id,
            "role": t.actor_role, "reason": t.reason, "details": dict(t.details)}


@dataclass(frozen=True, slots=True)
class Subject:
    """The current content of a review item and who authored it (4-eyes)."""

    content: Mapping[str, Any]
    author_id: str

    @property
    def hash(self) -> str:
        return content_hash(self.content)


def subject_of(file: ProcedureFile, kind: ReviewKind, subject: str) -> Subject | None:
    """Current reviewed content, or None if it no longer needs review."""
    if kind in (ReviewKind.ANHALTSPUNKTE, ReviewKind.ABSCHLUSS):
        t = next((t for t in file.transitions if t.id == subject), None)
        if t is None:
            return None
        return Subject(_transition_content(t), t.actor_id)
    if kind is ReviewKind.ERGEBNIS:
        current = file.current_result()
        if current is None:
            return None
        return Subject({"procedure": file.procedure.id, "result": current.data.to_payload()},
                       current.created_by)
    if kind is ReviewKind.NICHT_EINBEZOGEN:
        involvement = file.involvement(InvolvementTarget(subject))
        if involvement is None or involvement.data.done:
            return None
        return Subject({"procedure": file.procedure.id,
                        "involvement": involvement.data.to_payload()}, involvement.created_by)
    if kind in (ReviewKind.MITTEILUNG, ReviewKind.AKUT):
        entry = file.entry(subject)
        if entry is None or entry.kind not in (EntryKind.MITTEILUNG, EntryKind.ACUTE):
            return None
        return Subject({"entry": entry.id, "kind": entry.kind.value,
                        "payload": entry.data.to_payload()}, entry.created_by)
    return None


def handed_over_hashes(file: ProcedureFile, kind: ReviewKind, subject: str
                       ) -> frozenset[str] | None:
    """Content hashes handed over to the Leitung for (kind, subject); None when the kind
    needs no hand-over."""
    if kind not in HANDOVER_KINDS:
        return None
    return frozenset(e.data.content_hash for e in file.of(EntryKind.HANDOVER)
                     if e.data.review_kind == kind.value and e.data.subject == subject)


def needs_review_on_entering(state: State) -> ReviewKind | None:
    return {State.S1: ReviewKind.ANHALTSPUNKTE, State.S9: ReviewKind.ABSCHLUSS}.get(state)
