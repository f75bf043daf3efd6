"""The kinds of synced changes: their fields, types, scope and who may write them.

One table, used twice: `casework hub init` copies it into the hub (`casework.kinds`), whose
push function refuses anything that does not fit, and every receiving device checks each
pulled change against it again (`check_shape`) before applying it, so a malformed change
is quarantined instead of crashing the sync (ARCHITECTURE §6).

Classes (write entitlement, decided by the hub and re-checked by receivers):
- `household`: belongs to a household (scope required); the worker who created the
  household or is assigned to it.
- `review`: § 8a entities (scope required); as `household`, plus the Leitung of the team
  of the assigned worker once the household has a procedure.
- `offer`: scope optional; with a household as `household`, without one any worker.
- `team`: no scope; any enrolled worker (Art. 15 requests and answers).
- `reference`: no scope; reference data (directory, Rote Mappe, § 8a deadlines):
  Leitung or Admin.
- `deletion`: no scope; retention deletions: Leitung or Admin, and an execution only with
  a request and an approval by two different Leitung/Admin workers.
- `worker`: no scope; persons and roles: Admin only.

Field types are JSON types: "string", "number", "boolean", "null", "array", "object".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Per change: the serialised change (ids, fields, bases, …) as the hub stores it.
MAX_CHANGE_BYTES = 256 * 1024
# Per push call (a batch of changes).
MAX_BATCH_CHANGES = 5000

ID_PATTERN = r"^[0-9A-Za-z_-]{1,64}$"
ENTITY_ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,128}$"
HLC_PATTERN = r"^[0-9]{13}[.][0-9]{6}[.][0-9A-Za-z_-]{1,64}$"
AT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
PAYLOAD_KEYS = ("change_id", "entity", "entity_id", "scope_id", "op", "fields", "bases",
                "hlc", "actor", "at")

_ID = re.compile(ID_PATTERN)
_ENTITY_ID = re.compile(ENTITY_ID_PATTERN)
_HLC = re.compile(HLC_PATTERN)
_AT = re.compile(AT_PATTERN)

# Entities that never leave the device: the § 72a register (HR data of the organisation
# with the law's own deletion deadlines; a hub would keep copies of dates and results).
LOCAL_ONLY_ENTITIES = ("vetting_staff", "vetting_activity", "vetting_inspection",
                       "vetting_indication")

TEXT = ("string", "null")
INT = ("number", "boolean", "null")
REAL = ("number", "null")

# Refusal and quarantine reasons: the hub raises/returns these codes, the device shows
# the German text (also for what it quarantines itself).
REASONS = {
    "CW010": "Die Änderung gibt eine andere Person als Urheber an als die angemeldete.",
    "CW011": "Keine Schreibberechtigung für diese Familie (weder angelegt noch zuständig).",
    "CW012": "Nachschlagedaten (Adressverzeichnis, Rote Mappe, Fristen) dürfen nur Leitung "
             "oder Administration ändern.",
    "CW013": "Personen und Rollen darf nur die Administration ändern.",
    "CW014": "Endgültiges Löschen braucht einen Antrag und eine Freigabe von zwei "
             "verschiedenen Personen der Leitung oder Administration.",
    "CW020": "Die Änderung ist fehlerhaft aufgebaut (unbekanntes Feld, falscher Typ oder "
             "ungültige Kennung).",
    "CW021": "Die Änderung ist zu groß (höchstens 256 KiB je Änderung).",
    "CW022": "Diese Art von Änderung kennt diese Casework-Version nicht.",
    "CW023": "Die Änderung gehört zu einer anderen Familie als der Datensatz.",
    "CW030": "Die Signatur der Änderung stimmt nicht (am Team-Hub verändert oder von einem "
             "unbekannten Gerät).",
    "CW031": "Die Änderung lässt sich nicht entschlüsseln (am Team-Hub verändert).",
    # The signed roster (issue 16): persons and roles count only with an Admin's signature.
    "CW040": "Angabe zu Person oder Rolle mit ungültiger Signatur (am Team-Hub verändert "
             "oder für ein anderes Team) – nicht übernommen.",
    "CW041": "Name, Rolle, Team oder Sperre am Team-Hub ohne Signatur der Administration "
             "geändert – nicht übernommen.",
    "CW042": "Angabe zu Person oder Rolle, signiert von jemandem ohne Admin-Rolle – nicht "
             "übernommen.",
    "CW043": "Angabe zu Person oder Rolle, signiert nach dem Entzug der Admin-Rolle (oder "
             "zurückdatiert) – nicht übernommen.",
}


# The same code can mean something else for an own change the hub refused: a device sends
# only its own person's changes, so in a vault shared by several persons the others'
# entries stay on the device (by design — the hub admits a change only from its author).
OWN_REASONS = {
    "CW010": "Eine andere Person hat diese Änderung in dieser Akte geschrieben. Das Gerät "
             "überträgt nur Änderungen der Person, für die es am Team-Hub angemeldet ist; "
             "die Änderung bleibt in dieser Akte, wird aber nicht mit dem Team geteilt. Wer "
             "im Team teilen will, arbeitet in einer eigenen Akte auf einem eigenen "
             "angemeldeten Gerät.",
}


def reason_text(code: str, *, own: bool = False) -> str:
    """The German text for a refusal; `own`: a change of this device the hub refused."""
    if own and code in OWN_REASONS:
        return OWN_REASONS[code]
    return REASONS.get(code, f"Abgewiesen ({code}).")


@dataclass(frozen=True, slots=True)
class Kind:
    entity: str
    table: str | None  # local table; None: applied by a handler (or not stored)
    cls: str
    scope: str  # "required", "none", "optional"
    fields: Mapping[str, tuple[str, ...]] | None  # None: free-form object


def _k(entity: str, table: str | None, cls: str, scope: str,
       fields: Mapping[str, tuple[str, ...]] | None) -> Kind:
    return Kind(entity, table, cls, scope, fields)


KINDS: dict[str, Kind] = {k.entity: k for k in (
    _k("household", "households", "household", "required", {
        "name": TEXT, "street": TEXT, "plz": TEXT, "city": TEXT, "district": TEXT,
        "quarter": TEXT, "languages": TEXT, "interpreter_needed": INT, "target_groups": TEXT,
        "access_route": TEXT, "resources": TEXT, "risks": TEXT, "assigned_worker_id": TEXT,
        "status": TEXT}),
    _k("person", "persons", "household", "required", {
        "household_id": TEXT, "first_name": TEXT, "last_name": TEXT, "birth_date": TEXT,
        "birth_year": INT, "due_date": TEXT, "gender": TEXT, "role": TEXT, "custody": INT,
        "school": TEXT, "residence_status": TEXT, "unaccompanied": INT}),
    _k("contact", "contacts", "household", "required", {
        "household_id": TEXT, "occurred_at": TEXT, "duration_min": INT, "type": TEXT,
        "persons_present": TEXT, "topics": TEXT, "next_steps": TEXT, "follow_up": TEXT,
        "follow_up_done": INT, "notes": ("array",)}),
    # Corrections and addenda of a contact (append-only; issue 18). `fields` and
    # `previous_fields` (a correction of date, type or next step, JSON objects) were added
    # later and are sent only when a correction has them.
    _k("contact_revision", "contact_revisions", "household", "required", {
        "contact_id": TEXT, "household_id": TEXT, "kind": TEXT, "reason": TEXT,
        "wording": TEXT, "previous_wording": TEXT, "text": TEXT, "fields": TEXT,
        "previous_fields": TEXT}),
    _k("consent", "consents", "household", "required", {
        "household_id": TEXT, "person_id": TEXT, "capacity": TEXT, "guardian_ids": TEXT,
        "single_guardian_reason": TEXT, "insight_assessed_by": TEXT, "insight_reason": TEXT,
        "data_categories": TEXT, "consent_date": TEXT, "valid_from": TEXT,
        "valid_until": TEXT, "age_at_consent": INT, "renewal_on": TEXT,
        "template_version": TEXT, "template_hash": TEXT, "note": TEXT}),
    _k("consent_item", "consent_items", "household", "required", {
        "consent_id": TEXT, "household_id": TEXT, "purpose_key": TEXT,
        "purpose_detail": TEXT, "recipient_key": TEXT, "recipient_detail": TEXT}),
    _k("consent_event", "consent_events", "household", "required", {
        "consent_id": TEXT, "household_id": TEXT, "kind": TEXT, "on_date": TEXT,
        "obtained_by": TEXT, "reason": TEXT, "via": TEXT, "declared_by": TEXT,
        "capacity": TEXT, "total": INT, "item_ids": TEXT, "purposes": TEXT,
        "recipients": TEXT, "attachment_id": TEXT, "content_hash": TEXT, "age": INT,
        "place": TEXT}),
    _k("household_file_type", "household_file_types", "household", "required", {
        "household_id": TEXT, "file_type": TEXT}),
    _k("household_restriction", "household_restrictions", "household", "required", {
        "household_id": TEXT, "reason": TEXT, "lifted_at": TEXT, "lifted_by": TEXT}),
    _k("referral", "referrals", "household", "required", {
        "household_id": TEXT, "person_ids": TEXT, "recipient_type": TEXT,
        "recipient_label": TEXT, "recipient_ref": TEXT, "recipient_contact": TEXT,
        "consent_recipient": TEXT, "reason": TEXT, "offer": TEXT, "purpose_key": TEXT,
        "purpose_detail": TEXT, "share_fields": TEXT, "note": TEXT, "referred_on": TEXT,
        "state": TEXT}),
    # The life of a case (issue 20): closure, hand-over, appointments, Hilfeplan, documents.
    _k("household_closure", "household_closures", "household", "required", {
        "household_id": TEXT, "kind": TEXT, "reason": TEXT, "note": TEXT, "on_date": TEXT,
        "request_id": TEXT}),
    _k("handover", "handovers", "household", "required", {
        "household_id": TEXT, "from_worker_id": TEXT, "to_worker_id": TEXT, "note": TEXT,
        "state": TEXT, "batch_id": TEXT, "decided_at": TEXT, "decided_by": TEXT,
        "decision_note": TEXT}),
    _k("appointment", "appointments", "household", "required", {
        "household_id": TEXT, "starts_at": TEXT, "duration_min": INT, "place_type": TEXT,
        "place": TEXT, "person_ids": TEXT, "topic": TEXT, "note": TEXT, "status": TEXT,
        "cancel_reason": TEXT, "contact_id": TEXT}),
    _k("goal", "goals", "household", "required", {
        "household_id": TEXT, "what": TEXT, "measure": TEXT, "due_on": TEXT,
        "responsibilities": TEXT, "person_ids": TEXT, "review_on": TEXT,
        "procedure_id": TEXT, "state": TEXT}),
    _k("goal_entry", "goal_entries", "household", "required", {
        "goal_id": TEXT, "household_id": TEXT, "kind": TEXT, "on_date": TEXT, "text": TEXT,
        "rating": INT, "state": TEXT, "next_review_on": TEXT}),
    _k("hilfeplan_meeting", "hilfeplan_meetings", "household", "required", {
        "household_id": TEXT, "on_date": TEXT, "participants": TEXT, "minutes": TEXT,
        "not_smart": TEXT}),
    _k("case_document", "case_documents", "household", "required", {
        "household_id": TEXT, "person_ids": TEXT, "attachment_id": TEXT, "category": TEXT,
        "title": TEXT, "on_date": TEXT, "note": TEXT, "file_name": TEXT, "media_type": TEXT,
        "size": INT, "content_hash": TEXT}),
    _k("referral_step", "referral_steps", "household", "required", {
        "referral_id": TEXT, "household_id": TEXT, "kind": TEXT, "on_date": TEXT,
        "text": TEXT, "feedback": TEXT, "follow_up_set": INT, "follow_up_on": TEXT,
        "basis": TEXT, "informed_on": TEXT, "not_informed_reason": TEXT,
        "consent_refs": TEXT, "sent_person_ids": TEXT, "attachment_id": TEXT,
        "content_hash": TEXT}),
    _k("tm_client", "tm_clients", "household", "required", {
        "person_id": TEXT, "household_id": TEXT, "programme": TEXT, "worker_id": TEXT,
        "state": TEXT, "intake_on": TEXT, "exclusions": TEXT, "benefit_basis": TEXT,
        "age_exception": TEXT, "note": TEXT, "closed_on": TEXT}),
    _k("tm_residence", "tm_residence", "household", "required", {
        "client_id": TEXT, "status": TEXT, "valid_from": TEXT, "valid_until": TEXT,
        "note": TEXT}),
    _k("tm_intake", "tm_intake", "household", "required", {
        "client_id": TEXT, "questionnaire": TEXT, "questionnaire_version": TEXT,
        "interviewed_on": TEXT, "answers": TEXT, "needs": TEXT}),
    _k("tm_measure", "tm_measures", "household", "required", {
        "client_id": TEXT, "title": TEXT, "baustein": INT, "handlungsfeld": INT,
        "provider": TEXT, "start_on": TEXT, "end_on": TEXT, "status": TEXT,
        "outcome": TEXT, "note": TEXT, "statement_on": TEXT}),
    _k("tm_exclusion_fact", "tm_exclusion_facts", "household", "required", {
        "client_id": TEXT, "exclusion": TEXT, "present": INT, "since": TEXT,
        "source": TEXT}),
    _k("tm_target_count", "tm_target_counts", "reference", "none", {
        "programme": TEXT, "stichtag": TEXT, "duldung": INT, "gestattung": INT,
        "source": TEXT}),
    _k("tm_assignment", "tm_assignments", "household", "required", {
        "client_id": TEXT, "from_worker_id": TEXT, "to_worker_id": TEXT,
        "assigned_on": TEXT, "reason": TEXT}),
    _k("ks_procedure", "ks_procedures", "review", "required", {
        "household_id": TEXT, "child_ids": TEXT, "lead_worker_id": TEXT, "state": TEXT,
        "acute": INT, "opened_at": TEXT}),
    _k("ks_transition", "ks_transitions", "review", "required", {
        "procedure_id": TEXT, "household_id": TEXT, "seq": INT, "from_state": TEXT,
        "to_state": TEXT, "at": TEXT, "actor_id": TEXT, "actor_role": TEXT,
        "reason": TEXT, "details": TEXT}),
    _k("ks_entry", "ks_entries", "review", "required", {
        "procedure_id": TEXT, "household_id": TEXT, "seq": INT, "kind": TEXT,
        "payload": TEXT}),
    _k("ks_review_item", "ks_review_items", "review", "required", {
        "procedure_id": TEXT, "household_id": TEXT, "kind": TEXT, "subject": TEXT}),
    _k("ks_review_decision", "ks_review_decisions", "review", "required", {
        "item_id": TEXT, "procedure_id": TEXT, "household_id": TEXT, "decision": TEXT,
        "comment": TEXT, "content_hash": TEXT}),
    _k("offer", "offers", "offer", "optional", {
        "title": TEXT, "kind": TEXT, "description": TEXT, "target_group": TEXT,
        "location": TEXT, "start_on": TEXT, "end_on": TEXT, "sessions_planned": INT,
        "session_hours": REAL, "household_id": TEXT}),
    _k("offer_session", "offer_sessions", "offer", "optional", {
        "offer_id": TEXT, "held_on": TEXT, "hours": REAL, "note": TEXT}),
    _k("offer_attendance", "offer_attendance", "offer", "optional", {
        "session_id": TEXT, "offer_id": TEXT, "age_group": TEXT, "gender": TEXT,
        "count": INT, "person_id": TEXT, "household_id": TEXT, "consent_basis": TEXT}),
    _k("disclosure_request", "disclosure_requests", "team", "none", {
        "person_id": TEXT, "received_on": TEXT, "due_on": TEXT, "channel": TEXT}),
    _k("disclosure_decision", "disclosure_decisions", "team", "none", {
        "request_id": TEXT, "kind": TEXT, "reason": TEXT}),
    _k("disclosure_response", "disclosure_responses", "team", "none", {
        "request_id": TEXT, "outcome": TEXT, "content_sha256": TEXT}),
    _k("directory", "directory_revisions", "reference", "none", {
        "profile_name": TEXT, "revision": INT, "data": TEXT, "content_hash": TEXT,
        "changed_paths": TEXT, "source": TEXT}),
    _k("ks_deadline_profile", None, "reference", "none", None),
    _k("deletion_request", "deletion_requests", "deletion", "none", {
        "target_id": TEXT, "rule_key": TEXT, "keep_until": TEXT, "reason_code": TEXT,
        "file_type": TEXT}),
    _k("deletion_approval", "deletion_approvals", "deletion", "none", {
        "request_id": TEXT, "decision": TEXT}),
    _k("deletion_execution", "deletion_executions", "deletion", "none", {
        "request_id": TEXT, "target_id": TEXT, "counts": TEXT, "attachments": INT}),
    # A signature of a reserved act (approval, review, deletion), with the signer's public
    # key, so other devices verify it too; only its signer may send it.
    _k("review_signature", None, "review", "optional", {
        "act": TEXT, "entity": TEXT, "entity_id": TEXT, "payload": TEXT,
        "content_hash": TEXT, "signer_id": TEXT, "role": TEXT, "fingerprint": TEXT,
        "signed_at": TEXT, "signature": TEXT, "public_key": TEXT, "vault_id": TEXT}),
    # A Leitung/Admin confirmed a device's Team-Hub key fingerprint (compared with the
    # person); every device then trusts that key (a changed key replaces the pinned one).
    _k("key_confirmation", None, "reference", "none", {
        "device_id": TEXT, "worker_id": TEXT, "fingerprint": TEXT}),
    _k("worker", "workers", "worker", "none", {
        "name": TEXT, "role": TEXT, "team": TEXT, "fte": REAL}),
)}

OVERSIGHT_ROLES = frozenset({"Leitung", "Admin"})


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _size(values: dict[str, Any]) -> int:
    """About the serialised size (strings counted by length; others serialised)."""
    total = 0
    for name, value in values.items():
        total += len(name) + 6
        if isinstance(value, str):
            total += len(value)
        elif value is None or isinstance(value, bool):
            total += 5
        elif isinstance(value, int):
            total += 2 + abs(value).bit_length() // 3  # at least its digits
        elif isinstance(value, float):
            total += 24  # the longest float text
        else:
            total += len(json.dumps(value))
    return total


def _notes_ok(notes: Any) -> bool:
    return isinstance(notes, list) and all(
        isinstance(n, dict) and set(n) <= {"kind", "text", "source", "disputed"}
        and all(json_type(v) in ("string", "boolean", "null") for v in n.values())
        for n in notes)


def check_shape(change_id: Any, entity: Any, entity_id: Any, scope_id: Any, op: Any,
                fields: Any, bases: Any, hlc: Any, at: Any) -> str | None:
    """None if a change fits its kind; else the reason code (CW020/21/22/23)."""
    if not (isinstance(change_id, str) and _ID.match(change_id)):
        return "CW020"
    if not isinstance(entity, str):
        return "CW020"
    kind = KINDS.get(entity)
    if kind is None:
        return "CW022"
    if not (isinstance(entity_id, str) and _ENTITY_ID.match(entity_id)):
        return "CW020"
    if scope_id is not None and not (isinstance(scope_id, str) and _ID.match(scope_id)):
        return "CW020"
    if (kind.scope == "required" and scope_id is None) or (
            kind.scope == "none" and scope_id is not None):
        return "CW020"
    if op not in ("insert", "update", "delete") or not isinstance(fields, dict) \
            or not isinstance(bases, dict):
        return "CW020"
    if not (isinstance(hlc, str) and _HLC.match(hlc)) or not (
            isinstance(at, str) and _AT.match(at)):
        return "CW020"
    if op == "delete" and fields:
        return "CW020"
    if kind.fields is not None:
        for name, value in fields.items():
            allowed = kind.fields.get(name)
            if allowed is None or json_type(value) not in allowed:
                return "CW020"
    if entity == "contact" and "notes" in fields and not _notes_ok(fields["notes"]):
        return "CW020"
    for name, versions in bases.items():
        if not isinstance(name, str) or not isinstance(versions, list) or not all(
                isinstance(v, str) and _HLC.match(v) for v in versions):
            return "CW020"
    if _size(fields) + _size(bases) > MAX_CHANGE_BYTES - 1024:
        return "CW021"
    if entity == "household" and entity_id != scope_id:
        return "CW023"
    if fields.get("household_id") is not None and fields["household_id"] != scope_id:
        return "CW023"
    return None


def hub_rows() -> list[tuple[str, str, str, str | None]]:
    """(entity, class, scope, fields as JSON) for the hub's `casework.kinds`."""
    return [(k.entity, k.cls, k.scope,
             None if k.fields is None else json.dumps({n: list(t) for n, t in k.fields.items()}))
            for k in KINDS.values()]
