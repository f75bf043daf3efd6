"""Consent form and withdrawal confirmation in the family's language (issue 19):
translations are data files naming who checked them; unchecked ones print
"Übersetzung ungeprüft"; Arabic is shaped and ordered right to left."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import replace
from datetime import date

import pypdf
import pytest

from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId
from casework.models.translations import KEYS, UNCHECKED, for_languages
from casework.services.consent import lifecycle as service
from casework.services.consent import translations
from casework.services.households import households
from casework.services.session import Session

LANGUAGES = {"tr": "Türkisch", "ar": "Arabisch", "ru": "Russisch", "uk": "Ukrainisch",
             "pl": "Polnisch", "ro": "Rumänisch", "bg": "Bulgarisch", "en": "Englisch"}
TODAY = date(2026, 11, 21)


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def words(text: str) -> list[str]:
    """Letters only, presentation forms folded back (NFKC), in reading order."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text))


def family_speaking(session: Session, language: str) -> tuple[HouseholdId, str]:
    hid, _ = households.create(session, HouseholdDraft(
        name="Haddad", street="Gärtnerstraße 3", plz="46236", city="Bottrop",
        languages=("Deutsch", language)))
    pid, _ = households.add_person(session, hid, PersonDraft(
        "Samira", "Haddad", BirthInfo(date(1984, 2, 2)), Gender.WEIBLICH,
        HouseholdRole.ELTERNTEIL, custody=True))
    cid, _ = service.prepare(session, ConsentDraft(
        pid, (Selection("email", "ASD"),), (Selection("stadt"),), Capacity.SELF))
    return hid, cid


def test_every_shipped_translation_is_complete_and_unchecked_ones_say_so() -> None:
    found = {t.code: t for t in translations.available()}
    assert set(LANGUAGES) <= set(found)
    for code, german in LANGUAGES.items():
        t = found[code]
        assert t.german_name == german and all(t.texts[k].strip() for k in KEYS)
        assert not t.checked  # nobody has checked them yet: the print must say so
    assert found["ar"].rtl and not found["tr"].rtl
    assert for_languages(["Deutsch", "arabisch"], found.values()) is found["ar"]
    assert for_languages(["Türkçe"], found.values()) is found["tr"]
    assert for_languages(["Deutsch"], found.values()) is None


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_consent_form_is_bilingual_in_the_households_language(session: Session,
                                                              code: str) -> None:
    _hid, cid = family_speaking(session, LANGUAGES[code])
    pdf, _ = service.print_form(session, cid)
    text = pages(pdf)
    translated = " ".join(text[2:])
    assert "Einverständniserklärung" in text[0]  # the German form comes first
    assert f"Übersetzung – {LANGUAGES[code]} /" in translated and UNCHECKED in translated
    expected = translations.by_code(code)
    assert expected is not None
    first_words = words(expected.texts["binding"])[:4]
    assert " ".join(first_words) in " ".join(words(translated)), code
    assert "{" not in translated  # every placeholder filled
    # DejaVu has the glyphs: no empty boxes (pypdf would extract nothing for them)
    assert len(words(translated)) > 60


def test_arabic_extracts_in_reading_order(session: Session) -> None:
    _hid, cid = family_speaking(session, "Arabisch")
    pdf, _ = service.print_form(session, cid)
    translated = words(" ".join(pages(pdf)[2:]))
    arabic = translations.by_code("ar")
    assert arabic is not None
    for key in ("title", "voluntary"):
        expected = words(arabic.texts[key].replace("{org}", ""))[:6]
        assert any(translated[i:i + len(expected)] == expected
                   for i in range(len(translated))), key


def test_checked_translation_names_the_checker(session: Session) -> None:
    from casework.forms.consent import render_consent_form

    _hid, cid = family_speaking(session, "Polnisch")
    data = service.form_data(session, cid)
    assert data.translation is not None
    checked = replace(data.translation, checked_by="Anna Nowak (Dolmetscherin)",
                      checked_on="20.11.2026")
    text = " ".join(pages(render_consent_form(replace(data, translation=checked),
                                              session.clock)))
    assert "geprüft von Anna Nowak (Dolmetscherin)" in text and UNCHECKED not in text


def test_withdrawal_confirmation_is_bilingual(session: Session) -> None:
    _hid, cid = family_speaking(session, "Russisch")
    service.print_form(session, cid)
    service.record_signature(session, cid, signed_on=TODAY)
    wid, _ = service.withdraw(session, cid, total=True, via="telefonisch")
    text = " ".join(pages(service.withdrawal_confirmation(session, wid)))
    assert "Bestätigung des Widerrufs" in text and "Übersetzung – Russisch / Русский" in text
    assert "Подтверждение отзыва согласия" in text and UNCHECKED in text
    assert "21.11.2026" in text.split("Übersetzung – Russisch")[1]  # date filled in


def test_no_translation_page_for_german_only_households(session: Session,
                                                        family: HouseholdId) -> None:
    pid = households.members(session, family)[0].id
    cid, _ = service.prepare(session, ConsentDraft(
        pid, (Selection("email", "ASD"),), (Selection("stadt"),), Capacity.SELF))
    pdf, _ = service.print_form(session, cid)
    assert "Übersetzung" not in " ".join(pages(pdf))
