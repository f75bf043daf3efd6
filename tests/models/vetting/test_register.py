"""The § 72a register's rules, pure: the assessment scheme, the status of a person on a
day, reminders and the deletion deadlines.

Source requirements checked (Trägervereinbarung § 72a, sources-reference §3.12/§4.5,
000:2189–2236; § 72a SGB VIII, legal-reference LR-38):
- 000:2197 certificate not older than three months at inspection;
- 000:2199 renewal at intervals of at most five years;
- 000:2211–2217 side-job/volunteers: by kind, intensity, duration; examples as triggers;
- 000:2221–2226 waivers for volunteers only (minor, adults only, open/spontaneous, team);
- 000:2209 concrete indications: a current certificate regardless of the interval;
- § 72a Abs. 5: delete without delay if no activity follows, else ≤ 3 months after it ends.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from casework import resources
from casework.errors import ValidationError
from casework.models.vetting.register import (
    Activity,
    ActivityDraft,
    Clearance,
    Decision,
    DueKind,
    Indication,
    Inspection,
    InspectionDraft,
    Member,
    MemberDraft,
    MemberFile,
    deletion_due_on,
    due_items,
    status,
)
from casework.models.vetting.scheme import (
    Answers,
    Engagement,
    Outcome,
    assess,
    parse_scheme,
)

DAY = date(2026, 11, 21)
SCHEME = parse_scheme(json.loads(resources.files("vetting", "schema.json").read_text("utf-8")))
GROUP = Answers(True, (("trust", "mittel"), ("power", "mittel"), ("age_gap", "hoch"),
                       ("control", "mittel"), ("setting", "mittel"), ("frequency", "hoch")))
LIGHT = Answers(True, (("frequency", "gering"), ("span", "gering")))


def _file(engagement: Engagement, *activities: ActivityDraft, inspections: tuple[date, ...] = (),
          entry: bool = False, adult_on: date | None = None,
          indications: tuple[date, ...] = ()) -> MemberFile:
    member = Member("m1", MemberDraft("Test Person", engagement, adult_on))
    return MemberFile(
        member, tuple(Activity(f"a{i}", a) for i, a in enumerate(activities)),
        tuple(Inspection(f"i{n}", InspectionDraft("m1", on, on, entry), "w")
              for n, on in enumerate(inspections)),
        tuple(Indication(f"x{n}", "m1", on) for n, on in enumerate(indications)))


def _activity(answers: Answers = GROUP, start: date = date(2025, 1, 1),
              end: date | None = None, **kw: object) -> ActivityDraft:
    return ActivityDraft("m1", "Gruppe", start, answers, end, **kw)  # type: ignore[arg-type]


# --- the scheme (000:2211–2226) -------------------------------------------------------------


def test_paid_staff_with_contact_always_need_it_and_have_no_waivers() -> None:
    result = assess(SCHEME, Engagement.HAUPTAMTLICH, LIGHT, minor=True)
    assert result.outcome is Outcome.REQUIRED


def test_no_contact_to_children_needs_no_certificate() -> None:
    result = assess(SCHEME, Engagement.HAUPTAMTLICH, Answers(False), minor=False)
    assert result.outcome is Outcome.NOT_REQUIRED
    assert "kein Kontakt" in result.reason


def test_volunteer_by_points_and_below_threshold() -> None:
    high = assess(SCHEME, Engagement.NEBENAMTLICH, GROUP, minor=False)
    assert high.outcome is Outcome.REQUIRED and high.points == 8
    low = assess(SCHEME, Engagement.EHRENAMTLICH, LIGHT, minor=False)
    assert low.outcome is Outcome.NOT_REQUIRED and "0 von 16" in low.reason


@pytest.mark.parametrize("trigger", ["overnight", "one_to_one", "multi_day_lead",
                                     "regular_group_lead", "casework"])
def test_overnight_stays_and_one_to_one_situations_trigger_it_without_points(
        trigger: str) -> None:
    result = assess(SCHEME, Engagement.HONORAR, Answers(True, (), (trigger,)), minor=False)
    assert result.outcome is Outcome.REQUIRED
    assert result.reason == SCHEME.trigger_label(trigger)


def test_waivers_apply_to_volunteers_only_and_minors_automatically() -> None:
    camp = Answers(True, (), ("overnight",), ("collegial_team",))
    volunteer = assess(SCHEME, Engagement.EHRENAMTLICH, camp, minor=False)
    assert volunteer.outcome is Outcome.WAIVED and "kollegialen Team" in volunteer.reason
    side_job = assess(SCHEME, Engagement.NEBENAMTLICH, camp, minor=False)
    assert side_job.outcome is Outcome.REQUIRED
    minor = assess(SCHEME, Engagement.EHRENAMTLICH, Answers(True, (), ("overnight",)),
                   minor=True)
    assert minor.outcome is Outcome.WAIVED and "minderjährig" in minor.reason


def test_unknown_scheme_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="unbekannt"):
        Answers(True, (("trust", "riesig"),)).validated(SCHEME)
    with pytest.raises(ValidationError, match="unbekannt"):
        Answers(True, (), ("fliegen",)).validated(SCHEME)


def test_a_broken_scheme_names_the_field() -> None:
    data = json.loads(resources.files("vetting", "schema.json").read_text("utf-8"))
    data["threshold"] = 99
    with pytest.raises(ValidationError, match="threshold"):
        parse_scheme(data)
    del data["criteria"][0]["options"]
    with pytest.raises(ValidationError, match=r"criteria\[0\].options"):
        parse_scheme(data)


def test_a_deviating_decision_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="Begründung"):
        _activity(decision=Decision.NOT_REQUIRED).validated(SCHEME)
    with pytest.raises(ValidationError, match="Ende"):
        _activity(end=date(2024, 1, 1)).validated(SCHEME)


# --- inspections (000:2197, 000:2199, LR-38) ------------------------------------------------


def test_certificate_older_than_three_months_at_inspection_is_refused() -> None:
    ok = InspectionDraft("m1", DAY, date(2026, 8, 21), False).validated(SCHEME, DAY)
    assert ok.certificate_date == date(2026, 8, 21)
    with pytest.raises(ValidationError, match="älter als 3 Monate"):
        InspectionDraft("m1", DAY, date(2026, 8, 20), False).validated(SCHEME, DAY)
    with pytest.raises(ValidationError, match="Zukunft"):
        InspectionDraft("m1", date(2026, 11, 22), DAY, False).validated(SCHEME, DAY)


def test_an_inspection_holds_only_what_the_law_allows() -> None:
    # LR-38: inspected (the record), date of the certificate, relevant entry yes/no; the
    # day of the inspection is needed for the three-month rule; no free text.
    names = {f.name for f in dataclasses.fields(InspectionDraft)}
    assert names == {"member_id", "inspected_on", "certificate_date", "relevant_entry"}


def test_renewal_after_five_years_and_reminder_ahead() -> None:
    file = _file(Engagement.EHRENAMTLICH, _activity(), inspections=(date(2021, 12, 20),))
    assert status(SCHEME, file, DAY).clearance is Clearance.CLEARED
    due = due_items(SCHEME, file, DAY)
    assert [(d.kind, d.on) for d in due] == [(DueKind.RENEWAL, date(2026, 12, 20))]
    later = status(SCHEME, file, date(2026, 12, 20))
    assert later.clearance is Clearance.EXPIRED and not later.clearance.may_work


def test_missing_inspection_before_a_planned_camp_is_reminded() -> None:
    camp = _activity(Answers(True, (), ("overnight",)), start=date(2026, 12, 10),
                     end=date(2026, 12, 17))
    file = _file(Engagement.HONORAR, camp)
    assert [d.kind for d in due_items(SCHEME, file, DAY)] == [DueKind.MISSING]
    assert status(SCHEME, file, date(2026, 12, 10)).clearance is Clearance.MISSING


def test_relevant_entry_excludes_from_all_work_with_children() -> None:
    file = _file(Engagement.EHRENAMTLICH, _activity(LIGHT), inspections=(DAY,), entry=True)
    assert status(SCHEME, file, DAY).clearance is Clearance.EXCLUDED


def test_concrete_indications_block_until_a_newer_inspection() -> None:
    # 000:2209: a current certificate regardless of the five-year interval.
    file = _file(Engagement.EHRENAMTLICH, _activity(), inspections=(date(2025, 6, 1),),
                 indications=(date(2026, 11, 10),))
    assert status(SCHEME, file, DAY).clearance is Clearance.INDICATION
    assert [d.kind for d in due_items(SCHEME, file, DAY)] == [DueKind.INDICATION]
    cleared = dataclasses.replace(file, inspections=(*file.inspections, Inspection(
        "i9", InspectionDraft("m1", DAY, DAY, False), "w")))
    assert status(SCHEME, cleared, DAY).clearance is Clearance.CLEARED


def test_minor_volunteer_is_waived_until_eighteen_and_reminded() -> None:
    file = _file(Engagement.EHRENAMTLICH, _activity(Answers(True, (), ("one_to_one",))),
                 adult_on=date(2027, 1, 5))
    assert status(SCHEME, file, DAY).clearance is Clearance.NOT_NEEDED
    assert [(d.kind, d.on) for d in due_items(SCHEME, file, DAY)] == [
        (DueKind.ADULT, date(2027, 1, 5))]
    assert status(SCHEME, file, date(2027, 1, 5)).clearance is Clearance.MISSING


# --- deletion (§ 72a Abs. 5) ----------------------------------------------------------------


def test_deletion_three_months_after_the_activity_ends() -> None:
    file = _file(Engagement.EHRENAMTLICH, _activity(end=date(2026, 7, 31)),
                 inspections=(date(2025, 1, 1),))
    assert deletion_due_on(SCHEME, file) == date(2026, 10, 31)
    assert DueKind.DELETION in [d.kind for d in due_items(SCHEME, file, DAY)]


def test_deletion_without_delay_when_no_activity_follows() -> None:
    ended_before = _file(Engagement.EHRENAMTLICH, _activity(end=date(2025, 3, 1)),
                         inspections=(date(2025, 6, 1),))
    assert deletion_due_on(SCHEME, ended_before) == date(2025, 6, 1)
    nothing = _file(Engagement.EHRENAMTLICH, inspections=(date(2026, 11, 1),))
    assert deletion_due_on(SCHEME, nothing) == date(2026, 11, 1)


def test_running_activity_keeps_the_record() -> None:
    file = _file(Engagement.EHRENAMTLICH, _activity(), inspections=(date(2025, 1, 1),))
    assert deletion_due_on(SCHEME, file) is None
    assert deletion_due_on(SCHEME, _file(Engagement.EHRENAMTLICH, _activity())) is None
