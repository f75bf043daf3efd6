"""Readable Art. 15 records: which columns of other features' tables a person is told
about, under which German label, in which format (issue 19).

The disclosure service finds rows that concern a person (`records_mentioning`); this module
turns each row into a headed record of German fields. Only columns listed here are
disclosed; everything else is bookkeeping (ids, hashes, versions, worker ids, template
hashes) and stays out of the letter and the JSON. A table that is not listed is described
by its section title and date only, so a new feature never prints raw keys on paper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from casework.clock import BERLIN

Formatter = Callable[[Any], str]


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return ""
    return str(value).strip()


def german_date(value: Any) -> str:
    """ISO date or timestamp → "06.05.2019" (timestamps in Europe/Berlin)."""
    raw = text(value)
    if not raw:
        return ""
    try:
        if len(raw) <= 10:
            return f"{date.fromisoformat(raw):%d.%m.%Y}"
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is not None:
        moment = moment.astimezone(BERLIN)
    return f"{moment:%d.%m.%Y}"


def german_datetime(value: Any) -> str:
    raw = text(value)
    if len(raw) <= 10:
        return german_date(raw)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw
    if moment.tzinfo is not None:
        moment = moment.astimezone(BERLIN)
    if (moment.hour, moment.minute) == (0, 0):
        return f"{moment:%d.%m.%Y}"
    return f"{moment:%d.%m.%Y, %H:%M} Uhr"


def yes_no(value: Any) -> str:
    if value in (None, ""):
        return ""
    return "ja" if str(value).lower() in ("1", "true", "ja") else "nein"


def listing(value: Any) -> str:
    """A JSON list (or plain text) as "a, b, c"; ids and empty items left out."""
    raw = value
    if isinstance(value, str):
        try:
            raw = json.loads(value)
        except ValueError:
            return text(value)
    if isinstance(raw, list):
        items = [_plain(item) for item in raw]
        return ", ".join(i for i in items if i)
    return _plain(raw)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return " – ".join(p for p in (_plain(v) for v in value) if p)
    if isinstance(value, dict):
        return payload_text(value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return "" if value is None else str(value).strip()


# German labels of keys inside JSON payloads (§ 8a entries). Keys not listed here are
# internal (ids, hashes, instrument versions) and never shown.
PAYLOAD_LABELS: dict[str, tuple[str, Formatter]] = {
    "observed_at": ("Beobachtet am", german_datetime),
    "kind": ("Art", text),
    "text": ("Inhalt", text),
    "disputed": ("Von Ihnen bestritten", yes_no),
    "by_whom": ("Bestritten durch", text),
    "note": ("Notiz", text),
    "assessed_at": ("Eingeschätzt am", german_datetime),
    "summary": ("Zusammenfassung", text),
    "instrument": ("Einschätzungshilfe", text),
    "ratings": ("Bewertungen", listing),
    "resources": ("Ressourcen", text),
    "risks": ("Risiken", text),
    "cooperation": ("Mitwirkung", text),
    "safety": ("Schutz", text),
    "consulted_on": ("Beratung am", german_date),
    "recommendation": ("Empfehlung", text),
    "dissent": ("Abweichende Sicht", text),
    "questions": ("Fragen", text),
    "reason": ("Begründung", text),
    "target": ("Einbezogen", text),
    "done": ("Erfolgt", yes_no),
    "on": ("Am", german_date),
    "content": ("Inhalt", text),
    "category": ("Ergebnis", text),
    "justification": ("Begründung", text),
    "measures": ("Vereinbarte Schritte", listing),
    "measure": ("Schritt", text),
    "responsible": ("Verantwortlich", text),
    "due": ("Bis", german_date),
    "verification": ("Überprüfung", text),
    "consequence": ("Folge bei Nichteinhaltung", text),
    "status": ("Stand", text),
    "review_date": ("Überprüfung am", german_date),
    "agreed_with": ("Vereinbart mit", text),
    "agreed_on": ("Vereinbart am", german_date),
    "notes": ("Hinweise", text),
    "informed_at": ("Information am", german_datetime),
    "office": ("Stelle", text),
    "channel": ("Weg", text),
    "legal_basis": ("Rechtsgrundlage", text),
    "prior_notice_on": ("Vorab informiert am", german_date),
    "no_prior_notice_reason": ("Nicht vorab informiert, weil", text),
    "recognised_at": ("Erkannt am", german_datetime),
    "description": ("Beschreibung", text),
    "immediate_measures": ("Sofortmaßnahmen", text),
    "received_at": ("Eingegangen am", german_datetime),
    "topic": ("Thema", text),
    # third parties (only after a balancing decision, see THIRD_PARTY_KEYS)
    "source": ("Quelle", text),
    "participants": ("Beteiligte", listing),
    "name": ("Name", text),
    "function": ("Funktion", text),
    "isef_name": ("Insoweit erfahrene Fachkraft", text),
    "isef_organisation": ("Organisation der Fachkraft", text),
    "person": ("Person", text),
    "whom": ("Angerufen", text),
    "calls": ("Anrufe", listing),
    "at": ("Zeitpunkt", german_datetime),
    # the reporting person (only after a decision about the reporter)
    "anonymous": ("Anonym", yes_no),
    "reporter_name": ("Meldende Person", text),
    "reporter_contact": ("Kontakt der meldenden Person", text),
    "reporter_relation": ("Beziehung zur Familie", text),
    "reporter_knowledge": ("Woher die Kenntnis stammt", text),
    "reporter_reason_now": ("Anlass der Meldung", text),
}
REPORTER_KEYS = frozenset({"source", "reporter_name", "reporter_contact",
                           "reporter_relation", "reporter_knowledge",
                           "reporter_reason_now"})

# Payload keys that name a third party (source, iseF, persons informed); shown only after
# a balancing decision about third parties.
THIRD_PARTY_KEYS = frozenset({"participants", "isef_name",
                              "isef_organisation", "person", "whom", "calls"})

ENTRY_TITLES = {
    "observation": "Wahrnehmung", "dispute": "Widerspruch", "assessment":
    "Gefährdungseinschätzung", "isef": "Beratung durch eine insoweit erfahrene Fachkraft",
    "isef_skip": "Keine Beratung durch eine insoweit erfahrene Fachkraft",
    "involvement": "Einbeziehung der Familie", "result": "Ergebnis der Einschätzung",
    "plan": "Schutzplan", "mitteilung": "Information an das Jugendamt",
    "acute": "Akute Gefährdung", "call": "Anruf", "task": "Frist", "note": "Notiz",
    "report": "Eingegangene Mitteilung",
}
HIDDEN_ENTRY_KINDS = frozenset({"pseudonym_key", "task"})


def payload_text(payload: Mapping[str, Any], *, with_third: bool = False) -> str:
    parts: list[str] = []
    for key, value in payload.items():
        if (key in THIRD_PARTY_KEYS and not with_third) or key in REPORTER_KEYS:
            continue
        if key in PAYLOAD_LABELS:
            label, fmt = PAYLOAD_LABELS[key]
        else:
            continue
        shown = fmt(value)
        if shown:
            parts.append(f"{label}: {shown}")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    fmt: Formatter = text


@dataclass(frozen=True, slots=True)
class TableSpec:
    section: str  # section key (JSON) – see SECTION_TITLES
    title: str  # record heading, "{date}" replaced by `date_column`
    date_column: str
    columns: tuple[Column, ...]


SECTION_TITLES = {
    "einwilligungen": "Einwilligungen",
    "vermittlungen": "Vermittlungen",
    "kinderschutz": "Kinderschutz (§ 8a SGB VIII)",
    "teilhabe": "Teilhabemanagement",
    "angebote": "Angebote",
    "hilfeplan": "Hilfeplan",
    "termine": "Termine",
    "dokumente": "Dokumente",
    "fallverlauf": "Zuständigkeit und Abschluss",
    "weitere": "Weitere Aufzeichnungen",
}
# The case-life tables (issue 20), by section.
_CASE_LIFE = {"goals": "hilfeplan", "goal_entries": "hilfeplan",
              "hilfeplan_meetings": "hilfeplan", "appointments": "termine",
              "case_documents": "dokumente", "handovers": "fallverlauf",
              "household_closures": "fallverlauf"}

TABLES: dict[str, TableSpec] = {
    # The case-life tables (issue 20).
    "case_documents": TableSpec("dokumente", "Dokument vom {date}", "on_date", (
        Column("category", "Art"),
        Column("title", "Bezeichnung"),
        Column("note", "Notiz"),
        Column("file_name", "Datei"),
    )),
    "appointments": TableSpec("termine", "Termin", "", (
        Column("starts_at", "Beginn", german_datetime),
        Column("place_type", "Art des Ortes"),
        Column("place", "Ort"),
        Column("topic", "Anlass"),
        Column("status", "Stand"),
    )),
    "goals": TableSpec("hilfeplan", "Ziel im Hilfeplan", "", (
        Column("what", "Ziel"),
        Column("measure", "Woran erkennbar"),
        Column("due_on", "Bis wann", german_date),
        Column("responsibilities", "Wer macht was"),
        Column("state", "Stand"),
    )),
    "goal_entries": TableSpec("hilfeplan", "Zielverlauf vom {date}", "on_date", (
        Column("kind", "Art"),
        Column("text", "Notiz"),
        Column("rating", "Einschätzung (0–10)"),
    )),
    "hilfeplan_meetings": TableSpec("hilfeplan", "Hilfeplangespräch vom {date}", "on_date", (
        Column("participants", "Teilnehmende"),
        Column("minutes", "Protokoll"),
    )),
    "consents": TableSpec("einwilligungen", "Einwilligung vom {date}", "consent_date", (
        Column("capacity", "Erteilt als"),
        Column("data_categories", "Datenkategorien", listing),
        Column("valid_from", "Gültig ab", german_date),
        Column("valid_until", "Gültig bis", german_date),
        Column("renewal_on", "Erneuerung am", german_date),
        Column("template_version", "Formularfassung"),
        Column("note", "Notiz"),
    )),
    "consent_items": TableSpec("einwilligungen", "Einwilligung: Zweck und Empfänger",
                               "", (
        Column("purpose_key", "Zweck"),
        Column("purpose_detail", "Zweck (Einzelheiten)"),
        Column("recipient_key", "Empfänger"),
        Column("recipient_detail", "Empfänger (Einzelheiten)"),
    )),
    "consent_events": TableSpec("einwilligungen", "Einwilligung: Vorgang vom {date}",
                                "on_date", (
        Column("kind", "Vorgang"),
        Column("reason", "Begründung"),
        Column("via", "Weg"),
        Column("capacity", "Erklärt als"),
        Column("total", "Vollständig", yes_no),
        Column("purposes", "Zwecke", listing),
        Column("recipients", "Empfänger", listing),
        Column("place", "Ort"),
    )),
    "referrals": TableSpec("vermittlungen", "Vermittlung vom {date}", "referred_on", (
        Column("recipient_label", "An"),
        Column("recipient_contact", "Kontakt"),
        Column("reason", "Anlass"),
        Column("offer", "Angebot"),
        Column("share_fields", "Mitgeteilte Angaben", listing),
        Column("state", "Stand"),
        Column("note", "Notiz"),
    )),
    "referral_steps": TableSpec("vermittlungen", "Vermittlung: Schritt vom {date}",
                                "on_date", (
        Column("kind", "Schritt"),
        Column("text", "Inhalt"),
        Column("feedback", "Rückmeldung"),
        Column("follow_up_on", "Wiedervorlage", german_date),
        Column("basis", "Rechtsgrundlage"),
        Column("informed_on", "Sie wurden informiert am", german_date),
        Column("not_informed_reason", "Nicht informiert, weil"),
    )),
    "ks_procedures": TableSpec("kinderschutz", "Verfahren seit {date}", "opened_at", (
        Column("state", "Aktueller Schritt"),
        Column("acute", "Akute Gefährdung", yes_no),
    )),
    "ks_entries": TableSpec("kinderschutz", "{kind} ({date})", "created_at", (
        Column("payload", "Inhalt"),
    )),
    "ks_transitions": TableSpec("kinderschutz", "Verfahrensschritt am {date}", "at", (
        Column("to_state", "Schritt"),
        Column("reason", "Begründung"),
    )),
    "ks_review_items": TableSpec("kinderschutz", "Prüfung durch die Leitung", "created_at",
                                 ()),
    "ks_review_decisions": TableSpec("kinderschutz", "Entscheidung der Leitung vom {date}",
                                     "created_at", (
        Column("decision", "Entscheidung"),
        Column("comment", "Bemerkung"),
    )),
    "tm_clients": TableSpec("teilhabe", "Aufnahme am {date}", "intake_on", (
        Column("programme", "Programm"),
        Column("state", "Stand"),
        Column("benefit_basis", "Leistungsgrundlage"),
        Column("note", "Notiz"),
        Column("closed_on", "Beendet am", german_date),
    )),
    "tm_residence": TableSpec("teilhabe", "Aufenthaltsstatus ab {date}", "valid_from", (
        Column("status", "Status"),
        Column("valid_until", "Gültig bis", german_date),
        Column("note", "Notiz"),
    )),
    "tm_intake": TableSpec("teilhabe", "Erstgespräch am {date}", "interviewed_on", (
        Column("questionnaire", "Fragebogen"),
    )),
    "tm_measures": TableSpec("teilhabe", "Maßnahme", "start_on", (
        Column("title", "Maßnahme"),
        Column("provider", "Anbieter"),
        Column("start_on", "Beginn", german_date),
        Column("end_on", "Ende", german_date),
        Column("status", "Stand"),
        Column("outcome", "Ergebnis"),
        Column("note", "Notiz"),
        Column("statement_on", "Stellungnahme der Kommune vom", german_date),
    )),
    "tm_assignments": TableSpec("teilhabe", "Zuständigkeitswechsel am {date}",
                                "assigned_on", (Column("reason", "Anlass"),)),
    "tm_exclusion_facts": TableSpec("teilhabe", "Ausschluss von der Förderung ab {date}",
                                    "since", (
        Column("exclusion", "Ausschluss"),
        Column("present", "Festgehalten (ja) oder aufgehoben (nein)", yes_no),
        Column("source", "Grundlage"),
    )),
    "offers": TableSpec("angebote", "Angebot", "start_on", (
        Column("title", "Angebot"), Column("kind", "Art"),
        Column("start_on", "Beginn", german_date), Column("end_on", "Ende", german_date),
    )),
    "offer_sessions": TableSpec("angebote", "Angebotstermin am {date}", "held_on", (
        Column("note", "Notiz"),
    )),
    "offer_attendance": TableSpec("angebote", "Teilnahme an einem Angebot", "", ()),
}


def section_of(table: str) -> str:
    spec = TABLES.get(table)
    if spec is not None:
        return spec.section
    if table.startswith("ks_") or "kinderschutz" in table:
        return "kinderschutz"
    if "consent" in table:
        return "einwilligungen"
    if "referral" in table:
        return "vermittlungen"
    if table.startswith("tm_"):
        return "teilhabe"
    if "offer" in table:
        return "angebote"
    return _CASE_LIFE.get(table, "weitere")


@dataclass(frozen=True, slots=True)
class DescribedRecord:
    heading: str
    sort_key: str
    fields: tuple[tuple[str, str, str], ...]  # (json key, German label, value)


def describe(table: str, row: Mapping[str, Any], *, state_label: Callable[[str], str],
             label_of: Callable[[str, str], str], with_third: bool,
             with_reporter: bool = False) -> DescribedRecord | None:
    """The German record for one row, or None when it carries nothing for the person."""
    spec = TABLES.get(table)
    when_raw = text(row.get(spec.date_column)) if spec and spec.date_column else text(
        row.get("created_at"))
    when = german_date(when_raw)
    if spec is None:
        title = SECTION_TITLES[section_of(table)]
        return DescribedRecord(f"Eintrag vom {when}" if when else title, when_raw, ())
    fields: list[tuple[str, str, str]] = []
    kind_title = ""
    if table == "ks_entries":
        kind = text(row.get("kind"))
        if kind in HIDDEN_ENTRY_KINDS:
            return None
        kind_title = ENTRY_TITLES.get(kind, "Eintrag")
        try:
            payload = json.loads(text(row.get("payload")) or "{}")
        except ValueError:
            payload = {}
        if isinstance(payload, dict):
            for key, value in payload.items():
                if key in THIRD_PARTY_KEYS and not with_third:
                    continue
                if key in REPORTER_KEYS and not with_reporter:
                    continue
                if key not in PAYLOAD_LABELS:
                    continue
                label, fmt = PAYLOAD_LABELS[key]
                shown = fmt(value)
                if shown:
                    fields.append((key, label, shown))
    for column in spec.columns:
        if table == "ks_entries":
            break
        value = row.get(column.key)
        if column.key in ("state", "to_state") and table.startswith("ks_"):
            shown = state_label(text(value))
        elif column.key in ("purpose_key", "recipient_key", "kind"):
            shown = label_of(column.key, text(value))
        else:
            shown = column.fmt(value)
        if shown:
            fields.append((column.key, column.label, shown))
    heading = spec.title.replace("{kind}", kind_title).replace("{date}", when or "–")
    if heading.endswith(" ()"):
        heading = heading[:-3]
    return DescribedRecord(heading, when_raw, tuple(fields))
