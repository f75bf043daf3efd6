"""The DSGVO consent form (LR-29) and the withdrawal confirmation (LR-31), read back from
the real PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pypdf
import pytest

from casework.clock import FixedClock
from casework.errors import ValidationError
from casework.forms.consent import (
    Capacity,
    ConsentChoice,
    ConsentFormData,
    DataSubject,
    Signatory,
    Validity,
    blank_consent_form_data,
    render_consent_form,
    tick,
)
from casework.forms.consent_withdrawal import (
    WithdrawalConfirmationData,
    WithdrawalScope,
    render_withdrawal_confirmation,
)
from casework.models.directory.legal_basis import OrganisationKind
from casework.models.directory.profile import Organisation, Profile
from tests.forms.conftest import assert_in_window

Text = Callable[[bytes], str]
Count = Callable[[bytes], int]

# LR-29 (legal-reference §6.3) and sources §3.11, as a reader finds them on the page.
LR29_PHRASES = (
    # controller and data-protection contact
    "1. Verantwortliche Stelle und Datenschutz",
    "Verantwortlich:",
    "Datenschutz:",
    # data subject, person giving consent, capacity
    "Name der betroffenen Person:",
    "Geburtsdatum:",
    "die betroffene Person selbst",
    "Personensorgeberechtigte(n)",
    # purposes, recipients, data categories with Art. 9
    "3. Zwecke",
    "Einwilligung¹",
    "4. Übermittlung an folgende Stellen (Empfänger)",
    "5. Welche Daten (Datenkategorien)",
    "Besondere Kategorien personenbezogener Daten (Art. 9 DSGVO)",
    "Gesundheitsdaten",
    "ethnische Herkunft",
    "religiöse oder weltanschauliche Überzeugungen",
    "Sexualleben oder sexuelle Orientierung",
    # duration
    "6. Dauer der Einwilligung und Speicherdauer",
    "bis auf Widerruf",
    "befristet bis:",
    # voluntary, consequences of refusal
    "Die Einwilligung ist freiwillig.",
    "entstehen Ihnen daraus keine Nachteile",
    "finden trotzdem statt",
    # withdrawal: any time, wholly or partly, for the future, how
    "jederzeit ganz oder teilweise ohne Angabe von Gründen für die Zukunft widerrufen² werden",
    "Der Widerruf ist an keine Form gebunden: mündlich, telefonisch, schriftlich oder per E-Mail",
    "Die bis zum Widerruf erfolgte Verarbeitung bleibt rechtmäßig.",
    # rights and legal basis
    "Auskunft (Art. 15), Berichtigung (Art. 16), Löschung (Art. 17), "
    "Einschränkung der Verarbeitung (Art. 18), Datenübertragung (Art. 20) und "
    "Widerspruch (Art. 21 DSGVO)",
    "EU-Datenschutz-Grundverordnung (EU-DSGVO)",
    "Bundesdatenschutzgesetz (BDSG)",  # the example profile's organisation is an e. V.
    # age-16 rule
    "unter 16 Jahren die Einwilligung der Personensorgeberechtigten",
    "Ab 16 Jahren willigen Jugendliche selbst ein.",
    # date and signatures
    "Ort, Datum",
    "Unterschrift der betroffenen Person",
    "Unterschrift Personensorgeberechtigte(r) 1",
    "Unterschrift Personensorgeberechtigte(r) 2",
    # footnotes 1 and 2
    "¹ Einwilligung: jede freiwillig für den bestimmten Fall",
    "Daten Ihres Kindes einverstanden sind",
    "² Widerruf: Sie wurden über Ihre Rechte auf Auskunft, Berichtigung, Löschung, "
    "Einschränkung der Verarbeitung, Datenübertragung und Widerspruch informiert.",
    "Rechtsgrundlage: DSGVO, BDSG, SGB VIII und SGB X",
)


@pytest.fixture
def blank(profile: Profile) -> ConsentFormData:
    return blank_consent_form_data(profile)


@pytest.fixture
def filled(blank: ConsentFormData, organisation: Organisation) -> ConsentFormData:
    return replace(
        blank,
        organisation=organisation,
        purposes=tick(
            blank.purposes,
            {
                "email": "an ASD Bezirk 6 – Fachkraft <asd6@stadt.bottrop.example> & Schule",
                "photo": "",
            },
        ),
        recipients=tick(blank.recipients, {"stadt": "", "other": "Kita Regenbogen"}),
        data_categories=tick(blank.data_categories, {"data-1": "Name, Schule", "health": ""}),
        subject=DataSubject("Mia Beispielkind", date(2015, 3, 4)),
        signatory=Signatory(Capacity.GUARDIAN, ("Erika Testmutter", "Jonas Testvater")),
        validity=Validity(date(2027, 12, 31)),
        place="Bottrop",
        signed_on=date(2026, 11, 21),
        obtained_by="Quartierskümmerin Süd",
    )


def test_blank_form_has_every_lr29_element(
    blank: ConsentFormData, clock: FixedClock, pdf_text: Text, pdf_pages: Count
) -> None:
    pdf = render_consent_form(blank, clock)
    text = pdf_text(pdf)
    missing = [phrase for phrase in LR29_PHRASES if phrase not in text]
    assert missing == []
    assert "Einverständniserklärung zur DSGVO" in text
    assert pdf_pages(pdf) <= 2


def test_form_names_controller_dpo_and_how_to_withdraw(
    blank: ConsentFormData, profile: Profile, clock: FixedClock, pdf_text: Text
) -> None:
    text = pdf_text(render_consent_form(blank, clock))
    org = profile.organisation
    dpc = org.data_protection_contact
    assert org.name in text
    assert org.email in text
    assert dpc.role in text and dpc.email in text and dpc.phone in text
    # the way to withdraw names the controller's address and e-mail
    withdraw = text[text.index("Der Widerruf ist an keine Form gebunden") :]
    assert org.email in withdraw[:400]


def test_blank_form_lists_the_profile_catalogue_with_no_box_ticked(
    blank: ConsentFormData,
    profile: Profile,
    clock: FixedClock,
    pdf_text: Text,
    ticked_boxes: Count,
) -> None:
    pdf = render_consent_form(blank, clock)
    text = pdf_text(pdf)
    for purpose in profile.consent.purposes:
        assert purpose.label in text
    for recipient in profile.consent.recipients:
        assert recipient.label in text
    for category in profile.consent.data_categories:
        assert category in text
    assert text.count("unter 16 Jahren: nur mit Einwilligung der Personensorgeberechtigten") == 2
    assert ticked_boxes(pdf) == 0
    assert profile.consent.template_version in text


def test_blank_form_has_no_personal_data(
    blank: ConsentFormData, filled: ConsentFormData, clock: FixedClock, pdf_text: Text
) -> None:
    blank_text = pdf_text(render_consent_form(blank, clock))
    assert blank.subject == DataSubject()
    assert blank.signatory == Signatory()
    for personal in ("Mia", "Beispielkind", "04.03.2015", "Erika", "Testmutter", "Bottrop, 21"):
        assert personal not in blank_text
    # …while the same words do show up once they are filled in (the check can fail).
    filled_text = pdf_text(render_consent_form(filled, clock))
    assert "Mia Beispielkind" in filled_text


def test_filled_form_shows_names_choices_and_details(
    filled: ConsentFormData,
    clock: FixedClock,
    pdf_text: Text,
    pdf_pages: Count,
    ticked_boxes: Count,
) -> None:
    pdf = render_consent_form(filled, clock)
    text = pdf_text(pdf)
    assert "Name der betroffenen Person: Mia Beispielkind" in text
    assert "Geburtsdatum: 04.03.2015" in text
    assert "Erika Testmutter / Jonas Testvater" in text
    assert "Unterschrift Personensorgeberechtigte(r): Erika Testmutter" in text
    assert "Unterschrift Personensorgeberechtigte(r): Jonas Testvater" in text
    assert "Bottrop, 21.11.2026" in text
    assert "31.12.2027" in text
    assert "Kita Regenbogen" in text
    assert "Name, Schule" in text
    assert "Quartierskümmerin Süd" in text
    # purposes email+photo, recipients stadt+other, categories data-1+health,
    # capacity "guardian", validity "befristet"
    assert ticked_boxes(pdf) == 8
    assert pdf_pages(pdf) <= 2


def test_markup_in_user_text_is_shown_literally(
    filled: ConsentFormData, clock: FixedClock, pdf_text: Text
) -> None:
    text = pdf_text(render_consent_form(filled, clock))
    assert "an ASD Bezirk 6 – Fachkraft <asd6@stadt.bottrop.example> & Schule" in text
    hostile = replace(filled, subject=DataSubject('<b>Kim</b> & "Co" <br/>', None))
    assert '<b>Kim</b> & "Co" <br/>' in pdf_text(render_consent_form(hostile, clock))


def test_self_consent_prints_no_guardian_signature_lines(
    filled: ConsentFormData, clock: FixedClock, pdf_text: Text, ticked_boxes: Count
) -> None:
    adult = replace(filled, signatory=Signatory(Capacity.SELF), validity=Validity(None))
    pdf = render_consent_form(adult, clock)
    text = pdf_text(pdf)
    assert "Unterschrift der betroffenen Person" in text
    assert "Unterschrift Personensorgeberechtigte" not in text
    assert ticked_boxes(pdf) == 8  # "selbst" and "bis auf Widerruf" instead


def test_umlauts_survive(blank: ConsentFormData, clock: FixedClock, pdf_text: Text) -> None:
    text = pdf_text(render_consent_form(blank, clock))
    for word in (
        "Einverständniserklärung",
        "Widerruf",
        "Übermittlung",
        "Löschung",
        "Einschränkung",
        "Datenübertragung",
        "Gründen",
        "ß",
    ):
        assert word in text


def test_fits_two_pages_with_long_entries(
    blank: ConsentFormData,
    organisation: Organisation,
    clock: FixedClock,
    pdf_pages: Count,
    pdf_text: Text,
) -> None:
    long = "sehr ausführliche Angabe mit vielen Wörtern " * 2
    data = replace(
        blank,
        organisation=organisation,
        purposes=tick(blank.purposes, {c.key: long for c in blank.purposes}),
        recipients=tick(blank.recipients, {c.key: long for c in blank.recipients}),
        data_categories=tick(blank.data_categories, {c.key: long for c in blank.data_categories}),
        subject=DataSubject("Maximiliane Theresa Beispiel-Langname", date(2011, 12, 24)),
        signatory=Signatory(
            Capacity.GUARDIAN, ("Alexandra Beispiel-Langname", "Konstantin Beispiel-Langname")
        ),
        validity=Validity(date(2028, 1, 31)),
        place="Bottrop-Kirchhellen",
        signed_on=date(2026, 11, 21),
        obtained_by="Quartierskümmerin Süd, Stadtteilbüro",
    )
    pdf = render_consent_form(data, clock)
    assert pdf_pages(pdf) <= 2
    assert "Seite 2 von 2" in pdf_text(pdf)


def test_metadata_holds_no_names(filled: ConsentFormData, clock: FixedClock) -> None:
    info = pypdf.PdfReader(io.BytesIO(render_consent_form(filled, clock))).metadata
    assert info is not None
    assert info["/Title"] == "Einverständniserklärung zur DSGVO"
    meta = " ".join(str(v) for v in info.values())
    for name in ("Mia", "Erika", "Jonas", "Quartierskümmerin"):
        assert name not in meta


def test_signatory_and_tick_validation(blank: ConsentFormData) -> None:
    with pytest.raises(ValidationError):
        Signatory(Capacity.GUARDIAN, ("A", "B", "C"))
    with pytest.raises(ValidationError):
        Signatory(Capacity.SELF, ("A",))
    with pytest.raises(ValidationError) as caught:
        tick(blank.purposes, {"rundum-sorglos": ""})
    assert "rundum-sorglos" in caught.value.reason


def test_choice_line_for_labels_ending_in_colon() -> None:
    assert ConsentChoice("event", "Teilnahme an der Veranstaltung:").has_line
    assert ConsentChoice("email", "E-Mail", "und zwar:").has_line
    assert not ConsentChoice("stadt", "die Stadt Bottrop").has_line


# --------------------------------------------------------------------------- withdrawal


@pytest.fixture
def withdrawal(organisation: Organisation) -> WithdrawalConfirmationData:
    return WithdrawalConfirmationData(
        organisation=organisation,
        subject=DataSubject("Mia Beispielkind", date(2015, 3, 4)),
        declared_by="Erika Testmutter",
        capacity=Capacity.GUARDIAN,
        scope=WithdrawalScope.PARTIAL,
        received_on=date(2026, 11, 20),
        received_via="telefonisch",
        effective_on=date(2026, 11, 20),
        withdrawn_purposes=("Bildablichtung (Foto, Film)",),
        withdrawn_recipients=("das Innovation City Management",),
        remaining_purposes=("Teilnahme an der Veranstaltung: Stadtteilfest <2026>",),
        remaining_recipients=("die Stadt Bottrop",),
        consent_given_on=date(2026, 1, 5),
        place="Bottrop",
        confirmed_by="Quartierskümmerin Süd",
    )


def test_partial_withdrawal_confirmation(
    withdrawal: WithdrawalConfirmationData,
    clock: FixedClock,
    pdf_text: Text,
    pdf_pages: Count,
) -> None:
    pdf = render_withdrawal_confirmation(withdrawal, clock)
    text = pdf_text(pdf)
    letter = render_withdrawal_confirmation(replace(withdrawal, address_lines=(
        "Erika Testmutter", "Gärtnerstraße 12", "46236 Bottrop")), clock)
    assert_in_window(letter, "Erika Testmutter", "Gärtnerstraße 12", "46236 Bottrop")
    assert pdf_text(letter).count("Wirksam ab: 20.11.2026") == 1
    for phrase in (
        "Bestätigung des Widerrufs einer Einwilligung",
        "Betroffene Person: Mia Beispielkind (geb. 04.03.2015)",
        "Widerruf erklärt von: Erika Testmutter – als Personensorgeberechtigte(r)",
        "Einwilligung erteilt am: 05.01.2026",
        "Widerruf eingegangen am: 20.11.2026 (telefonisch)",
        "Umfang: teilweise",
        "Wirksam ab: 20.11.2026",
        "Bildablichtung (Foto, Film)",
        "das Innovation City Management",
        "Weiterhin gültig bleibt Ihre Einwilligung für",
        "Stadtteilfest <2026>",
        "wirkt für die Zukunft",
        "bleibt rechtmäßig",
        "Was jetzt geschieht",
        "löschen wir",
        "sperren wir sie",
        "Die Beratung und Unterstützung durch uns geht unverändert weiter.",
        "Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, Datenübertragung "
        "und Widerspruch",
        "Bottrop, 21.11.2026",  # confirmation date from the clock
        "Quartierskümmerin Süd",
    ):
        assert phrase in text, phrase
    assert pdf_pages(pdf) == 1


def test_total_withdrawal_without_item_list(
    withdrawal: WithdrawalConfirmationData, clock: FixedClock, pdf_text: Text
) -> None:
    total = replace(
        withdrawal,
        scope=WithdrawalScope.TOTAL,
        withdrawn_purposes=(),
        withdrawn_recipients=(),
        capacity=Capacity.SELF,
    )
    text = pdf_text(render_withdrawal_confirmation(total, clock))
    assert "Umfang: vollständig (gesamte Einwilligung)" in text
    assert "Ihre gesamte Einwilligung: alle Zwecke und alle Empfänger." in text
    assert "selbst (betroffene Person)" in text
    assert "Weiterhin gültig" not in text


def test_partial_withdrawal_needs_an_item(withdrawal: WithdrawalConfirmationData) -> None:
    with pytest.raises(ValidationError):
        replace(withdrawal, withdrawn_purposes=(), withdrawn_recipients=())
    with pytest.raises(ValidationError):
        replace(withdrawal, effective_on=date(2025, 12, 31))


@pytest.mark.parametrize(("kind", "named", "not_named"), [
    (OrganisationKind.VEREIN, ("Bundesdatenschutzgesetz (BDSG)", "SGB VIII, SGB X",
                               "LDI NRW"), ("DSG NRW", "KDG", "DSG-EKD")),
    (OrganisationKind.PRIVAT, ("Bundesdatenschutzgesetz (BDSG)", "LDI NRW"),
     ("DSG NRW", "KDG", "DSG-EKD")),
    (OrganisationKind.CARITAS, ("Kirchlichen Datenschutz (KDG)", "Katholisches "
                                "Datenschutzzentrum"), ("DSG NRW", "BDSG", "DSG-EKD", "LDI")),
    (OrganisationKind.DIAKONIE, ("(DSG-EKD)", "Datenschutz der EKD"),
     ("DSG NRW", "BDSG", "KDG", "LDI")),
    (OrganisationKind.KOMMUNE, ("Datenschutzgesetz Nordrhein-Westfalen (DSG NRW)",
                                "LDI NRW"), ("BDSG", "KDG", "DSG-EKD")),
])
def test_consent_form_names_the_law_of_the_organisation_type(
        blank: ConsentFormData, withdrawal: WithdrawalConfirmationData, clock: FixedClock,
        pdf_text: Text, kind: OrganisationKind, named: tuple[str, ...],
        not_named: tuple[str, ...]) -> None:
    organisation = replace(blank.organisation, kind=kind)
    form = pdf_text(render_consent_form(replace(blank, organisation=organisation), clock))
    confirmation = pdf_text(render_withdrawal_confirmation(
        replace(withdrawal, organisation=organisation), clock))
    for phrase in named:
        assert phrase in form, phrase
    for phrase in not_named:
        assert phrase not in form, phrase
        assert phrase not in confirmation, phrase
    assert named[-1] in confirmation


def test_profile_states_the_organisation_type() -> None:
    import json

    from casework.errors import UserError
    from casework.services.directory.shipped import (
        load_profile,
        parse_profile_text,
        profile_to_data,
    )

    profile = load_profile("bottrop-beispiel")
    assert profile.organisation.kind is OrganisationKind.VEREIN
    data = profile_to_data(profile)
    assert data["organisation"]["kind"] == "verein"
    data["organisation"]["kind"] = "caritas"
    assert parse_profile_text(json.dumps(data), "p.json").organisation.kind is \
        OrganisationKind.CARITAS
    data["organisation"]["kind"] = "sekte"
    with pytest.raises(UserError, match=r"organisation\.kind"):
        parse_profile_text(json.dumps(data), "p.json")
