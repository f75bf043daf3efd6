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
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from casework.clock import local_today
from casework.errors import NotFound, PermissionDenied, UserError, ValidationError
from casework.forms import referrals as letter
from casework.models.changes import Changes
from casework.models.consent import Capacity, TransferDecision
from casework.models.directory.profile import Profile, resolve_district
from casework.models.referrals import (
    CLOSED_STATES,
    EDITABLE_STATES,
    FOLLOW_UP,
    MAX_TEXT,
    MIN_REASON,
    OPEN_STATES,
    Recipient,
    RecipientKind,
    Referral,
    ReferralDraft,
    ReferralState,
    ShareField,
    StatutoryTransfer,
    asd_recipient,
    check_transition,
    partner_recipient,
)
from casework.services.consent import catalog as consent_catalog
from casework.services.consent import lifecycle as consent_service
from casework.services.consent import transfer as consent_transfer
from casework.services.directory import vault_profile as directory
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import households as household_store
from casework.storage import persons as worker_store
from casework.storage import referrals as store

KIND = "referral"
SEND_FOLLOW_UP_DAYS = 14  # default Wiedervorlage after sending
FREE_GROUP = "sonstige Stelle (freie Angabe)"  # statistics: free entries are not named


# --------------------------------------------------------------------------- reading


def profile(session: Session) -> Profile:
    """The vault's active directory (edited copy or shipped profile)."""
    return directory.active_profile(session)


def get(session: Session, referral_id: str) -> Referral:
    found = store.get_referral(session.db, referral_id)
    if found is None:
        raise NotFound("Die Vermittlung")
    return found


def for_household(session: Session, household_id: str) -> list[Referral]:
    """The household's referrals, newest first."""
    return store.referrals_of_household(session.db, household_id)


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


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """One line of a referral list."""

    referral: Referral
    household_name: str
    state: ReferralState
    age_days: int  # since the last step
    follow_up_on: date | None

    @property
    def id(self) -> str:
        return self.referral.id

    @property
    def recipient(self) -> str:
        return self.referral.data.recipient.label


def rows(session: Session, referrals: Sequence[Referral], on: date | None = None,
         ) -> list[ReferralRow]:
    today = on or local_today(session.clock)
    # the household label, not the bare surname: families with the same surname (issue 18)
    names = household_store.household_labels(
        session.db, sorted({r.data.household_id for r in referrals}))
    return [ReferralRow(r, names.get(r.data.household_id, ""), r.state, r.age_days(today),
                        r.follow_up_on) for r in referrals]


def overview(session: Session, *, state: ReferralState | None = None,
             recipient: str = "", open_only: bool = True, min_age_days: int = 0,
             on: date | None = None) -> list[ReferralRow]:
    """Referrals of the vault for the Vermittlungen screen, longest-resting first;
    filtered by state, recipient label (exact) and minimum age (days since last step)."""
    found = rows(session, store.all_referrals(session.db), on)
    if open_only:
        found = [r for r in found if r.state in OPEN_STATES]
    if state is not None:
        found = [r for r in found if r.state is state]
    if recipient:
        found = [r for r in found if r.recipient == recipient]
    found = [r for r in found if r.age_days >= min_age_days]
    found.sort(key=lambda r: (-r.age_days, r.referral.referred_on))
    return found


@dataclass(frozen=True, slots=True)
class ReferralFollowUp:
    referral_id: str
    household_id: str
    household_name: str
    recipient: str
    state: ReferralState
    due_on: date

    def overdue_days(self, on: date) -> int:
        return max((on - self.due_on).days, 0)


def follow_ups_due(session: Session, on: date | None = None) -> list[ReferralFollowUp]:
    """Open referrals whose Wiedervorlage is due on `on` (default today) or overdue,
    oldest first — for the Heute screen."""
    day = on or local_today(session.clock)
    out = [ReferralFollowUp(r.id, r.referral.data.household_id, r.household_name,
                            r.recipient, r.state, r.follow_up_on)
           for r in rows(session, store.all_referrals(session.db), day)
           if r.state in OPEN_STATES and r.follow_up_on is not None and r.follow_up_on <= day]
    out.sort(key=lambda f: (f.due_on, f.household_name))
    return out


@dataclass(frozen=True, slots=True)
class RecipientStatistics:
    recipient: str  # "ASD Bezirk 6", a partner's name, or FREE_GROUP
    kind: RecipientKind
    total: int
    by_outcome: tuple[tuple[str, int], ...]  # (state label, count), in lifecycle order

    def count(self, state: ReferralState) -> int:
        return dict(self.by_outcome).get(state.value, 0)


def statistics(session: Session, von: date, bis: date) -> list[RecipientStatistics]:
    """Referrals proposed between `von` and `bis` (inclusive) per recipient, counted by
    their state at the end of `bis` (steps dated after `bis` are ignored). Free entries are
    grouped as FREE_GROUP; no person or household data (LR-39)."""
    if bis < von:
        raise ValidationError("Zeitraum", "das Ende liegt vor dem Beginn.")
    groups: dict[tuple[str, RecipientKind], Counter[str]] = {}
    for ref in store.referred_between(session.db, von, bis):
        rec = ref.data.recipient
        label = FREE_GROUP if rec.kind is RecipientKind.FREI else rec.label
        state = ReferralState.VORGESCHLAGEN
        for step in ref.steps:
            if step.state is not None and step.on <= bis:
                state = step.state
        groups.setdefault((label, rec.kind), Counter())[state.value] += 1
    order = [s.value for s in ReferralState]
    out = [RecipientStatistics(label, kind, sum(c.values()),
                               tuple((s, c[s]) for s in order if c[s]))
           for (label, kind), c in groups.items()]
    out.sort(key=lambda s: (list(RecipientKind).index(s.kind), -s.total, s.recipient))
    return out


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


def _person_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
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
    return _check(session, get(session, referral_id), at)


def _check(session: Session, ref: Referral, at: datetime | None = None) -> TransferCheck:
    d = ref.data
    names = _person_names(session, d.person_ids)
    checks = []
    for pid in (p for p in d.person_ids if p in names):
        decision = consent_transfer.may_transfer(
            session, pid, d.purpose_key, d.recipient.consent_recipient, at,
            purpose_detail=d.purpose_detail or None,
            recipient_detail=d.recipient.consent_detail)
        checks.append(PersonCheck(pid, names[pid], decision))
    return TransferCheck(ref.id, tuple(checks))


def _audit_detail(**values: object) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


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
    found = _check(session, ref)
    if not found.persons:
        raise ValidationError("Personen", found.message_de())
    sent_ids = [p.person_id for p in found.persons]
    if clean_basis is None and not found.allowed:
        session.audit("referral.send_refused", KIND, ref.id, _audit_detail(
            blocked=[p.person_id for p in found.blocked]))
        raise PermissionDenied(found.message_de())
    # The Übermittlungsbogen exactly as it goes out, kept encrypted with the sending step
    # (issue 19): a re-print reproduces it, even after a later withdrawal.
    if clean_basis is not None:
        included = [(pid, f"{clean_basis.basis.value} (ohne Einwilligung)") for pid in sent_ids]
        legal = _statutory_legal(clean_basis)
    else:
        included = [(p.person_id, _consent_reference(session, p.decision))
                    for p in found.persons if p.decision.allowed]
        legal = _consent_legal(session, ref)
    sent_pdf = letter.render_referral_letter(
        _letter(session, ref, included, legal, day), session.clock)
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
        session.audit("referral.send", KIND, ref.id, _audit_detail(
            basis=clean_basis.basis.name if clean_basis else "consent",
            persons=sent_ids, consents=[c for _, c in refs]))


# --------------------------------------------------------------------------- letter

_PRINTABLE = frozenset(ReferralState) - {ReferralState.VORGESCHLAGEN,
                                          ReferralState.ZURUECKGEZOGEN}


def _consent_reference(session: Session, decision: TransferDecision) -> str:
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


def _statutory_legal(statutory: StatutoryTransfer) -> tuple[str, ...]:
    return (f"Übermittlung ohne Einwilligung auf gesetzlicher Grundlage: "
            f"{statutory.basis.value}.", statutory.notice_text() + ".")


def _consent_legal(session: Session, ref: Referral) -> tuple[str, ...]:
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


def _letter(session: Session, ref: Referral, included: Sequence[tuple[str, str]],
            legal: tuple[str, ...], on: date) -> letter.ReferralLetterData:
    if not included:
        raise PermissionDenied("Für keine Person dieser Vermittlung liegt eine gültige "
                               "Einwilligung vor; der Bogen wird nicht erstellt.")
    d = ref.data
    prof = profile(session)
    names = _person_names(session, d.person_ids)
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
    names = _person_names(session, ref.data.person_ids)
    included: list[tuple[str, str]] = []  # (person id, basis text)
    if statutory is not None:
        for pid in sent.sent_person_ids if sent is not None else ():
            if pid in names:
                included.append((pid, f"{statutory.basis.value} (ohne Einwilligung)"))
        legal = _statutory_legal(statutory)
    else:
        for p in _check(session, ref).persons:
            if p.decision.allowed:
                included.append((p.person_id, _consent_reference(session, p.decision)))
        legal = _consent_legal(session, ref)
    data = _letter(session, ref, included, legal, local_today(session.clock))
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
    session.audit("referral.print", KIND, referral_id, _audit_detail(persons=list(included)))
    return pdf

