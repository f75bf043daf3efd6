"""Loading the shipped reference-data profiles (casework.services.directory.shipped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework import resources
from casework.clock import FixedClock
from casework.errors import UserError
from casework.models.kinderschutz.routing import RouteKind
from casework.services.directory.shipped import (
    DEFAULT_PROFILE,
    acute_routing,
    list_profiles,
    load_profile,
    load_profile_file,
    parse_profile_text,
    profile_to_data,
    profile_to_json,
)


def test_list_profiles_names_the_shipped_files() -> None:
    names = list_profiles()
    assert "bottrop-beispiel" in names and "musterstadt" in names
    assert names == sorted(names)


def test_default_profile_is_the_bottrop_example() -> None:
    assert DEFAULT_PROFILE == "bottrop-beispiel"
    profile = load_profile()
    assert profile.name == "bottrop-beispiel"
    assert profile.city == "Bottrop"
    assert len(profile.asd.districts) == 11
    assert load_profile(None) is profile  # cached, immutable


@pytest.mark.parametrize("name", ["bottrop-beispiel", "musterstadt"])
def test_every_shipped_profile_loads_and_round_trips(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert parse_profile_text(profile_to_json(profile), "export.json") == profile
    shipped = json.loads(
        resources.files("profiles", f"{name}.json").read_text(encoding="utf-8")
    )
    assert profile_to_data(profile) == shipped  # the files are in canonical form


def test_profile_to_json_keeps_non_ascii_addresses_readable() -> None:
    text = profile_to_json(load_profile())
    assert "bildungsbüro@bottrop.example" in text


@pytest.mark.parametrize("name", ["gibtsnicht", "../bottrop-beispiel", "Bottrop-Beispiel"])
def test_unknown_profile_is_a_user_error_listing_the_known_ones(name: str) -> None:
    with pytest.raises(UserError) as caught:
        load_profile(name)
    assert f"„{name}“" in caught.value.message
    assert "bottrop-beispiel, musterstadt" in caught.value.message


def test_malformed_profile_file_names_file_and_field(tmp_path: Path) -> None:
    data = profile_to_data(load_profile())
    data["asd"]["districts"][3]["plz"][0] = "4624"
    path = tmp_path / "kaputt.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_profile_file(path)
    assert caught.value.message == (
        "Profil-Datei kaputt.json: asd.districts[3].plz[0]: muss aus 5 Ziffern bestehen"
    )


def test_invalid_json_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "halb.json"
    path.write_text('{\n  "name": "x",\n  "title": \n}', encoding="utf-8")
    with pytest.raises(UserError, match=r"halb\.json: kein gültiges JSON \(Zeile 4, Spalte 1\)"):
        load_profile_file(path)


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(UserError, match=r"liste\.json: muss ein JSON-Objekt enthalten"):
        parse_profile_text("[1, 2]", "liste.json")


def test_missing_or_binary_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"fehlt\.json wurde nicht gefunden"):
        load_profile_file(tmp_path / "fehlt.json")
    binary = tmp_path / "bild.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UserError, match=r"bild\.json: ist kein UTF-8-Text"):
        load_profile_file(binary)


def test_acute_routing_uses_the_clock_and_the_profile_holidays() -> None:
    # Fronleichnam 2026 (Thursday 4 June), 10:00 in Berlin = 08:00 UTC.
    clock = FixedClock(datetime(2026, 6, 4, 8, 0, tzinfo=UTC))
    routing = acute_routing(clock, "Batenbrock-Süd")
    assert [r.kind for r in routing.routes] == [RouteKind.NOTFALL]
    assert routing.moment.hour == 10
    clock.advance(timedelta(days=7))  # an ordinary Thursday
    normal = acute_routing(clock, "Batenbrock-Süd")
    assert [r.label for r in normal.routes] == ["ASD Bezirk 9"]
    muster = acute_routing(clock, "Altdorf", load_profile("musterstadt"))
    assert [r.label for r in muster.routes] == ["Bereitschaftsdienst des Jugendamtes"]
