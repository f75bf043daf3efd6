"""Rows of `directory_revisions`: the vault's edited copies of its reference-data profile.

Revisions are append-only (a new row per save); the newest non-deleted revision of a
profile name is the active one. Every insert goes through `RecordWriter`, so each edit is
in the change log ("Verlauf") and the sync outbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from casework.models.directory.revision import RevisionInfo
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row

TABLE = "directory_revisions"
ENTITY = "directory"

_LATEST = (
    "SELECT r.*, COALESCE(w.name, '') AS author_name FROM directory_revisions r "
    "LEFT JOIN workers w ON w.id = r.created_by "
    "WHERE r.profile_name = ? AND r.deleted = 0 "
    "ORDER BY r.revision DESC, r.version DESC"
)


@dataclass(frozen=True, slots=True)
class StoredRevision:
    info: RevisionInfo
    data: str  # canonical JSON


def _info(row: Row) -> RevisionInfo:
    return RevisionInfo(
        id=row["id"],
        profile_name=row["profile_name"],
        revision=int(row["revision"]),
        content_hash=row["content_hash"],
        changed_paths=tuple(json.loads(row["changed_paths"])),
        source=row["source"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        author_name=row["author_name"],
    )


def latest(db: Database, profile_name: str) -> StoredRevision | None:
    """The active revision of `profile_name`, or None if the vault has no edited copy."""
    row = db.query_one(_LATEST + " LIMIT 1", (profile_name,))
    return None if row is None else StoredRevision(_info(row), row["data"])


def revisions(db: Database, profile_name: str, limit: int = 100) -> list[RevisionInfo]:
    """Newest first."""
    rows = db.query(
        "SELECT r.id, r.profile_name, r.revision, r.content_hash, r.changed_paths, r.source, "
        "r.created_at, r.created_by, COALESCE(w.name, '') AS author_name "
        "FROM directory_revisions r LEFT JOIN workers w ON w.id = r.created_by "
        "WHERE r.profile_name = ? AND r.deleted = 0 "
        "ORDER BY r.revision DESC, r.version DESC LIMIT ?",
        (profile_name, limit),
    )
    return [_info(r) for r in rows]


def next_revision(db: Database, profile_name: str) -> int:
    current = db.scalar(
        "SELECT max(revision) FROM directory_revisions WHERE profile_name = ?", (profile_name,)
    )
    return int(current or 0) + 1


def insert_revision(
    w: RecordWriter,
    *,
    profile_name: str,
    revision: int,
    data: str,
    content_hash: str,
    changed_paths: tuple[str, ...],
    source: str,
) -> str:
    """Append a revision (call inside the caller's transaction); returns its id."""
    return w.insert(
        TABLE,
        ENTITY,
        {
            "profile_name": profile_name,
            "revision": revision,
            "data": data,
            "content_hash": content_hash,
            "changed_paths": json.dumps(list(changed_paths), ensure_ascii=False),
            "source": source,
        },
    )
