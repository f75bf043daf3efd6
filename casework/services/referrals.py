"""Referrals (Vermittlung / Lotsenfunktion): prepare, agree, send, track, print, count.

Typical flow: `recipient_choices` (ASD districts with the one of the household's Stadtteil
suggested, partners of the active directory) → `create` ("vorgeschlagen") → `agree`
("mit Einverständnis der Familie") → `check_transfer` (preview for the dialog) → `send`
("übermittelt") → `accept` / `reject` → `close`; `withdraw` from any open state.
`print_letter` renders the Übermittlungsbogen. Every step is an append-only row; the
state is derived from them (`casework.models.referrals`).

Consent gating (LR-21, LR-31, LR-32): `send` and `print_letter` ask the consent service
at that very moment, for every person whose data is in the referral:
`may_transfer(person, purpose_key, consent_recipient, purpose_detail=…,
recipient_detail=…)`. The recipient maps to the consent form's boxes like this:
ASD district → "stadt"; partner of kind Stadt → "stadt", Träger → "traeger",
Familienbildung → "fbs", any other partner or a free entry → "other" with the recipient's
name as `recipient_detail`. The purpose is the referral's `purpose_key` ("email" by
default: "Versendung einer E-Mail mit Ihrem Anliegen an die zuständige Stelle, und zwar:
…") with the referral's `purpose_detail` (default: the recipient's name) as
`purpose_detail`, so the consent must name this concern/recipient. Without a yes for
everyone, sending is refused with the missing consents named and nothing changes —
unless a statutory basis is documented (`StatutoryTransfer`: § 8a SGB VIII, § 4 KKG,
§ 65 SGB VIII; Jugendamt/ASD only; with "Betroffene vorab informiert am … / nicht,
weil …", LR-12). `record_transfer` of the consent service logs each person's transfer.

Access log: `referral.send`, `referral.send_refused`, `referral.print` (ids only).

Reading (one referral, the lists, Wiedervorlagen, statistics) is in `referrals_reading`,
the consent check and the Übermittlungsbogen in `referrals_transfer`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta

from casework.clock import local_today
from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.forms import referrals as letter
from casework.models.changes import Changes
from casework.models.directory.profile import resolve_district
from casework.models.referrals import (
    CLOSED_STATES,
    EDITABLE_STATES,
    FOLLOW_UP,
    MAX_TEXT,
    MIN_REASON,
    Recipient,
    Referral,
    ReferralDraft,
    ReferralState,
    StatutoryTransfer,
    asd_recipient,
    check_transition,
    partner_recipient,
)
from casework.services.consent import transfer as consent_transfer
from casework.services.referrals_reading import KIND, get, profile
from casework.services.referrals_transfer import (
    TransferCheck,
    audit_detail,
    check,
    consent_legal,
    consent_reference,
    letter_content,
    statutory_legal,
)
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import households as household_store
from casework.storage import referrals as store

SEND_FOLLOW_UP_DAYS = 14  # default Wiedervorlage after sending


@dataclass(frozen=True, slots=True)
class RecipientChoices:
    districts: tuple[Recipient, ...]
    suggested: tuple[Recipient, ...]  # resolved from the household's Stadtteil (0, 1 or more)
    partners: tuple[Recipient, ...]


def recipient_choices(session: Session, household_id: str) -> RecipientChoices:
    """ASD districts and partners of the active directory; `suggested` holds the
    district(s) of the household's Stadtteil (several for an ambiguous name)."""
    prof = profile(session)
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    office = prof.asd.office_name
    districts = tuple(asd_recipient(d, office) for d in prof.asd.districts)
    suggested = tuple(asd_recipient(d, office)
                      for d in resolve_district(prof, household.data.district))
    return RecipientChoices(districts, suggested,
                            tuple(partner_recipient(p) for p in prof.partners))


# --------------------------------------------------------------------------- writing


def _member_ids(session: Session, household_id: str) -> list[str]:
    if household_store.get_household(session.db, household_id) is None:
        raise NotFound("Der Haushalt")
    return [p.id for p in household_store.persons_of(session.db, household_id)]


def _validated(session: Session, draft: ReferralDraft) -> ReferralDraft:
    clean = draft.validated(_member_ids(session, draft.household_id))
    cat = profile(session).consent
    if clean.purpose_key not in {p.key for p in cat.purposes}:
        raise ValidationError("Übermittlungsweg", "kommt im Einwilligungsformular nicht vor.")
    if clean.recipient.consent_recipient not in {r.key for r in cat.recipients}:
        raise ValidationError("Empfänger laut Einwilligung",
                              "kommt im Einwilligungsformular nicht vor.")
    today = local_today(session.clock)
    if clean.follow_up_on is not None and clean.follow_up_on < today:
        raise ValidationError("Wiedervorlage", "liegt in der Vergangenheit.")
    return clean


def create(session: Session, draft: ReferralDraft) -> tuple[str, Changes]:
    """Record a proposed referral ("vorgeschlagen"), dated today."""
    clean = _validated(session, draft)
    today = local_today(session.clock)
    with session.db.transaction():
        w = session.writer()
        rid = store.insert_referral(w, clean, today)
        store.insert_step(w, rid, clean.household_id, ReferralState.VORGESCHLAGEN.value,
                          today, follow_up_set=clean.follow_up_on is not None,
                          follow_up_on=clean.follow_up_on)
    return rid, Changes.of(KIND, rid)


def update(session: Session, referral_id: str, draft: ReferralDraft) -> Changes:
    """Change persons, reason, fields … before sending. Once the family has agreed, the
    recipient can no longer change (their agreement was for that recipient)."""
    with session.db.transaction():
        ref = get(session, referral_id)
        if ref.state not in EDITABLE_STATES:
            raise ValidationError("Status", f"Die Vermittlung ist „{ref.state.value}“ und "
                                            "kann nicht mehr geändert werden.")
        draft = replace(draft, household_id=ref.data.household_id)
        clean = _validated(session, draft)
        old = ref.data.recipient
        if ref.state is ReferralState.EINVERSTAENDNIS and (
                clean.recipient.label, clean.recipient.kind) != (old.label, old.kind):
            raise ValidationError("Empfänger", "Das Einverständnis der Familie galt "
                                               f"„{old.label}“. Für eine andere Stelle bitte "
                                               "eine neue Vermittlung anlegen.")
        changed = store.update_referral(session.writer(), referral_id, clean)
    return Changes.of(KIND, referral_id) if changed else Changes()


def _day(session: Session, ref: Referral, on: date | None) -> date:
    today = local_today(session.clock)
    day = on or today
    if day > today:
        raise ValidationError("Datum", "liegt in der Zukunft.")
    last = ref.last_step
    earliest = last.on if last is not None else ref.referred_on
    if day < earliest:
        raise ValidationError("Datum", f"liegt vor dem letzten Schritt ({earliest:%d.%m.%Y}).")
    return day


def _text(label: str, text: str, *, required: bool) -> str:
    clean = text.strip()
    if required and len(clean) < MIN_REASON:
        raise ValidationError(label, "bitte angeben.")
    if len(clean) > MAX_TEXT:
        raise ValidationError(label, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
    return clean


def _follow_up(day: date, follow_up_on: date | None) -> date | None:
    if follow_up_on is not None and follow_up_on < day:
        raise ValidationError("Wiedervorlage", "liegt vor dem Datum des Schritts.")
    return follow_up_on


def _step(session: Session, referral_id: str, target: ReferralState, *, on: date | None,
          text: str = "", feedback: str = "", follow_up_on: date | None = None) -> Changes:
    with session.db.transaction():
        ref = get(session, referral_id)
        check_transition(ref.state, target)
        day = _day(session, ref, on)
        closing = target in CLOSED_STATES
        follow = None if closing else _follow_up(day, follow_up_on)
        w = session.writer()
        store.insert_step(w, ref.id, ref.data.household_id, target.value, day, text=text,
                          feedback=feedback, follow_up_set=closing or follow is not None,
                          follow_up_on=follow)
        store.set_state(w, ref.id, ref.data.household_id, target)
    return Changes.of(KIND, referral_id)


def agree(session: Session, referral_id: str, *, on: date | None = None, note: str = "",
          follow_up_on: date | None = None) -> Changes:
    """The family agrees to the referral ("im Einvernehmen mit den Eltern/Kindern",
    sources 000:1219). This is the professional agreement, not the DSGVO consent: sending
    still asks the consent service."""
    return _step(session, referral_id, ReferralState.EINVERSTAENDNIS, on=on,
                 text=_text("Notiz", note, required=False), follow_up_on=follow_up_on)


def accept(session: Session, referral_id: str, *, on: date | None = None, note: str = "",
           follow_up_on: date | None = None) -> Changes:
    """The recipient has taken the family on."""
    return _step(session, referral_id, ReferralState.ANGENOMMEN, on=on,
                 text=_text("Notiz", note, required=False), follow_up_on=follow_up_on)


def reject(session: Session, referral_id: str, reason: str, *, on: date | None = None,
           follow_up_on: date | None = None) -> Changes:
    """The recipient declined (reason required)."""
    return _step(session, referral_id, ReferralState.ABGELEHNT, on=on,
                 text=_text("Grund der Ablehnung", reason, required=True),
                 follow_up_on=follow_up_on)


def close(session: Session, referral_id: str, outcome: str, *, feedback: str = "",
          on: date | None = None) -> Changes:
    """Finish the referral with its outcome and the feedback (Rückmeldung); final."""
    return _step(session, referral_id, ReferralState.ABGESCHLOSSEN, on=on,
                 text=_text("Ergebnis", outcome, required=True),
                 feedback=_text("Rückmeldung", feedback, required=False))


def withdraw(session: Session, referral_id: str, reason: str, *,
             on: date | None = None) -> Changes:
    """Withdraw an open referral (reason required); final."""
    return _step(session, referral_id, ReferralState.ZURUECKGEZOGEN, on=on,
                 text=_text("Grund", reason, required=True))


def set_follow_up(session: Session, referral_id: str, follow_up_on: date | None, *,
                  note: str = "") -> Changes:
    """Set (or with None clear) the Wiedervorlage of an open referral."""
    with session.db.transaction():
        ref = get(session, referral_id)
        if not ref.is_open:
            raise ValidationError("Wiedervorlage", f"Die Vermittlung ist „{ref.state.value}“.")
        today = local_today(session.clock)
        if follow_up_on is not None and follow_up_on < today:
            raise ValidationError("Wiedervorlage", "liegt in der Vergangenheit.")
        store.insert_step(session.writer(), ref.id, ref.data.household_id, FOLLOW_UP, today,
                          text=_text("Notiz", note, required=False), follow_up_set=True,
                          follow_up_on=follow_up_on)
    return Changes.of(KIND, referral_id)


# --------------------------------------------------------------------------- sending


def send(session: Session, referral_id: str, *, statutory: StatutoryTransfer | None = None,
         on: date | None = None, follow_up_on: date | None = None) -> Changes:
    """Transfer the referral to the recipient ("übermittelt").

    Consent is checked at this moment for every person (LR-32); a withdrawal since the
    family agreed blocks it. Refused: `PermissionDenied` naming each missing consent, the
    referral unchanged (the refused attempt is in the access log). With `statutory` (ASD
    only) the transfer rests on the statute instead and may follow "vorgeschlagen"
    directly. The Wiedervorlage defaults to SEND_FOLLOW_UP_DAYS after sending."""
    ref = get(session, referral_id)
    today = local_today(session.clock)
    clean_basis = None
    if statutory is not None:
        if not ref.data.recipient.is_asd:
            raise ValidationError("Rechtsgrundlage", "Ohne Einwilligung darf nur an das "
                                                     "Jugendamt (ASD) übermittelt werden.")
        clean_basis = statutory.validated(today)
    check_transition(ref.state, ReferralState.UEBERMITTELT, statutory=clean_basis is not None)
    day = _day(session, ref, on)
    follow = _follow_up(day, follow_up_on or day + timedelta(days=SEND_FOLLOW_UP_DAYS))
    found = check(session, ref)
    if not found.persons:
        raise ValidationError("Personen", found.message_de())
    sent_ids = [p.person_id for p in found.persons]
    if clean_basis is None and not found.allowed:
        session.audit("referral.send_refused", KIND, ref.id, audit_detail(
            blocked=[p.person_id for p in found.blocked]))
        raise PermissionDenied(found.message_de())
    # The Übermittlungsbogen exactly as it goes out, kept encrypted with the sending step
    # (issue 19): a re-print reproduces it, even after a later withdrawal.
    if clean_basis is not None:
        included = [(pid, f"{clean_basis.basis.value} (ohne Einwilligung)") for pid in sent_ids]
        legal = statutory_legal(clean_basis)
    else:
        included = [(p.person_id, consent_reference(session, p.decision))
                    for p in found.persons if p.decision.allowed]
        legal = consent_legal(session, ref)
    sent_pdf = letter.render_referral_letter(
        letter_content(session, ref, included, legal, day), session.clock)
    attachment_id = attachments.put(session.vault, sent_pdf)
    try:
        _send_transaction(session, referral_id, ref, found, clean_basis, day, follow,
                          sent_ids, attachment_id, hashlib.sha256(sent_pdf).hexdigest())
    except BaseException:
        attachments.delete(session.vault, attachment_id)
        raise
    return Changes.of(KIND, referral_id)


def _send_transaction(session: Session, referral_id: str, ref: Referral, found: TransferCheck,
                      clean_basis: StatutoryTransfer | None, day: date, follow: date | None,
                      sent_ids: list[str], attachment_id: str, content_hash: str) -> None:
    with session.db.transaction():
        current = get(session, referral_id)  # re-read inside the transaction
        check_transition(current.state, ReferralState.UEBERMITTELT,
                         statutory=clean_basis is not None)
        refs: list[tuple[str, str]] = []
        for p in found.persons:
            # Re-checks consent once more and logs `consent.transfer_checked` per person;
            # raises PermissionDenied (rolling everything back) if withdrawn meanwhile.
            consent_transfer.record_transfer(
                session, p.decision,
                statutory_basis=clean_basis.basis if clean_basis else None,
                reference_id=ref.id)
            if p.decision.consent_id:
                refs.append((p.person_id, p.decision.consent_id))
        w = session.writer()
        store.insert_step(w, ref.id, ref.data.household_id,
                          ReferralState.UEBERMITTELT.value, day, follow_up_set=True,
                          follow_up_on=follow, statutory=clean_basis, consent_refs=refs,
                          sent_person_ids=sent_ids, attachment_id=attachment_id,
                          content_hash=content_hash)
        store.set_state(w, ref.id, ref.data.household_id, ReferralState.UEBERMITTELT)
        session.audit("referral.send", KIND, ref.id, audit_detail(
            basis=clean_basis.basis.name if clean_basis else "consent",
            persons=sent_ids, consents=[c for _, c in refs]))
