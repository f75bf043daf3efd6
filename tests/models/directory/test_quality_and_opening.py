"""Directory quality warnings and „Wer hat jetzt offen?“, pure.

Source requirements checked (sources-reference §3.20 no. 7 and 12, §3.7, §3.8):
- 000:2066/2070: ASD Bezirke 3 and 7 share 02041-70 3121 → flagged, not refused;
- 000:1978/1993: non-ASCII e-mail local parts (bildungsbüro@…) → flagged;
- 000:2018–2033: partners' weekly opening hours; holidays: NRW public holidays
  (sources-reference §7 no. 3, the assumption the acute routing uses too).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time

from casework.clock import BERLIN
from casework.models.directory import quality
from casework.models.directory.opening import open_state, who_is_open
from casework.models.directory.profile import WeeklySlot
from casework.models.kinderschutz.routing import no_holidays, nrw_holidays
from casework.services.directory.shipped import load_profile

PROFILE = load_profile("bottrop-beispiel")
NRW = nrw_holidays("NW")


def _partner(name: str) -> object:
    return next(p for p in PROFILE.partners if p.name.startswith(name))


def test_shipped_bottrop_list_flags_the_shared_phone_and_the_umlaut_address() -> None:
    warnings = quality.warnings(PROFILE)
    assert any("Bezirk 3 und Bezirk 7" in w and "02041-70 3121" in w for w in warnings)
    assert any("bildungsbüro@" in w and "Mailserver" in w for w in warnings)


def test_no_warnings_for_clean_data_and_phone_spellings_compare_by_digits() -> None:
    districts = tuple(dataclasses.replace(d, phone=f"02041 70-{4000 + d.number}")
                      for d in PROFILE.asd.districts)
    partners = tuple(dataclasses.replace(p, email="info@example.org") for p in PROFILE.partners)
    clean = dataclasses.replace(PROFILE, asd=dataclasses.replace(PROFILE.asd,
                                                                 districts=districts),
                                partners=partners)
    assert quality.warnings(clean) == ()
    twin = dataclasses.replace(districts[1], phone="+49 2041 704001")
    doubled = dataclasses.replace(clean, asd=dataclasses.replace(
        clean.asd, districts=(districts[0], twin, *districts[2:])))
    assert len(quality.warnings(doubled)) == 1
    assert quality.non_ascii_local_part("maïke@x.de")
    assert not quality.non_ascii_local_part("info@bildungsbüro.de")


def test_open_now_with_closing_time_and_closed_with_next_opening() -> None:
    tuesday_ten = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    states = who_is_open(PROFILE, tuesday_ten, NRW)
    open_names = [s.partner.name for s in states if s.is_open]
    assert open_names[0].startswith("Caritas – Familienort")  # closes first (13:00)
    assert states[0].text(tuesday_ten) == "geöffnet bis 13:00"
    stadtteilbuero = next(s for s in states if s.partner.name.startswith("AGSB"))
    assert stadtteilbuero.text(tuesday_ten) == "geschlossen, öffnet Do 09:00"


def test_holidays_count_as_closed() -> None:
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN)  # a Friday
    flow = _partner("KJH FLOW")
    state = open_state(flow, christmas, NRW)  # type: ignore[arg-type]
    assert not state.is_open
    assert state.text(christmas) == "Feiertag – geschlossen, öffnet Mo 09:30"
    assert open_state(flow, christmas, no_holidays).is_open  # type: ignore[arg-type]


def test_place_filters_by_name_address_or_plz_and_no_hours_is_said() -> None:
    thursday = datetime(2026, 11, 26, 15, 30, tzinfo=BERLIN)
    batenbrock = who_is_open(PROFILE, thursday, NRW, "Batenbrock")
    assert [s.partner.name.split(" ")[0] for s in batenbrock] == ["AGSB", "AWO"]
    assert batenbrock[0].text(thursday) == "geöffnet bis 17:00"
    assert all("46238" in s.partner.address for s in who_is_open(PROFILE, thursday, NRW,
                                                                   "46238"))
    tiefbau = who_is_open(PROFILE, thursday, NRW, "Tiefbauamt")
    assert tiefbau[0].text(thursday) == "keine Öffnungszeiten hinterlegt"


def test_slot_end_is_exclusive() -> None:
    slot = WeeklySlot(0, time(9, 0), time(13, 0))
    partner = dataclasses.replace(PROFILE.partners[0], opening_hours=(slot,))
    at_end = datetime(2026, 11, 23, 13, 0, tzinfo=BERLIN)
    state = open_state(partner, at_end, no_holidays)
    assert not state.is_open and state.text(at_end) == "geschlossen, öffnet Mo 30.11. 09:00"
