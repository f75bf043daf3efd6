"""The question every transfer asks at the moment it happens (LR-32): may this person's
data go to this recipient for this purpose now? Used by referrals, offers and anything
else that sends or uses data on the basis of consent: `may_transfer`, `record_transfer`,
`has_valid_consent`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from casework.clock import BERLIN
from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.models.consent import (
    STATUTORY_ONLY,
    Capacity,
    Consent,
    ConsentItem,
    ProofState,
    StatutoryBasis,
    TransferDecision,
    age_on,
    has_line,
)
from casework.models.households.person import HouseholdRole
from casework.models.ids import PersonId
from casework.models.text import fold
from casework.services.consent.catalog import (
    catalog,
    purpose_text,
    recipient_text,
    renewal_due_for,
)
from casework.services.session import Session
from casework.storage import consent as store
from casework.storage import households as household_store


def _capacity_text(capacity: Capacity) -> str:
    return ("der Personensorgeberechtigten" if capacity is Capacity.GUARDIAN
            else "der betroffenen Person")


def _same(a: str, b: str) -> bool:
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def may_transfer(session: Session, person_id: str, purpose_key: str, recipient_key: str,
                 at: datetime | None = None, *, purpose_detail: str | None = None,
                 recipient_detail: str | None = None) -> TransferDecision:
    """May this person's data go to `recipient_key` for `purpose_key` at `at` (default:
    now)? Ask at the moment of sending, not when drafting (LR-32).

    Yes only if a given consent covers exactly this purpose × recipient, is within its
    validity and not withdrawn at `at`; for a child under the purpose's age limit (photos,
    digital channels: 16) only the guardians' consent counts. Otherwise no, with the
    missing consent named and the statutory alternative spelled out.

    For boxes with a fill-in line ("der Träger: …", "sonstige und zwar: …", "Teilnahme an
    der Veranstaltung: …") pass `recipient_detail` / `purpose_detail` to require that the
    consent names exactly this recipient/occasion (case and umlauts ignored); without
    them any detail matches and `reason_de` names the one consented to."""
    decision = _decide(session, person_id, purpose_key, recipient_key, at,
                       purpose_detail, recipient_detail)
    return replace(decision, purpose_detail=purpose_detail, recipient_detail=recipient_detail)


def _decide(session: Session, person_id: str, purpose_key: str, recipient_key: str,
            at: datetime | None, purpose_detail: str | None,
            recipient_detail: str | None) -> TransferDecision:
    """The decision of `may_transfer`, before the asked details are attached."""
    moment = at or session.clock.now()
    cat = catalog(session)
    purpose = next((p for p in cat.purposes if p.key == purpose_key), None)
    if purpose is None:
        raise ValidationError("Zweck", "ist im Einwilligungsformular nicht vorgesehen.")
    recipient = next((r for r in cat.recipients if r.key == recipient_key), None)
    if recipient is None:
        raise ValidationError("Empfänger", "ist im Einwilligungsformular nicht vorgesehen.")
    if not has_line(purpose.label, purpose.detail_label):
        purpose_detail = None
    if not has_line(recipient.label, recipient.detail_label):
        recipient_detail = None
    person = household_store.get_person(session.db, person_id)
    if person is None:
        raise NotFound("Die Person")
    day = moment.astimezone(BERLIN).date()
    age = age_on(person, day)
    limit = purpose.guardians_required_under
    need_guardians = limit is not None and (
        age < limit if age is not None else person.data.role is HouseholdRole.KIND)
    consents = store.consents_of_person(session.db, person_id)
    pairs = [(c, i) for c in consents for i in c.items
             if i.purpose_key == purpose_key and i.recipient_key == recipient_key
             and (purpose_detail is None or _same(i.purpose_detail, purpose_detail))
             and (recipient_detail is None or _same(i.recipient_detail, recipient_detail))]
    what = (f"„{purpose_text(cat, purpose_key, purpose_detail or '')}“ – Übermittlung an "
            f"„{recipient_text(cat, recipient_key, recipient_detail or '')}“")
    usable = [(c, i) for c, i in pairs if c.item_active(i, moment)
              and (not need_guardians or c.capacity is Capacity.GUARDIAN)]
    if usable:
        c, item = max(usable, key=lambda pair: pair[0].effective_from or date.min)
        covered = (f"„{purpose_text(cat, purpose_key, item.purpose_detail)}“ – Übermittlung "
                   f"an „{recipient_text(cat, recipient_key, item.recipient_detail)}“")
        until = (f"gültig bis {c.valid_until:%d.%m.%Y}" if c.valid_until
                 else "bis auf Widerruf")
        signed = c.signed_on
        reason = (f"Einwilligung {_capacity_text(c.capacity)} vom "
                  f"{signed:%d.%m.%Y} ({until}) deckt {covered}." if signed else "")
        asked_now = moment >= session.clock.now() - timedelta(minutes=1)
        if asked_now and not _records_current(session):
            return TransferDecision(
                False, "Die Einwilligungen auf diesem Gerät sind nicht aktuell (die letzte "
                "Synchronisierung ist zu lange her). Bitte zuerst synchronisieren: ein "
                "Widerruf auf einem anderen Gerät wäre sonst unbekannt.", PersonId(person_id),
                purpose_key, recipient_key, moment,
                missing=f"aktueller Stand der Einwilligung für {what}",
                statutory_only=STATUTORY_ONLY)
        due = renewal_due_for(session, c, day)
        if due:
            reason += (" Hinweis: Die Person ist inzwischen 16 – bitte ihre eigene "
                       "Einwilligung einholen.")
        return TransferDecision(True, reason, PersonId(person_id), purpose_key, recipient_key,
                                moment, consent_id=c.id, item_id=item.id, renewal_due=due)
    reason = _refusal_reason(pairs, moment, need_guardians, limit)
    needed = "der Personensorgeberechtigten" if need_guardians else "der betroffenen Person"
    return TransferDecision(False, reason, PersonId(person_id), purpose_key, recipient_key,
                            moment, missing=f"Einwilligung {needed} für {what}",
                            statutory_only=STATUTORY_ONLY)


def _records_current(session: Session) -> bool:
    """With a team hub, rely on local consent records only after a recent pull, so a
    withdrawal recorded on another device is known here (casework.services.hub)."""
    from casework.services import hub as sync

    return sync.consent_is_current(session)


def has_valid_consent(session: Session, person_id: str, purpose_key: str,
                      at: datetime | None = None) -> bool:
    """Is there a given, valid, not withdrawn consent of this person for `purpose_key`
    (to any recipient) at `at`? For processing inside the organisation (e.g. named
    participation in an event); a transfer to a recipient asks `may_transfer`."""
    cat = catalog(session)
    return any(may_transfer(session, person_id, purpose_key, r.key, at).allowed
               for r in cat.recipients)


def _refusal_reason(pairs: Sequence[tuple[Consent, ConsentItem]], moment: datetime,
                    need_guardians: bool, limit: int | None) -> str:
    day = moment.astimezone(BERLIN).date()
    for c, item in pairs:
        w = c.withdrawal_of(item.id)
        if c.is_given and w is not None and w.at <= moment:
            return (f"Die Einwilligung wurde am {w.at.astimezone(BERLIN):%d.%m.%Y} "
                    "widerrufen; sie gilt nicht mehr.")
    for c, _ in pairs:
        if c.is_given and c.valid_until is not None and day > c.valid_until:
            return f"Die Einwilligung ist am {c.valid_until:%d.%m.%Y} abgelaufen."
    for c, _ in pairs:
        start = c.effective_from
        if c.is_given and start is not None and day < start:
            return f"Die Einwilligung gilt erst ab {start:%d.%m.%Y}."
    if need_guardians and any(c.is_given and c.capacity is Capacity.SELF for c, _ in pairs):
        return (f"Bei unter {limit}-Jährigen zählt für diesen Zweck nur die Einwilligung der "
                "Personensorgeberechtigten.")
    if any(c.proof_state is ProofState.VERWEIGERT for c, _ in pairs):
        return "Die Einwilligung wurde verweigert."
    if pairs:
        return "Die Einwilligung ist vorbereitet, aber noch nicht unterschrieben."
    return "Für diesen Zweck und Empfänger liegt keine Einwilligung vor."


def record_transfer(session: Session, decision: TransferDecision, *,
                    statutory_basis: StatutoryBasis | None = None,
                    reference_id: str = "") -> None:
    """Log a transfer in the access log (`consent.transfer_checked`, ids only), checking
    consent again at this moment (LR-32): a withdrawal since `decision` blocks it.

    Raises `PermissionDenied` when no valid consent covers it and no statutory basis is
    given; the refused attempt is logged too."""
    fresh = may_transfer(session, decision.person_id, decision.purpose_key,
                         decision.recipient_key, purpose_detail=decision.purpose_detail,
                         recipient_detail=decision.recipient_detail)
    detail = {"allowed": int(fresh.allowed), "purpose": fresh.purpose_key,
              "recipient": fresh.recipient_key}
    if fresh.consent_id:
        detail["consent"] = fresh.consent_id
    if statutory_basis is not None:
        detail["basis"] = StatutoryBasis(statutory_basis).name
    if reference_id:
        detail["ref"] = reference_id
    session.audit("consent.transfer_checked", "person", fresh.person_id,
                  json.dumps(detail, sort_keys=True, separators=(",", ":")))
    if not fresh.allowed and statutory_basis is None:
        raise PermissionDenied(
            f"Übermittlung nicht zulässig: {fresh.reason_de} Ohne Einwilligung "
            f"{STATUTORY_ONLY}.")
