"""Deadline profiles (LR-13) and review status/content hashes, pure."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest

from casework import resources
from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.deadlines import (
    add_working_days,
    deadline_profile_to_data,
    due_steps,
    parse_deadline_profile,
)
from casework.models.kinderschutz.procedure import Entry, Procedure, ProcedureFile, Transition
from casework.models.kinderschutz.review import (
    Decision,
    ReviewDecision,
    ReviewKind,
    ReviewStatus,
    content_hash,
    status_of,
)
from casework.models.kinderschutz.routing import no_holidays, nrw_holidays
from casework.models.kinderschutz.vocabulary import EntryKind, State


def shipped() -> dict[str, object]:
    text = resources.files("deadlines", "beispiel.json").read_text("utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def test_LR13_shipped_profile_is_marked_as_configurable_example() -> None:
    profile = parse_deadline_profile(shipped())
    assert profile.example
    assert "Beispielwerte" in profile.note and "keine festen Fristen" in profile.note
    keys = {r.key: r for r in profile.rules}
    assert keys["leitung_informieren"].working_days == 0
    assert keys["erste_einschaetzung"].working_days == 2
    assert keys["isef_beratung"].working_days == 5
    assert parse_deadline_profile(deadline_profile_to_data(profile)) == profile


def test_LR13_profile_errors_name_the_path() -> None:
    data = shipped()
    rules = list(data["rules"])  # type: ignore[call-overload]
    rules[1] = dict(rules[1], done="irgendwas")
    with pytest.raises(ValidationError, match=r"rules\[1\]\.done"):
        parse_deadline_profile(dict(data, rules=rules))
    rules[1] = dict(rules[1], done="isef", hours=4)
    with pytest.raises(ValidationError, match=r"rules\[1\]"):
        parse_deadline_profile(dict(data, rules=rules))


def test_working_days_skip_weekends_and_nrw_holidays() -> None:
    end = time(23, 59)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=BERLIN)
    # same working day from a Saturday = Monday evening
    assert add_working_days(saturday, 0, end, no_holidays) == datetime(
        2026, 11, 23, 23, 59, tzinfo=BERLIN)
    assert add_working_days(saturday, 2, end, no_holidays).date() == date(2026, 11, 25)
    # Thursday 24.12. + 1 working day skips 25./26.12. (holidays) and the weekend
    christmas_eve = datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)
    assert add_working_days(christmas_eve, 1, end, nrw_holidays()).date() == date(2026, 12, 28)
    # Fronleichnam (Thursday 4.6.2026, a holiday in NRW): Wednesday + 1 = Friday
    wednesday = datetime(2026, 6, 3, 9, 0, tzinfo=BERLIN)
    assert add_working_days(wednesday, 1, end, nrw_holidays()).date() == date(2026, 6, 5)
    assert add_working_days(wednesday, 1, end, no_holidays).date() == date(2026, 6, 4)
    # after the end of the day counts from the next working day
    late = datetime(2026, 11, 19, 17, 0, tzinfo=BERLIN)
    assert add_working_days(late, 0, time(16, 0), no_holidays).date() == date(2026, 11, 20)


def _file(entered_s1: datetime, *extra: Entry[object]) -> ProcedureFile:
    transitions = (
        Transition("t0", 1, None, State.S0, entered_s1, WorkerId("w"), "Fachkraft"),
        Transition("t1", 2, State.S0, State.S1, entered_s1, WorkerId("w"), "Fachkraft"),
    )
    procedure = Procedure("p", HouseholdId("h"), (PersonId("c"),), WorkerId("w"), State.S1,
                          False, entered_s1, WorkerId("w"))
    return ProcedureFile(procedure, transitions, tuple(extra))


def test_LR13_overdue_steps_follow_the_clock() -> None:
    profile = parse_deadline_profile(shipped())
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN)
    file = _file(monday)
    steps = {s.key: s for s in due_steps(file, profile, monday + timedelta(hours=1),
                                         no_holidays)}
    assert set(steps) == {"leitung_informieren", "erste_einschaetzung", "isef_beratung"}
    assert not any(s.overdue for s in steps.values())
    assert steps["erste_einschaetzung"].due_at == datetime(2026, 11, 18, 23, 59, tzinfo=BERLIN)
    thursday = datetime(2026, 11, 19, 8, 0, tzinfo=BERLIN)
    late = {s.key for s in due_steps(file, profile, thursday, no_holidays) if s.overdue}
    assert late == {"leitung_informieren", "erste_einschaetzung"}
    # acknowledged by the Leitung and an assessment recorded: only the iseF remains
    from casework.models.kinderschutz.findings import Assessment, Participant

    assessed = Entry("e", 3, EntryKind.ASSESSMENT,
                     Assessment(monday, (Participant("A"),), "x"), monday, WorkerId("w"))
    file = _file(monday, assessed)
    remaining = due_steps(file, profile, thursday, no_holidays,
                          frozenset({ReviewKind.ANHALTSPUNKTE}))
    assert [s.key for s in remaining] == ["isef_beratung"]


def test_LR13_changed_profile_changes_the_deadline() -> None:
    data = shipped()
    rules = [dict(r, working_days=10) if r["key"] == "erste_einschaetzung" else r  # type: ignore[index]
             for r in data["rules"]]  # type: ignore[attr-defined]
    profile = parse_deadline_profile(dict(data, rules=rules))
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN)
    thursday = datetime(2026, 11, 19, 8, 0, tzinfo=BERLIN)
    late = {s.key for s in due_steps(_file(monday), profile, thursday, no_holidays)
            if s.overdue}
    assert "erste_einschaetzung" not in late


def _decision(decision: Decision, digest: str) -> ReviewDecision:
    return ReviewDecision("d", "i", decision, "", digest,
                          datetime(2026, 11, 20, 9, tzinfo=BERLIN), WorkerId("l"))


def test_content_hash_is_canonical_and_status_goes_stale() -> None:
    a = content_hash({"b": 1, "a": "Müller"})
    assert a == content_hash({"a": "Müller", "b": 1})
    assert len(a) == 64 and a != content_hash({"a": "Muller", "b": 1})
    b = content_hash({"a": "x"})
    assert status_of(a, []) is ReviewStatus.OFFEN
    assert status_of(a, [_decision(Decision.FREIGEGEBEN, a)]) is ReviewStatus.FREIGEGEBEN
    assert status_of(b, [_decision(Decision.FREIGEGEBEN, a)]) is ReviewStatus.VERALTET
    assert status_of(a, [_decision(Decision.ZURUECKGEGEBEN, a)]) is ReviewStatus.ZURUECKGEGEBEN
    assert status_of(b, [_decision(Decision.ZURUECKGEGEBEN, a)]) is ReviewStatus.OFFEN
    assert status_of(None, []) is ReviewStatus.ENTFALLEN
