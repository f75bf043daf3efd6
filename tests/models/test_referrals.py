"""Referral lifecycle rules (pure): allowed steps, final states, recipient mapping."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from casework.errors import ValidationError
from casework.models.consent import StatutoryBasis
from casework.models.directory.profile import AsdDistrict, Partner
from casework.models.referrals import (
    CLOSED_STATES,
    FOLLOW_UP,
    OPEN_STATES,
    Recipient,
    RecipientKind,
    Referral,
    ReferralDraft,
    ReferralState,
    ReferralStep,
    StatutoryTransfer,
    allowed_next,
    asd_recipient,
    check_transition,
    consent_recipient_for_partner,
    derive_state,
    free_recipient,
    partner_recipient,
)

S = ReferralState
HAPPY_PATH = [S.VORGESCHLAGEN, S.EINVERSTAENDNIS, S.UEBERMITTELT, S.ANGENOMMEN,
              S.ABGESCHLOSSEN]


def test_happy_path_is_one_step_at_a_time() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        check_transition(current, target)
    check_transition(S.UEBERMITTELT, S.ABGELEHNT)
    check_transition(S.ABGELEHNT, S.ABGESCHLOSSEN)


@pytest.mark.parametrize(("current", "target"), [
    (S.VORGESCHLAGEN, S.UEBERMITTELT), (S.VORGESCHLAGEN, S.ANGENOMMEN),
    (S.EINVERSTAENDNIS, S.ABGESCHLOSSEN), (S.UEBERMITTELT, S.ABGESCHLOSSEN),
    (S.EINVERSTAENDNIS, S.EINVERSTAENDNIS), (S.ANGENOMMEN, S.ABGELEHNT),
])
def test_no_skipping_states(current: ReferralState, target: ReferralState) -> None:
    with pytest.raises(ValidationError):
        check_transition(current, target)


def test_statutory_basis_may_send_without_the_familys_agreement() -> None:
    with pytest.raises(ValidationError, match="Einverständnis"):
        check_transition(S.VORGESCHLAGEN, S.UEBERMITTELT)
    check_transition(S.VORGESCHLAGEN, S.UEBERMITTELT, statutory=True)


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_withdrawal_from_every_open_state(state: ReferralState) -> None:
    check_transition(state, S.ZURUECKGEZOGEN)


@pytest.mark.parametrize("state", sorted(CLOSED_STATES))
def test_closed_is_final(state: ReferralState) -> None:
    assert allowed_next(state) == frozenset()
    for target in ReferralState:
        with pytest.raises(ValidationError, match="endgültig"):
            check_transition(state, target)


def _step(kind: str, on: date, follow: date | None = None, setit: bool = False) -> ReferralStep:
    return ReferralStep("x", kind, on, datetime(2026, 1, 1, tzinfo=UTC), "w", "W",
                        follow_up_set=setit, follow_up_on=follow)


def test_state_and_follow_up_are_derived_from_steps() -> None:
    rec = free_recipient("Beratungsstelle Beispiel")
    draft = ReferralDraft("h", ("p",), rec, "Schuldenberatung")
    steps = (_step(S.VORGESCHLAGEN, date(2026, 11, 2), date(2026, 11, 9), True),
             _step(FOLLOW_UP, date(2026, 11, 3), date(2026, 11, 20), True),
             _step(S.EINVERSTAENDNIS, date(2026, 11, 5)))
    ref = Referral("r", draft, date(2026, 11, 2), "w", steps)
    assert ref.state is S.EINVERSTAENDNIS
    assert ref.follow_up_on == date(2026, 11, 20)  # a step without a date keeps it
    assert ref.age_days(date(2026, 11, 21)) == 16  # since the last state step
    closed = Referral("r", draft, date(2026, 11, 2), "w",
                      (*steps, _step(S.ZURUECKGEZOGEN, date(2026, 11, 6), None, True)))
    assert closed.state is S.ZURUECKGEZOGEN and closed.follow_up_on is None
    assert derive_state(()) is S.VORGESCHLAGEN


def test_recipient_mapping_to_consent_boxes() -> None:
    district = AsdDistrict(6, ("Batenbrock-West",), ("46236",), "ASD Bezirk 6 – Fachkraft",
                           "02041-70 4158", "asd-bezirk6@bottrop.example")
    asd = asd_recipient(district, "Jugendamt")
    assert (asd.kind, asd.label, asd.consent_recipient, asd.consent_detail) == (
        RecipientKind.ASD, "ASD Bezirk 6", "stadt", None)
    assert "Jugendamt" in asd.contact and "02041-70 4158" in asd.contact
    assert consent_recipient_for_partner("Stadt") == "stadt"
    assert consent_recipient_for_partner("Träger") == "traeger"
    assert consent_recipient_for_partner("Familienbildung") == "fbs"
    assert consent_recipient_for_partner("Kitas/Schulen") == "other"
    school = partner_recipient(Partner("Grundschule Beispiel", "Kitas/Schulen", "", "", "",
                                       "", (), (), ""))
    assert (school.consent_recipient, school.consent_detail) == ("other",
                                                                 "Grundschule Beispiel")


def test_draft_validation_names_the_field() -> None:
    rec = Recipient(RecipientKind.FREI, "  Beratung   Beispiel ")
    ok = ReferralDraft("h", ("a", "a"), rec, " Wohnungssuche ").validated(["a"])
    assert ok.person_ids == ("a",) and ok.recipient.label == "Beratung Beispiel"
    assert ok.purpose_detail == "Beratung Beispiel"  # default: the recipient's name
    with pytest.raises(ValidationError, match="Personen"):
        ReferralDraft("h", (), rec, "Wohnungssuche").validated(["a"])
    with pytest.raises(ValidationError, match="Personen"):
        ReferralDraft("h", ("b",), rec, "Wohnungssuche").validated(["a"])
    with pytest.raises(ValidationError, match="Anlass"):
        ReferralDraft("h", ("a",), rec, "").validated(["a"])
    with pytest.raises(ValidationError, match="Empfänger"):
        ReferralDraft("h", ("a",), free_recipient(" "), "Wohnungssuche").validated(["a"])
    with pytest.raises(ValidationError, match="Übermittlungsweg"):
        ReferralDraft("h", ("a",), rec, "Wohnungssuche", purpose_key="photo").validated(["a"])


def test_statutory_transfer_needs_prior_notice_field() -> None:
    today = date(2026, 11, 21)
    with pytest.raises(ValidationError, match="vorab informiert"):
        StatutoryTransfer(StatutoryBasis.KKG_4).validated(today)
    with pytest.raises(ValidationError, match="Zukunft"):
        StatutoryTransfer(StatutoryBasis.KKG_4, date(2026, 11, 22)).validated(today)
    with pytest.raises(ValidationError, match="nicht beides"):
        StatutoryTransfer(StatutoryBasis.KKG_4, today, "Schutz gefährdet").validated(today)
    informed = StatutoryTransfer(StatutoryBasis.SGB8_8A, today).validated(today)
    assert informed.notice_text() == "Betroffene vorab informiert am 21.11.2026"
    not_informed = StatutoryTransfer(StatutoryBasis.KKG_4, None,
                                     "wirksamer Schutz in Frage gestellt").validated(today)
    assert "nicht vorab informiert, weil: wirksamer Schutz" in not_informed.notice_text()
