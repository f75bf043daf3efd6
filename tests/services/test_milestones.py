"""Milestones on Heute (issue 20): a child turning 18 with § 41 SGB VIII and the ASD's
special function, the umA route for an unaccompanied minor, an unborn child past its due
date, and the referral outcome question after a configurable time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.clock import FixedClock
from casework.errors import ValidationError
from casework.models.consent import StatutoryBasis
from casework.models.households.lifecycle import ClosureReason
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId
from casework.models.milestones import MilestoneKind, coming_of_age, eighteenth_birthday
from casework.models.referrals import ReferralDraft, StatutoryTransfer
from casework.services import agenda, milestones, referrals
from casework.services.households import households, lifecycle
from casework.services.session import Session
from tests.conftest import add_family

TODAY = date(2026, 11, 21)


def phone(session: Session, word: str) -> str:
    """The directory's special function for `word` (its number, as the profile has it)."""
    from casework.services.directory import vault_profile

    functions = vault_profile.active_profile(session).asd.special_functions
    found = next(f for f in functions if word in f.name)
    assert found.phone
    return found.phone


def test_eighteenth_birthday_window() -> None:
    assert eighteenth_birthday(date(2008, 2, 29)) == date(2026, 2, 28)
    assert coming_of_age(date(2009, 1, 10), TODAY) == date(2027, 1, 10)
    assert coming_of_age(date(2009, 6, 10), TODAY) is None  # too far ahead
    assert coming_of_age(date(2008, 8, 1), TODAY) is None  # long past


def test_child_turning_18_shows_what_follows(session: Session) -> None:
    hid = add_family(session, "Yılmaz", children=(("Deniz", date(2009, 1, 10)),))
    found = milestones.due(session)
    assert [(m.kind, m.subject, m.on) for m in found] == [
        (MilestoneKind.VOLLJAEHRIG, "Deniz", date(2027, 1, 10))]
    text = found[0].what_follows
    assert "§ 41 SGB VIII" in text and "Hilfe für junge Volljährige" in text
    assert phone(session, "§ 41") in text  # the ASD special function from the directory
    items = [i for i in agenda.items(session) if i.area == "wird volljährig"]
    assert len(items) == 1 and items[0].household_name == "Yılmaz (Ayşe) · Gärtnerstr. 12"
    lifecycle.close(session, hid, ClosureReason.UMZUG, confirm_warnings=True)
    assert milestones.due(session) == []  # closed families leave Heute


def test_unaccompanied_minor_gets_the_uma_route(session: Session, family: HouseholdId) -> None:
    pid, _ = households.add_person(session, family, PersonDraft(
        "Ahmad", "Rahimi", BirthInfo(date(2008, 12, 1)), Gender.MAENNLICH,
        HouseholdRole.KIND, unaccompanied=True))
    assert [p.data.unaccompanied for p in households.members(session, family)
            if p.id == pid] == [True]
    found = [m for m in milestones.due(session) if m.person_id == pid]
    assert found[0].kind is MilestoneKind.VOLLJAEHRIG_UMA
    assert "umA" in found[0].what_follows and phone(session, "umA") in found[0].what_follows


def test_unborn_child_past_due_date(session: Session, family: HouseholdId,
                                    clock: FixedClock) -> None:
    pid, _ = households.add_person(session, family, PersonDraft(
        "", "Müller", BirthInfo(due_date=TODAY + timedelta(days=5)), role=HouseholdRole.KIND))
    assert milestones.due(session) == []
    clock.advance(timedelta(days=25))
    found = milestones.due(session)
    assert [m.kind for m in found] == [MilestoneKind.GEBURT_OFFEN]
    current = next(p for p in households.members(session, family) if p.id == pid)
    households.update_person(session, pid, replace(
        current.data, first_name="Mira", birth=BirthInfo(TODAY + timedelta(days=3))))
    assert milestones.due(session) == []


def test_referral_asks_whether_help_started(session: Session, family: HouseholdId,
                                            clock: FixedClock) -> None:
    choices = referrals.recipient_choices(session, family)
    person = households.members(session, family)[0].id
    rid, _ = referrals.create(session, ReferralDraft(family, (person,), choices.suggested[0],
                                                     "Unterstützung bei Erziehungsfragen"))
    referrals.send(session, rid, statutory=StatutoryTransfer(
        StatutoryBasis.SGB8_8A, TODAY, ""))
    with pytest.raises(ValidationError):
        milestones.set_referral_outcome_days(session, 2)
    milestones.set_referral_outcome_days(session, 30)
    clock.advance(timedelta(days=29))
    assert [m for m in milestones.due(session)
            if m.kind is MilestoneKind.VERMITTLUNG_ERGEBNIS] == []
    clock.advance(timedelta(days=1))
    asked = [m for m in milestones.due(session) if m.kind is MilestoneKind.VERMITTLUNG_ERGEBNIS]
    assert [m.referral_id for m in asked] == [rid]
    referrals.accept(session, rid)
    referrals.close(session, rid, "Hilfe hat begonnen")
    assert [m for m in milestones.due(session)
            if m.kind is MilestoneKind.VERMITTLUNG_ERGEBNIS] == []
