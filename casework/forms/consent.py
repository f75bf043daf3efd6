"""The DSGVO consent form ("Einverständniserklärung zur DSGVO", sources §3.11); the
confirmation of a withdrawal ("Bestätigung des Widerrufs") is in `consent_withdrawal`.

Content per LR-29 (legal-reference §3.2/§6.3): controller and data-protection contact,
data subject, person giving consent and capacity, purposes, data categories (Art. 9
named explicitly), named recipients, duration, voluntary nature and consequences of
refusal, withdrawal at any time / how / only for the future, rights, legal basis, the
age-16 rule, date and signatures, footnotes 1 and 2 of the municipal template. At most
two A4 pages for the shipped catalogues (tested).

The data is plain: the consent service (or the UI) fills `ConsentFormData` from its
records, typically `replace(blank_consent_form_data(profile), purposes=tick(...), ...)`;
`blank_consent_form_data(profile)` alone is the empty form for home visits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from casework.clock import Clock
from casework.errors import ValidationError
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date, markup
from casework.models.translations import UNCHECKED as UNCHECKED_TRANSLATION
from casework.models.translations import Translation

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from casework.models.directory.profile import Organisation, Profile

TITLE = "Einverständniserklärung zur DSGVO"
DEFAULT_MIN_AGE_SELF_CONSENT = 16

# Art. 9 DSGVO: special categories are only processed when named and ticked explicitly.
SPECIAL_DATA_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("health", "Gesundheitsdaten (z. B. Erkrankungen, Behinderung, Diagnosen)"),
    ("origin", "ethnische Herkunft"),
    ("religion", "religiöse oder weltanschauliche Überzeugungen"),
    ("sexual", "Sexualleben oder sexuelle Orientierung"),
)


class Capacity(StrEnum):
    """In what capacity the consent (or the withdrawal) is declared."""

    SELF = "selbst"
    GUARDIAN = "personensorgeberechtigt"


@dataclass(frozen=True, slots=True)
class ConsentChoice:
    """One check box of the form: a purpose, a recipient or a data category.

    `detail` is the free text printed on the fill-in line ("und zwar: …"); a line is drawn
    when `detail_label` is set or the label ends with ":". `guardians_required_under`
    marks purposes for which minors below that age need the guardians (photos, digital
    channels); `special` marks an Art. 9 data category.
    """

    key: str
    label: str
    detail_label: str = ""
    checked: bool = False
    detail: str = ""
    guardians_required_under: int | None = None
    special: bool = False

    @property
    def has_line(self) -> bool:
        return bool(self.detail_label) or self.label.rstrip().endswith(":")


@dataclass(frozen=True, slots=True)
class DataSubject:
    """The person whose data is concerned; empty values print blank lines."""

    name: str = ""
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class Signatory:
    """Who gives the consent. `capacity` None leaves both boxes empty (blank form)."""

    capacity: Capacity | None = None
    guardian_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.guardian_names) > 2:
            raise ValidationError("Personensorgeberechtigte", "Höchstens zwei Namen angeben.")
        if self.capacity is Capacity.SELF and self.guardian_names:
            raise ValidationError(
                "Personensorgeberechtigte",
                "Bei eigener Einwilligung keine Personensorgeberechtigten angeben.",
            )


@dataclass(frozen=True, slots=True)
class Validity:
    """Duration: `until` None means "bis auf Widerruf"."""

    until: date | None = None


@dataclass(frozen=True, slots=True)
class ConsentFormData:
    organisation: Organisation  # controller and its data-protection contact
    template_version: str
    purposes: tuple[ConsentChoice, ...]
    recipients: tuple[ConsentChoice, ...]
    data_categories: tuple[ConsentChoice, ...]  # ordinary ones and Art. 9 (`special`)
    subject: DataSubject = field(default_factory=DataSubject)
    signatory: Signatory = field(default_factory=Signatory)
    validity: Validity | None = None  # None: both boxes empty
    place: str = ""
    signed_on: date | None = None
    obtained_by: str = ""  # staff member who explained and received the consent
    min_age_self_consent: int = DEFAULT_MIN_AGE_SELF_CONSENT
    translation: Translation | None = None  # the family's language (printed after)


# --------------------------------------------------------------------------- building data


def blank_consent_form_data(profile: Profile) -> ConsentFormData:
    """The empty form of `profile` for home visits: all boxes empty, blank name lines."""
    catalog = profile.consent
    purposes = tuple(
        ConsentChoice(p.key, p.label, p.detail_label)
        if p.guardians_required_under is None
        else ConsentChoice(
            p.key, p.label, p.detail_label, guardians_required_under=p.guardians_required_under
        )
        for p in catalog.purposes
    )
    recipients = tuple(ConsentChoice(r.key, r.label, r.detail_label) for r in catalog.recipients)
    # The municipal template asks "whose data" ("Ihre personenbezogenen Daten ____") with a
    # fill-in line for which data; the Art. 9 categories follow as explicit boxes.
    ordinary = tuple(
        ConsentChoice(f"data-{index}", label) for index, label in enumerate(catalog.data_categories)
    )
    special = tuple(
        ConsentChoice(key, label, special=True) for key, label in SPECIAL_DATA_CATEGORIES
    )
    return ConsentFormData(
        organisation=profile.organisation,
        template_version=catalog.template_version,
        purposes=purposes,
        recipients=recipients,
        data_categories=ordinary + special,
        min_age_self_consent=catalog.min_age_self_consent_digital,
    )


def tick(
    choices: Sequence[ConsentChoice], selected: Mapping[str, str]
) -> tuple[ConsentChoice, ...]:
    """`choices` with the keys in `selected` ticked (value = detail text, may be "")."""
    unknown = sorted(set(selected) - {c.key for c in choices})
    if unknown:
        raise ValidationError("Auswahl", f"Unbekannter Eintrag: {', '.join(unknown)}.")
    return tuple(
        replace(c, checked=True, detail=selected[c.key]) if c.key in selected else c
        for c in choices
    )


# --------------------------------------------------------------------------- consent form

_SUBTITLE = (
    "Einwilligung in die Verarbeitung und Übermittlung personenbezogener Daten "
    "(Art. 6 Abs. 1 lit. a, Art. 7 und Art. 9 Abs. 2 lit. a EU-DSGVO)"
)
_PURPOSES_INTRO = (
    "Mit Ihrer Einwilligung¹ stimmen Sie zu, dass {org} die in Abschnitt 5 angekreuzten "
    "Daten für die hier angekreuzten Zwecke im Rahmen der eigenen Arbeit speichern und "
    "verarbeiten darf:"
)
_RECIPIENTS_INTRO = (
    "Sie geben Ihre Zustimmung, dass Ihre Daten für die angekreuzten Zwecke an diese "
    "Stellen übermittelt werden dürfen:"
)
_ART9_INTRO = (
    "<b>Besondere Kategorien personenbezogener Daten (Art. 9 DSGVO)</b> werden nur "
    "verarbeitet, wenn sie hier ausdrücklich angekreuzt sind:"
)
_STORAGE = (
    "Daten, die wir nur aufgrund dieser Einwilligung gespeichert haben, löschen wir, sobald "
    "Sie widerrufen, die Frist abläuft oder der Zweck erledigt ist. Verlangt ein Gesetz, sie "
    "länger aufzubewahren, sperren wir sie bis zum Ende dieser Frist."
)
# § 67b Abs. 2 SGB X: voluntary, consequences of refusal.
_VOLUNTARY = (
    "<b>Die Einwilligung ist freiwillig.</b> Wenn Sie nicht oder nur teilweise einwilligen, "
    "entstehen Ihnen daraus keine Nachteile: Die Beratung und Unterstützung durch {org} "
    "finden trotzdem statt. Wir können dann nur das nicht tun, wozu Sie nicht eingewilligt "
    "haben (zum Beispiel Ihr Anliegen nicht per E-Mail weitergeben oder keine Fotos "
    "veröffentlichen)."
)
# Art. 7 Abs. 3 DSGVO: any time, as easy as giving it, only for the future.
_WITHDRAWAL = (
    "<b>Diese Einwilligung kann jederzeit ganz oder teilweise ohne Angabe von Gründen für "
    "die Zukunft widerrufen² werden.</b> Der Widerruf ist an keine Form gebunden: mündlich, "
    "telefonisch, schriftlich oder per E-Mail an {how} – oder bei der Fachkraft, die Sie "
    "betreut. Die bis zum Widerruf erfolgte Verarbeitung bleibt rechtmäßig."
)
# sources §3.11 / §4.4: guardians below 16 for photos and digital channels. Art. 8 itself
# covers only information-society services (legal-reference §3.3), hence "in Anlehnung".
_MINORS = (
    "Für Foto- und Filmaufnahmen sowie für die Nutzung digitaler Kommunikationswege "
    "(z. B. WhatsApp, Facebook, Instagram, E-Mail) muss bei Kindern und Jugendlichen unter "
    "{age} Jahren die Einwilligung der Personensorgeberechtigten vorliegen (in Anlehnung an "
    "Art. 8 DSGVO). Ab {age} Jahren willigen Jugendliche selbst ein. Bei gemeinsamer Sorge "
    "unterschreiben in der Regel beide Personensorgeberechtigten."
)
_RIGHTS = (
    "Sie haben das Recht auf <b>Auskunft</b> (Art. 15), <b>Berichtigung</b> (Art. 16), "
    "<b>Löschung</b> (Art. 17), <b>Einschränkung der Verarbeitung</b> (Art. 18), "
    "<b>Datenübertragung</b> (Art. 20) und <b>Widerspruch</b> (Art. 21 DSGVO). Wenden Sie "
    "sich dafür an uns oder an: {dp}. Sie können sich außerdem bei {authority} beschweren. "
    "Rechtsgrundlage sind {law}."
)
# Footnotes 1 and 2 of the municipal template (sources §3.11), worded grammatically.
_FOOTNOTE_1 = (
    "¹ Einwilligung: jede freiwillig für den bestimmten Fall, in informierter Weise und "
    "unmissverständlich abgegebene Willensbekundung, mit der Sie zu verstehen geben, dass Sie "
    "mit der Verarbeitung Ihrer personenbezogenen Daten oder der Daten Ihres Kindes "
    "einverstanden sind (Art. 4 Nr. 11 DSGVO)."
)
_FOOTNOTE_2 = (
    "² Widerruf: Sie wurden über Ihre Rechte auf Auskunft, Berichtigung, Löschung, "
    "Einschränkung der Verarbeitung, Datenübertragung und Widerspruch informiert. "
    "Rechtsgrundlage: {short}."
)


def render_consent_form(data: ConsentFormData, clock: Clock) -> bytes:
    """The consent form as PDF bytes (A4, at most two pages)."""
    return base.build_document(
        _consent_story(data),
        letterhead=base.letterhead_from_organisation(data.organisation),
        title=TITLE,
        clock=clock,
        footer_note=f"Vorlage: {data.template_version}" if data.template_version else "",
    )


def _consent_story(data: ConsentFormData) -> list[Flowable]:
    st = base.styles()
    org = data.organisation
    dpc = org.data_protection_contact
    story: list[Flowable] = [fl.para(TITLE, st.title), fl.para(_SUBTITLE, st.subtitle)]

    # 1. Controller and data-protection contact (Art. 13 Abs. 1 lit. a, b).
    story.append(fl.para("1. Verantwortliche Stelle und Datenschutz", st.heading))
    controller = joined(", ", org.name, _address(org), phone_text(org.phone), org.email)
    dp = joined(", ", dpc.role, dpc.address, phone_text(dpc.phone), dpc.email)
    story.append(
        fl.key_value_table(
            [("Verantwortlich:", controller), ("Datenschutz:", dp)], key_width=base.mm(30)
        )
    )

    # 2. Data subject and who consents in what capacity (Art. 4 Nr. 11; § 65 SGB VIII).
    story.append(fl.para("2. Betroffene Person und einwilligende Person", st.heading))
    subject = data.subject
    story.append(
        fl.field_line(
            [
                ("Name der betroffenen Person:", subject.name),
                ("Geburtsdatum:", format_date(subject.birth_date)),
            ]
        )
    )
    sig = data.signatory
    story.append(fl.para("Die Einwilligung erteilt:", base.clone(st.body, spaceBefore=5)))
    story.append(fl.checkbox_line("die betroffene Person selbst", sig.capacity is Capacity.SELF))
    story.append(
        fl.checkbox_line(
            "die/der Personensorgeberechtigte(n) (bei Kindern und Jugendlichen), Name(n):",
            sig.capacity is Capacity.GUARDIAN,
            detail=" / ".join(sig.guardian_names),
            write_line=True,
        )
    )

    # 3. Purposes, one box each (ErwG 32/43: no blanket consent).
    story.append(fl.para("3. Zwecke", st.heading))
    story.append(fl.rich(markup(_PURPOSES_INTRO, org=org.name)))
    story += [_choice_line(choice) for choice in data.purposes]

    # 4. Named recipients (Art. 13 Abs. 1 lit. e).
    story.append(fl.para("4. Übermittlung an folgende Stellen (Empfänger)", st.heading))
    story.append(fl.para(_RECIPIENTS_INTRO))
    story += [_choice_line(choice) for choice in data.recipients]

    # 5. Data categories, Art. 9 named explicitly (Art. 9 Abs. 2 lit. a "ausdrücklich").
    story.append(fl.para("5. Welche Daten (Datenkategorien)", st.heading))
    story += [_choice_line(c, write_line=True) for c in data.data_categories if not c.special]
    special = [c for c in data.data_categories if c.special]
    if special:
        story.append(fl.rich(_ART9_INTRO, base.clone(st.body, spaceBefore=4)))
        story.append(_two_columns([_choice_line(c, half=True) for c in special]))

    # 6. Duration and storage period (Art. 13 Abs. 2 lit. a).
    story.append(fl.para("6. Dauer der Einwilligung und Speicherdauer", st.heading))
    until = data.validity.until if data.validity is not None else None
    half = base.CONTENT_WIDTH / 2
    story.append(
        _two_columns(
            [
                fl.checkbox_line(
                    "bis auf Widerruf", data.validity is not None and until is None, width=half
                ),
                fl.checkbox_line(
                    "befristet bis:",
                    until is not None,
                    detail=format_date(until),
                    write_line=True,
                    width=half,
                ),
            ]
        )
    )
    story.append(fl.para(_STORAGE))

    # 7. Voluntary, consequences of refusal, withdrawal and how.
    story.append(fl.para("7. Freiwilligkeit und Widerruf", st.heading))
    story.append(fl.rich(markup(_VOLUNTARY, org=org.name)))
    how = joined(", ", org.name, _address(org), phone_text(org.phone), _mail(org.email))
    story.append(fl.rich(markup(_WITHDRAWAL, how=how)))

    # 8. Minors; 9. rights and legal basis (Art. 13 Abs. 2 lit. b–d).
    story.append(fl.para("8. Kinder und Jugendliche", st.heading))
    story.append(fl.para(_MINORS.format(age=data.min_age_self_consent)))
    story.append(fl.para("9. Ihre Rechte und Rechtsgrundlage", st.heading))
    basis = org.legal_basis
    story.append(fl.rich(markup(_RIGHTS, dp=dpc.role or "Datenschutz",
                                authority=basis.authority, law=basis.law)))

    # Signatures (Art. 7 Abs. 1: proof; § 1687 BGB: both guardians), then the footnotes.
    story.append(fl.keep_together(_signature_block(data)))
    story.append(fl.spacer(2))
    story.append(fl.para(_FOOTNOTE_1, st.footnote))
    story.append(fl.para(_FOOTNOTE_2.format(short=basis.short), st.footnote))
    if data.translation is not None:
        story += translation_section(data.translation, (
            ("title", {}), ("binding", {}), ("what", {"org": org.name}),
            ("voluntary", {"org": org.name}), ("withdrawal", {"org": org.name}),
            ("minors", {"age": data.min_age_self_consent}),
            ("rights", {"authority": basis.authority})))
    return story


def _choice_line(
    choice: ConsentChoice, *, write_line: bool | None = None, half: bool = False
) -> Flowable:
    note = ""
    if choice.guardians_required_under is not None:
        note = (
            f"unter {choice.guardians_required_under} Jahren: nur mit Einwilligung der "
            f"Personensorgeberechtigten"
        )
    return fl.checkbox_line(
        choice.label,
        choice.checked,
        detail_label=choice.detail_label,
        detail=choice.detail,
        write_line=choice.has_line if write_line is None else write_line,
        note=note,
        width=base.CONTENT_WIDTH / 2 if half else None,
    )


def _two_columns(cells: Sequence[Flowable]) -> Flowable:
    rows = [list(cells[i : i + 2]) for i in range(0, len(cells), 2)]
    rows = [row + [""] * (2 - len(row)) for row in rows]
    table = fl.layout_table(rows, colWidths=[base.CONTENT_WIDTH / 2] * 2)
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    table.spaceAfter = 3
    return table


def _signature_block(data: ConsentFormData) -> list[Flowable]:
    place_date = joined(", ", data.place, format_date(data.signed_on))
    sig = data.signatory
    rows = [("Unterschrift der betroffenen Person", "")]
    if sig.capacity is not Capacity.SELF:
        if sig.guardian_names:
            rows += [
                (f"Unterschrift Personensorgeberechtigte(r): {n}", "") for n in sig.guardian_names
            ]
        else:  # room for two guardians (joint custody, § 1687 BGB)
            rows += [(f"Unterschrift Personensorgeberechtigte(r) {i}", "") for i in (1, 2)]
    rows.append(("Erläutert und entgegengenommen von (Name, Funktion)", data.obtained_by))
    out: list[Flowable] = [fl.para("Unterschriften", base.styles().heading)]
    for label, value in rows:
        out.append(fl.signature_row(("Ort, Datum", label), (place_date, value), height_mm=9))
    return out


def joined(sep: str, *parts: str) -> str:
    return sep.join(part for part in parts if part)


def _address(org: Organisation) -> str:
    return ", ".join(line for line in org.address_lines if line != org.name)


def phone_text(phone: str) -> str:
    # No line break inside a phone number.
    return "Tel.\u00a0" + phone.replace(" ", "\u00a0") if phone else ""


def _mail(email: str) -> str:
    return f"E-Mail {email}" if email else ""


def translation_section(translation: Translation,
                        parts: Sequence[tuple[str, dict[str, object]]]) -> list[Flowable]:
    """The fixed texts in the family's language on a page of their own, headed by the
    language and — until a person has checked the translation — "Übersetzung
    ungeprüft". Arabic is shaped and set right to left."""
    from reportlab.platypus import PageBreak

    st = base.styles()
    out: list[Flowable] = [
        PageBreak(),
        fl.para(f"Übersetzung – {translation.german_name} / "
                f"{fl.rtl_visual(translation.name) if translation.rtl else translation.name}",
                st.heading),
    ]
    if translation.checked:
        out.append(fl.para(f"Übersetzung geprüft von {translation.checked_by} am "
                           f"{translation.checked_on}. Verbindlich ist die deutsche Fassung.",
                           st.small))
    else:
        out.append(fl.para(f"{UNCHECKED_TRANSLATION} – Verbindlich ist die deutsche Fassung. "
                           "Bitte den Inhalt mündlich erklären.",
                           base.clone(st.body_bold, textColor=base.grey(0.1))))
    for index, (key, values) in enumerate(parts):
        text = translation.text(key, **values)
        style = st.body_bold if index == 0 else st.body
        out.append(fl.rtl_para(text, style) if translation.rtl else fl.para(text, style))
    return out


__all__ = [
    "SPECIAL_DATA_CATEGORIES",
    "TITLE",
    "Capacity",
    "ConsentChoice",
    "ConsentFormData",
    "DataSubject",
    "Signatory",
    "Validity",
    "blank_consent_form_data",
    "render_consent_form",
    "tick",
]
