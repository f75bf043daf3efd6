"""Heute's cross-feature agenda: overdue § 8a steps first, the Leitung's queue, referral
follow-ups."""

from __future__ import annotations

from datetime import timedelta

from casework.models.kinderschutz.vocabulary import State
from casework.models.referrals import Recipient, RecipientKind, ReferralDraft
from casework.services import agenda, referrals
from casework.services.kinderschutz import procedures as ks
from tests.services.kinderschutz.support import child_ids, make_team, observe


def test_overdue_child_protection_step_comes_first(session, family, clock) -> None:
    team = make_team(session)
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    ahead = agenda.items(session)  # the profile's deadlines show before they pass
    assert ahead and not [i for i in ahead if i.overdue]
    assert {i.group for i in ahead} <= {agenda.TODAY, agenda.WEEK, agenda.SOON}
    clock.advance(timedelta(days=3))
    first = agenda.items(session)[0]
    assert first.area == "Kinderschutz § 8a" and first.overdue
    assert first.group == agenda.OVERDUE and first.procedure_id == pid
    assert first.household_name == "Müller (Ayşe) · Gärtnerstr. 12"
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
    ahead = next(i for i in agenda.items(session) if i.area == "Vermittlung")
    assert ahead.group == agenda.WEEK and not ahead.overdue
    clock.advance(timedelta(days=3))
    item = next(i for i in agenda.items(session) if i.area == "Vermittlung")
    assert item.overdue and item.household_id == family


def test_issue18_heute_looks_ahead_two_weeks_grouped(session, family, clock) -> None:
    """Heute shows Schutzplan measures due in 9 and 14 days and a referral follow-up in
    14 days under "demnächst" (it used to say "Keine Fristen"); beyond the horizon
    nothing; groups come in the order überfällig, heute, diese Woche, demnächst."""
    from casework.models.kinderschutz.actions import Measure, SafetyPlan
    from casework.models.kinderschutz.vocabulary import ResultCategory
    from tests.services.kinderschutz.support import drive_to_s5, result, result_approved

    team = make_team(session)
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.HILFEBEDARF))
    result_approved(session, team, pid)
    ks.transition(session, pid, State.S6)
    today = clock.now().date()
    ks.save_plan(session, pid, SafetyPlan(
        (Measure("Kita täglich", "Mutter", today + timedelta(days=9), "Kita", "JA"),
         Measure("Beratung", "Mutter", today + timedelta(days=14), "Stelle", "JA"),
         Measure("Später", "Mutter", today + timedelta(days=20), "Stelle", "JA")),
        today + timedelta(days=30)))
    choices = referrals.recipient_choices(session, family)
    recipient = choices.suggested[0] if choices.suggested else choices.districts[0]
    rid, _ = referrals.create(session, ReferralDraft(
        household_id=family, recipient=recipient, reason="Beratung zur Erziehung",
        person_ids=child_ids(session, family)))
    referrals.set_follow_up(session, rid, today + timedelta(days=14))
    items = agenda.items(session, today)
    texts = {i.text.split(" (fällig")[0]: i.group for i in items}
    assert texts["Schutzplan-Maßnahme 1: Kita täglich"] == agenda.SOON
    assert texts["Schutzplan-Maßnahme 2: Beratung"] == agenda.SOON
    assert "Schutzplan-Maßnahme 3: Später" not in texts
    follow_up = next(i for i in items if i.area == "Vermittlung")
    assert follow_up.group == agenda.SOON and follow_up.due == today + timedelta(days=14)
    order = [agenda.GROUPS.index(i.group) for i in items]
    assert order == sorted(order)
    assert agenda.group_of(today, False, today) == agenda.TODAY
    assert agenda.group_of(today + timedelta(days=7), False, today) == agenda.WEEK
    assert agenda.group_of(today + timedelta(days=8), False, today) == agenda.SOON
    assert agenda.group_of(today - timedelta(days=1), False, today) == agenda.OVERDUE
