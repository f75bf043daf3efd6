"""Rows of the `drafts` table (migration m0002): one JSON payload per form and worker.
Writes join the caller's transaction."""

from __future__ import annotations

from typing import Any

from casework.storage.db import Database


def save(db: Database, kind: str, key: str, worker_id: str, payload: str, at: str) -> None:
    db.execute(
        "INSERT INTO drafts (kind, key, worker_id, payload, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key, worker_id) DO UPDATE SET "
        "payload = excluded.payload, updated_at = excluded.updated_at",
        (kind, key, worker_id, payload, at, at),
    )


def load(db: Database, kind: str, key: str, worker_id: str) -> str | None:
    value = db.scalar(
        "SELECT payload FROM drafts WHERE kind = ? AND key = ? AND worker_id = ?",
        (kind, key, worker_id),
    )
    return None if value is None else str(value)


def discard(db: Database, kind: str, key: str, worker_id: str) -> bool:
    count = db.execute("DELETE FROM drafts WHERE kind = ? AND key = ? AND worker_id = ?",
                       (kind, key, worker_id))
    return bool(count)


def keys(db: Database, kind: str, worker_id: str) -> list[str]:
    rows: list[Any] = db.query("SELECT key FROM drafts WHERE kind = ? AND worker_id = ? "
                               "ORDER BY updated_at DESC", (kind, worker_id))
    return [str(r[0]) for r in rows]
