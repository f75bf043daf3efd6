"""Auskunft nach Art. 15 DSGVO (§ 83 SGB X): the letter a data-protection officer signs
and sends to the person, and the machine-readable JSON copy (LR-24, LR-25).

The letter goes into a window envelope (DIN 5008 address field) and answers Art. 15
Abs. 1 lit. a–h under German headings: Zwecke und Kategorien, Stammdaten, Kontakte,
Einwilligungen, Vermittlungen (further sections only where records exist), Empfänger,
Speicherdauer, Herkunft, nicht mitgeteilte Angaben with their legal reason, documented
decisions with the persons who made them, Ihre Rechte, signature. Values are readable
German text and dates; internal ids, technical keys and JSON never reach paper.

The disclosure service gathers the data and decides what is withheld (third parties,
reporter identity, § 8a records by default) and why; this module only renders the plain
`DisclosureData`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from casework.clock import BERLIN, Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date

if TYPE_CHECKING:
    from casework.models.directory.profile import Organisation

TITLE = "Auskunft nach Art. 15 DSGVO"
JSON_FORMAT = "casework-auskunft-art15"
JSON_VERSION = 2


@dataclass(frozen=True, slots=True)
class Field:
    label: str  # German, printed
    value: str
    key: str = ""  # machine-readable key for the JSON copy (label when empty)


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
    revisions: tuple[str, ...] = ()  # corrections with the earlier wording, addenda


@dataclass(frozen=True, slots=True)
class Record:
    heading: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class RecordSection:
    key: str  # machine-readable ("einwilligungen")
    title: str  # printed ("Einwilligungen")
    records: tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class Withheld:
    what: str
    count: int  # 0: not counted (the count itself would tell too much)
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str
    reason: str
    decided_on: date
    decided_by: str = ""  # "Name (Rolle)"
    signature: str = ""  # "elektronisch signiert, Schlüssel 1A2B …" once persons sign


@dataclass(frozen=True, slots=True)
class HouseholdPart:
    label: str
    fields: tuple[Field, ...]
    storage_period: str


@dataclass(frozen=True, slots=True)
class DisclosureData:
    organisation: Organisation
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
    salutation: str = "Guten Tag,"
    address_lines: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    supervisory_authority: str = ""
    signer: str = ""  # role line under the signature, e.g. "Datenschutzbeauftragte/r"
    redacted: bool = False  # third parties replaced in free text
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.refusal_reason)


def _fields(fields: tuple[Field, ...]) -> dict[str, str]:
    return {f.key or f.label: f.value for f in fields}


def to_json_data(data: DisclosureData) -> dict[str, Any]:
    """The machine-readable package (Art. 15 Abs. 3, structured per LR-25): stable keys,
    no internal ids, hashes or worker ids."""
    return {
        "format": JSON_FORMAT,
        "format_version": JSON_VERSION,
        "controller": {
            "name": data.organisation.name,
            "data_protection_contact": data.organisation.data_protection_contact.role,
        },
        "request": {
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
                "revisions": list(c.revisions),
            }
            for c in data.contacts
        ],
        "records": {s.key: [{"heading": r.heading, "data": _fields(r.fields)}
                            for r in s.records] for s in data.sections},
        "purposes": list(data.purposes),
        "categories": list(data.categories),
        "recipients": list(data.recipients),
        "source": data.source,
        "withheld": [{"what": w.what, "count": w.count or None, "reason": w.reason}
                     for w in data.withheld],
        "decisions": [{"kind": d.kind, "reason": d.reason, "on": d.decided_on.isoformat(),
                       "decided_by": d.decided_by, "signature": d.signature}
                      for d in data.decisions],
        "automated_decision_making": False,
    }


def to_json(data: DisclosureData) -> str:
    return json.dumps(to_json_data(data), ensure_ascii=False, indent=2, sort_keys=False)


def _numbered(title: str, counter: list[int]) -> str:
    counter[0] += 1
    return f"{counter[0]}. {title}"


def render_disclosure(data: DisclosureData, clock: Clock) -> bytes:
    st = base.styles()
    org = data.organisation
    dpc = org.data_protection_contact
    today = clock.now().astimezone(BERLIN).date()
    window = base.WindowAddress(
        recipient_lines=data.address_lines or (data.subject_name,),
        return_line=" · ".join(line for line in org.address_lines if line),
        info=(("Datum", format_date(today)),
              ("Ihr Antrag vom", format_date(data.received_on)),
              ("Ansprechpartner", dpc.role),
              *((("Telefon", dpc.phone),) if dpc.phone else ()),
              *((("E-Mail", dpc.email),) if dpc.email else ())),
    )
    n = [0]
    story: list[Any] = [
        fl.para(f"Ihr Antrag auf Auskunft nach Art. 15 DSGVO vom "
                f"{format_date(data.received_on)}", st.body_bold),
        fl.spacer(4),
        fl.para(data.salutation, st.body),
    ]
    if data.refused:
        story += [
            fl.para("wir haben Ihren Antrag auf Auskunft über die zu Ihrer Person "
                    "gespeicherten Daten geprüft. Die Auskunft können wir Ihnen nicht "
                    "erteilen. Die Gründe:", st.body),
            fl.para(data.refusal_reason, st.body),
        ]
    else:
        story += [
            fl.para(f"Sie haben uns gebeten mitzuteilen, welche Daten {org.name} über Sie "
                    "speichert. Nach Art. 15 der Datenschutz-Grundverordnung (DSGVO) und "
                    "§ 83 des Zehnten Buches Sozialgesetzbuch (SGB X) teilen wir Ihnen "
                    "Folgendes mit.", st.body),
            fl.para(_numbered("Zwecke und Kategorien der Daten", n), st.heading),
            fl.para("Wir verarbeiten Ihre Daten zu folgenden Zwecken:", st.body),
            fl.bullets(list(data.purposes)),
        ]
        if data.categories:
            story += [fl.para("Gespeichert sind folgende Arten von Daten:", st.body),
                      fl.bullets(list(data.categories))]
        story += [fl.para(_numbered("Stammdaten", n), st.heading),
                  fl.key_value_table([(f.label, f.value) for f in data.person])]
        for part in data.households:
            story += [fl.para(f"Haushalt {part.label}", st.body_bold),
                      fl.key_value_table([(f.label, f.value) for f in part.fields])]
        story.append(fl.para(_numbered("Kontakte", n), st.heading))
        if not data.contacts:
            story.append(fl.para("Es sind keine Gespräche oder Kontakte mit Ihrer Beteiligung "
                                 "gespeichert.", st.body))
        else:
            rows: list[tuple[str, str, str]] = []
            for c in data.contacts:
                head = c.type + (f", {c.duration_min} Min." if c.duration_min else "")
                if not c.present:
                    head += " (ohne Ihre Anwesenheit)"
                lines = []
                if c.topics:
                    lines.append("Themen: " + ", ".join(c.topics))
                lines += [f"{note.label}: {note.text}" for note in c.notes]
                lines += [line.strip() for line in c.revisions]
                if c.next_steps:
                    lines.append(f"Nächste Schritte: {c.next_steps}")
                rows.append((format_date(c.occurred_at.astimezone(BERLIN).date()),
                             head, "\n".join(lines)))
            story.append(fl.data_table(("Datum", "Art", "Inhalt"), rows,
                                       col_widths=fl.fit_widths(rows, ("Datum", "Art",
                                                                       "Inhalt"),
                                                                flexible=2)))
        by_key = {s.key: s for s in data.sections}
        for key, empty in (("einwilligungen", "Es sind keine Einwilligungen von Ihnen oder "
                            "für Sie gespeichert."),
                           ("vermittlungen", "Es sind keine Vermittlungen gespeichert.")):
            section = by_key.pop(key, None)
            story.append(fl.para(_numbered("Einwilligungen" if key == "einwilligungen"
                                           else "Vermittlungen", n), st.heading))
            story += _records(section, empty)
        for section in by_key.values():
            story.append(fl.para(_numbered(section.title, n), st.heading))
            story += _records(section, "")
        story += [
            fl.para(_numbered("Empfänger", n), st.heading),
            fl.bullets(list(data.recipients)),
            fl.para(_numbered("Speicherdauer", n), st.heading),
        ]
        for part in data.households:
            prefix = f"Haushalt {part.label}: " if len(data.households) > 1 else ""
            story.append(fl.para(prefix + part.storage_period, st.body))
        story += [fl.para(_numbered("Herkunft der Daten", n), st.heading),
                  fl.para(data.source, st.body)]
    story.append(fl.para(_numbered("Nicht mitgeteilte Angaben", n), st.heading))
    if data.withheld:
        story.append(fl.para("Folgende Angaben teilen wir Ihnen nicht oder nur teilweise "
                             "mit:", st.body))
        withheld_rows = [(w.what, str(w.count) if w.count else "–", w.reason)
                         for w in data.withheld]
        story.append(fl.data_table(("Angaben", "Anzahl", "Rechtlicher Grund"), withheld_rows,
                                   col_widths=(base.CONTENT_WIDTH * 0.36,
                                               base.CONTENT_WIDTH * 0.1,
                                               base.CONTENT_WIDTH * 0.54)))
    else:
        story.append(fl.para("Keine. Sie erhalten alle zu Ihrer Person gespeicherten Daten.",
                             st.body))
    if data.redacted:
        story.append(fl.para("Namen, Anschriften, Telefonnummern und E-Mail-Adressen anderer "
                             "Personen sind in den Notizen durch Platzhalter in eckigen "
                             "Klammern ersetzt (Schutz Dritter, Art. 15 Abs. 4 DSGVO).",
                             st.body))
    if data.decisions:
        story.append(fl.para("Entscheidungen dazu", st.body_bold))
        decision_rows = [(d.kind, format_date(d.decided_on), d.decided_by, d.reason)
                         for d in data.decisions]
        story.append(fl.data_table(("Entscheidung", "Datum", "Entschieden von", "Begründung"),
                                   decision_rows, col_widths=(base.CONTENT_WIDTH * 0.27,
                                                     base.CONTENT_WIDTH * 0.13,
                                                     base.CONTENT_WIDTH * 0.22,
                                                     base.CONTENT_WIDTH * 0.38)))
        signed = [d for d in data.decisions if d.signature]
        for d in signed:
            story.append(fl.para(f"{d.kind}: {d.signature}", st.small))
    authority = data.supervisory_authority or "der zuständigen Datenschutzaufsichtsbehörde"
    story += [
        fl.para(_numbered("Ihre Rechte", n), st.heading),
        fl.bullets([
            "Berichtigung unrichtiger Daten (Art. 16 DSGVO, § 84 SGB X); bestrittene Angaben "
            "werden als „von Ihnen bestritten“ gekennzeichnet.",
            "Löschung (Art. 17 DSGVO) und Einschränkung der Verarbeitung (Art. 18 DSGVO), "
            "soweit keine Aufbewahrungspflicht besteht.",
            "Widerspruch gegen die Verarbeitung (Art. 21 DSGVO) und Widerruf einer "
            "Einwilligung mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO).",
            f"Beschwerde bei {authority} (Art. 77 DSGVO).",
            "Eine automatisierte Entscheidung im Einzelfall einschließlich Profiling "
            "(Art. 22 DSGVO) findet nicht statt.",
            "Diese Auskunft erhalten Sie auf Wunsch zusätzlich als maschinenlesbare Datei.",
        ]),
        fl.para("Bei Fragen erreichen Sie uns unter den oben genannten Kontaktdaten.",
                st.body),
        fl.spacer(3),
        fl.para("Mit freundlichen Grüßen", st.body),
        fl.keep_together([
            fl.spacer(2),
            fl.signature_row(("Ort, Datum", "Unterschrift"),
                             widths=None),
            fl.para(data.signer or dpc.role, st.small),
        ]),
    ]
    return base.build_document(story, letterhead=base.letterhead_from_organisation(org),
                               title=TITLE, clock=clock, window=window)


def _records(section: RecordSection | None, empty: str) -> list[Any]:
    st = base.styles()
    if section is None or not section.records:
        return [fl.para(empty, st.body)] if empty else []
    out: list[Any] = []
    for record in section.records:
        pairs = [(f.label, f.value) for f in record.fields]
        block: list[Any] = [fl.para(record.heading, st.body_bold)]
        if pairs:
            block.append(fl.key_value_table(pairs))
        out.append(fl.keep_together(block))
    return out
