"""Retention rule engine (LR-34): start events, durations, longest rule wins."""

from __future__ import annotations

import json
from datetime import date

import pytest

from casework import resources
from casework.errors import ValidationError
from casework.models.privacy.retention import (
    EventFact,
    FileType,
    StartEvent,
    birthday,
    birthday_fact,
    decide,
    parse_rules,
)


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    text = resources.files("retention", "default.json").read_text(
        encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


def test_shipped_rules_validate_and_cover_9b_file_types(shipped: dict[str, object]) -> None:
    rules = parse_rules(shipped)
    rule = rules.rule("sgb8-9b-aufarbeitung")
    assert rule is not None
    assert rule.start_event is StartEvent.BIRTHDAY_30
    assert (rule.years, rule.months) == (70, 0)
    assert rule.file_types == {FileType.HZE, FileType.EINGLIEDERUNGSHILFE, FileType.HEIM,
                               FileType.VORMUNDSCHAFT}
    assert "§ 9b" in rule.legal_source and not rule.example
    assert all(FileType.QUARTIERSARBEIT not in r.file_types or r.example for r in rules.rules)


def test_9b_rule_keeps_until_30th_birthday_plus_70_years(shipped: dict[str, object]) -> None:
    rules = parse_rules(shipped)
    child = date(2019, 3, 1)
    facts = {
        StartEvent.CASE_CLOSED: EventFact(date(2026, 11, 21)),
        StartEvent.BIRTHDAY_30: birthday_fact([(child, None), (date(1988, 5, 4), None)], 30),
        StartEvent.LAST_CONTACT: EventFact(date(2026, 11, 1)),
    }
    result = decide(rules, FileType.HZE, facts)
    assert result.keep_until == date(2119, 3, 1)  # 2049-03-01 + 70 years
    assert result.governing is not None and result.governing.key == "sgb8-9b-aufarbeitung"
    assert not result.is_due(date(2119, 2, 28))
    assert result.is_due(date(2119, 3, 1))
    assert "01.03.2119" in result.summary()


def test_quartiersarbeit_file_ignores_9b_and_longest_example_rule_wins(
        shipped: dict[str, object]) -> None:
    rules = parse_rules(shipped)
    facts = {
        StartEvent.CASE_CLOSED: EventFact(date(2026, 1, 10)),
        StartEvent.BIRTHDAY_30: EventFact(date(2049, 3, 1)),
        StartEvent.LAST_CONTACT: EventFact(date(2026, 6, 30)),  # later than closure
    }
    result = decide(rules, FileType.QUARTIERSARBEIT, facts)
    assert result.keep_until == date(2029, 6, 30)
    assert result.governing is not None
    assert result.governing.key == "quartiersarbeit-letzter-kontakt"
    assert {o.rule.key for o in result.outcomes} == {"quartiersarbeit-abschluss",
                                                    "quartiersarbeit-letzter-kontakt"}


def test_overlapping_rules_longest_wins_in_both_orders() -> None:
    data = {"rules": [
        {"key": "a", "label": "A", "start_event": "case_closed", "years": 10,
         "file_types": ["hze"], "legal_source": "Test A"},
        {"key": "b", "label": "B", "start_event": "birthday_18", "years": 0, "months": 6,
         "file_types": ["hze"], "legal_source": "Test B"},
    ]}
    for ordering in (data["rules"], list(reversed(data["rules"]))):
        rules = parse_rules({"rules": ordering})
        early_birthday = {StartEvent.CASE_CLOSED: EventFact(date(2020, 1, 1)),
                          StartEvent.BIRTHDAY_18: EventFact(date(2025, 1, 1))}
        result = decide(rules, FileType.HZE, early_birthday)
        assert result.keep_until == date(2030, 1, 1)
        assert result.governing is not None and result.governing.key == "a"
        late_birthday = {StartEvent.CASE_CLOSED: EventFact(date(2020, 1, 1)),
                         StartEvent.BIRTHDAY_18: EventFact(date(2031, 1, 1))}
        result = decide(rules, FileType.HZE, late_birthday)
        assert result.keep_until == date(2031, 7, 1)
        assert result.governing is not None and result.governing.key == "b"


def test_pending_start_event_blocks_deletion(shipped: dict[str, object]) -> None:
    rules = parse_rules(shipped)
    facts = {StartEvent.CASE_CLOSED: EventFact(None, "Fall nicht abgeschlossen"),
             StartEvent.LAST_CONTACT: EventFact(date(2010, 1, 1))}
    result = decide(rules, FileType.QUARTIERSARBEIT, facts)
    assert result.keep_until is None
    assert not result.is_due(date(2100, 1, 1))
    assert "Fall nicht abgeschlossen" in result.summary()


def test_unknown_birth_date_keeps_9b_file() -> None:
    fact = birthday_fact([(date(2019, 3, 1), None), (None, None)], 30)
    assert fact.on is None and "unbekannt" in fact.pending


def test_birthday_edge_cases() -> None:
    assert birthday(date(2008, 2, 29), 30) == date(2038, 2, 28)
    # Year only: counted as 31 December (conservative, keeps longer).
    assert birthday_fact([(None, 2010)], 30).on == date(2040, 12, 31)
    assert birthday_fact([(date(2000, 5, 1), None), (date(2010, 7, 2), None)], 18).on == \
        date(2028, 7, 2)


@pytest.mark.parametrize(("change", "field"), [
    ({"start_event": "geburt"}, "Startereignis"),
    ({"years": 0, "months": 0}, "Dauer"),
    ({"years": -1}, "years"),
    ({"file_types": []}, "file_types"),
    ({"file_types": ["kita"]}, "kita"),
    ({"legal_source": ""}, "legal_source"),
])
def test_invalid_rules_are_rejected_with_the_field_named(change: dict[str, object],
                                                         field: str) -> None:
    rule = {"key": "x", "label": "X", "start_event": "case_closed", "years": 3,
            "file_types": ["quartiersarbeit"], "legal_source": "Beispiel"}
    rule.update(change)
    with pytest.raises(ValidationError) as info:
        parse_rules({"rules": [rule]})
    assert field in str(info.value)
    assert "„x“" in info.value.field


def test_duplicate_keys_are_rejected() -> None:
    rule = {"key": "x", "label": "X", "start_event": "case_closed", "years": 3,
            "file_types": ["quartiersarbeit"], "legal_source": "Beispiel"}
    with pytest.raises(ValidationError, match="doppelt"):
        parse_rules({"rules": [rule, dict(rule)]})


def test_add_period_matches_relativedelta() -> None:
    from dateutil.relativedelta import relativedelta

    from casework.models.privacy.retention import add_period

    start = date(2000, 1, 1)
    for offset in range(0, 3 * 366, 7):
        day = start + relativedelta(days=offset)
        for years, months in ((0, 1), (1, 0), (3, 11), (70, 0), (0, 25)):
            assert add_period(day, years, months) == day + relativedelta(years=years,
                                                                          months=months)
    assert add_period(date(2020, 2, 29), 1) == date(2021, 2, 28)
