"""Consent (Einwilligung): who consents to what, for whom, and what proves it.

A consent is one declaration for one data subject (a person; for a child given by the
Personensorgeberechtigte) covering an explicit selection of purposes × recipients from the
profile's catalogue. Each purpose × recipient pair is a `ConsentItem` with its own fate
(withdrawn or not); there is no "all purposes" flag anywhere, so a blanket consent cannot
be expressed (LR-28, ErwG 32/43).

Proof and withdrawal are append-only events (LR-30, LR-31): vorbereitet → gedruckt →
unterschrieben → Scan abgelegt, or mündlich (with a documented reason) or verweigert;
a withdrawal (total or partial) only ever adds an event and acts for the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.directory.profile import ConsentCatalog, ConsentPurpose, ConsentRecipient
from casework.models.households.person import BirthInfo, HouseholdRole, Person
from casework.models.ids import HouseholdId, PersonId, WorkerId

ConsentId = str
ADULT_AGE = 18
MAX_DETAIL = 300
MAX_REASON = 2000


class Capacity(StrEnum):
    """Who declares the consent (values match `casework.forms.consent.Capacity`)."""

    SELF = "selbst"
    GUARDIAN = "personensorgeberechtigt"


class ProofState(StrEnum):
    VORBEREITET = "vorbereitet"
    GEDRUCKT = "gedruckt"
    UNTERSCHRIEBEN = "unterschrieben"
    SCAN_ABGELEGT = "Scan abgelegt"
    MUENDLICH = "mündlich erteilt"
    VERWEIGERT = "verweigert"


class EventKind(StrEnum):
    PREPARED = "prepared"
    PRINTED = "printed"
    SIGNED = "signed"
    ORAL = "oral"
    SCAN = "scan"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


EVENT_LABELS = {
    EventKind.PREPARED: "vorbereitet",
    EventKind.PRINTED: "gedruckt",
    EventKind.SIGNED: "Unterschrift erfasst",
    EventKind.ORAL: "mündlich erteilt",
    EventKind.SCAN: "Scan abgelegt",
    EventKind.REFUSED: "verweigert",
    EventKind.WITHDRAWN: "widerrufen",
}

# The proof state machine (LR-30). Withdrawal is not a proof step: see `Consent.status`.
_TRANSITIONS: dict[ProofState, dict[EventKind, ProofState]] = {
    ProofState.VORBEREITET: {
        EventKind.PRINTED: ProofState.GEDRUCKT,
        EventKind.ORAL: ProofState.MUENDLICH,
        EventKind.REFUSED: ProofState.VERWEIGERT,
    },
    ProofState.GEDRUCKT: {
        EventKind.PRINTED: ProofState.GEDRUCKT,  # a reprint stays "gedruckt"
        EventKind.SIGNED: ProofState.UNTERSCHRIEBEN,
        EventKind.ORAL: ProofState.MUENDLICH,
        EventKind.REFUSED: ProofState.VERWEIGERT,
    },
    ProofState.UNTERSCHRIEBEN: {EventKind.SCAN: ProofState.SCAN_ABGELEGT},
    ProofState.SCAN_ABGELEGT: {},
    ProofState.MUENDLICH: {},
    ProofState.VERWEIGERT: {},
}

GIVEN_STATES = frozenset({ProofState.UNTERSCHRIEBEN, ProofState.SCAN_ABGELEGT,
                          ProofState.MUENDLICH})


def next_proof_state(current: ProofState, kind: EventKind) -> ProofState:
    """The state after `kind`, or a `ValidationError` naming the required order."""
    target = _TRANSITIONS[current].get(kind)
    if target is None:
        raise ValidationError(
            "Nachweis",
            f"„{EVENT_LABELS[kind]}“ ist im Stand „{current.value}“ nicht möglich. "
            "Reihenfolge: vorbereitet → gedruckt → unterschrieben → Scan abgelegt "
            "(mündlich nur mit Begründung).",
        )
    return target


class ConsentStatus(StrEnum):
    ENTWURF = "in Vorbereitung"
    VERWEIGERT = "verweigert"
    NOCH_NICHT_GUELTIG = "noch nicht gültig"
    GUELTIG = "gültig"
    TEILWEISE_WIDERRUFEN = "teilweise widerrufen"
    WIDERRUFEN = "widerrufen"
    ABGELAUFEN = "abgelaufen"


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True, slots=True)
class Selection:
    """One ticked box: a catalogue key and the text on its fill-in line."""

    key: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class InsightAssessment:
    """Einsichtsfähigkeit of a minor who consents personally (LR-33): who judged, why."""

    assessed_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConsentDraft:
    person_id: PersonId
    purposes: tuple[Selection, ...]
    recipients: tuple[Selection, ...]
    capacity: Capacity
    guardian_ids: tuple[PersonId, ...] = ()
    single_guardian_reason: str = ""  # joint custody, only one signs: why (§ 1687 BGB)
    insight: InsightAssessment | None = None
    data_categories: tuple[Selection, ...] = ()  # keys of the form's data boxes
    consent_date: date | None = None  # the day it is (to be) given; None: today
    valid_from: date | None = None  # None: the consent date
    valid_until: date | None = None  # None: until withdrawn
    note: str = ""


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """What validation found besides hard errors (shown before saving)."""

    age: int | None
    warnings: tuple[str, ...]
    renewal_on: date | None  # guardians' consent: the day the child turns 16


def date_turning(birth: BirthInfo, years: int) -> date | None:
    """The first day on which `birth.age_years` reaches `years` (None if unknown)."""
    if birth.birth_date is not None:
        turned: date = birth.birth_date + relativedelta(years=years)
        return turned
    if birth.birth_year is not None:  # year only: age_years is a lower bound
        return date(birth.birth_year + years + 1, 1, 1)
    if birth.due_date is not None:
        expected: date = birth.due_date + relativedelta(years=years)
        return expected
    return None


def age_on(person: Person, on: date) -> int | None:
    """Completed years on `on`; 0 for an unborn child; None if unknown."""
    if person.data.birth.unborn:
        return 0
    return person.data.birth.age_years(on)


def _clean_selections(field: str, chosen: Sequence[Selection],
                      catalog: Sequence[ConsentPurpose] | Sequence[ConsentRecipient],
                      ) -> tuple[Selection, ...]:
    if not chosen:
        raise ValidationError(
            field, "Mindestens einen Eintrag ankreuzen – eine pauschale Einwilligung in "
            "„alles“ gibt es nicht.")
    by_key = {entry.key: entry for entry in catalog}
    seen: set[str] = set()
    out: list[Selection] = []
    for sel in chosen:
        entry = by_key.get(sel.key)
        if entry is None:
            raise ValidationError(field, "enthält einen Eintrag, den das Formular nicht kennt.")
        if sel.key in seen:
            raise ValidationError(field, f"„{entry.label}“ ist doppelt angekreuzt.")
        seen.add(sel.key)
        detail = " ".join(sel.detail.split())
        if len(detail) > MAX_DETAIL:
            raise ValidationError(field, f"Angabe zu „{entry.label}“ ist zu lang.")
        if has_line(entry.label, entry.detail_label) and not detail:
            raise ValidationError(
                field, f"Bei „{entry.label.rstrip(':')}“ bitte angeben, "
                f"{(entry.detail_label or 'was genau').rstrip(':')} (konkreter Zweck/Empfänger).")
        out.append(Selection(sel.key, detail))
    order = {key: i for i, key in enumerate(by_key)}
    return tuple(sorted(out, key=lambda s: order[s.key]))


def has_line(label: str, detail_label: str) -> bool:
    """Whether the form has a fill-in line for this box (same rule as the PDF)."""
    return bool(detail_label) or label.rstrip().endswith(":")


def check_consent(draft: ConsentDraft, *, catalog: ConsentCatalog, subject: Person,
                  household: Sequence[Person], today: date) -> tuple[ConsentDraft, ConsentCheck]:
    """Validate `draft` against the catalogue and the minors' rules (LR-28, LR-33).

    Returns the cleaned draft (dates filled in) and the age and warnings; raises
    `ValidationError` naming the field for everything that must not be saved.
    """
    purposes = _clean_selections("Zwecke", draft.purposes, catalog.purposes)
    recipients = _clean_selections("Empfänger", draft.recipients, catalog.recipients)
    consent_date = draft.consent_date or today
    valid_from = draft.valid_from or consent_date
    if valid_from < consent_date:
        raise ValidationError("Gültig ab", "kann nicht vor dem Einwilligungsdatum liegen "
                                           "(eine Einwilligung wirkt nur für die Zukunft).")
    if draft.valid_until is not None and draft.valid_until < valid_from:
        raise ValidationError("Gültig bis", "liegt vor „Gültig ab“.")
    categories = tuple(Selection(c.key, " ".join(c.detail.split()))
                       for c in draft.data_categories)
    if len({c.key for c in categories}) != len(categories):
        raise ValidationError("Datenkategorien", "enthält einen Eintrag doppelt.")

    age = age_on(subject, consent_date)
    if age is None and subject.data.role is HouseholdRole.KIND:
        raise ValidationError(
            "Geburtsdatum", "fehlt: Für die Einwilligung eines Kindes muss das Alter am "
            "Einwilligungsdatum feststehen.")
    minor = age is not None and age < ADULT_AGE
    warnings: list[str] = []
    by_key = {p.key: p for p in catalog.purposes}
    guardian_purposes = [by_key[s.key] for s in purposes
                         if by_key[s.key].guardians_required_under is not None]
    guardian_ids = tuple(dict.fromkeys(draft.guardian_ids))
    single_reason = draft.single_guardian_reason.strip()
    insight = draft.insight
    renewal_on: date | None = None

    if draft.capacity is Capacity.GUARDIAN:
        if not minor:
            raise ValidationError(
                "Einwilligende Person", "Volljährige willigen selbst ein; "
                "Personensorgeberechtigte nur bei Minderjährigen.")
        if not guardian_ids:
            raise ValidationError("Personensorgeberechtigte", "mindestens eine Person wählen.")
        if len(guardian_ids) > 2:
            raise ValidationError("Personensorgeberechtigte", "höchstens zwei Personen.")
        custodians = [p for p in household if p.data.custody and p.id != subject.id]
        if not custodians:
            raise ValidationError(
                "Personensorgeberechtigte", "Im Haushalt ist niemand als personensorge"
                "berechtigt erfasst. Bitte zuerst bei den Personen eintragen.")
        custodian_ids = {p.id for p in custodians}
        if any(g not in custodian_ids for g in guardian_ids):
            raise ValidationError("Personensorgeberechtigte",
                                  "nur Personen des Haushalts mit Personensorge wählen.")
        # § 1687 BGB / LR-33: with joint custody both sign, or we document why one suffices.
        if len(custodians) >= 2 and len(guardian_ids) < 2 and not single_reason:
            raise ValidationError(
                "Begründung (nur ein Elternteil)",
                "Bei gemeinsamer Sorge beide Personensorgeberechtigten erfassen oder "
                "begründen, warum die Einwilligung einer Person genügt.")
        if len(guardian_ids) >= 2:
            single_reason = ""
        renewal_on = date_turning(subject.data.birth, catalog.min_age_self_consent_digital)
        if age is not None and age >= catalog.min_age_self_consent_digital:
            warnings.append(
                f"Ab {catalog.min_age_self_consent_digital} Jahren willigen Jugendliche in "
                "der Regel selbst ein. Bitte prüfen, ob die Einwilligung der Person selbst "
                "eingeholt werden sollte.")
    else:
        if guardian_ids:
            raise ValidationError("Personensorgeberechtigte",
                                  "bei eigener Einwilligung keine angeben.")
        single_reason = ""
        if minor:
            assert age is not None
            for purpose in guardian_purposes:
                limit = purpose.guardians_required_under
                if limit is not None and age < limit:
                    raise ValidationError(
                        "Einwilligende Person",
                        f"Für „{purpose.label.rstrip(':')}“ ist bei unter {limit}-Jährigen "
                        "die Einwilligung der Personensorgeberechtigten nötig.")
            needs_insight = any(by_key[s.key].guardians_required_under is None
                                for s in purposes)
            if needs_insight:
                if insight is None or not insight.assessed_by.strip() \
                        or not insight.reason.strip():
                    raise ValidationError(
                        "Einsichtsfähigkeit",
                        "Bei Minderjährigen festhalten, wer die Einsichtsfähigkeit beurteilt "
                        "hat und warum.")
                if age < catalog.insight_warning_age:
                    warnings.append(
                        f"Die Person ist am Einwilligungsdatum jünger als "
                        f"{catalog.insight_warning_age} Jahre. Die Einsichtsfähigkeit besonders "
                        "sorgfältig prüfen; im Zweifel die Personensorgeberechtigten "
                        "einwilligen lassen.")
    if insight is not None:
        insight = InsightAssessment(insight.assessed_by.strip(), insight.reason.strip())
        if not insight.assessed_by and not insight.reason:
            insight = None
        elif len(insight.reason) > MAX_REASON:
            raise ValidationError("Einsichtsfähigkeit", "Begründung ist zu lang.")
    clean = ConsentDraft(
        person_id=draft.person_id, purposes=purposes, recipients=recipients,
        capacity=Capacity(draft.capacity), guardian_ids=guardian_ids,
        single_guardian_reason=single_reason, insight=insight if minor else None,
        data_categories=categories, consent_date=consent_date, valid_from=valid_from,
        valid_until=draft.valid_until, note=draft.note.strip())
    return clean, ConsentCheck(age, tuple(warnings), renewal_on)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ConsentItem:
    """One purpose × recipient pair of a consent."""

    id: str
    purpose_key: str
    purpose_detail: str
    recipient_key: str
    recipient_detail: str


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    id: str
    kind: EventKind
    at: datetime  # when it was recorded (UTC)
    recorded_by: WorkerId
    on: date | None = None  # signature / oral / refusal / receipt date
    obtained_by: WorkerId | None = None  # who obtained the signature
    reason: str = ""  # oral: special circumstances; refusal; withdrawal note
    via: str = ""  # withdrawal: schriftlich, mündlich, telefonisch, per E-Mail
    declared_by: str = ""  # withdrawal: who declared it (name)
    capacity: Capacity | None = None  # withdrawal: in what capacity
    total: bool = False  # withdrawal: the whole consent
    item_ids: tuple[str, ...] = ()  # withdrawal: the items it ends
    purposes: tuple[str, ...] = ()  # withdrawal: purpose keys named (partial)
    recipients: tuple[str, ...] = ()  # withdrawal: recipient keys named (partial)
    attachment_id: str | None = None  # printed PDF or signed scan (encrypted)
    content_hash: str = ""  # SHA-256 of the printed PDF / scan
    age: int | None = None  # subject's age on `on` (signature)
    place: str = ""


@dataclass(frozen=True, slots=True)
class Consent:
    id: ConsentId
    household_id: HouseholdId
    person_id: PersonId
    capacity: Capacity
    guardian_ids: tuple[PersonId, ...]
    single_guardian_reason: str
    insight: InsightAssessment | None
    data_categories: tuple[Selection, ...]
    consent_date: date
    valid_from: date
    valid_until: date | None
    age_at_consent: int | None
    renewal_on: date | None
    template_version: str
    template_hash: str
    note: str
    created_at: str
    created_by: WorkerId
    items: tuple[ConsentItem, ...]
    events: tuple[ConsentEvent, ...]  # oldest first

    @property
    def proof_state(self) -> ProofState:
        state = ProofState.VORBEREITET
        for event in self.events:
            if event.kind in (EventKind.PREPARED, EventKind.WITHDRAWN):
                continue
            state = _TRANSITIONS[state].get(event.kind, state)
        return state

    @property
    def given_event(self) -> ConsentEvent | None:
        return next((e for e in self.events if e.kind in (EventKind.SIGNED, EventKind.ORAL)),
                    None)

    @property
    def signed_on(self) -> date | None:
        event = self.given_event
        return None if event is None else event.on

    @property
    def is_given(self) -> bool:
        return self.proof_state in GIVEN_STATES

    @property
    def effective_from(self) -> date | None:
        signed = self.signed_on
        if signed is None or not self.is_given:
            return None
        return max(signed, self.valid_from)

    @property
    def withdrawals(self) -> tuple[ConsentEvent, ...]:
        return tuple(e for e in self.events if e.kind is EventKind.WITHDRAWN)

    @property
    def scan_attachment_id(self) -> str | None:
        return next((e.attachment_id for e in reversed(self.events)
                     if e.kind is EventKind.SCAN), None)

    def withdrawal_of(self, item_id: str) -> ConsentEvent | None:
        return next((e for e in self.withdrawals if item_id in e.item_ids), None)

    def open_items(self, at: datetime | None = None) -> tuple[ConsentItem, ...]:
        """Items not withdrawn (at `at`; None: ever)."""
        out = []
        for item in self.items:
            w = self.withdrawal_of(item.id)
            if w is None or (at is not None and w.at > at):
                out.append(item)
        return tuple(out)

    def in_validity(self, at: datetime) -> bool:
        start = self.effective_from
        if start is None:
            return False
        day = at.astimezone(BERLIN).date()
        return start <= day and (self.valid_until is None or day <= self.valid_until)

    def item_active(self, item: ConsentItem, at: datetime) -> bool:
        """Does this pair allow processing at `at`? Given, in validity, not withdrawn."""
        if not self.in_validity(at):
            return False
        w = self.withdrawal_of(item.id)
        return w is None or w.at > at

    def status(self, at: datetime) -> ConsentStatus:
        state = self.proof_state
        if state is ProofState.VERWEIGERT:
            return ConsentStatus.VERWEIGERT
        if state not in GIVEN_STATES:
            return ConsentStatus.ENTWURF
        remaining = self.open_items(at)
        if not remaining:
            return ConsentStatus.WIDERRUFEN
        day = at.astimezone(BERLIN).date()
        if self.valid_until is not None and day > self.valid_until:
            return ConsentStatus.ABGELAUFEN
        start = self.effective_from
        if start is not None and day < start:
            return ConsentStatus.NOCH_NICHT_GUELTIG
        if len(remaining) < len(self.items):
            return ConsentStatus.TEILWEISE_WIDERRUFEN
        return ConsentStatus.GUELTIG

    def purpose_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.purpose_key for i in self.items))

    def recipient_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.recipient_key for i in self.items))

    def renewal_due(self, on: date) -> bool:
        """A guardians' consent for a child who has meanwhile turned 16 (still in force)."""
        if self.capacity is not Capacity.GUARDIAN or self.renewal_on is None:
            return False
        moment = datetime(on.year, on.month, on.day, 12, tzinfo=BERLIN)
        if self.status(moment) not in (ConsentStatus.GUELTIG,
                                       ConsentStatus.TEILWEISE_WIDERRUFEN,
                                       ConsentStatus.NOCH_NICHT_GUELTIG):
            return False
        return self.renewal_on <= on


def items_for(purposes: Sequence[Selection],
              recipients: Sequence[Selection]) -> list[tuple[Selection, Selection]]:
    """Every purpose × recipient pair of a selection (the form ticks both lists)."""
    return [(p, r) for p in purposes for r in recipients]


def withdrawal_items(consent: Consent, *, total: bool, purposes: Sequence[str] = (),
                     recipients: Sequence[str] = ()) -> tuple[str, ...]:
    """The still-open items a withdrawal ends: all, or those of the named purposes or
    recipients (either kind ends the pair)."""
    open_items = consent.open_items()
    if not open_items:
        raise ValidationError("Widerruf", "Die Einwilligung ist bereits vollständig widerrufen.")
    if total:
        return tuple(i.id for i in open_items)
    if not purposes and not recipients:
        raise ValidationError("Umfang des Widerrufs",
                              "Mindestens einen Zweck oder Empfänger wählen (oder vollständig).")
    unknown = (set(purposes) - set(consent.purpose_keys())) | (
        set(recipients) - set(consent.recipient_keys()))
    if unknown:
        raise ValidationError("Umfang des Widerrufs",
                              "enthält etwas, das nicht Teil dieser Einwilligung ist.")
    chosen = tuple(i.id for i in open_items
                   if i.purpose_key in purposes or i.recipient_key in recipients)
    if not chosen:
        raise ValidationError("Umfang des Widerrufs", "Das Gewählte ist bereits widerrufen.")
    return chosen


# --------------------------------------------------------------------------- transfer

# LR-32: without a valid consent a transfer needs a documented statutory basis.
STATUTORY_ONLY = ("nur mit dokumentierter gesetzlicher Grundlage "
                  "(§ 8a SGB VIII / § 4 KKG / § 65 SGB VIII)")


class StatutoryBasis(StrEnum):
    """Statutory bases that allow a transfer without consent (legal-reference §1.6)."""

    SGB8_8A = "§ 8a SGB VIII"
    KKG_4 = "§ 4 KKG"
    SGB8_65 = "§ 65 SGB VIII"


@dataclass(frozen=True, slots=True)
class TransferDecision:
    """The answer to "may this person's data go to this recipient for this purpose now?".

    `allowed` is True only when a given, valid, not withdrawn consent covers exactly this
    purpose × recipient (for a child under the purpose's age limit: the guardians'
    consent). Otherwise `missing` names the consent that is lacking and `statutory_only`
    says the transfer may happen only on a documented statutory basis. Never silently yes.
    """

    allowed: bool
    reason_de: str
    person_id: PersonId
    purpose_key: str
    recipient_key: str
    checked_at: datetime
    missing: str = ""
    statutory_only: str = ""
    consent_id: str | None = None
    item_id: str | None = None
    renewal_due: bool = False
    # The fill-in details the question named, so the re-check at sending asks the same.
    purpose_detail: str | None = None
    recipient_detail: str | None = None
