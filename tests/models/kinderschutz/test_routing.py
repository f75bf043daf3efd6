"""Acute routing "whom do I call now?" (casework.models.kinderschutz.routing,
sources-reference §4.2)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from casework.models.directory.parsing import parse_profile
from casework.models.directory.profile import Profile
from casework.models.kinderschutz.routing import (
    AcuteRouting,
    RouteKind,
    no_holidays,
    nrw_holidays,
    route_acute,
)
from tests.conftest import REPO_ROOT

BERLIN = ZoneInfo("Europe/Berlin")
PROFILES = REPO_ROOT / "resources" / "profiles"
NRW = nrw_holidays("NW")


def load(name: str) -> Profile:
    return parse_profile(json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def bottrop() -> Profile:
    return load("bottrop-beispiel")


@pytest.fixture(scope="module")
def musterstadt() -> Profile:
    return load("musterstadt")


def at(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


def kinds(routing: AcuteRouting) -> list[RouteKind]:
    return [r.kind for r in routing.routes]


# June 2026: Mo 1, Mi 3, Do 4 = Fronleichnam (NRW holiday), Fr 5, Sa 6, Mo 8, Mi 10, Do 11,
# Fr 12, Sa 13, Mo 15, Di 16.


def test_wednesday_1229_is_asd_sprechzeit_with_the_district_contact(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 10, 12, 29), "batenbrock sued", NRW)
    assert kinds(r) == [RouteKind.ASD]
    route = r.routes[0]
    assert route.label == "ASD Bezirk 9"
    assert route.phones == ("02041-70 3626",)
    assert route.contact_role == "ASD Bezirk 9 – Fachkraft"
    assert route.email == "asd-bezirk9@bottrop.example"
    assert route.reason == "Allgemeine Sprechzeit des ASD (Mi 08:30–12:30)"
    assert r.in_sprechzeit and not r.after_hours
    assert r.sprechzeit_until == at(2026, 6, 10, 12, 30)
    assert r.next_asd_sprechzeit is None
    assert r.conflict_note is None
    assert [d.number for d in r.districts] == [9]


def test_wednesday_1230_is_already_after_hours(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 10, 12, 30), "Batenbrock-Süd", NRW)
    assert kinds(r) == [RouteKind.NOTFALL]
    route = r.routes[0]
    assert route.phones == ("110", "112")
    assert "Notfallrufbereitschaft" in route.label
    assert "Mi bereits ab 12:30 Uhr" in route.reason
    assert "bis Do 11.06. 08:30 Uhr" in route.reason
    assert r.after_hours_until == at(2026, 6, 11, 8, 30)
    assert r.next_asd_sprechzeit == at(2026, 6, 11, 8, 30)


def test_the_moment_is_converted_to_berlin_time(bottrop: Profile) -> None:
    # 10:29 UTC is 12:29 in Berlin (CEST): still Sprechzeit.
    r = route_acute(bottrop, datetime(2026, 6, 10, 10, 29, tzinfo=UTC), None, NRW)
    assert kinds(r) == [RouteKind.ASD]
    assert r.moment == at(2026, 6, 10, 12, 29)
    # In winter (CET) 11:29 UTC is 12:29 local.
    winter = route_acute(bottrop, datetime(2026, 1, 14, 11, 29, tzinfo=UTC), None, NRW)
    assert kinds(winter) == [RouteKind.ASD]


def test_naive_moment_is_refused(bottrop: Profile) -> None:
    with pytest.raises(ValueError, match="aware"):
        route_acute(bottrop, datetime(2026, 6, 10, 12, 0), None, NRW)


def test_friday_morning_without_sprechzeit_goes_to_the_notdienst(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 12, 10, 0), "Ebel", NRW)
    assert kinds(r) == [RouteKind.NOTDIENST]
    route = r.routes[0]
    assert route.label == "Notdienst des Jugendamtes"
    assert route.phones == ("02041/704470",)
    assert "Außerhalb der allgemeinen Sprechzeiten" in route.reason
    assert not r.in_sprechzeit and not r.after_hours
    # next Sprechzeit across the weekend: Monday 08:30
    assert r.next_asd_sprechzeit == at(2026, 6, 15, 8, 30)
    assert [d.number for d in r.districts] == [9]  # still shown for later


def test_friday_evening_window_runs_through_the_weekend(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 12, 16, 0), None, NRW)
    assert kinds(r) == [RouteKind.NOTFALL]
    assert r.after_hours_until == at(2026, 6, 15, 8, 30)
    assert "bis Mo 15.06. 08:30 Uhr" in r.routes[0].reason


def test_saturday_is_after_hours_all_day(bottrop: Profile) -> None:
    for hour in (0, 10, 23):
        r = route_acute(bottrop, at(2026, 6, 13, hour, 0), "Boy", NRW)
        assert kinds(r) == [RouteKind.NOTFALL]
        assert "Wochenende (Sa)" in r.routes[0].reason
        assert r.after_hours_until == at(2026, 6, 15, 8, 30)
        assert r.next_asd_sprechzeit == at(2026, 6, 15, 8, 30)


def test_monday_0829_after_a_weekend_is_after_hours_0830_is_asd(bottrop: Profile) -> None:
    early = route_acute(bottrop, at(2026, 6, 15, 8, 29), "Kirchhellen", NRW)
    assert kinds(early) == [RouteKind.NOTFALL]
    assert "vor 08:30 Uhr" in early.routes[0].reason
    assert early.after_hours_until == at(2026, 6, 15, 8, 30)
    assert early.next_asd_sprechzeit == at(2026, 6, 15, 8, 30)
    open_ = route_acute(bottrop, at(2026, 6, 15, 8, 30), "Kirchhellen", NRW)
    assert kinds(open_) == [RouteKind.ASD]
    assert open_.routes[0].label == "ASD Bezirk 1"


def test_thursday_1630_shows_both_routes_with_a_conflict_note(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 11, 16, 30), "Altstadt", NRW)
    assert kinds(r) == [RouteKind.ASD, RouteKind.NOTFALL]
    assert r.routes[0].reason == "Allgemeine Sprechzeit des ASD (Do 14:00–17:00)"
    assert r.routes[0].label == "ASD Bezirk 7"
    assert r.in_sprechzeit and r.after_hours
    assert r.conflict_note is not None
    assert "Do 14:00–17:00" in r.conflict_note
    assert "Beide Wege" in r.conflict_note
    assert "Polizei 110" in r.conflict_note
    # 17:00 the Sprechzeit is over; only the after-hours route remains.
    later = route_acute(bottrop, at(2026, 6, 11, 17, 0), "Altstadt", NRW)
    assert kinds(later) == [RouteKind.NOTFALL]
    assert later.conflict_note is None


def test_thursday_lunch_gap_goes_to_the_notdienst(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 11, 13, 0), None, NRW)
    assert kinds(r) == [RouteKind.NOTDIENST]
    assert r.next_asd_sprechzeit == at(2026, 6, 11, 14, 0)


def test_tuesday_1559_notdienst_1600_after_hours(bottrop: Profile) -> None:
    before = route_acute(bottrop, at(2026, 6, 16, 15, 59), None, NRW)
    assert kinds(before) == [RouteKind.NOTDIENST]
    assert "vor 16:00 Uhr" in before.routes[0].reason
    after = route_acute(bottrop, at(2026, 6, 16, 16, 0), None, NRW)
    assert kinds(after) == [RouteKind.NOTFALL]
    assert "ab 16:00 Uhr" in after.routes[0].reason
    assert after.after_hours_until == at(2026, 6, 17, 8, 30)
    assert after.next_asd_sprechzeit == at(2026, 6, 17, 8, 30)


def test_public_holiday_on_a_weekday_is_after_hours_all_day(bottrop: Profile) -> None:
    # Fronleichnam, Thursday 4 June 2026: would be Sprechzeit at 10:00 on a normal Thursday.
    r = route_acute(bottrop, at(2026, 6, 4, 10, 0), "Ebel", NRW)
    assert kinds(r) == [RouteKind.NOTFALL]
    assert "Feiertag (Do 04.06.2026)" in r.routes[0].reason
    assert r.after_hours_until == at(2026, 6, 5, 8, 30)
    # Friday has no Sprechzeit, so the ASD is next reachable on Monday.
    assert r.next_asd_sprechzeit == at(2026, 6, 8, 8, 30)
    # Without the holiday calendar the same moment is an ordinary Sprechzeit.
    assert kinds(route_acute(bottrop, at(2026, 6, 4, 10, 0), "Ebel", no_holidays)) == [
        RouteKind.ASD
    ]


def test_friday_after_the_holiday(bottrop: Profile) -> None:
    early = route_acute(bottrop, at(2026, 6, 5, 8, 0), None, NRW)
    assert kinds(early) == [RouteKind.NOTFALL]
    assert early.after_hours_until == at(2026, 6, 5, 8, 30)
    day = route_acute(bottrop, at(2026, 6, 5, 10, 0), None, NRW)
    assert kinds(day) == [RouteKind.NOTDIENST]
    assert day.next_asd_sprechzeit == at(2026, 6, 8, 8, 30)


def test_next_sprechzeit_skips_a_holiday(bottrop: Profile) -> None:
    # Wednesday 3 June 13:00: Thursday is Fronleichnam, Friday has none → Monday.
    r = route_acute(bottrop, at(2026, 6, 3, 13, 0), None, NRW)
    assert r.next_asd_sprechzeit == at(2026, 6, 8, 8, 30)
    # Easter: Thu 2 April 17:00 → Good Friday, weekend, Easter Monday → Wed 8 April.
    easter = route_acute(bottrop, at(2026, 4, 2, 17, 0), None, NRW)
    assert easter.after_hours_until == at(2026, 4, 7, 8, 30)
    assert easter.next_asd_sprechzeit == at(2026, 4, 8, 8, 30)


def test_friday_evening_before_a_monday_holiday_runs_until_tuesday(bottrop: Profile) -> None:
    # Pfingstmontag 25 May 2026.
    r = route_acute(bottrop, at(2026, 5, 22, 17, 0), None, NRW)
    assert r.after_hours_until == at(2026, 5, 26, 8, 30)
    monday = route_acute(bottrop, at(2026, 5, 25, 10, 0), None, NRW)
    assert kinds(monday) == [RouteKind.NOTFALL]
    tuesday_early = route_acute(bottrop, at(2026, 5, 26, 8, 0), None, NRW)
    assert kinds(tuesday_early) == [RouteKind.NOTFALL]


def test_fixed_holiday_predicate_is_respected(bottrop: Profile) -> None:
    def only_june_16(day: date) -> bool:
        return day == date(2026, 6, 16)

    r = route_acute(bottrop, at(2026, 6, 16, 10, 0), None, only_june_16)
    assert kinds(r) == [RouteKind.NOTFALL]
    assert "Feiertag" in r.routes[0].reason
    r_prev = route_acute(bottrop, at(2026, 6, 15, 16, 0), None, only_june_16)
    assert r_prev.after_hours_until == at(2026, 6, 17, 8, 30)


def test_unknown_stadtteil_routes_to_the_asd_office_and_suggests_names(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 15, 9, 0), "Batenbrok Sud", NRW)
    assert r.districts == ()
    assert r.stadtteil_suggestions[0] == "Batenbrock-Süd"
    route = r.routes[0]
    assert route.kind is RouteKind.ASD
    assert route.district is None
    assert route.phones == ()  # the sources publish no central ASD number: none invented
    assert "Bezirk unbekannt" in route.reason


def test_ambiguous_stadtteil_lists_every_candidate_district(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 15, 9, 0), "Batenbrock", NRW)
    assert [route.label for route in r.routes] == ["ASD Bezirk 6", "ASD Bezirk 9", "ASD Bezirk 10"]


def test_rote_mappe_is_always_included(bottrop: Profile) -> None:
    r = route_acute(bottrop, at(2026, 6, 13, 3, 0), None, NRW)
    names = [c.name for c in r.emergency_contacts]
    assert any("Kinderschutzambulanz" in n for n in names)
    assert any("Frauenhaus" in n for n in names)
    assert r.stadtteil is None


def test_musterstadt_routes_by_its_own_rules(musterstadt: Profile) -> None:
    # No Wednesday rule: 16:30 is still the Bereitschaftsdienst, 17:00 after hours.
    wed = route_acute(musterstadt, at(2026, 6, 10, 16, 30), "Altdorf", NRW)
    assert kinds(wed) == [RouteKind.NOTDIENST]
    assert wed.routes[0].label == "Bereitschaftsdienst des Jugendamtes"
    assert wed.routes[0].phones == ("09999 20-999",)
    evening = route_acute(musterstadt, at(2026, 6, 10, 17, 0), "Altdorf", NRW)
    assert kinds(evening) == [RouteKind.NOTFALL]
    assert evening.routes[0].phones == ("110",)
    assert evening.after_hours_until == at(2026, 6, 11, 8, 0)
    # Sprechzeit Tuesday 09:00–12:00 and Friday 09:00–15:00.
    tue = route_acute(musterstadt, at(2026, 6, 16, 9, 0), "am weissen stein", NRW)
    assert kinds(tue) == [RouteKind.ASD]
    assert tue.routes[0].reason == "Allgemeine Sprechzeit des ASD (Di 09:00–12:00)"
    assert tue.routes[0].phones == ("09999 20-102",)
    mon = route_acute(musterstadt, at(2026, 6, 15, 8, 0), None, NRW)
    assert kinds(mon) == [RouteKind.NOTDIENST]
    assert mon.next_asd_sprechzeit == at(2026, 6, 16, 9, 0)
    assert kinds(route_acute(musterstadt, at(2026, 6, 15, 7, 59), None, NRW)) == [RouteKind.NOTFALL]
    fri = route_acute(musterstadt, at(2026, 6, 12, 14, 59), None, NRW)
    assert kinds(fri) == [RouteKind.ASD]
    assert [c.name for c in fri.emergency_contacts] == ["Kinderschutzambulanz Musterstadt"]


def test_nrw_holidays_uses_the_land_calendar() -> None:
    assert NRW(date(2026, 6, 4))  # Fronleichnam
    assert NRW(date(2026, 11, 1))  # Allerheiligen
    assert not NRW(date(2026, 6, 5))
    assert not nrw_holidays("NI")(date(2026, 6, 4))  # no Fronleichnam in Niedersachsen
    assert nrw_holidays("NI")(date(2026, 10, 31))  # Reformationstag
