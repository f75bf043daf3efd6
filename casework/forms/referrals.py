"""Vermittlung / Übermittlungsbogen: the letter that goes with a referral to the ASD or a
partner organisation (sources-reference §3.6, §4.3).

It contains only what the referral service decided may be transferred: the persons whose
transfer is covered (by a valid consent at the moment of printing, or a documented
statutory basis), only the chosen fields, notes only when chosen, and the legal basis or
consent reference for each person. This module renders plain `ReferralLetterData`; it
never decides what is covered (that is `casework.services.referrals_transfer.letter_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date

if TYPE_CHECKING:
    from casework.models.directory.profile import Organisation

TITLE = "Vermittlung – Übermittlungsbogen"


@dataclass(frozen=True, slots=True)
class LetterPerson:
    name: str
    birth: str = ""  # "" when the field was not chosen
    basis: str = ""  # consent reference or statutory basis for this person


@dataclass(frozen=True, slots=True)
class ReferralLetterData:
    organisation: Organisation
    reference: str  # short referral reference (no personal data)
    on: date
    recipient_label: str
    recipient_contact: str
    sender: str  # worker name and role
    reason: str  # "" when not chosen
    offer: str
    persons: tuple[LetterPerson, ...]
    address: str  # "" when not chosen
    note: str  # "" when not chosen
    legal_basis: tuple[str, ...]  # lines: statutory basis + prior notice, or consent note
    place: str = ""
    # A new letter after the one sent: why it differs (e.g. a withdrawn consent).
    sent_on: date | None = None
    differences: tuple[str, ...] = ()


def render_referral_letter(data: ReferralLetterData, clock: Clock) -> bytes:
    st = base.styles()
    story: list[Any] = [
        fl.para(TITLE, st.title),
        fl.para("Vermittlung einer Familie an eine andere Stelle (Lotsenfunktion). Dieser "
                "Bogen enthält nur Daten, deren Übermittlung zulässig ist.", st.subtitle),
        fl.key_value_table([
            ("An", data.recipient_label),
            ("Kontakt", data.recipient_contact or "–"),
            ("Von", " · ".join(p for p in (data.organisation.name, data.sender) if p)),
            ("Datum", format_date(data.on)),
            ("Zeichen", data.reference),
        ]),
    ]
    if data.sent_on is not None:
        story += [fl.para(f"Neu erstellt – weicht vom am {format_date(data.sent_on)} "
                          "übermittelten Bogen ab", st.heading),
                  fl.para("Dieser Bogen ist nicht der übermittelte. Der übermittelte Bogen "
                          "ist unverändert in der Akte gespeichert. Unterschiede:", st.body),
                  fl.bullets(list(data.differences) or ["keine inhaltlichen Unterschiede "
                                                        "bei den Personen"])]
    if data.reason or data.offer:
        story.append(fl.para("Anliegen", st.heading))
        if data.reason:
            story.append(fl.para(data.reason, st.body))
        if data.offer:
            story.append(fl.para(f"Gewünschte Hilfe / Angebot: {data.offer}", st.body))
    story.append(fl.para("Betroffene Personen", st.heading))
    with_birth = any(p.birth for p in data.persons)
    header = ["Name", *(["Geburtsdatum"] if with_birth else []), "Grundlage der Übermittlung"]
    rows = [[p.name, *([p.birth] if with_birth else []), p.basis] for p in data.persons]
    width = base.CONTENT_WIDTH
    widths = ([width * 0.3, width * 0.18, width * 0.52] if with_birth
              else [width * 0.35, width * 0.65])
    story.append(fl.data_table(header, rows, col_widths=widths))
    if data.address:
        story.append(fl.key_value_table([("Anschrift", data.address)]))
    if data.note:
        story += [fl.para("Hinweise", st.heading), fl.para(data.note, st.body)]
    story.append(fl.para("Rechtsgrundlage", st.heading))
    for line in data.legal_basis:
        story.append(fl.para(line, st.body))
    story += [
        fl.spacer(8),
        fl.signature_row(("Ort, Datum", "Unterschrift der Fachkraft"),
                         (f"{data.place}, {format_date(data.on)}" if data.place
                          else format_date(data.on),)),
    ]
    return base.build_document(
        story, letterhead=base.letterhead_from_organisation(data.organisation), title=TITLE,
        clock=clock, footer_note="Vertraulich – Sozialdaten (§ 35 SGB I). Weitergabe nur "
                                 "im Rahmen der angegebenen Grundlage.")
