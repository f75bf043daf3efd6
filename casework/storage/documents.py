"""Document rows (migration m0073); the files are storage.attachments'."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from casework.clock import from_utc_iso
from casework.models.documents import Document, DocumentCategory, DocumentDraft, MediaKind
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _values(d: DocumentDraft) -> dict[str, Any]:
    return {"household_id": d.household_id, "person_ids": json.dumps(list(d.person_ids)),
            "category": d.category.value, "title": d.title,
            "on_date": d.on.isoformat() if d.on else None, "note": d.note}


def insert(w: RecordWriter, draft: DocumentDraft, attachment_id: str, file_name: str,
           media: MediaKind, size: int, content_hash: str) -> str:
    return w.insert("case_documents", "case_document", {
        **_values(draft), "attachment_id": attachment_id, "file_name": file_name,
        "media_type": media.value, "size": size, "content_hash": content_hash},
        scope_id=draft.household_id)


def update(w: RecordWriter, document_id: str, draft: DocumentDraft) -> bool:
    current = w.db.query_one("SELECT * FROM case_documents WHERE id = ?", (document_id,))
    if current is None:
        raise LookupError(document_id)
    return w.update("case_documents", "case_document", document_id, _values(draft),
                    scope_id=draft.household_id, current=dict(current))


def tombstone(w: RecordWriter, document: Document) -> None:
    w.tombstone("case_documents", "case_document", document.id,
                scope_id=document.data.household_id)


def _from_row(r: Row) -> Document:
    draft = DocumentDraft(r["household_id"], DocumentCategory(r["category"]), r["title"],
                          date.fromisoformat(r["on_date"]) if r["on_date"] else None,
                          r["note"], tuple(json.loads(r["person_ids"])))
    return Document(r["id"], draft, r["attachment_id"], r["file_name"],
                    MediaKind(r["media_type"]), int(r["size"]), r["content_hash"],
                    from_utc_iso(r["created_at"]), r["by_name"] or "")


_SELECT = ("SELECT d.*, w.name AS by_name FROM case_documents d "
           "LEFT JOIN workers w ON w.id = d.created_by WHERE d.deleted = 0 AND ")


def get(db: Database, document_id: str) -> Document | None:
    row = db.query_one(_SELECT + "d.id = ?", (document_id,))
    return None if row is None else _from_row(row)


def of_household(db: Database, household_id: str) -> list[Document]:
    """Newest document date first (undated last), then newest added."""
    return [_from_row(r) for r in db.query(
        _SELECT + "d.household_id = ? ORDER BY d.on_date IS NULL, d.on_date DESC, "
        "d.version DESC", (household_id,))]
