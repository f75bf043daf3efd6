"""One line of a record's history ("Verlauf"), read from the change log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    at: str  # UTC ISO
    actor_id: str
    actor_name: str
    entity: str
    entity_id: str
    op: str  # insert | update | delete
    fields: dict[str, Any]

    def summary(self) -> str:
        """German one-liner: 'Kontakt angelegt', 'Haushalt geändert: PLZ, Ort'."""
        noun = ENTITY_LABELS.get(self.entity, self.entity)
        if self.entity == "contact_revision" and self.op == "insert":
            return _revision_summary(self.fields)
        if self.op == "insert":
            what = self.what()
            return f"{noun} angelegt: {what}" if what else f"{noun} angelegt"
        if self.op == "delete":
            return f"{noun} gelöscht"
        changed = ", ".join(FIELD_LABELS.get(f, f) for f in sorted(self.fields))
        return f"{noun} geändert: {changed}" if changed else f"{noun} geändert"


    def what(self) -> str:
        """What a new record says, in a few words: 'Hausbesuch, 12.03.2026 – Die Mutter
        berichtet …' (so the Verlauf tells one new contact from the next)."""
        f = self.fields
        if self.entity == "contact":
            when = _local_date(f.get("occurred_at"))
            notes = f.get("notes") or []
            first = notes[0].get("text", "") if notes and isinstance(notes[0], dict) else ""
            head = ", ".join(str(p) for p in (f.get("type"), when) if p)
            return f"{head} – {_first_words(first)}" if first else head
        if self.entity == "person":
            name = " ".join(str(f[k]) for k in ("first_name", "last_name") if f.get(k))
            return f"{name} ({f['role']})" if f.get("role") and name else name
        if self.entity == "appointment":
            return ", ".join(str(p) for p in (f.get("topic"), _local_date(f.get("starts_at")))
                             if p)
        for key in ("what", "title", "name", "topic", "type"):
            value = f.get(key)
            if isinstance(value, str) and value.strip():
                return _first_words(value)
        return ""


def _local_date(value: object) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("Europe/Berlin"))
    return f"{moment:%d.%m.%Y}"


def _first_words(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def _wording(fields: dict[str, Any], key: str) -> str:
    """The note entries of a correction's JSON text field, as 'Art: Text' lines."""
    try:
        items = json.loads(str(fields.get(key) or "[]"))
    except ValueError:
        return ""
    return " / ".join(f"{n.get('kind', '')}: {n.get('text', '')}"
                      for n in items if isinstance(n, dict)) if isinstance(items, list) else ""


# A correction's corrected fields (date and time, type, next step; issue 18).
_CORRECTED = {"occurred_at": "Datum/Uhrzeit", "type": "Art", "next_steps": "Nächster Schritt"}


def _corrected(fields: dict[str, Any], key: str) -> str:
    """'Datum/Uhrzeit: 20.11.2026 10:00 / Art: Telefonat' from a JSON object field."""
    try:
        values = json.loads(str(fields.get(key) or "{}"))
    except ValueError:
        return ""
    if not isinstance(values, dict):
        return ""
    parts = []
    for name, label in _CORRECTED.items():
        value = values.get(name)
        if not isinstance(value, str):
            continue
        if name == "occurred_at":
            value = _local_moment(value)
        parts.append(f"{label}: {value or '(leer)'}")
    return " / ".join(parts)


def _local_moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("Europe/Berlin"))
    return f"{moment:%d.%m.%Y %H:%M}"


def _revision_summary(fields: dict[str, Any]) -> str:
    """A correction shows why and the wording and values it replaced; an addendum its
    text."""
    if fields.get("kind") == "nachtrag":
        return f"Nachtrag zu Kontakt: {fields.get('text', '')}"
    new, old = _corrected(fields, "fields"), _corrected(fields, "previous_fields")
    wording, before = _wording(fields, "wording"), _wording(fields, "previous_wording")
    if new and wording == before:  # date, type or next step only
        return (f"Kontakt berichtigt (Grund: {fields.get('reason', '')}) – neu: {new} – "
                f"früher: {old}")
    text = (f"Kontakt berichtigt (Grund: {fields.get('reason', '')}) – neue Fassung: "
            f"{wording} – frühere Fassung: {before}")
    return f"{text} – früher: {old}" if new else text


ENTITY_LABELS = {
    "household": "Haushalt",
    "person": "Person",
    "contact": "Kontakt",
    "contact_revision": "Berichtigung/Nachtrag zu Kontakt",
    "worker": "Mitarbeitende/r",
    "directory": "Verzeichnis-Stand",
    "consent": "Einwilligung",
    "consent_item": "Einwilligung (Zweck/Empfänger)",
    "consent_event": "Einwilligungs-Nachweis",
    "ks_procedure": "§ 8a-Verfahren",
    "ks_transition": "§ 8a-Verfahrensschritt",
    "ks_entry": "§ 8a-Eintrag",
    "ks_review_item": "§ 8a-Prüfauftrag an die Leitung",
    "ks_review_decision": "§ 8a-Entscheidung der Leitung",
    "ks_deadline_profile": "§ 8a-Fristenprofil",
    "tm_client": "Teilhabemanagement",
    "tm_residence": "Aufenthaltsstatus (Nachweis)",
    "tm_intake": "Erstgespräch",
    "tm_measure": "Maßnahme",
    "tm_assignment": "Zuständigkeit Teilhabemanagement",
    "tm_exclusion_fact": "Ausschluss von der Förderung",
    "tm_target_count": "Zielgruppe am Stichtag",
    "offer": "Angebot",
    "offer_session": "Angebotstermin",
    "offer_attendance": "Teilnahme",
    "referral": "Vermittlung",
    "referral_step": "Vermittlungsschritt",
    "household_closure": "Fallabschluss/Wiederaufnahme",
    "handover": "Übergabe",
    "appointment": "Termin",
    "goal": "Ziel (Hilfeplan)",
    "goal_entry": "Zielverlauf",
    "hilfeplan_meeting": "Hilfeplangespräch",
    "case_document": "Dokument",
    "review_signature": "Signatur einer Freigabe",
    "key_confirmation": "Bestätigung eines Geräteschlüssels",
    "vetting_staff": "Person im Register § 72a",
    "vetting_activity": "Tätigkeit (§ 72a)",
    "vetting_inspection": "Einsicht Führungszeugnis",
    "vetting_indication": "Anforderung nach Anhaltspunkten",
}

FIELD_LABELS = {
    "name": "Familienname",
    "street": "Straße",
    "plz": "PLZ",
    "city": "Ort",
    "district": "Stadtteil",
    "quarter": "Quartier/Sozialraum",
    "languages": "Sprachen",
    "interpreter_needed": "Dolmetscher nötig",
    "target_groups": "Zielgruppenkriterien",
    "access_route": "Zugangsweg",
    "resources": "Ressourcen",
    "risks": "Risiken",
    "assigned_worker_id": "Zuständig",
    "status": "Status",
    "first_name": "Vorname",
    "last_name": "Nachname",
    "birth_date": "Geburtsdatum",
    "birth_year": "Geburtsjahr",
    "due_date": "ET",
    "gender": "Geschlecht",
    "role": "Rolle",
    "custody": "Personensorgeberechtigt",
    "school": "Schule/Kita",
    "residence_status": "Aufenthaltsstatus",
    "unaccompanied": "unbegleitet (umA)",
    "follow_up_done": "Wiedervorlage erledigt",
    "state": "Verfahrensschritt",
    "acute": "Akutfall",
    "lead_worker_id": "Fallführende Fachkraft",
    "child_ids": "Betroffene Kinder",
    "worker_id": "Zuständig",
    "intake_on": "Aufnahmedatum",
    "exclusions": "Ausschlussgründe",
    "age_exception": "Ausnahme Altersgrenze",
    "closed_on": "Abgeschlossen am",
    "outcome": "Ergebnis",
    "to_worker_id": "Übergeben an",
    "decision_note": "Notiz zur Entscheidung",
    "decided_at": "Entschieden am",
    "decided_by": "Entschieden von",
    "starts_at": "Beginn",
    "duration_min": "Dauer",
    "place_type": "Art des Ortes",
    "place": "Ort",
    "topic": "Anlass",
    "cancel_reason": "Absagegrund",
    "contact_id": "Kontakt erfasst",
    "what": "Ziel",
    "measure": "Woran erkennbar",
    "due_on": "Bis wann",
    "responsibilities": "Wer macht was",
    "review_on": "Nächste Überprüfung",
    "title": "Bezeichnung",
    "category": "Art",
    "note": "Notiz",
    "person_ids": "Personen",
    "engagement": "Art der Mitarbeit",
    "adult_on": "volljährig ab",
    "starts_on": "Beginn",
    "ends_on": "Ende",
    "children_contact": "Kontakt zu Kindern",
    "ratings": "Einschätzung",
    "triggers": "Auslöser",
    "waivers": "Ausnahmen",
    "decision": "Entscheidung",
    "decision_reason": "Begründung",
    "inspected_on": "Einsicht am",
    "certificate_date": "Datum des Führungszeugnisses",
    "relevant_entry": "einschlägige Eintragung",
    "requested_on": "angefordert am",
}
