"""Auskunft nach Art. 15 DSGVO for one person (LR-24, LR-19, § 83 SGB X).

Workflow: `open_request` records the request with its due date (default one month,
Art. 12 Abs. 3); Leitung/Admin may record balancing decisions (`record_decision`,
Interessenabwägung) that release withheld parts, or `refuse` with a mandatory reason;
`build` gathers the package and `answer` renders PDF + JSON and records the response.

Requests and decisions are here; gathering the package, the answer and its files in
`disclosure_answer`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from casework.clock import local_today, to_utc_iso
from casework.errors import NotFound, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.ids import PersonId
from casework.models.persons.worker import WorkerRole
from casework.services import persons
from casework.services.privacy import retention as retention_service
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage.privacy import retention as store
from casework.storage.privacy.retention import DisclosureRequestRow

DEFAULT_PERIOD = relativedelta(months=1)  # Art. 12 Abs. 3 DSGVO
OVERSIGHT = (WorkerRole.LEITUNG, WorkerRole.ADMIN)


class DecisionKind(StrEnum):
    INCLUDE_REPORTER = "Interessenabwägung: Identität der meldenden Person mitteilen"
    INCLUDE_THIRD_PARTY = "Interessenabwägung: Angaben Dritter mitteilen"
    INCLUDE_KINDERSCHUTZ = "Interessenabwägung: Aufzeichnungen zum Kinderschutz mitteilen"
    REDACTION = "Schwärzung/Beschränkung"
    REFUSAL = "Ablehnung der Auskunft"


_KIND_KEYS = {
    DecisionKind.INCLUDE_REPORTER: "include_reporter",
    DecisionKind.INCLUDE_THIRD_PARTY: "include_third_party",
    DecisionKind.INCLUDE_KINDERSCHUTZ: "include_kinderschutz",
    DecisionKind.REDACTION: "redaction",
    DecisionKind.REFUSAL: "refusal",
}
KEY_KINDS = {v: k for k, v in _KIND_KEYS.items()}


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """One Art. 15 request for lists (neutral label; names only on demand)."""

    id: str
    person_id: str
    label: str
    received_on: date
    due_on: date
    outcome: str | None  # erteilt | teilweise | abgelehnt | None (open)

    def overdue(self, today: date) -> bool:
        return self.outcome is None and self.due_on < today


def _info(row: DisclosureRequestRow) -> RequestInfo:
    return RequestInfo(row.id, row.person_id, retention_service.neutral_label(
        "disclosure_request", row.id), date.fromisoformat(row.received_on),
        date.fromisoformat(row.due_on), row.outcome)


def open_request(session: Session, person_id: PersonId, *, received_on: date | None = None,
                 channel: str = "schriftlich") -> tuple[str, Changes]:
    """Record an Art. 15 request; due one month after receipt."""
    received = received_on or local_today(session.clock)
    if received > local_today(session.clock):
        raise ValidationError("Eingang", "liegt in der Zukunft.")
    with session.db.transaction():
        if household_store.get_person(session.db, person_id) is None:
            raise NotFound("Die Person")
        rid = store.insert_disclosure_request(
            session.writer(), person_id, received.isoformat(),
            (received + DEFAULT_PERIOD).isoformat(), channel.strip())
        session.audit("disclosure.request", "person", person_id, f"request={rid}")
    return rid, Changes.of("disclosure_request", rid)


def requests(session: Session) -> list[RequestInfo]:
    return [_info(r) for r in store.disclosure_requests(session.db)]


def get_request(session: Session, request_id: str) -> RequestInfo:
    return _info(request_row(session, request_id))


def request_row(session: Session, request_id: str) -> DisclosureRequestRow:
    row = store.disclosure_request(session.db, request_id)
    if row is None:
        raise NotFound("Das Auskunftsersuchen")
    return row


def record_decision(session: Session, request_id: str, kind: DecisionKind,
                    reason: str, *, auth: persons.Authorization | None = None) -> Changes:
    """Document an Interessenabwägung, redaction or refusal; the reason is mandatory
    (§ 83 Abs. 3 S. 1 SGB X). With `auth` (the deciding person's re-authentication) the
    decision is signed with her key; the letter then names the verified signature."""
    session.require_role(*OVERSIGHT)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Begründung", "ist für diese Entscheidung vorgeschrieben.")
    if auth is not None:
        persons.check_auth(session, auth, OVERSIGHT)
    with session.db.transaction():
        row = request_row(session, request_id)
        if row.outcome is not None:
            raise UserError("Das Auskunftsersuchen ist bereits beantwortet.")
        decision_id = store.insert_disclosure_decision(session.writer(), request_id,
                                                       _KIND_KEYS[kind], reason)
        if auth is not None:
            persons.sign_act(session, auth, "disclosure.decision", "disclosure_decision",
                             decision_id, json.loads(signable_payload(
                                 request_id, _KIND_KEYS[kind], reason,
                                 to_utc_iso(session.clock.now()), session.actor_id)),
                             allowed=OVERSIGHT)
        session.audit("disclosure.decision", "disclosure_request", request_id,
                      _KIND_KEYS[kind])
    return Changes.of("disclosure_request", request_id)


def refuse(session: Session, request_id: str, reason: str) -> Changes:
    """Refuse the disclosure; blocked without a reason."""
    changes = record_decision(session, request_id, DecisionKind.REFUSAL, reason)
    with session.db.transaction():
        store.insert_disclosure_response(session.writer(), request_id, "abgelehnt", "")
        session.audit("disclosure.refuse", "disclosure_request", request_id)
    return changes


def signable_payload(request_id: str, kind: str, reason: str, decided_at: str,
                     decided_by: str) -> str:
    """The canonical text a person's electronic signature of a balancing decision covers
    (signatures table of the persons feature: entity "disclosure_decision")."""
    return json.dumps({"act": "disclosure.decision", "request": request_id, "kind": kind,
                       "reason": reason, "at": decided_at, "by": decided_by},
                      ensure_ascii=False, sort_keys=True)
