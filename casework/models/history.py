"""One line of a record's history ("Verlauf"), read from the change log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


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
            return f"{noun} angelegt"
        if self.op == "delete":
            return f"{noun} gelöscht"
        changed = ", ".join(FIELD_LABELS.get(f, f) for f in sorted(self.fields))
        return f"{noun} geändert: {changed}" if changed else f"{noun} geändert"


def _wording(fields: dict[str, Any], key: str) -> str:
    """The note entries of a correction's JSON text field, as 'Art: Text' lines."""
    try:
        items = json.loads(str(fields.get(key) or "[]"))
    except ValueError:
        return ""
    return " / ".join(f"{n.get('kind', '')}: {n.get('text', '')}"
                      for n in items if isinstance(n, dict)) if isinstance(items, list) else ""


def _revision_summary(fields: dict[str, Any]) -> str:
    """A correction shows why and the wording it replaced; an addendum its text."""
    if fields.get("kind") == "nachtrag":
        return f"Nachtrag zu Kontakt: {fields.get('text', '')}"
    return (f"Kontakt berichtigt (Grund: {fields.get('reason', '')}) – neue Fassung: "
            f"{_wording(fields, 'wording')} – frühere Fassung: "
            f"{_wording(fields, 'previous_wording')}")


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
}
