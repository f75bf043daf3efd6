"""Referral (Vermittlung / Lotsenfunktion, sources-reference §3.6 and §4.3).

When the Kümmerer cannot provide the help themselves, they refer the family "im
Einvernehmen mit den Eltern/Kindern" to a Kooperationspartner or the ASD. A referral links
a household and chosen persons to one recipient (an ASD district, a partner of the
profile, or a free entry) for a reason/offer, and moves through

    vorgeschlagen → mit Einverständnis der Familie → übermittelt
        → angenommen | abgelehnt (Grund) → abgeschlossen (Ergebnis, Rückmeldung)

or is withdrawn (zurückgezogen) from any open state. Every step is an append-only row,
dated and attributed; the current state is derived from the steps (last state step in
HLC order). Closed states are final.

The only shortcut: a transfer on a documented statutory basis (§ 8a SGB VIII, § 4 KKG,
§ 65 SGB VIII — legal-reference §1.6) may go from "vorgeschlagen" straight to
"übermittelt", because it does not rest on the family's agreement; it is allowed to the
Jugendamt (ASD) only and needs the prior-notice field of LR-12.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from casework.errors import ValidationError
from casework.models.consent import StatutoryBasis
from casework.models.directory.profile import AsdDistrict, Partner

MAX_TEXT = 2000
MAX_LABEL = 300
MIN_REASON = 3


class ReferralState(StrEnum):
    VORGESCHLAGEN = "vorgeschlagen"
    EINVERSTAENDNIS = "mit Einverständnis der Familie"
    UEBERMITTELT = "übermittelt"
    ANGENOMMEN = "angenommen"
    ABGELEHNT = "abgelehnt"
    ABGESCHLOSSEN = "abgeschlossen"
    ZURUECKGEZOGEN = "zurückgezogen"


CLOSED_STATES = frozenset({ReferralState.ABGESCHLOSSEN, ReferralState.ZURUECKGEZOGEN})
OPEN_STATES = frozenset(ReferralState) - CLOSED_STATES
# Before sending, the referral's content (persons, recipient, fields) may still change.
EDITABLE_STATES = frozenset({ReferralState.VORGESCHLAGEN, ReferralState.EINVERSTAENDNIS})

_NEXT: dict[ReferralState, frozenset[ReferralState]] = {
    ReferralState.VORGESCHLAGEN: frozenset({ReferralState.EINVERSTAENDNIS}),
    ReferralState.EINVERSTAENDNIS: frozenset({ReferralState.UEBERMITTELT}),
    ReferralState.UEBERMITTELT: frozenset({ReferralState.ANGENOMMEN, ReferralState.ABGELEHNT}),
    ReferralState.ANGENOMMEN: frozenset({ReferralState.ABGESCHLOSSEN}),
    ReferralState.ABGELEHNT: frozenset({ReferralState.ABGESCHLOSSEN}),
    ReferralState.ABGESCHLOSSEN: frozenset(),
    ReferralState.ZURUECKGEZOGEN: frozenset(),
}

FOLLOW_UP = "Wiedervorlage"  # step kind that only sets the follow-up date


def allowed_next(state: ReferralState, *, statutory: bool = False) -> frozenset[ReferralState]:
    """States reachable from `state` in one step."""
    if state in CLOSED_STATES:
        return frozenset()
    nxt = set(_NEXT[state]) | {ReferralState.ZURUECKGEZOGEN}
    if statutory and state is ReferralState.VORGESCHLAGEN:
        nxt.add(ReferralState.UEBERMITTELT)
    return frozenset(nxt)


def check_transition(state: ReferralState, target: ReferralState, *,
                     statutory: bool = False) -> None:
    """Raise a German `ValidationError` unless `state` → `target` is one allowed step."""
    if state in CLOSED_STATES:
        raise ValidationError("Status", f"Die Vermittlung ist „{state.value}“; das ist "
                                        "endgültig.")
    if target in allowed_next(state, statutory=statutory):
        return
    if target is ReferralState.UEBERMITTELT and state is ReferralState.VORGESCHLAGEN:
        raise ValidationError("Status", "Vor dem Übermitteln bitte das Einverständnis der "
                                        "Familie festhalten (oder eine gesetzliche Grundlage "
                                        "dokumentieren).")
    expected = " oder ".join(f"„{s.value}“" for s in sorted(_NEXT[state], key=_order))
    raise ValidationError("Status", f"Von „{state.value}“ geht es nur weiter nach "
                                    f"{expected or '–'} (oder zurückziehen), nicht nach "
                                    f"„{target.value}“.")


def _order(state: ReferralState) -> int:
    return list(ReferralState).index(state)


# --------------------------------------------------------------------------- recipients


class RecipientKind(StrEnum):
    ASD = "ASD"
    PARTNER = "Kooperationspartner"
    FREI = "freie Angabe"


# Consent recipient keys of the profile's consent catalogue (Bottrop form, §3.11).
CONSENT_STADT = "stadt"
CONSENT_TRAEGER = "traeger"
CONSENT_FBS = "fbs"
CONSENT_OTHER = "other"


def consent_recipient_for_partner(partner_kind: str) -> str:
    """Map a partner's directory category to the consent form's recipient box:
    Stadt → "stadt", Träger → "traeger", Familienbildung → "fbs", anything else (schools,
    Kitas, associations …) → "other" with the partner's name written on the line."""
    kind = partner_kind.casefold()
    if "stadt" in kind:
        return CONSENT_STADT
    if "träger" in kind or "traeger" in kind:
        return CONSENT_TRAEGER
    if "familienbildung" in kind:
        return CONSENT_FBS
    return CONSENT_OTHER


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives the referral. `ref` identifies it in the directory (district number,
    partner name); `consent_recipient` is the consent form's recipient key used for the
    transfer check (for "other" the consent must name `label` on its line)."""

    kind: RecipientKind
    label: str
    ref: str = ""
    contact: str = ""
    consent_recipient: str = CONSENT_OTHER

    @property
    def consent_detail(self) -> str | None:
        """The recipient detail the consent must name: the recipient's name for
        "sonstige, und zwar: …"; None (any) for the fixed boxes."""
        return self.label if self.consent_recipient == CONSENT_OTHER else None

    @property
    def is_asd(self) -> bool:
        return self.kind is RecipientKind.ASD


def _contact(*parts: str) -> str:
    return " · ".join(p.strip() for p in parts if p and p.strip())


def asd_recipient(district: AsdDistrict, office_name: str = "ASD") -> Recipient:
    return Recipient(RecipientKind.ASD, f"ASD Bezirk {district.number}", str(district.number),
                     _contact(office_name, district.contact_role, district.phone,
                              district.email),
                     CONSENT_STADT)


def partner_recipient(partner: Partner) -> Recipient:
    return Recipient(RecipientKind.PARTNER, partner.name, partner.name,
                     _contact(partner.contact_role, partner.address, partner.phone,
                              partner.email),
                     consent_recipient_for_partner(partner.kind))


def free_recipient(name: str, contact: str = "",
                   consent_recipient: str = CONSENT_OTHER) -> Recipient:
    return Recipient(RecipientKind.FREI, name, "", contact, consent_recipient)


# --------------------------------------------------------------------------- content


class ShareField(StrEnum):
    """What the letter may contain besides the names of the covered persons."""

    GEBURTSDATUM = "Geburtsdatum"
    ANSCHRIFT = "Anschrift"
    ANLIEGEN = "Anlass/Anliegen"
    HINWEISE = "Hinweise (Notiz)"


DEFAULT_SHARE = frozenset({ShareField.GEBURTSDATUM, ShareField.ANSCHRIFT,
                           ShareField.ANLIEGEN})
TRANSFER_PURPOSES = ("email", "digital", "other")  # consent purposes a referral may use


@dataclass(frozen=True, slots=True)
class ReferralDraft:
    household_id: str
    person_ids: tuple[str, ...]
    recipient: Recipient
    reason: str  # Anlass/Anliegen: what the family needs
    offer: str = ""  # the help/offer asked for at the recipient
    purpose_key: str = "email"  # consent purpose of the transfer
    purpose_detail: str = ""  # "und zwar: …" the consent must name; default: recipient
    share: frozenset[ShareField] = DEFAULT_SHARE
    note: str = ""  # only in the letter when ShareField.HINWEISE is chosen
    follow_up_on: date | None = None

    def validated(self, household_persons: Sequence[str]) -> ReferralDraft:
        """Cleaned copy; `household_persons` are the ids of the household's members."""
        persons = tuple(dict.fromkeys(self.person_ids))
        if not persons:
            raise ValidationError("Personen", "bitte mindestens eine Person auswählen.")
        if any(p not in household_persons for p in persons):
            raise ValidationError("Personen", "gehören nicht alle zu diesem Haushalt.")
        rec = self.recipient
        label = " ".join(rec.label.split())
        if not label:
            raise ValidationError("Empfänger", "bitte eine Stelle wählen oder eintragen.")
        if len(label) > MAX_LABEL:
            raise ValidationError("Empfänger", f"ist zu lang (höchstens {MAX_LABEL} Zeichen).")
        reason = self.reason.strip()
        if len(reason) < MIN_REASON:
            raise ValidationError("Anlass", "bitte kurz beschreiben, worum es geht.")
        for name, text in (("Anlass", reason), ("Angebot", self.offer),
                           ("Hinweise", self.note), ("Kontakt", rec.contact)):
            if len(text) > MAX_TEXT:
                raise ValidationError(name, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
        if self.purpose_key not in TRANSFER_PURPOSES:
            raise ValidationError("Übermittlungsweg", "ist nicht vorgesehen.")
        detail = " ".join(self.purpose_detail.split()) or label
        if len(detail) > MAX_LABEL:
            raise ValidationError("Anliegen laut Einwilligung", "ist zu lang.")
        return ReferralDraft(
            self.household_id, persons,
            Recipient(RecipientKind(rec.kind), label, rec.ref.strip(),
                      " ".join(rec.contact.split()), rec.consent_recipient),
            reason, self.offer.strip(), self.purpose_key, detail,
            frozenset(ShareField(s) for s in self.share), self.note.strip(),
            self.follow_up_on)


@dataclass(frozen=True, slots=True)
class StatutoryTransfer:
    """A transfer without consent on a statutory basis (legal-reference §1.6, LR-12):
    the basis, and "Betroffene vorab informiert am … / nicht informiert, weil …"."""

    basis: StatutoryBasis
    informed_on: date | None = None
    not_informed_reason: str = ""

    def validated(self, today: date) -> StatutoryTransfer:
        basis = StatutoryBasis(self.basis)
        reason = self.not_informed_reason.strip()
        if self.informed_on is None and len(reason) < MIN_REASON:
            raise ValidationError(
                "Betroffene vorab informiert",
                "bitte das Datum angeben oder begründen, warum nicht informiert wurde "
                "(z. B. weil der wirksame Schutz des Kindes sonst in Frage gestellt wäre).")
        if self.informed_on is not None and reason:
            raise ValidationError("Betroffene vorab informiert",
                                  "entweder ein Datum oder eine Begründung, nicht beides.")
        if self.informed_on is not None and self.informed_on > today:
            raise ValidationError("Betroffene vorab informiert", "liegt in der Zukunft.")
        if len(reason) > MAX_TEXT:
            raise ValidationError("Betroffene vorab informiert", "ist zu lang.")
        return StatutoryTransfer(basis, self.informed_on, reason)

    def notice_text(self) -> str:
        if self.informed_on is not None:
            return f"Betroffene vorab informiert am {self.informed_on:%d.%m.%Y}"
        return f"Betroffene nicht vorab informiert, weil: {self.not_informed_reason}"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ReferralStep:
    id: str
    kind: str  # a ReferralState value, or FOLLOW_UP
    on: date  # the day it happened (may be entered afterwards)
    at: datetime  # when it was recorded (UTC)
    by: str  # worker id
    by_name: str
    text: str = ""  # reason (abgelehnt, zurückgezogen), outcome (abgeschlossen), note
    feedback: str = ""  # Rückmeldung (abgeschlossen)
    follow_up_set: bool = False
    follow_up_on: date | None = None
    statutory: StatutoryTransfer | None = None
    consent_refs: tuple[tuple[str, str], ...] = ()  # (person id, consent id) at sending
    sent_person_ids: tuple[str, ...] = ()
    attachment_id: str | None = None  # the Übermittlungsbogen as sent (encrypted copy)
    content_hash: str = ""  # its SHA-256

    @property
    def state(self) -> ReferralState | None:
        return ReferralState(self.kind) if self.kind != FOLLOW_UP else None


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    data: ReferralDraft
    referred_on: date
    created_by: str
    steps: tuple[ReferralStep, ...] = field(default=())  # in recording (HLC) order

    @property
    def state(self) -> ReferralState:
        return derive_state(self.steps)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def last_step(self) -> ReferralStep | None:
        states = [s for s in self.steps if s.state is not None]
        return states[-1] if states else None

    @property
    def follow_up_on(self) -> date | None:
        """The current follow-up date: set by the latest step that set one; none once
        closed."""
        if not self.is_open:
            return None
        for step in reversed(self.steps):
            if step.follow_up_set:
                return step.follow_up_on
        return None

    @property
    def send_step(self) -> ReferralStep | None:
        return next((s for s in self.steps if s.kind == ReferralState.UEBERMITTELT.value),
                    None)

    def age_days(self, today: date) -> int:
        """Days since the last step (how long it has rested in its state)."""
        step = self.last_step
        since = step.on if step is not None else self.referred_on
        return max((today - since).days, 0)


def derive_state(steps: Sequence[ReferralStep]) -> ReferralState:
    """The state after the last state step; "vorgeschlagen" before any."""
    state = ReferralState.VORGESCHLAGEN
    for step in steps:
        if step.state is not None:
            state = step.state
    return state
