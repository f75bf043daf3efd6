"""Löschprotokoll: proof that a household file was deleted after its retention period.

Contains NO deleted content (SDM Baustein 60 M60.S06, LR-36): only ids, a neutral label,
counts per kind of record, the rule that allowed the deletion, the dates and the staff who
proposed, approved and carried it out. The retention service fills `DeletionProtocolData`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date, format_datetime

if TYPE_CHECKING:
    from casework.models.directory.profile import Organisation

TITLE = "Löschprotokoll"

# German names of the tables a purge reports; unknown tables are shown by their name.
TABLE_LABELS = {
    "households": "Haushalt (Stammdaten)",
    "persons": "Personen",
    "contacts": "Kontakte",
    "contact_notes": "Notizeinträge (inkl. Suchindex)",
    "contact_revisions": "Berichtigungen und Nachträge zu Kontakten",
    "household_search": "Namenssuchindex",
    "changelog": "Verlaufs-/Änderungseinträge",
    "drafts": "Entwürfe",
    "household_file_types": "Aktenart",
    "household_restrictions": "Einschränkungsvermerke",
    "consents": "Einwilligungen",
    "consent_items": "Einwilligungen: Zwecke/Empfänger",
    "consent_events": "Einwilligungen: Nachweise/Widerrufe",
    "ks_procedures": "§ 8a-Verfahren",
    "ks_transitions": "§ 8a-Verfahren: Statuswechsel",
    "ks_entries": "§ 8a-Verfahren: Einträge",
    "ks_review_items": "§ 8a-Verfahren: Prüfpunkte der Leitung",
    "ks_review_decisions": "§ 8a-Verfahren: Entscheidungen der Leitung",
    "tm_clients": "Teilhabemanagement: Aufnahmen",
    "tm_residence": "Teilhabemanagement: Aufenthaltsstatus",
    "tm_intake": "Teilhabemanagement: Erstgespräche",
    "tm_measures": "Teilhabemanagement: Maßnahmen",
    "tm_assignments": "Teilhabemanagement: Zuständigkeiten",
    "tm_exclusion_facts": "Teilhabemanagement: Ausschlüsse von der Förderung",
    "offers": "Angebote (für diese Familie)",
    "offer_sessions": "Angebotstermine",
    "offer_attendance": "Teilnahmen",
    "sync_field_versions": "Synchronisationsstände",
    "sync_change_bases": "Synchronisationsstände",
    "sync_conflicts": "Synchronisationskonflikte",
}


@dataclass(frozen=True, slots=True)
class DeletionProtocolData:
    organisation: Organisation
    request_id: str
    household_id: str
    household_label: str  # neutral ("Haushalt …3f9c2d"), never the family name
    file_type: str
    rule_label: str
    rule_source: str
    agreement_ref: str
    keep_until: date | None
    reason: str  # "Aufbewahrungsfrist abgelaufen" …
    proposed_by: str
    proposed_at: datetime
    approved_by: str
    approved_at: datetime
    executed_by: str
    executed_at: datetime
    counts: tuple[tuple[str, int], ...]  # (table, rows)
    attachments: int
    journal_note: str = ("Die Löschung ist im Löschjournal vermerkt; beim Wiederherstellen "
                         "einer älteren Sicherung wird sie vor dem Öffnen erneut ausgeführt.")


def _signers(data: DeletionProtocolData) -> list[tuple[str, str]]:
    """Both persons of the four-eyes decision (and who executed, if someone else)."""
    signers = [(data.proposed_by, "Löschung vorgeschlagen"),
               (data.approved_by, "Löschung freigegeben")]
    if data.executed_by not in (data.proposed_by, data.approved_by):
        signers.append((data.executed_by, "Löschung ausgeführt"))
    return signers


def render_deletion_protocol(data: DeletionProtocolData, clock: Clock) -> bytes:
    st = base.styles()
    rows = [(TABLE_LABELS.get(table, table), str(count)) for table, count in data.counts]
    rows.append(("Anhänge (verschlüsselte Dateien, überschrieben)", str(data.attachments)))
    story = [
        fl.para(TITLE, st.title),
        fl.para("Nachweis der Löschung einer Akte nach Ablauf der Aufbewahrungsfrist "
                "(Art. 17 DSGVO, § 84 SGB X). Das Protokoll enthält keine gelöschten Inhalte.",
                st.subtitle),
        fl.para("Gelöschte Akte", st.heading),
        fl.key_value_table([
            ("Akte", data.household_label),
            ("Kennung", data.household_id),
            ("Aktenart", data.file_type),
            ("Löschantrag", data.request_id),
        ]),
        fl.para("Grundlage", st.heading),
        fl.key_value_table([
            ("Anlass", data.reason),
            ("Regel", data.rule_label),
            ("Rechtsquelle", data.rule_source),
            ("Vereinbarung", data.agreement_ref or "–"),
            ("Aufbewahrung bis", format_date(data.keep_until, "–")),
        ]),
        fl.para("Vier-Augen-Prinzip", st.heading),
        fl.data_table(("Schritt", "Person", "Zeitpunkt"), [
            ("Vorgeschlagen", data.proposed_by, format_datetime(data.proposed_at)),
            ("Freigegeben", data.approved_by, format_datetime(data.approved_at)),
            ("Gelöscht", data.executed_by, format_datetime(data.executed_at)),
        ], col_widths=(base.CONTENT_WIDTH * 0.25, base.CONTENT_WIDTH * 0.4,
                       base.CONTENT_WIDTH * 0.35)),
        fl.para("Gelöschte Datensätze", st.heading),
        fl.data_table(("Art", "Anzahl"), rows,
                      col_widths=(base.CONTENT_WIDTH * 0.75, base.CONTENT_WIDTH * 0.25)),
        fl.para("Technik", st.heading),
        fl.bullets([
            "Datensätze, Suchindex-Einträge (FTS5: secure-delete, Index neu geschrieben), "
            "Änderungsprotokoll-Einträge und Entwürfe der Akte wurden gelöscht.",
            "Anhänge wurden mit Zufallsdaten überschrieben und entfernt.",
            "Die Datenbank wurde danach verdichtet (WAL-Checkpoint, VACUUM), damit "
            "freigegebene Seiten überschrieben sind.",
            data.journal_note,
        ]),
        fl.spacer(4),
        fl.signature_block(_signers(data)),
    ]
    return base.build_document(story, letterhead=base.letterhead_from_organisation(
        data.organisation), title=TITLE, clock=clock)
