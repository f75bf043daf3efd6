"""Referrals: the consent service's answer for every person of a referral at one moment
(`check_transfer`, asked again by `send`), and the Übermittlungsbogen built from it
(`letter_data`, `print_letter`; the copy that was sent: `sent_letter`). The flow and the
consent gating are described in `referrals`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from casework.clock import local_today
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.forms import referrals as letter
from casework.models.consent import Capacity, TransferDecision
from casework.models.referrals import (
    Referral,
    ReferralState,
    ShareField,
    StatutoryTransfer,
)
from casework.services.consent import catalog as consent_catalog
from casework.services.consent import lifecycle as consent_service
from casework.services.consent import transfer as consent_transfer
from casework.services.referrals_reading import KIND, get, profile
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import households as household_store
from casework.storage import persons as worker_store

# --------------------------------------------------------------------------- transfer


@dataclass(frozen=True, slots=True)
class PersonCheck:
    person_id: str
    name: str
    decision: TransferDecision


@dataclass(frozen=True, slots=True)
class TransferCheck:
    """The consent service's answer for every person of a referral at one moment."""

    referral_id: str
    persons: tuple[PersonCheck, ...]

    @property
    def allowed(self) -> bool:
        return bool(self.persons) and all(p.decision.allowed for p in self.persons)

    @property
    def blocked(self) -> tuple[PersonCheck, ...]:
        return tuple(p for p in self.persons if not p.decision.allowed)

    def message_de(self) -> str:
        """German explanation naming each missing consent (no ids)."""
        if self.allowed:
            return "Für alle Personen liegt eine gültige Einwilligung vor."
        if not self.persons:
            return ("Die Personen dieser Vermittlung sind nicht mehr in der Akte; es gibt "
                    "nichts zu übermitteln.")
        lines = [f"• {p.name}: {p.decision.reason_de} Es fehlt: {p.decision.missing}."
                 for p in self.blocked]
        return ("Übermittlung nicht zulässig – es fehlt die Einwilligung:\n"
                + "\n".join(lines))


def person_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """Names of the persons that still exist (removed persons are left out: their data
    is no longer part of the referral)."""
    out: dict[str, str] = {}
    for pid in ids:
        person = household_store.get_person(session.db, pid)
        if person is not None:
            out[pid] = person.display_name
    return out


def check_transfer(session: Session, referral_id: str,
                   at: datetime | None = None) -> TransferCheck:
    """Ask the consent service for every person of the referral (default: now)."""
    return check(session, get(session, referral_id), at)


def check(session: Session, ref: Referral, at: datetime | None = None) -> TransferCheck:
    d = ref.data
    names = person_names(session, d.person_ids)
    checks = []
    for pid in (p for p in d.person_ids if p in names):
        decision = consent_transfer.may_transfer(
            session, pid, d.purpose_key, d.recipient.consent_recipient, at,
            purpose_detail=d.purpose_detail or None,
            recipient_detail=d.recipient.consent_detail)
        checks.append(PersonCheck(pid, names[pid], decision))
    return TransferCheck(ref.id, tuple(checks))


def audit_detail(**values: object) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------- letter

_PRINTABLE = frozenset(ReferralState) - {ReferralState.VORGESCHLAGEN,
                                          ReferralState.ZURUECKGEZOGEN}


def consent_reference(session: Session, decision: TransferDecision) -> str:
    if decision.consent_id is None:
        return decision.reason_de
    consent = consent_service.get(session, decision.consent_id)
    who = ("der Personensorgeberechtigten" if consent.capacity is Capacity.GUARDIAN
           else "der betroffenen Person")
    signed = f" vom {consent.signed_on:%d.%m.%Y}" if consent.signed_on else ""
    return f"Einwilligung {who}{signed} (Nr. {consent.id[-8:]})"


def _worker_label(session: Session) -> str:
    worker = worker_store.get_worker(session.db, session.actor_id)
    return "" if worker is None else f"{worker.name} ({worker.data.role.value})"


def statutory_legal(statutory: StatutoryTransfer) -> tuple[str, ...]:
    return (f"Übermittlung ohne Einwilligung auf gesetzlicher Grundlage: "
            f"{statutory.basis.value}.", statutory.notice_text() + ".")


def consent_legal(session: Session, ref: Referral) -> tuple[str, ...]:
    d = ref.data
    cat = profile(session).consent
    return (
        "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO, § 67b SGB X) für: „"
        + consent_catalog.purpose_text(cat, d.purpose_key, d.purpose_detail)
        + "“ – Empfänger: „"
        + consent_catalog.recipient_text(cat, d.recipient.consent_recipient,
                                         d.recipient.consent_detail or "") + "“.",
        "Die Einwilligungen wurden bei der Erstellung dieses Bogens geprüft; Personen "
        "ohne gültige Einwilligung sind nicht aufgeführt.")


def letter_content(session: Session, ref: Referral, included: Sequence[tuple[str, str]],
            legal: tuple[str, ...], on: date) -> letter.ReferralLetterData:
    if not included:
        raise PermissionDenied("Für keine Person dieser Vermittlung liegt eine gültige "
                               "Einwilligung vor; der Bogen wird nicht erstellt.")
    d = ref.data
    prof = profile(session)
    names = person_names(session, d.person_ids)
    birth = ShareField.GEBURTSDATUM in d.share
    persons = []
    for pid, basis in included:
        person = household_store.get_person(session.db, pid)
        born = ""
        if birth and person is not None and person.data.birth.birth_date is not None:
            born = f"{person.data.birth.birth_date:%d.%m.%Y}"
        persons.append(letter.LetterPerson(names.get(pid, ""), born, basis))
    household = household_store.get_household(session.db, d.household_id)
    address = (household.address_line() if household is not None
               and ShareField.ANSCHRIFT in d.share else "")
    return letter.ReferralLetterData(
        organisation=prof.organisation, reference=f"V-{ref.id[-8:]}",
        on=on, recipient_label=d.recipient.label,
        recipient_contact=d.recipient.contact, sender=_worker_label(session),
        reason=d.reason if ShareField.ANLIEGEN in d.share else "",
        offer=d.offer if ShareField.ANLIEGEN in d.share else "",
        persons=tuple(persons), address=address,
        note=d.note if ShareField.HINWEISE in d.share else "", legal_basis=legal,
        place=prof.city)


def letter_data(session: Session, referral_id: str) -> tuple[letter.ReferralLetterData,
                                                              tuple[str, ...]]:
    """What a NEW letter may contain now, and the ids of the persons included.

    Sent on a statutory basis: the persons sent, with the basis. Otherwise: only the
    persons whose transfer the consent service allows at this moment; refused
    (`PermissionDenied`) if that is nobody. After sending, the letter says how it differs
    from the one sent (persons left out, e.g. after a withdrawal)."""
    ref = get(session, referral_id)
    if ref.state not in _PRINTABLE:
        raise ValidationError("Status", f"Bei „{ref.state.value}“ wird kein Bogen gedruckt"
                              + (" – bitte zuerst das Einverständnis der Familie festhalten."
                                 if ref.state is ReferralState.VORGESCHLAGEN else "."))
    sent = ref.send_step
    statutory = sent.statutory if sent is not None else None
    names = person_names(session, ref.data.person_ids)
    included: list[tuple[str, str]] = []  # (person id, basis text)
    if statutory is not None:
        for pid in sent.sent_person_ids if sent is not None else ():
            if pid in names:
                included.append((pid, f"{statutory.basis.value} (ohne Einwilligung)"))
        legal = statutory_legal(statutory)
    else:
        for p in check(session, ref).persons:
            if p.decision.allowed:
                included.append((p.person_id, consent_reference(session, p.decision)))
        legal = consent_legal(session, ref)
    data = letter_content(session, ref, included, legal, local_today(session.clock))
    if sent is not None:
        now = {pid for pid, _ in included}
        missing = [names.get(pid, "eine Person") for pid in sent.sent_person_ids
                   if pid not in now]
        differences = tuple(
            f"{name}: nicht mehr enthalten – für diese Person liegt heute keine gültige "
            f"Einwilligung mehr vor (z. B. Widerruf)" for name in missing)
        data = replace(data, sent_on=sent.on, differences=differences)
    return data, tuple(pid for pid, _ in included)


def sent_letter(session: Session, referral_id: str) -> bytes | None:
    """The Übermittlungsbogen exactly as it was sent (decrypted copy), or None when the
    referral was not sent (or was sent before copies were kept)."""
    sent = get(session, referral_id).send_step
    if sent is None or not sent.attachment_id:
        return None
    pdf = attachments.get(session.vault, sent.attachment_id)
    if sent.content_hash and hashlib.sha256(pdf).hexdigest() != sent.content_hash:
        raise UserError("Der gespeicherte Übermittlungsbogen ist beschädigt (Prüfsumme "
                        "stimmt nicht).")
    return pdf


def print_letter(session: Session, referral_id: str, *, new: bool = False) -> bytes:
    """The Übermittlungsbogen: once sent, the copy that was sent (a re-print reproduces
    it); before sending, or with `new`, a letter with only the data covered now (after
    sending it states how it differs from the sent one). Logged as `referral.print`
    (ids of the persons included, no content)."""
    if not new:
        copy = sent_letter(session, referral_id)
        if copy is not None:
            session.audit("referral.print", KIND, referral_id, "sent-copy")
            return copy
    data, included = letter_data(session, referral_id)
    pdf = letter.render_referral_letter(data, session.clock)
    session.audit("referral.print", KIND, referral_id, audit_detail(persons=list(included)))
    return pdf
