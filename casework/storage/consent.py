"""Consent rows ↔ `casework.models.consent` records. Insert-only (append-only records)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from casework.clock import from_utc_iso
from casework.models.consent import (
    Capacity,
    Consent,
    ConsentDraft,
    ConsentEvent,
    ConsentItem,
    EventKind,
    InsightAssessment,
    Selection,
    items_for,
)
from casework.models.ids import HouseholdId, PersonId, WorkerId, new_id
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def insert_consent(w: RecordWriter, household_id: str, draft: ConsentDraft, *,
                   age: int | None, renewal_on: date | None, template_version: str,
                   template_hash: str) -> str:
    """The declaration, its purpose × recipient items and the 'prepared' event."""
    assert draft.consent_date is not None and draft.valid_from is not None
    insight = draft.insight
    values: dict[str, Any] = {
        "household_id": household_id,
        "person_id": draft.person_id,
        "capacity": draft.capacity.value,
        "guardian_ids": json.dumps(list(draft.guardian_ids)),
        "single_guardian_reason": draft.single_guardian_reason,
        "insight_assessed_by": insight.assessed_by if insight else "",
        "insight_reason": insight.reason if insight else "",
        "data_categories": json.dumps([[c.key, c.detail] for c in draft.data_categories],
                                      ensure_ascii=False),
        "consent_date": _iso(draft.consent_date),
        "valid_from": _iso(draft.valid_from),
        "valid_until": _iso(draft.valid_until),
        "age_at_consent": age,
        "renewal_on": _iso(renewal_on),
        "template_version": template_version,
        "template_hash": template_hash,
        "note": draft.note,
    }
    cid = w.insert("consents", "consent", values, scope_id=household_id)
    for purpose, recipient in items_for(draft.purposes, draft.recipients):
        w.insert("consent_items", "consent_item", {
            "consent_id": cid, "household_id": household_id,
            "purpose_key": purpose.key, "purpose_detail": purpose.detail,
            "recipient_key": recipient.key, "recipient_detail": recipient.detail,
        }, scope_id=household_id)
    insert_event(w, cid, household_id, EventKind.PREPARED)
    return cid


def insert_event(w: RecordWriter, consent_id: str, household_id: str, kind: EventKind, *,
                 on: date | None = None, obtained_by: str | None = None, reason: str = "",
                 via: str = "", declared_by: str = "", capacity: str = "", total: bool = False,
                 item_ids: Sequence[str] = (), purposes: Sequence[str] = (),
                 recipients: Sequence[str] = (), attachment_id: str | None = None,
                 content_hash: str = "", age: int | None = None, place: str = "") -> str:
    values: dict[str, Any] = {
        "consent_id": consent_id,
        "household_id": household_id,
        "kind": kind.value,
        "on_date": _iso(on),
        "obtained_by": obtained_by,
        "reason": reason,
        "via": via,
        "declared_by": declared_by,
        "capacity": capacity,
        "total": int(total),
        "item_ids": json.dumps(list(item_ids)),
        "purposes": json.dumps(list(purposes)),
        "recipients": json.dumps(list(recipients)),
        "attachment_id": attachment_id,
        "content_hash": content_hash,
        "age": age,
        "place": place,
    }
    return w.insert("consent_events", "consent_event", values, record_id=new_id(),
                    scope_id=household_id)


def _item(r: Row) -> ConsentItem:
    return ConsentItem(r["id"], r["purpose_key"], r["purpose_detail"], r["recipient_key"],
                       r["recipient_detail"])


def _event(r: Row) -> ConsentEvent:
    return ConsentEvent(
        id=r["id"], kind=EventKind(r["kind"]), at=from_utc_iso(r["created_at"]),
        recorded_by=WorkerId(r["created_by"]), on=_date(r["on_date"]),
        obtained_by=WorkerId(r["obtained_by"]) if r["obtained_by"] else None,
        reason=r["reason"], via=r["via"], declared_by=r["declared_by"],
        capacity=Capacity(r["capacity"]) if r["capacity"] else None, total=bool(r["total"]),
        item_ids=tuple(json.loads(r["item_ids"])), purposes=tuple(json.loads(r["purposes"])),
        recipients=tuple(json.loads(r["recipients"])), attachment_id=r["attachment_id"],
        content_hash=r["content_hash"], age=r["age"], place=r["place"])


def _consent(r: Row, items: list[ConsentItem], events: list[ConsentEvent]) -> Consent:
    insight = None
    if r["insight_assessed_by"] or r["insight_reason"]:
        insight = InsightAssessment(r["insight_assessed_by"], r["insight_reason"])
    consent_date = _date(r["consent_date"])
    valid_from = _date(r["valid_from"])
    assert consent_date is not None and valid_from is not None
    return Consent(
        id=r["id"], household_id=HouseholdId(r["household_id"]),
        person_id=PersonId(r["person_id"]), capacity=Capacity(r["capacity"]),
        guardian_ids=tuple(PersonId(g) for g in json.loads(r["guardian_ids"])),
        single_guardian_reason=r["single_guardian_reason"], insight=insight,
        data_categories=tuple(Selection(k, d) for k, d in json.loads(r["data_categories"])),
        consent_date=consent_date, valid_from=valid_from,
        valid_until=_date(r["valid_until"]), age_at_consent=r["age_at_consent"],
        renewal_on=_date(r["renewal_on"]), template_version=r["template_version"],
        template_hash=r["template_hash"], note=r["note"], created_at=r["created_at"],
        created_by=WorkerId(r["created_by"]), items=tuple(items), events=tuple(events))


def _query(db: Database, sql: str, params: Sequence[Any]) -> list[Any]:
    """Rows typed loosely: `db.Row` is not usable as a static type (sqlcipher3 stubs)."""
    return list(db.query(sql, params))


def _load(db: Database, where: str, params: Sequence[Any]) -> list[Consent]:
    rows = _query(db,
        f"SELECT * FROM consents WHERE deleted = 0 AND {where} "
        "ORDER BY consent_date DESC, created_at DESC, id", params)
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    items: dict[str, list[ConsentItem]] = defaultdict(list)
    events: dict[str, list[ConsentEvent]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" for _ in chunk)
        for r in _query(
                db, f"SELECT * FROM consent_items WHERE deleted = 0 AND consent_id IN ({marks}) "
                "ORDER BY rowid", chunk):
            items[r["consent_id"]].append(_item(r))
        for r in _query(
                db, f"SELECT * FROM consent_events WHERE deleted = 0 AND consent_id IN ({marks}) "
                "ORDER BY version", chunk):
            events[r["consent_id"]].append(_event(r))
    return [_consent(r, items[r["id"]], events[r["id"]]) for r in rows]


def get_consent(db: Database, consent_id: str) -> Consent | None:
    found = _load(db, "id = ?", (consent_id,))
    return found[0] if found else None


def consents_of_household(db: Database, household_id: str) -> list[Consent]:
    return _load(db, "household_id = ?", (household_id,))


def consents_of_person(db: Database, person_id: str) -> list[Consent]:
    return _load(db, "person_id = ?", (person_id,))


def all_consents(db: Database) -> list[Consent]:
    return _load(db, "1", ())


def consent_of_event(db: Database, event_id: str) -> str | None:
    value = db.scalar("SELECT consent_id FROM consent_events WHERE id = ? AND deleted = 0",
                      (event_id,))
    return None if value is None else str(value)


def attachment_ids_of_household(db: Database, household_id: str) -> list[str]:
    """Encrypted files referenced by a household's consents (for real deletion)."""
    return [str(r[0]) for r in _query(
        db, "SELECT attachment_id FROM consent_events WHERE household_id = ? "
        "AND attachment_id IS NOT NULL", (household_id,))]


def person_names(db: Database, person_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """person id → (display name, household name), also for removed persons (a consent
    outlives the person's membership)."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" for _ in chunk)
        for r in _query(
                db, "SELECT p.id, p.first_name, p.last_name, h.name FROM persons p "
                f"JOIN households h ON h.id = p.household_id WHERE p.id IN ({marks})", chunk):
            name = " ".join(part for part in (r["first_name"], r["last_name"]) if part)
            out[r["id"]] = (name, r["name"])
    return out
