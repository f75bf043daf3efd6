"""Auskunft nach Art. 15 DSGVO (§ 83 SGB X): the access report for one person as PDF and
as machine-readable JSON (LR-24, LR-25).

The disclosure service gathers the data and decides what is withheld (reporter identity
of § 8a cases, third parties' data — LR-19) and why; this module only renders the plain
`DisclosureData`. Withheld items are listed with their reason, never with their content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date, format_datetime

if TYPE_CHECKING:
    from casework.models.directory.profile import Organisation

TITLE = "Auskunft nach Art. 15 DSGVO"
JSON_FORMAT = "casework-auskunft-art15"
JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class NoteLine:
    label: str  # "Fakt", "Aussage Dritter (Quelle zurückgehalten)" …
    text: str


@dataclass(frozen=True, slots=True)
class ContactEntry:
    occurred_at: datetime
    type: str
    duration_min: int
    topics: tuple[str, ...]
    notes: tuple[NoteLine, ...]
    next_steps: str
    present: bool  # False: included only through a recorded balancing decision


@dataclass(frozen=True, slots=True)
class RecordSection:
    title: str
    records: tuple[tuple[Field, ...], ...]


@dataclass(frozen=True, slots=True)
class Withheld:
    what: str
    count: int
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str
    reason: str
    decided_on: date


@dataclass(frozen=True, slots=True)
class HouseholdPart:
    label: str
    fields: tuple[Field, ...]
    storage_period: str


@dataclass(frozen=True, slots=True)
class DisclosureData:
    organisation: Organisation
    request_id: str
    received_on: date
    due_on: date
    subject_name: str
    person: tuple[Field, ...]
    households: tuple[HouseholdPart, ...]
    contacts: tuple[ContactEntry, ...]
    sections: tuple[RecordSection, ...]
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]
    source: str
    withheld: tuple[Withheld, ...]
    decisions: tuple[Decision, ...]
    refusal_reason: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.refusal_reason)


def _fields(fields: tuple[Field, ...]) -> dict[str, str]:
    return {f.label: f.value for f in fields}


def to_json_data(data: DisclosureData) -> dict[str, Any]:
    """The machine-readable package (Art. 15 Abs. 3, structured per LR-25)."""
    return {
        "format": JSON_FORMAT,
        "format_version": JSON_VERSION,
        "controller": {
            "name": data.organisation.name,
            "data_protection_contact": data.organisation.data_protection_contact.role,
        },
        "request": {
            "id": data.request_id,
            "received_on": data.received_on.isoformat(),
            "due_on": data.due_on.isoformat(),
            "refused": data.refused,
            "refusal_reason": data.refusal_reason,
        },
        "subject": {"name": data.subject_name, "data": _fields(data.person)},
        "households": [
            {"label": h.label, "data": _fields(h.fields), "storage_period": h.storage_period}
            for h in data.households
        ],
        "contacts": [
            {
                "occurred_at": c.occurred_at.isoformat(),
                "type": c.type,
                "duration_min": c.duration_min,
                "topics": list(c.topics),
                "notes": [{"kind": n.label, "text": n.text} for n in c.notes],
                "next_steps": c.next_steps,
                "present": c.present,
            }
            for c in data.contacts
        ],
        "records": {s.title: [_fields(r) for r in s.records] for s in data.sections},
        "purposes": list(data.purposes),
        "recipients": list(data.recipients),
        "source": data.source,
        "withheld": [{"what": w.what, "count": w.count, "reason": w.reason}
                     for w in data.withheld],
        "decisions": [{"kind": d.kind, "reason": d.reason, "on": d.decided_on.isoformat()}
                      for d in data.decisions],
    }


def to_json(data: DisclosureData) -> str:
    return json.dumps(to_json_data(data), ensure_ascii=False, indent=2, sort_keys=False)


def render_disclosure(data: DisclosureData, clock: Clock) -> bytes:
    st = base.styles()
    org = data.organisation
    dpc = org.data_protection_contact
    story: list[Any] = [
        fl.para(TITLE, st.title),
        fl.para("Auskunft über die zu Ihrer Person gespeicherten Daten (Art. 15 DSGVO, "
                "§ 83 SGB X).", st.subtitle),
        fl.key_value_table([
            ("Betroffene Person", data.subject_name),
            ("Antrag eingegangen", format_date(data.received_on)),
            ("Antwort fällig bis", format_date(data.due_on)),
            ("Verantwortlich", org.name),
            ("Datenschutz", " · ".join(p for p in (dpc.role, dpc.address, dpc.phone,
                                                     dpc.email) if p)),
        ]),
    ]
    if data.refused:
        story += [fl.para("Ablehnung der Auskunft", st.heading),
                  fl.para(data.refusal_reason, st.body)]
    else:
        story += [fl.para("Angaben zur Person", st.heading),
                  fl.key_value_table([(f.label, f.value) for f in data.person])]
        for part in data.households:
            story += [fl.para(f"Haushalt: {part.label}", st.heading),
                      fl.key_value_table([(f.label, f.value) for f in part.fields]
                                         + [("Speicherdauer", part.storage_period)])]
        story.append(fl.para(f"Kontakte ({len(data.contacts)})", st.heading))
        if not data.contacts:
            story.append(fl.para("Keine Kontakte mit Ihrer Beteiligung gespeichert.", st.body))
        for c in data.contacts:
            head = f"{format_datetime(c.occurred_at)} – {c.type}"
            if c.duration_min:
                head += f", {c.duration_min} Min."
            if not c.present:
                head += " (ohne Ihre Anwesenheit; nach Interessenabwägung)"
            story.append(fl.para(head, st.body_bold))
            if c.topics:
                story.append(fl.para("Themen: " + ", ".join(c.topics), st.body))
            for note in c.notes:
                story.append(fl.para(f"{note.label}: {note.text}", st.body))
            if c.next_steps:
                story.append(fl.para(f"Nächste Schritte: {c.next_steps}", st.body))
        for section in data.sections:
            story.append(fl.para(f"{section.title} ({len(section.records)})", st.heading))
            for record in section.records:
                story.append(fl.key_value_table([(f.label, f.value) for f in record]))
                story.append(fl.spacer(2))
        story += [
            fl.para("Zwecke der Verarbeitung", st.heading), fl.bullets(list(data.purposes)),
            fl.para("Empfänger", st.heading), fl.bullets(list(data.recipients)),
            fl.para("Herkunft der Daten", st.heading), fl.para(data.source, st.body),
        ]
    story.append(fl.para("Nicht oder nur teilweise mitgeteilte Angaben", st.heading))
    if data.withheld:
        story.append(fl.data_table(
            ("Angaben", "Anzahl", "Begründung"),
            [(w.what, str(w.count), w.reason) for w in data.withheld],
            col_widths=(base.CONTENT_WIDTH * 0.32, base.CONTENT_WIDTH * 0.1,
                        base.CONTENT_WIDTH * 0.58)))
    else:
        story.append(fl.para("Keine.", st.body))
    if data.decisions:
        story.append(fl.para("Dokumentierte Entscheidungen", st.heading))
        story.append(fl.data_table(
            ("Entscheidung", "Datum", "Begründung"),
            [(d.kind, format_date(d.decided_on), d.reason) for d in data.decisions],
            col_widths=(base.CONTENT_WIDTH * 0.32, base.CONTENT_WIDTH * 0.14,
                        base.CONTENT_WIDTH * 0.54)))
    story += [
        fl.para("Ihre Rechte", st.heading),
        fl.para("Sie können die Berichtigung unrichtiger Daten (Art. 16 DSGVO), die Löschung "
                "(Art. 17) oder die Einschränkung der Verarbeitung (Art. 18) verlangen und "
                "sich bei der zuständigen Datenschutzaufsichtsbehörde beschweren (Art. 77). "
                "Eine Kopie dieser Auskunft erhalten Sie auf Wunsch auch als maschinenlesbare "
                "Datei (JSON).", st.body),
    ]
    return base.build_document(story, letterhead=base.letterhead_from_organisation(org),
                               title=TITLE, clock=clock)
