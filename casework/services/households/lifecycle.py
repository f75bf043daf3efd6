"""Closure, reopening and hand-over of family cases.

Closure (`close`): the reason is required; an open § 8a procedure refuses it with that
reason (the protection mandate does not end with the family file); open referrals,
planned appointments and open goals are warnings the worker must confirm
(`confirm_warnings=True`). With the vault setting "Abschluss nur mit Freigabe der
Leitung" a Fachkraft's closure becomes a request the Leitung approves (`approve_closure`)
or refuses. The household's status turns „abgeschlossen“ in the same transaction; the
retention engine starts the closed case's period at that change-log entry
(storage.privacy.retention.household_facts). `reopen` needs a reason and stops the clock.

Hand-over (`offer_handover` → `accept_handover` / `decline_handover` /
`withdraw_handover`): until the colleague accepts, the family stays with the first
worker; on acceptance `assigned_worker_id` changes (a logged household change: the hub's
entitlement follows it). `reassign` lets the Leitung move several families at once with
a reason (leave, job change), effective at once.

Reserved acts (approving a closure, bulk reassignment) go through `authorize`: the role,
and the acting person's re-authentication (`services.persons.Authorization`) when given,
which then signs `ReservedAct.content` in the act's transaction. The desktop app always
asks for it; scripts and tests may act on the role alone (making it mandatory is one line
in `authorize`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from casework.clock import local_today
from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.models.changes import Changes
from casework.models.households.household import HouseholdStatus
from casework.models.households.lifecycle import (
    ClosureEvent,
    ClosureEventKind,
    ClosureReason,
    Handover,
    HandoverState,
    check_decision,
    clean_text,
    pending_request,
    validated_closure,
)
from casework.models.ids import new_id
from casework.models.persons.worker import WorkerRole
from casework.services.households.restriction import (
    require_unrestricted,
    visible_household_ids,
)
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import households_lifecycle as store
from casework.storage import persons as worker_store

APPROVAL_SETTING = "closure_requires_approval"
LEADS = (WorkerRole.LEITUNG, WorkerRole.ADMIN)


# --------------------------------------------------------------------------- reserved acts


@dataclass(frozen=True, slots=True)
class ReservedAct:
    """What a Leitung approves, as stable content (the persons work signs its hash)."""

    action: str
    content: dict[str, object]

    @property
    def digest(self) -> str:
        text = json.dumps({"action": self.action, **self.content}, sort_keys=True,
                          ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def authorize(session: Session, act: ReservedAct, authorization: object | None = None) -> None:
    """Check a reserved act before anything is written: the role, and when given, the
    acting person's re-authentication (`services.persons.Authorization`, not consumed)."""
    session.require_role(*LEADS)
    if authorization is not None:
        from casework.services import persons

        if not isinstance(authorization, persons.Authorization):
            raise TypeError("authorization must be a services.persons.Authorization")
        persons.check_auth(session, authorization, LEADS)


def sign(session: Session, act: ReservedAct, entity: str, entity_id: str,
         authorization: object | None) -> None:
    """Sign the act with the re-authentication (consumes it); inside the transaction."""
    if authorization is None:
        return
    from casework.services import persons

    assert isinstance(authorization, persons.Authorization)
    persons.sign_act(session, authorization, act.action, entity, entity_id,
                     {**act.content, "digest": act.digest}, allowed=LEADS)


# --------------------------------------------------------------------------- settings


def requires_approval(session: Session) -> bool:
    return session.vault.meta(APPROVAL_SETTING) == "1"


def set_requires_approval(session: Session, required: bool) -> Changes:
    """Vault setting: a Fachkraft's closure needs the Leitung's approval."""
    session.require_role(*LEADS)
    with session.db.transaction():
        session.vault.set_meta(APPROVAL_SETTING, "1" if required else "0")
    session.audit("settings.closure_approval", detail="on" if required else "off")
    return Changes.of("settings", APPROVAL_SETTING)


# --------------------------------------------------------------------------- closure


@dataclass(frozen=True, slots=True)
class ClosureCheck:
    blockers: tuple[str, ...]  # refuse closing, with these reasons
    warnings: tuple[str, ...]  # the worker confirms them

    @property
    def allowed(self) -> bool:
        return not self.blockers

    def message_de(self) -> str:
        if self.blockers:
            return "Der Fall kann nicht abgeschlossen werden:\n" + "\n".join(
                f"• {b}" for b in self.blockers)
        if self.warnings:
            return "Bitte vor dem Abschluss prüfen:\n" + "\n".join(
                f"• {w}" for w in self.warnings)
        return "Keine offenen Vorgänge."


def _household_status(session: Session, household_id: str) -> HouseholdStatus:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    return household.data.status


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def closure_check(session: Session, household_id: str) -> ClosureCheck:
    from casework.services import appointments, goals, referrals_reading
    from casework.services.kinderschutz import procedures as kinderschutz

    blockers: list[str] = []
    warnings: list[str] = []
    if _household_status(session, household_id) is HouseholdStatus.ABGESCHLOSSEN:
        blockers.append("Der Fall ist bereits abgeschlossen.")
    procedures = kinderschutz.list_procedures(session, household_id, open_only=True)
    if procedures:
        steps = ", ".join(sorted({p.state.label for p in procedures}))
        verb = "ist" if len(procedures) == 1 else "sind"
        blockers.append(f"{len(procedures)} Kinderschutzverfahren nach § 8a SGB VIII {verb} "
                        f"noch offen ({steps}). Erst das Verfahren abschließen.")
    if store.open_handover(session.db, household_id) is not None:
        blockers.append("Eine Übergabe wartet noch auf Annahme. Erst annehmen lassen oder "
                        "zurückziehen.")
    open_referrals = [r for r in referrals_reading.for_household(session, household_id)
                      if r.is_open]
    if open_referrals:
        names = ", ".join(r.data.recipient.label for r in open_referrals)
        count = _plural(len(open_referrals), "offene Vermittlung", "offene Vermittlungen")
        warnings.append(f"{count} ({names}).")
    warnings.extend(appointments.open_for_closure(session, household_id))
    warnings.extend(goals.open_for_closure(session, household_id))
    return ClosureCheck(tuple(blockers), tuple(warnings))


def _day(session: Session, on: date | None) -> date:
    today = local_today(session.clock)
    day = on or today
    if day > today:
        raise ValidationError("Datum", "liegt in der Zukunft.")
    return day


def _changes(household_id: str, *record_ids: str, kind: str = "household_closure") -> Changes:
    return Changes.of("household", household_id) | Changes.of(kind, *record_ids)


def close(session: Session, household_id: str, reason: ClosureReason | str | None,
          note: str = "", *, on: date | None = None, confirm_warnings: bool = False
          ) -> Changes:
    """Close the family case (or, with the approval setting, ask the Leitung to)."""
    clean_reason, clean_note = validated_closure(reason, note)
    day = _day(session, on)
    with session.db.transaction():
        check = closure_check(session, household_id)
        if check.blockers:
            raise ValidationError("Abschluss", check.message_de())
        if check.warnings and not confirm_warnings:
            raise ValidationError("Abschluss", check.message_de())
        events = store.closure_events(session.db, household_id)
        if pending_request(events) is not None:
            raise ValidationError("Abschluss", "Der Abschluss ist bereits beantragt und "
                                                "wartet auf die Freigabe der Leitung.")
        w = session.writer()
        if requires_approval(session) and not session.has_role(*LEADS):
            eid = store.insert_closure_event(w, household_id, ClosureEventKind.BEANTRAGT, day,
                                             reason=clean_reason, note=clean_note)
            session.audit("household.close_requested", "household", household_id)
            return _changes(household_id, eid)
        eid = store.insert_closure_event(w, household_id, ClosureEventKind.ABGESCHLOSSEN, day,
                                         reason=clean_reason, note=clean_note)
        store.set_status(w, household_id, HouseholdStatus.ABGESCHLOSSEN.value)
        session.audit("household.close", "household", household_id)
    return _changes(household_id, eid)


def _pending(session: Session, household_id: str) -> ClosureEvent:
    request = pending_request(store.closure_events(session.db, household_id))
    if request is None:
        raise ValidationError("Abschluss", "Für diese Familie ist kein Abschluss beantragt.")
    return request


def approve_closure(session: Session, household_id: str, *, note: str = "",
                    authorization: object | None = None) -> Changes:
    """The Leitung approves a requested closure; the checks run again now."""
    with session.db.transaction():
        request = _pending(session, household_id)
        act = ReservedAct("household.close_approve", {
            "household_id": household_id, "request_id": request.id,
            "reason": request.reason.value if request.reason else ""})
        authorize(session, act, authorization)
        check = closure_check(session, household_id)
        if check.blockers:
            raise ValidationError("Abschluss", check.message_de())
        w = session.writer()
        eid = store.insert_closure_event(
            w, household_id, ClosureEventKind.ABGESCHLOSSEN, local_today(session.clock),
            reason=request.reason, note=clean_text("Notiz", note, required=False)
            or request.note, request_id=request.id)
        store.set_status(w, household_id, HouseholdStatus.ABGESCHLOSSEN.value)
        sign(session, act, "household", household_id, authorization)
        session.audit("household.close", "household", household_id)
    return _changes(household_id, eid)


def refuse_closure(session: Session, household_id: str, reason: str) -> Changes:
    """The Leitung does not approve the closure (reason required); the case stays open."""
    clean = clean_text("Begründung", reason, required=True)
    with session.db.transaction():
        request = _pending(session, household_id)
        session.require_role(*LEADS)
        eid = store.insert_closure_event(session.writer(), household_id,
                                         ClosureEventKind.ABGELEHNT,
                                         local_today(session.clock), note=clean,
                                         request_id=request.id)
    return _changes(household_id, eid)


def reopen(session: Session, household_id: str, reason: str, *,
           on: date | None = None) -> Changes:
    """Reopen a closed case (reason required); the retention clock stops."""
    clean = clean_text("Grund der Wiederaufnahme", reason, required=True)
    day = _day(session, on)
    with session.db.transaction():
        if _household_status(session, household_id) is not HouseholdStatus.ABGESCHLOSSEN:
            raise ValidationError("Wiederaufnahme", "Der Fall ist nicht abgeschlossen.")
        require_unrestricted(session, household_id)
        w = session.writer()
        eid = store.insert_closure_event(w, household_id, ClosureEventKind.WIEDERAUFGENOMMEN,
                                         day, note=clean)
        store.set_status(w, household_id, HouseholdStatus.AKTIV.value)
        session.audit("household.reopen", "household", household_id)
    return _changes(household_id, eid)


def closure_history(session: Session, household_id: str) -> list[ClosureEvent]:
    """Oldest first."""
    return store.closure_events(session.db, household_id)


def pending_closure(session: Session, household_id: str) -> ClosureEvent | None:
    return pending_request(store.closure_events(session.db, household_id))


@dataclass(frozen=True, slots=True)
class ClosureRequest:
    household_id: str
    household_name: str
    request: ClosureEvent


def closure_requests(session: Session) -> list[ClosureRequest]:
    """Requests waiting for the Leitung (Heute), empty for other roles."""
    if not session.has_role(*LEADS):
        return []
    out: list[ClosureRequest] = []
    for hid in store.pending_closure_household_ids(session.db):
        household = household_store.get_household(session.db, hid)
        request = pending_closure(session, hid)
        if household is not None and request is not None:
            out.append(ClosureRequest(hid, household.name, request))
    return out


# --------------------------------------------------------------------------- hand-over


def _worker_name(session: Session, worker_id: str, field: str) -> str:
    worker = worker_store.get_worker(session.db, worker_id)
    if worker is None:
        raise ValidationError(field, "ist in dieser Akte nicht vorhanden.")
    return worker.name


def get_handover(session: Session, handover_id: str) -> Handover:
    found = store.get_handover(session.db, handover_id)
    if found is None:
        raise NotFound("Die Übergabe")
    return found


def offer_handover(session: Session, household_id: str, to_worker_id: str,
                   note: str) -> tuple[str, Changes]:
    """Offer the family to a colleague with a hand-over note; it stays with its current
    worker until the colleague accepts."""
    clean = clean_text("Übergabenotiz", note, required=True)
    with session.db.transaction():
        household = household_store.get_household(session.db, household_id)
        if household is None:
            raise NotFound("Der Haushalt")
        require_unrestricted(session, household_id)
        _worker_name(session, to_worker_id, "Übergeben an")
        current = household.data.assigned_worker_id or ""
        if household.data.status is HouseholdStatus.ABGESCHLOSSEN:
            raise ValidationError("Übergabe", "Der Fall ist abgeschlossen.")
        if current and current != session.actor_id and not session.has_role(*LEADS):
            raise PermissionDenied("Übergeben kann nur die zuständige Fachkraft oder die "
                                   "Leitung.")
        if to_worker_id == current:
            raise ValidationError("Übergeben an", "ist bereits zuständig.")
        if store.open_handover(session.db, household_id) is not None:
            raise ValidationError("Übergabe", "Eine Übergabe dieser Familie wartet bereits "
                                              "auf Annahme.")
        hid = store.insert_handover(session.writer(), household_id, current or session.actor_id,
                                    to_worker_id, clean, HandoverState.OFFEN)
    return hid, Changes.of("handover", hid) | Changes.of("household", household_id)


def _decide(session: Session, handover_id: str, target: HandoverState, note: str) -> Changes:
    with session.db.transaction():
        handover = get_handover(session, handover_id)
        check_decision(handover, target)
        if target in (HandoverState.ANGENOMMEN, HandoverState.ABGELEHNT):
            if session.actor_id != handover.to_worker_id:
                raise PermissionDenied(f"Annehmen oder ablehnen kann nur "
                                       f"{handover.to_name or 'die angefragte Person'}.")
        elif session.actor_id not in (handover.from_worker_id, handover.created_by) and (
                not session.has_role(*LEADS)):
            raise PermissionDenied("Zurückziehen kann nur, wer die Übergabe angeboten hat, "
                                   "oder die Leitung.")
        w = session.writer()
        store.decide_handover(w, handover, target, note)
        if target is HandoverState.ANGENOMMEN:
            store.set_assigned_worker(w, handover.household_id, handover.to_worker_id)
            session.audit("household.handover", "household", handover.household_id)
    return Changes.of("handover", handover_id) | Changes.of("household", handover.household_id)


def accept_handover(session: Session, handover_id: str, note: str = "") -> Changes:
    return _decide(session, handover_id, HandoverState.ANGENOMMEN,
                   clean_text("Notiz", note, required=False))


def decline_handover(session: Session, handover_id: str, reason: str) -> Changes:
    """Declined: the family stays with its worker (reason required)."""
    return _decide(session, handover_id, HandoverState.ABGELEHNT,
                   clean_text("Grund der Ablehnung", reason, required=True))


def withdraw_handover(session: Session, handover_id: str, note: str = "") -> Changes:
    return _decide(session, handover_id, HandoverState.ZURUECKGEZOGEN,
                   clean_text("Notiz", note, required=False))


def reassign(session: Session, household_ids: list[str], to_worker_id: str, reason: str, *,
             authorization: object | None = None) -> Changes:
    """The Leitung moves several families to a colleague at once (leave, job change);
    open offers for them are withdrawn. Effective at once, one batch in the history."""
    clean = clean_text("Grund der Umverteilung", reason, required=True)
    ids = list(dict.fromkeys(household_ids))
    if not ids:
        raise ValidationError("Familien", "bitte mindestens eine Familie auswählen.")
    batch = new_id()
    changes = Changes()
    with session.db.transaction():
        _worker_name(session, to_worker_id, "Neue Zuständigkeit")
        act = ReservedAct("household.reassign", {
            "households": sorted(ids), "to": to_worker_id, "reason": clean, "batch": batch})
        authorize(session, act, authorization)
        w = session.writer()
        for household_id in ids:
            household = household_store.get_household(session.db, household_id)
            if household is None:
                raise NotFound("Eine der Familien")
            offer = store.open_handover(session.db, household_id)
            if offer is not None:
                store.decide_handover(w, offer, HandoverState.ZURUECKGEZOGEN,
                                      "durch Umverteilung der Leitung ersetzt")
                changes |= Changes.of("handover", offer.id)
            hid = store.insert_handover(w, household_id,
                                        household.data.assigned_worker_id or "", to_worker_id,
                                        clean, HandoverState.UMVERTEILT, batch_id=batch)
            store.set_assigned_worker(w, household_id, to_worker_id)
            changes |= Changes.of("handover", hid) | Changes.of("household", household_id)
        sign(session, act, "worker", to_worker_id, authorization)
        session.audit("household.reassign", "worker", to_worker_id,
                      json.dumps({"households": sorted(ids), "batch": batch}))
    return changes


def handovers(session: Session, household_id: str) -> list[Handover]:
    """The household's hand-overs, newest first."""
    return store.handovers_of(session.db, household_id)


def open_handover(session: Session, household_id: str) -> Handover | None:
    return store.open_handover(session.db, household_id)


def handovers_to_me(session: Session) -> list[Handover]:
    """Offers waiting for the acting worker's answer (Heute, Familien filter)."""
    offers = store.open_handovers_to(session.db, session.actor_id)
    seen = visible_household_ids(session, [o.household_id for o in offers])
    return [o for o in offers if o.household_id in seen]
