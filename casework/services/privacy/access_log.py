"""The access log (Zugriffsprotokoll) for the Leitung/Admin: who did what, when, in plain
German, with families and persons named neutrally, and the check of its hash chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from casework.clock import from_utc_iso
from casework.services.privacy.retention import OVERSIGHT, neutral_label
from casework.services.session import Session
from casework.storage import audit as audit_store
from casework.storage import persons as worker_store

ACTION_LABELS = {
    "vault.create": "Akte angelegt",
    "vault.unlock": "Akte entsperrt",
    "vault.unlock_failed": "Fehlversuche beim Entsperren",
    "vault.passphrase_changed": "Passphrase geändert",
    "vault.check": "Akte geprüft",
    "session.act_as": "Person gewechselt",
    "household.view": "Familienakte geöffnet",
    "household.restrict": "Verarbeitung eingeschränkt",
    "household.unrestrict": "Einschränkung aufgehoben",
    "household.view_restricted": "Eingeschränkte Akte eingesehen",
    "kinderschutz.view": "§ 8a-Vorgang angesehen",
    "kinderschutz.print": "§ 8a-Vorgang gedruckt",
    "kinderschutz.export": "§ 8a-Vorgang exportiert",
    "retention.file_type": "Aktenart geändert",
    "retention.propose": "Löschung vorgeschlagen",
    "retention.approve": "Löschung freigegeben",
    "retention.reject": "Löschung abgelehnt",
    "retention.delete": "Akte gelöscht",
    "retention.attachment_failed": "Anhang konnte nicht gelöscht werden",
    "retention.reapply": "Löschung erneut ausgeführt (nach Wiederherstellung)",
    "retention.protocol_print": "Löschprotokoll erstellt",
    "disclosure.request": "Auskunftsersuchen erfasst",
    "disclosure.decision": "Entscheidung zur Auskunft dokumentiert",
    "disclosure.export": "Auskunft erteilt",
    "disclosure.refuse": "Auskunft abgelehnt",
    "audit.view": "Zugriffsprotokoll angesehen",
    "appointment.export": "Termin exportiert (Kalender)",
    "backup.attachment_problems": "Sicherung: Anhänge mit Problemen",
    "backup.create": "Sicherung erstellt",
    "backup.restore": "Sicherung wiederhergestellt",
    "backup.schedule": "Sicherungsplan geändert",
    "consent.print": "Einwilligung gedruckt",
    "consent.scan_view": "Scan einer Einwilligung angesehen",
    "consent.transfer_checked": "Übermittlung geprüft (Einwilligung)",
    "consent.withdraw": "Widerruf erfasst",
    "demo.fill": "Demo-Daten angelegt",
    "directory.edit": "Verzeichnis geändert",
    "directory.import": "Verzeichnis importiert",
    "directory.export": "Verzeichnis exportiert",
    "document.export": "Dokument exportiert",
    "document.view": "Dokument angesehen",
    "hilfeplan.print": "Hilfeplan gedruckt",
    "household.close": "Fall abgeschlossen",
    "household.close_requested": "Fallabschluss beantragt",
    "household.handover": "Familie übergeben",
    "household.reassign": "Zuständigkeit neu verteilt",
    "household.reopen": "Fall wieder aufgenommen",
    "import.csv": "Import (CSV)",
    "kinderschutz.acute_routing_viewed": "Akut-Hilfe (Wen rufe ich an?) geöffnet",
    "kinderschutz.deadline_profile.change": "§ 8a-Fristenprofil geändert",
    "person.created": "Mitarbeitende/r angelegt",
    "person.passphrase_set": "Passphrase gesetzt",
    "person.removed": "Mitarbeitende/r entfernt",
    "person.roles_changed": "Rollen geändert",
    "persons.reauth_failed": "Bestätigung mit Passphrase fehlgeschlagen",
    "referral.print": "Übermittlungsbogen gedruckt",
    "referral.send": "Vermittlung übermittelt",
    "referral.send_refused": "Übermittlung abgelehnt (keine Einwilligung)",
    "settings.closure_approval": "Einstellung Fallabschluss geändert",
    "sync.conflict_resolved": "Synchronisierung: Konflikt gelöst",
    "sync.done": "Synchronisiert",
    "sync.enrol": "Gerät beim Team-Server angemeldet",
    "sync.retention_delete": "Löschung über den Team-Server",
    "vault.migrate": "Akte aktualisiert (Datenbank)",
    "vault.recovery_key_created": "Wiederherstellungsschlüssel erstellt",
    "vault.rekey": "Akte neu verschlüsselt",
    "vault.upgraded": "Aktenformat aktualisiert",
}
# Actions whose last part varies ("kinderschutz.review.approve"): the family's label.
ACTION_PREFIXES = {
    "kinderschutz.review.": "§ 8a: Prüfung durch die Leitung",
    "kinderschutz.": "§ 8a-Vorgang",
}
DETAIL_KEYS = {
    "allowed": "zulässig", "basis": "Rechtsgrundlage", "batch": "Sammelvorgang",
    "bytes": "Größe in Bytes", "consent": "Einwilligung", "count": "Anzahl",
    "format": "Format", "households": "Familien", "persons": "Personen",
    "purpose": "Zweck", "reapplied": "erneut angewendet", "recipient": "Empfänger",
    "ref": "Aktenzeichen", "roles": "Rollen", "rows": "Zeilen", "schema": "Version",
}
DETAIL_WORDS = {
    "total": "vollständig", "partial": "teilweise", "details": "mit Einzelheiten",
    "neutral": "ohne Einzelheiten", "split": "geteilt", "single": "einteilig",
    "admin": "durch die Administration", "self": "selbst", "switch": "beim Personenwechsel",
    "ok": "ohne Befund", "problems": "mit Befund", "sent-copy": "Kopie des übermittelten Bogens",
    "isef-review": "Prüfung der insoweit erfahrenen Fachkraft", "form": "ausgefülltes Formular",
    "blank": "Blankoformular", "edit": "Bearbeitung", "import": "Import", "print": "Druck",
    "export": "Export",
}


def action_label(action: str) -> str:
    """German label of an audit action; an unknown one is shown as it is."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    for prefix, label in ACTION_PREFIXES.items():
        if action.startswith(prefix):
            rest = action.removeprefix(prefix)
            return f"{label} ({DETAIL_WORDS.get(rest, rest)})"
    return action


def readable_detail(detail: str) -> str:
    """An audit detail for people: JSON and "key=value;…" become "Familien: 3 · …",
    single keywords become German words; ids stay neutral (no content)."""
    text = detail.strip()
    if not text:
        return ""
    pairs: list[tuple[str, object]]
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        pairs = list(parsed.items())
    elif "=" in text:
        pairs = [tuple(part.split("=", 1)) for part in text.split(";")  # type: ignore[misc]
                 if "=" in part]
    else:
        return DETAIL_WORDS.get(text, text)
    shown = []
    for key, value in pairs:
        label = DETAIL_KEYS.get(str(key), str(key))
        if isinstance(value, list):
            value = len(value)
        elif isinstance(value, bool) or (key == "allowed" and value in (0, 1)):
            value = "ja" if value else "nein"
        elif key == "consent" and isinstance(value, str):
            value = f"…{value[-6:]}"
        elif isinstance(value, str):
            value = DETAIL_WORDS.get(value, value)
        shown.append(f"{label}: {value}")
    return " · ".join(shown)


@dataclass(frozen=True, slots=True)
class AccessLogRow:
    """One audit entry for the Leitung/DSB view: ids resolved to neutral labels only."""

    seq: int
    at: datetime
    actor: str
    action: str
    action_label: str
    object_label: str
    detail: str


def access_log(session: Session, limit: int = 1000) -> list[AccessLogRow]:
    """Newest first (LR-23: read-only view for Leitung/Admin; the viewing is logged)."""
    session.require_role(*OVERSIGHT)
    names: dict[str, str] = {w.id: w.name for w in worker_store.list_workers(session.db)}
    rows = [
        AccessLogRow(e.seq, from_utc_iso(e.at),
                     names.get(e.actor, neutral_label("worker", e.actor)), e.action,
                     action_label(e.action),
                     neutral_label(e.entity, e.entity_id) if e.entity_id else "",
                     readable_detail(e.detail))
        for e in audit_store.entries(session.db, limit)
    ]
    session.audit("audit.view")
    return rows


def verify_access_log(session: Session, stop: Callable[[], bool] | None = None) -> list[str]:
    """German descriptions of breaks in the hash chain (empty = unchanged). `stop`: asked
    now and then; when it says yes (the app locks while this runs on its worker thread),
    `CancelledError`."""
    session.require_role(*OVERSIGHT)
    return audit_store.verify(session.db, stop)
