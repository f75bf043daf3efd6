"""The printable Rote Mappe and ASD list (casework.forms.directory), read back with pypdf."""

from __future__ import annotations

import dataclasses

from casework.clock import FixedClock
from casework.forms.directory import TITLE, render_rote_mappe
from casework.services.directory.shipped import load_profile
from tests.forms.conftest import extract_text


def test_rote_mappe_lists_routes_contacts_and_districts(clock: FixedClock) -> None:
    pdf = render_rote_mappe(load_profile("bottrop-beispiel"), clock)
    assert pdf.startswith(b"%PDF")
    text = extract_text(pdf)
    assert TITLE in text
    assert "Donnerstag: 08:30–12:30, 14:00–17:00 Uhr" in text
    assert "Mittwochs bereits ab 12:30 Uhr" in text
    assert "Überschneidung: Die Sprechzeit Do 14:00–17:00 reicht in die Notfallregelung" in text
    assert "Notdienst des Jugendamtes, Telefon 02041/704470" in text
    assert "Marienhospital Bottrop – Kinderklinik / Ärztliche Kinderschutzambulanz" in text
    assert "Batenbrock-Süd, Welheimer Mark, Ebel, Lehmkuhle-Ost" in text
    assert "asd-bezirk9@bottrop.example" in text
    assert "unbegleitete minderjährige Ausländer (umA)" in text
    assert "Seite 1 von" in text


def test_the_printout_follows_the_profile_it_is_given(clock: FixedClock) -> None:
    profile = load_profile("musterstadt")
    first = profile.emergency_contacts[0]
    edited = dataclasses.replace(
        profile, emergency_contacts=(dataclasses.replace(first, phone="0999 123456"),)
    )
    text = extract_text(render_rote_mappe(edited, clock))
    assert "0999 123456" in text
    assert "Batenbrock" not in text and "bottrop.example" not in text


def test_unchecked_numbers_are_marked_on_paper(clock: FixedClock) -> None:
    """Issue 21: the printed Rote Mappe says which numbers the organisation has not
    checked yet (published, Stand 11/2019)."""
    profile = load_profile("bottrop-beispiel")
    text = " ".join(extract_text(render_rote_mappe(profile, clock)).split())
    assert "02041/704470 (ungeprüft, Stand 11/2019)" in text
    assert text.count("ungeprüft, Stand 11/2019") >= 1 + 6 + 11
    checked = dataclasses.replace(
        profile, emergency_contacts=tuple(
            dataclasses.replace(e, source=dataclasses.replace(
                e.source, checked_on=clock.now().date()))
            for e in profile.emergency_contacts))
    text = " ".join(extract_text(render_rote_mappe(checked, clock)).split())
    assert "Rufnummer geprüft 21.11.2026" in text
