"""Consent lifecycle (Einwilligungen): prepare, print, sign, file the scan, withdraw, and
with the reading helpers of `casework.services.consent.catalog` (LR-28 … LR-33).

Typical flow: `check` (warnings for the dialog) → `prepare` → `print_form` (PDF, state
"gedruckt") → `record_signature` (or `record_oral` with a reason) → `file_scan`.
`withdraw` ends items for the future; `withdrawal_confirmation` prints the letter.
Other features call `casework.services.consent.transfer.may_transfer(...)` right before
they send, then `record_transfer`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache

from casework.clock import BERLIN, FixedClock, local_today
from casework.errors import NotFound, UserError, ValidationError
from casework.forms import consent as forms
from casework.forms import consent_withdrawal as withdrawal_form
from casework.models.changes import Changes
from casework.models.consent import (
    GIVEN_STATES,
    Capacity,
    Consent,
    ConsentCheck,
    ConsentDraft,
    ConsentStatus,
    EventKind,
    ProofState,
    Selection,
    check_consent,
    next_proof_state,
    withdrawal_items,
)
from casework.models.directory.profile import ConsentCatalog, Profile
from casework.models.households.person import Person
from casework.models.ids import WorkerId
from casework.services.consent import translations
from casework.services.consent.catalog import (
    catalog,
    profile,
    purpose_text,
    recipient_text,
    renewal_due_for,
)
from casework.services.directory.shipped import load_profile
from casework.services.session import Session
from casework.storage import attachments
from casework.storage import consent as store
from casework.storage import households as household_store
from casework.storage import persons as worker_store

WITHDRAWAL_CHANNELS = ("schriftlich", "mündlich", "telefonisch", "per E-Mail",
                       "persönlich vorgesprochen")
MIN_ORAL_REASON = 10
# Scans we accept: PDF, JPEG, PNG, TIFF (little/big endian).
_SCAN_MAGIC = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")
_TEMPLATE_CLOCK = FixedClock(datetime(2000, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """One line of a consent list (family tab or the Einwilligungen screen)."""

    consent: Consent
    person_name: str
    household_name: str
    status: ConsentStatus
    renewal_due: bool
    purposes: str  # German labels, joined
    recipients: str

    @property
    def id(self) -> str:
        return self.consent.id


# --------------------------------------------------------------------------- reading


def get(session: Session, consent_id: str) -> Consent:
    consent = store.get_consent(session.db, consent_id)
    if consent is None:
        raise NotFound("Die Einwilligung")
    return consent


def for_household(session: Session, household_id: str) -> list[Consent]:
    return store.consents_of_household(session.db, household_id)


def for_person(session: Session, person_id: str) -> list[Consent]:
    return store.consents_of_person(session.db, person_id)


def _purpose_texts(cat: ConsentCatalog, consent: Consent, keys: Sequence[str] | None = None,
                   ) -> list[str]:
    seen: dict[str, str] = {}
    for item in consent.items:
        if keys is None or item.purpose_key in keys:
            seen.setdefault(item.purpose_key, purpose_text(cat, item.purpose_key,
                                                           item.purpose_detail))
    return list(seen.values())


def _recipient_texts(cat: ConsentCatalog, consent: Consent,
                     keys: Sequence[str] | None = None) -> list[str]:
    seen: dict[str, str] = {}
    for item in consent.items:
        if keys is None or item.recipient_key in keys:
            seen.setdefault(item.recipient_key, recipient_text(cat, item.recipient_key,
                                                               item.recipient_detail))
    return list(seen.values())


def rows(session: Session, consents: Sequence[Consent], on: date | None = None,
         ) -> list[ConsentRow]:
    """List rows with names, status and the renewal flag on `on` (default today)."""
    day = on or local_today(session.clock)
    moment = _noon(day) if on is not None else session.clock.now()
    cat = catalog(session)
    names = store.person_names(session.db, [c.person_id for c in consents])
    # the household label, not the bare surname: families with the same surname (issue 18)
    labels = household_store.household_labels(
        session.db, sorted({c.household_id for c in consents}))
    out = []
    for c in consents:
        person_name, household_name = names.get(c.person_id, ("(gelöscht)", ""))
        household_name = labels.get(c.household_id, household_name)
        out.append(ConsentRow(
            c, person_name, household_name, c.status(moment), renewal_due_for(session, c, day),
            ", ".join(_purpose_texts(cat, c)), ", ".join(_recipient_texts(cat, c))))
    return out


def overview(session: Session, *, status: ConsentStatus | None = None,
             renewal_due: bool = False, withdrawn: bool = False,
             on: date | None = None) -> list[ConsentRow]:
    """All consents of the vault, newest first, optionally filtered: by status, those due
    for renewal at 16, those (partly) withdrawn."""
    result = rows(session, store.all_consents(session.db), on)
    if status is not None:
        result = [r for r in result if r.status is status]
    if renewal_due:
        result = [r for r in result if r.renewal_due]
    if withdrawn:
        result = [r for r in result if r.status in (ConsentStatus.WIDERRUFEN,
                                                    ConsentStatus.TEILWEISE_WIDERRUFEN)]
    return result


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=BERLIN)


def renewals_due(session: Session, on: date | None = None) -> list[ConsentRow]:
    """Guardians' consents whose child has turned 16 by `on` (default today): the young
    person should now consent personally (sources §4.4)."""
    return overview(session, renewal_due=True, on=on)


# --------------------------------------------------------------------------- preparing


def _subject_and_household(session: Session, person_id: str) -> tuple[Person, list[Person]]:
    person = household_store.get_person(session.db, person_id)
    if person is None:
        raise NotFound("Die Person")
    return person, household_store.persons_of(session.db, person.household_id)


def data_categories(session: Session) -> list[forms.ConsentChoice]:
    """The form's data boxes: the catalogue's ordinary categories, then the Art. 9 ones
    (`special`), which are processed only when ticked explicitly."""
    return list(forms.blank_consent_form_data(profile(session)).data_categories)


def _form_category_keys(prof: Profile) -> list[str]:
    return [c.key for c in forms.blank_consent_form_data(prof).data_categories]


def _validated(session: Session, draft: ConsentDraft) -> tuple[ConsentDraft, ConsentCheck,
                                                               Person]:
    subject, household = _subject_and_household(session, draft.person_id)
    prof = profile(session)
    clean, found = check_consent(draft, catalog=prof.consent, subject=subject,
                                 household=household, today=local_today(session.clock))
    keys = _form_category_keys(prof)
    if any(c.key not in keys for c in clean.data_categories):
        raise ValidationError("Datenkategorien", "enthält einen unbekannten Eintrag.")
    if not clean.data_categories and keys:
        # Default: the box "Ihre … Daten" or, for a child, "die Daten Ihres Kindes".
        child = clean.capacity is Capacity.GUARDIAN and len(prof.consent.data_categories) > 1
        clean = replace(clean, data_categories=(Selection(keys[1 if child else 0]),))
    return clean, found, subject


def check(session: Session, draft: ConsentDraft) -> ConsentCheck:
    """Validate without saving: age at the consent date and warnings to confirm (e.g. a
    young person under 14 consenting personally). Raises `ValidationError`."""
    return _validated(session, draft)[1]


@lru_cache(maxsize=8)
def _template_hash(profile_name: str, template_version: str) -> str:
    """SHA-256 of the blank form as rendered (deterministic for a fixed clock) (LR-30)."""
    del template_version  # part of the cache key: a new version re-renders
    pdf = forms.render_consent_form(forms.blank_consent_form_data(load_profile(profile_name)),
                                    _TEMPLATE_CLOCK)
    return hashlib.sha256(pdf).hexdigest()


def template_hash(session: Session) -> str:
    return blank_form_hash(session.profile_name)


def blank_form_hash(profile_name: str) -> str:
    """`template_hash` by the profile's name, without a session: rendered once per
    profile and template version (the demo renders it on a second thread while its
    load commits)."""
    return _template_hash(profile_name, load_profile(profile_name).consent.template_version)


def prepare(session: Session, draft: ConsentDraft) -> tuple[str, Changes]:
    """Record a consent in state "vorbereitet" with the template version and hash."""
    clean, found, subject = _validated(session, draft)
    version = catalog(session).template_version
    digest = template_hash(session)
    with session.db.transaction():
        cid = store.insert_consent(session.writer(), subject.household_id, clean,
                                   age=found.age, renewal_on=found.renewal_on,
                                   template_version=version, template_hash=digest)
    return cid, Changes.of("consent", cid)


# --------------------------------------------------------------------------- printing


def _worker_label(session: Session, worker_id: str | None) -> str:
    if not worker_id:
        return ""
    worker = worker_store.get_worker(session.db, worker_id)
    return "" if worker is None else f"{worker.name}, {worker.data.role.value}"


def form_data(session: Session, consent_id: str) -> forms.ConsentFormData:
    """The consent form for this consent: names filled in, chosen boxes ticked."""
    consent = get(session, consent_id)
    prof = profile(session)
    blank = forms.blank_consent_form_data(prof)
    purposes = {i.purpose_key: i.purpose_detail for i in consent.items}
    recipients = {i.recipient_key: i.recipient_detail for i in consent.items}
    categories = {c.key: c.detail for c in consent.data_categories}
    names = store.person_names(session.db, [consent.person_id, *consent.guardian_ids])
    person = household_store.get_person(session.db, consent.person_id)
    guardians: tuple[str, ...] = ()
    if consent.capacity is Capacity.GUARDIAN:
        guardians = tuple(names.get(g, ("", ""))[0] for g in consent.guardian_ids)
    given = consent.given_event
    return replace(
        blank,
        template_version=consent.template_version,
        purposes=forms.tick(blank.purposes, purposes),
        recipients=forms.tick(blank.recipients, recipients),
        data_categories=forms.tick(blank.data_categories, categories),
        subject=forms.DataSubject(names.get(consent.person_id, ("", ""))[0],
                                  person.data.birth.birth_date if person else None),
        signatory=forms.Signatory(forms.Capacity(consent.capacity.value), guardians),
        validity=forms.Validity(consent.valid_until),
        place=given.place if given else "",
        signed_on=consent.signed_on,
        obtained_by=_worker_label(session, given.obtained_by if given else session.actor_id),
        translation=translations.for_household(session, consent.household_id),
    )


def print_form(session: Session, consent_id: str) -> tuple[bytes, Changes]:
    """Render the filled-in form, keep an encrypted copy (LR-30: the filled instance),
    mark the consent "gedruckt" (a reprint after signing changes no state) and log the
    print in the access log."""
    consent = get(session, consent_id)
    state = consent.proof_state
    if state is ProofState.VERWEIGERT:
        raise ValidationError("Drucken", "Die Einwilligung wurde verweigert.")
    pdf = forms.render_consent_form(form_data(session, consent_id), session.clock)
    if state in GIVEN_STATES:  # a copy for the person: no state change, only the log
        session.audit("consent.print", "consent", consent.id, "copy")
        return pdf, Changes()
    next_proof_state(state, EventKind.PRINTED)
    attachment_id = attachments.put(session.vault, pdf)
    try:
        with session.db.transaction():
            store.insert_event(session.writer(), consent.id, consent.household_id,
                               EventKind.PRINTED, attachment_id=attachment_id,
                               content_hash=hashlib.sha256(pdf).hexdigest())
            session.audit("consent.print", "consent", consent.id, "form")
    except BaseException:
        attachments.delete(session.vault, attachment_id)
        raise
    return pdf, Changes.of("consent", consent.id)


def blank_form(session: Session) -> bytes:
    """The empty form for home visits (logged as a print without a record)."""
    pdf = forms.render_consent_form(forms.blank_consent_form_data(profile(session)),
                                    session.clock)
    session.audit("consent.print", "consent", "", "blank")
    return pdf


# --------------------------------------------------------------------------- proof


def _check_still_valid(session: Session, consent: Consent, on: date) -> int | None:
    """Re-run the minors' and custody rules for the actual date of the signature."""
    subject, household = _subject_and_household(session, consent.person_id)
    draft = ConsentDraft(
        person_id=consent.person_id,
        purposes=tuple(Selection(k, next(i.purpose_detail for i in consent.items
                                          if i.purpose_key == k))
                       for k in consent.purpose_keys()),
        recipients=tuple(Selection(k, next(i.recipient_detail for i in consent.items
                                            if i.recipient_key == k))
                         for k in consent.recipient_keys()),
        capacity=consent.capacity, guardian_ids=consent.guardian_ids,
        single_guardian_reason=consent.single_guardian_reason, insight=consent.insight,
        consent_date=on, valid_from=max(on, consent.valid_from),
        valid_until=consent.valid_until)
    _, found = check_consent(draft, catalog=catalog(session), subject=subject,
                             household=household, today=local_today(session.clock))
    return found.age


def _given_date(session: Session, field: str, on: date) -> None:
    if on > local_today(session.clock):
        raise ValidationError(field, "liegt in der Zukunft.")


def _obtainer(session: Session, obtained_by: str | None) -> WorkerId:
    worker_id = WorkerId(obtained_by) if obtained_by else session.actor_id
    if worker_store.get_worker(session.db, worker_id) is None:
        raise ValidationError("Eingeholt von", "ist in dieser Akte nicht vorhanden.")
    return worker_id


def record_signature(session: Session, consent_id: str, *, signed_on: date,
                     obtained_by: str | None = None, place: str = "") -> Changes:
    """The signed form is back: date, who obtained it (default: the acting worker)."""
    _given_date(session, "Datum der Unterschrift", signed_on)
    with session.db.transaction():
        consent = get(session, consent_id)
        next_proof_state(consent.proof_state, EventKind.SIGNED)
        age = _check_still_valid(session, consent, signed_on)
        store.insert_event(session.writer(), consent.id, consent.household_id,
                           EventKind.SIGNED, on=signed_on,
                           obtained_by=_obtainer(session, obtained_by), age=age,
                           place=" ".join(place.split()))
    return Changes.of("consent", consent_id)


def record_oral(session: Session, consent_id: str, *, given_on: date, reason: str,
                obtained_by: str | None = None) -> Changes:
    """Oral consent, only with the special circumstances documented (§ 67b Abs. 2 SGB X,
    LR-30)."""
    reason = reason.strip()
    if len(reason) < MIN_ORAL_REASON:
        raise ValidationError(
            "Begründung (mündliche Einwilligung)",
            "Mündlich nur bei besonderen Umständen – bitte die Umstände festhalten.")
    _given_date(session, "Datum der Einwilligung", given_on)
    with session.db.transaction():
        consent = get(session, consent_id)
        next_proof_state(consent.proof_state, EventKind.ORAL)
        age = _check_still_valid(session, consent, given_on)
        store.insert_event(session.writer(), consent.id, consent.household_id, EventKind.ORAL,
                           on=given_on, obtained_by=_obtainer(session, obtained_by),
                           reason=reason, age=age)
    return Changes.of("consent", consent_id)


def file_scan(session: Session, consent_id: str, data: bytes) -> Changes:
    """File the scan of the signed form as an encrypted attachment."""
    if not data.startswith(_SCAN_MAGIC):
        raise ValidationError("Scan", "Bitte eine PDF-, JPEG-, PNG- oder TIFF-Datei wählen.")
    consent = get(session, consent_id)
    next_proof_state(consent.proof_state, EventKind.SCAN)
    attachment_id = attachments.put(session.vault, data)
    try:
        with session.db.transaction():
            current = get(session, consent_id)  # re-read inside the transaction
            next_proof_state(current.proof_state, EventKind.SCAN)
            store.insert_event(session.writer(), consent.id, consent.household_id,
                               EventKind.SCAN, attachment_id=attachment_id,
                               content_hash=hashlib.sha256(data).hexdigest())
    except BaseException:
        attachments.delete(session.vault, attachment_id)
        raise
    return Changes.of("consent", consent_id)


def scan(session: Session, consent_id: str) -> bytes:
    """The filed scan (decrypted); viewing it is logged."""
    consent = get(session, consent_id)
    attachment_id = consent.scan_attachment_id
    if attachment_id is None:
        raise UserError("Zu dieser Einwilligung ist kein Scan abgelegt.")
    data = attachments.get(session.vault, attachment_id)
    session.audit("consent.scan_view", "consent", consent.id)
    return data


def refuse(session: Session, consent_id: str, *, on: date, reason: str = "") -> Changes:
    """The person declined (or the draft is abandoned): the consent never takes effect."""
    _given_date(session, "Datum", on)
    with session.db.transaction():
        consent = get(session, consent_id)
        next_proof_state(consent.proof_state, EventKind.REFUSED)
        store.insert_event(session.writer(), consent.id, consent.household_id,
                           EventKind.REFUSED, on=on, reason=reason.strip())
    return Changes.of("consent", consent_id)


# --------------------------------------------------------------------------- withdrawal


def withdraw(session: Session, consent_id: str, *, total: bool,
             purposes: Sequence[str] = (), recipients: Sequence[str] = (),
             received_on: date | None = None, via: str = "schriftlich",
             declared_by: str = "", capacity: Capacity | None = None,
             note: str = "") -> tuple[str, Changes]:
    """Record a withdrawal in one step (LR-31): total, or partial by purposes and/or
    recipients. Effective immediately, for the future only: every later `may_transfer`
    for the withdrawn pairs says no; the history stays. Returns the withdrawal's id (for
    `withdrawal_confirmation`)."""
    today = local_today(session.clock)
    received = received_on or today
    if received > today:
        raise ValidationError("Eingegangen am", "liegt in der Zukunft.")
    if via not in WITHDRAWAL_CHANNELS:
        raise ValidationError("Eingegangen", f"bitte eine der Angaben wählen: "
                                             f"{', '.join(WITHDRAWAL_CHANNELS)}.")
    with session.db.transaction():
        consent = get(session, consent_id)
        if consent.proof_state not in GIVEN_STATES:
            raise ValidationError(
                "Widerruf", "Die Einwilligung ist noch nicht erteilt. Einen Entwurf bitte "
                "als „verweigert“ abschließen.")
        item_ids = withdrawal_items(consent, total=total, purposes=purposes,
                                    recipients=recipients)
        who = " ".join(declared_by.split()) or _default_declarant(session, consent)
        event_id = store.insert_event(
            session.writer(), consent.id, consent.household_id, EventKind.WITHDRAWN,
            on=received, via=via, declared_by=who,
            capacity=(capacity or consent.capacity).value, total=total, item_ids=item_ids,
            purposes=() if total else tuple(purposes),
            recipients=() if total else tuple(recipients), reason=note.strip())
        session.audit("consent.withdraw", "consent", consent.id,
                      "total" if total else "partial")
    return event_id, Changes.of("consent", consent.id)


def _default_declarant(session: Session, consent: Consent) -> str:
    ids = consent.guardian_ids if consent.capacity is Capacity.GUARDIAN else (consent.person_id,)
    names = store.person_names(session.db, list(ids))
    return " / ".join(names[i][0] for i in ids if i in names)


def withdrawal_confirmation(session: Session, withdrawal_id: str) -> bytes:
    """The printable confirmation of a recorded withdrawal (logged as a print)."""
    consent_id = store.consent_of_event(session.db, withdrawal_id)
    if consent_id is None:
        raise NotFound("Der Widerruf")
    consent = get(session, consent_id)
    event = next(e for e in consent.events if e.id == withdrawal_id)
    if event.kind is not EventKind.WITHDRAWN:
        raise NotFound("Der Widerruf")
    prof = profile(session)
    cat = prof.consent
    person = household_store.get_person(session.db, consent.person_id)
    names = store.person_names(session.db, [consent.person_id])
    upto = consent.events[: consent.events.index(event) + 1]  # events are in HLC order
    ended = {i for e in upto if e.kind is EventKind.WITHDRAWN for i in e.item_ids}
    after = [i for i in consent.items if i.id not in ended]
    if event.total:
        gone_p = _purpose_texts(cat, consent)
        gone_r = _recipient_texts(cat, consent)
    else:
        gone_p = _purpose_texts(cat, consent, event.purposes)
        gone_r = _recipient_texts(cat, consent, event.recipients)
    remaining_p = list(dict.fromkeys(purpose_text(cat, i.purpose_key, i.purpose_detail)
                                     for i in after))
    remaining_r = list(dict.fromkeys(recipient_text(cat, i.recipient_key, i.recipient_detail)
                                     for i in after))
    data = withdrawal_form.WithdrawalConfirmationData(
        organisation=prof.organisation,
        subject=forms.DataSubject(names.get(consent.person_id, ("", ""))[0],
                                  person.data.birth.birth_date if person else None),
        declared_by=event.declared_by,
        capacity=forms.Capacity((event.capacity or consent.capacity).value),
        scope=(withdrawal_form.WithdrawalScope.TOTAL if event.total
               else withdrawal_form.WithdrawalScope.PARTIAL),
        received_on=event.on or event.at.astimezone(BERLIN).date(),
        received_via=event.via,
        effective_on=event.at.astimezone(BERLIN).date(),
        withdrawn_purposes=tuple(gone_p), withdrawn_recipients=tuple(gone_r),
        remaining_purposes=tuple(remaining_p), remaining_recipients=tuple(remaining_r),
        consent_given_on=consent.signed_on, place=prof.city,
        confirmed_by=_worker_label(session, session.actor_id),
        address_lines=_letter_address(session, consent.household_id, event.declared_by),
        translation=translations.for_household(session, consent.household_id))
    pdf = withdrawal_form.render_withdrawal_confirmation(data, session.clock)
    session.audit("consent.print", "consent", consent.id, "withdrawal")
    return pdf


def _letter_address(session: Session, household_id: str, name: str) -> tuple[str, ...]:
    """Name, street and town for the window envelope; () without a street."""
    household = household_store.get_household(session.db, household_id)
    if household is None or not household.data.street.strip():
        return ()
    d = household.data
    return (name, d.street, " ".join(p for p in (d.plz, d.city) if p))
