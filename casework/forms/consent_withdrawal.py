"""The confirmation of a withdrawn consent (Art. 7 Abs. 3 DSGVO): what was withdrawn, what
remains, what happens now. Shares the consent form's data classes and helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from casework.clock import Clock, local_today
from casework.errors import ValidationError
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date, markup
from casework.models.translations import Translation

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from casework.models.directory.profile import Organisation

from casework.forms.consent import Capacity, DataSubject, joined, phone_text, translation_section

WITHDRAWAL_TITLE = "Bestätigung des Widerrufs einer Einwilligung"


class WithdrawalScope(StrEnum):
    TOTAL = "vollständig"
    PARTIAL = "teilweise"


@dataclass(frozen=True, slots=True)
class WithdrawalConfirmationData:
    """What the confirmation of a withdrawal says (LR-31: printable for the person)."""

    organisation: Organisation
    subject: DataSubject
    declared_by: str  # who declared the withdrawal (name)
    capacity: Capacity
    scope: WithdrawalScope
    received_on: date
    received_via: str  # "schriftlich", "mündlich", "telefonisch", "per E-Mail" …
    effective_on: date
    withdrawn_purposes: tuple[str, ...] = ()  # labels incl. detail, as on the form
    withdrawn_recipients: tuple[str, ...] = ()
    remaining_purposes: tuple[str, ...] = ()  # still valid after a partial withdrawal
    remaining_recipients: tuple[str, ...] = ()
    consent_given_on: date | None = None
    place: str = ""
    confirmed_by: str = ""  # staff member (name, function)
    address_lines: tuple[str, ...] = ()  # window envelope (DIN 5008): name, street, town
    translation: Translation | None = None  # the family's language (printed after)

    def __post_init__(self) -> None:
        if self.scope is WithdrawalScope.PARTIAL and not (
            self.withdrawn_purposes or self.withdrawn_recipients
        ):
            raise ValidationError(
                "Umfang des Widerrufs",
                "Bei einem teilweisen Widerruf mindestens einen Zweck oder Empfänger angeben.",
            )
        if self.consent_given_on is not None and self.effective_on < self.consent_given_on:
            raise ValidationError("Wirksam ab", "Liegt vor der Erteilung der Einwilligung.")


_EFFECT = (
    "Der Widerruf <b>wirkt für die Zukunft</b> ab dem {day}. Was bis dahin auf Grund Ihrer "
    "Einwilligung geschehen ist, bleibt rechtmäßig (Art. 7 Abs. 3 Satz 2 DSGVO)."
)
# legal-reference §3.4: stop transfers, delete or (statutory retention) restrict, Art. 19.
_WHAT_NOW = (
    "Für die widerrufenen Zwecke verarbeiten wir Ihre Daten nicht mehr, und wir übermitteln "
    "sie nicht mehr an die widerrufenen Empfänger – auch keine bereits vorbereiteten "
    "Übermittlungen.",
    "Daten, die wir nur auf Grund Ihrer Einwilligung gespeichert haben, löschen wir. Verlangt "
    "ein Gesetz, sie länger aufzubewahren, sperren wir sie bis zum Ende dieser Frist "
    "(Einschränkung der Verarbeitung).",
    "Stellen, denen wir Ihre Daten übermittelt haben, informieren wir über die Löschung oder "
    "Sperrung (Art. 19 DSGVO).",
    "Die Beratung und Unterstützung durch uns geht unverändert weiter.",
)
_WITHDRAWAL_RIGHTS = (
    "Sie haben weiterhin das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der "
    "Verarbeitung, Datenübertragung und Widerspruch. Ansprechpartner: {org}; Datenschutz: "
    "{dp}. Beschwerden können Sie bei {authority} einreichen."
)


def render_withdrawal_confirmation(data: WithdrawalConfirmationData, clock: Clock) -> bytes:
    """The confirmation of a (total or partial) withdrawal as PDF bytes; dated today. With
    `address_lines` it is a letter for a window envelope (DIN 5008 address field)."""
    window = None
    if data.address_lines:
        org = data.organisation
        window = base.WindowAddress(
            recipient_lines=data.address_lines,
            return_line=" · ".join(line for line in org.address_lines if line),
            info=(("Datum", format_date(local_today(clock))),
                  ("Ihr Widerruf vom", format_date(data.received_on))))
    return base.build_document(
        _withdrawal_story(data, local_today(clock)),
        letterhead=base.letterhead_from_organisation(data.organisation),
        title=WITHDRAWAL_TITLE,
        clock=clock,
        window=window,
    )


def _withdrawal_story(data: WithdrawalConfirmationData, today: date) -> list[Flowable]:
    st = base.styles()
    org = data.organisation
    dpc = org.data_protection_contact
    total = data.scope is WithdrawalScope.TOTAL
    subject = data.subject.name
    if data.subject.birth_date is not None:
        subject += f" (geb. {format_date(data.subject.birth_date)})"
    if data.capacity is Capacity.SELF:
        capacity = "selbst (betroffene Person)"
    else:
        capacity = "als Personensorgeberechtigte(r)"
    facts = [
        ("Betroffene Person:", subject),
        ("Widerruf erklärt von:", f"{data.declared_by} – {capacity}"),
        ("Einwilligung erteilt am:", format_date(data.consent_given_on, "–")),
        ("Widerruf eingegangen am:", f"{format_date(data.received_on)} ({data.received_via})"),
        ("Umfang:", "vollständig (gesamte Einwilligung)" if total else "teilweise"),
        ("Wirksam ab:", format_date(data.effective_on)),
    ]
    story: list[Flowable] = [
        fl.para(WITHDRAWAL_TITLE, st.title),
        fl.para("nach Art. 7 Abs. 3 EU-DSGVO", st.subtitle),
        fl.key_value_table(facts, key_width=base.mm(52)),
        fl.para("Widerrufen wurde", st.heading),
    ]
    if total and not (data.withdrawn_purposes or data.withdrawn_recipients):
        story.append(fl.para("Ihre gesamte Einwilligung: alle Zwecke und alle Empfänger."))
    else:
        story += _labelled_list("Zwecke:", data.withdrawn_purposes)
        story += _labelled_list("Übermittlung an:", data.withdrawn_recipients)
    if not total and (data.remaining_purposes or data.remaining_recipients):
        story.append(fl.para("Weiterhin gültig bleibt Ihre Einwilligung für", st.heading))
        story += _labelled_list("Zwecke:", data.remaining_purposes)
        story += _labelled_list("Übermittlung an:", data.remaining_recipients)
    story += [
        fl.para("Wirkung", st.heading),
        fl.rich(markup(_EFFECT, day=format_date(data.effective_on))),
        fl.para("Was jetzt geschieht", st.heading),
        fl.bullets(_WHAT_NOW),
        fl.para("Ihre Rechte", st.heading),
        fl.rich(
            markup(
                _WITHDRAWAL_RIGHTS,
                org=joined(", ", org.name, phone_text(org.phone), org.email),
                dp=joined(", ", dpc.role, phone_text(dpc.phone), dpc.email),
                authority=org.legal_basis.authority,
            )
        ),
        fl.spacer(4),
        fl.signature_row(
            ("Ort, Datum", "Unterschrift (Name, Funktion)"),
            (joined(", ", data.place, format_date(today)), data.confirmed_by),
        ),
    ]
    if data.translation is not None:
        story += translation_section(data.translation, (
            ("withdrawal_title", {}), ("binding", {}),
            ("withdrawal_effect", {"day": format_date(data.effective_on)}),
            ("withdrawal_now", {}),
            ("rights", {"authority": org.legal_basis.authority})))
    return story


def _labelled_list(label: str, items: Sequence[str]) -> list[Flowable]:
    if not items:
        return []
    st = base.styles()
    return [fl.para(label, base.clone(st.body_bold, spaceAfter=1)), fl.bullets(items)]
