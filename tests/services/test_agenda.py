"""Heute's cross-feature agenda: overdue § 8a steps first, the Leitung's queue, referral
follow-ups."""

from __future__ import annotations

from datetime import timedelta

from casework.models.kinderschutz.procedure import State
from casework.models.referrals import Recipient, RecipientKind, ReferralDraft
from casework.services import agenda, referrals
from casework.services.kinderschutz import procedures as ks
from tests.services.kinderschutz.support import child_ids, make_team, observe


def test_overdue_child_protection_step_comes_first(session, family, clock) -> None:
    team = make_team(session)
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    assert [i.area for i in agenda.items(session)] == []
    clock.advance(timedelta(days=3))
    first = agenda.items(session)[0]
    assert first.area == "Kinderschutz § 8a" and first.overdue
    assert first.household_name == "Müller"
    session.act_as(team.leitung)
    areas = [i.area for i in agenda.items(session)]
    assert areas[0] == "Kinderschutz § 8a" and "Freigabe Leitung" in areas


def test_referral_follow_up_appears_when_due(session, family, clock) -> None:
    choices = referrals.recipient_choices(session, family)
    recipient: Recipient = choices.suggested[0] if choices.suggested else choices.districts[0]
    assert recipient.kind is RecipientKind.ASD
    rid, _ = referrals.create(session, ReferralDraft(
        household_id=family, recipient=recipient, reason="Beratung zur Erziehung",
        person_ids=child_ids(session, family)))
    referrals.set_follow_up(session, rid, clock.now().date() + timedelta(days=2))
    assert not [i for i in agenda.items(session) if i.area == "Vermittlung"]
    clock.advance(timedelta(days=3))
    item = next(i for i in agenda.items(session) if i.area == "Vermittlung")
    assert item.overdue and item.household_id == family
