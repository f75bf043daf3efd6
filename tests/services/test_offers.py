"""Group offers: sessions with anonymous headcounts, named participants only with
consent, family-training progress."""

from __future__ import annotations

from datetime import date

import pytest

from casework.errors import ValidationError
from casework.models.ids import HouseholdId
from casework.models.offers import (
    AgeGroup,
    AttendeeGender,
    Headcount,
    OfferDraft,
    OfferKind,
    SessionDraft,
)
from casework.services import offers as svc
from casework.services.households import households
from casework.services.session import Session


def test_anonymous_headcounts_are_summed(session: Session) -> None:
    oid, _ = svc.create_offer(session, OfferDraft("Sprachcafé für Frauen", OfferKind.SPRACHCAFE))
    svc.record_session(
        session,
        oid,
        SessionDraft(
            date(2026, 11, 3),
            2.0,
            (
                Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 6),
                Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 2),
                Headcount(AgeGroup.U6, AttendeeGender.MAENNLICH, 3),
            ),
        ),
    )
    [held] = svc.sessions(session, oid)
    assert (held.total, held.named) == (11, 0)
    assert svc.get(session, oid).sessions_held == 1
    with pytest.raises(ValidationError) as info:
        svc.record_session(
            session,
            oid,
            SessionDraft(
                date(2026, 11, 30),
                headcounts=(Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 1),),
            ),
        )
    assert info.value.field == "Datum"  # in the future of the fixed clock


def test_named_participants_need_consent(session: Session, family: HouseholdId) -> None:
    mother = households.members(session, family)[0]
    oid, _ = svc.create_offer(session, OfferDraft("Müttercafé", OfferKind.MUETTERCAFE))
    with pytest.raises(ValidationError) as info:
        svc.record_session(
            session, oid, SessionDraft(date(2026, 11, 10), participants=(mother.id,))
        )
    assert info.value.field == "Teilnehmende mit Namen"
    assert svc.sessions(session, oid) == []
    svc.record_session(
        session,
        oid,
        SessionDraft(date(2026, 11, 10), participants=(mother.id,), consent_confirmed=True),
    )
    [held] = svc.sessions(session, oid)
    assert (held.total, held.named) == (1, 1)


def test_family_training_progress(session: Session, family: HouseholdId) -> None:
    oid, _ = svc.create_offer(
        session,
        OfferDraft("Familientraining Müller", OfferKind.FAMILIENTRAINING, household_id=family),
    )
    offer = svc.get(session, oid)
    assert (offer.data.sessions_planned, offer.data.session_hours) == (10, 2.0)
    for day in range(1, 8):
        svc.record_session(
            session,
            oid,
            SessionDraft(
                date(2026, 10, day),
                headcounts=(Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 1),),
            ),
        )
    [progress] = svc.training_progress(session, family)
    assert progress.text() == "7 von 10 Terminen (14 Std.)"
    assert not progress.complete
    for day in range(8, 11):
        svc.record_session(
            session,
            oid,
            SessionDraft(
                date(2026, 10, day), 1.5, (Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 1),)
            ),
        )
    [progress] = svc.training_progress(session, family)
    assert progress.complete
    assert progress.text() == "10 von 10 Terminen (18,5 Std.)"


def test_group_session_needs_attendance_but_family_training_does_not(
    session: Session, family: HouseholdId
) -> None:
    group, _ = svc.create_offer(session, OfferDraft("Nähtreff", OfferKind.NAEHTREFF))
    with pytest.raises(ValidationError) as info:
        svc.record_session(session, group, SessionDraft(date(2026, 11, 2)))
    assert info.value.field == "Teilnehmende"
    training, _ = svc.create_offer(
        session, OfferDraft("Familientraining", OfferKind.FAMILIENTRAINING, household_id=family)
    )
    svc.record_session(session, training, SessionDraft(date(2026, 11, 2)))
    [progress] = svc.training_progress(session, family)
    assert progress.text() == "1 von 10 Terminen (2 Std.)"
