"""Unsaved form drafts, stored encrypted in the vault (never in plaintext files).

A draft belongs to the acting worker and is addressed by `kind` (the form, e.g.
"quick_contact") and `key` (e.g. the household id). The payload is JSON the form writes
and reads itself; this module only checks that it is JSON of a sane size. Drafts are not
records: no change log, no sync, no Changes.
"""

from __future__ import annotations

import json

from casework.clock import to_utc_iso
from casework.errors import ValidationError
from casework.services.session import Session
from casework.storage import drafts as store

MAX_PAYLOAD_CHARS = 1_000_000


def _check_address(kind: str, key: str) -> None:
    if not kind or not key:
        raise ValueError("draft kind and key must not be empty")


def save_draft(session: Session, kind: str, key: str, payload_json: str) -> None:
    _check_address(kind, key)
    if len(payload_json) > MAX_PAYLOAD_CHARS:
        raise ValidationError("Entwurf", "ist zu groß, um zwischengespeichert zu werden.")
    json.loads(payload_json)  # a bug in the form, not user input: let it raise
    with session.db.transaction():
        store.save(session.db, kind, key, session.actor_id, payload_json,
                   to_utc_iso(session.clock.now()))


def load_draft(session: Session, kind: str, key: str) -> str | None:
    _check_address(kind, key)
    return store.load(session.db, kind, key, session.actor_id)


def discard_draft(session: Session, kind: str, key: str) -> bool:
    """Delete the draft; True if there was one."""
    _check_address(kind, key)
    with session.db.transaction():
        return store.discard(session.db, kind, key, session.actor_id)


def draft_keys(session: Session, kind: str) -> list[str]:
    """Keys with a draft of `kind` for the acting worker, newest first."""
    return store.keys(session.db, kind, session.actor_id)
