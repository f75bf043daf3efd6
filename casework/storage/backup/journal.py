"""The deletion journal next to backups (LR-37).

Deletions made after a backup must be re-applied when it is restored. The vault's
`deletion_journal` table (retention work, m0025) lists them; each backup run also copies
it (ids and times only, never content) into an encrypted `deletions.journal` next to the
backup files, so a restore on another machine knows them too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.models.privacy.retention import DeletionJournalEntry
from casework.storage import crypto
from casework.storage.backup.format import (
    PAYLOAD_ALGORITHM,
    BackupDamaged,
    b64,
    canonical,
    derive_subkey,
    unb64,
)
from casework.storage.db import Database
from casework.storage.privacy.retention import add_journal, journal_has
from casework.storage.vault_header import write_atomic

JOURNAL_FILE = "deletions.journal"
JOURNAL_FORMAT = "casework-deletions-journal"
_JOURNAL_INFO = b"casework deletions journal v1"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    entity: str
    entity_id: str
    scope_id: str | None
    deleted_at: str


def has_journal_table(db: Database) -> bool:
    count = db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                      "AND name = 'deletion_journal'")
    return int(count) == 1


def journal_entries(db: Database) -> list[JournalEntry]:
    if not has_journal_table(db):
        return []
    return [JournalEntry(str(r["entity"]), str(r["entity_id"]),
                         None if r["scope_id"] is None else str(r["scope_id"]),
                         str(r["deleted_at"]))
            for r in db.query("SELECT entity, entity_id, scope_id, deleted_at "
                              "FROM deletion_journal ORDER BY seq")]


def merge_journal(db: Database, entries: Sequence[JournalEntry | DeletionJournalEntry]) -> int:
    """Add entries the vault's journal does not list yet (an id deleted once is enough);
    returns how many were added. One transaction."""
    if not entries or not has_journal_table(db):
        return 0
    added = 0
    with db.transaction():
        for e in entries:
            if not journal_has(db, e.entity, e.entity_id):
                add_journal(db, e.entity, e.entity_id, e.scope_id, e.deleted_at)
                added += 1
    return added


def _journal_aad(vault_id: str) -> bytes:
    return canonical({"format": JOURNAL_FORMAT, "format_version": 1, "vault_id": vault_id})


def _read_journal_body(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": JOURNAL_FORMAT, "format_version": 1, "vaults": {}}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise BackupDamaged(f"„{JOURNAL_FILE}“ ist beschädigt.") from None
    if (not isinstance(body, dict) or body.get("format") != JOURNAL_FORMAT
            or not isinstance(body.get("vaults"), dict)):
        raise BackupDamaged(f"„{JOURNAL_FILE}“ ist beschädigt.")
    return body


def write_journal_file(folder: Path, vault_id: str, data_key: bytes | bytearray,
                       entries: list[JournalEntry], updated_at: str) -> None:
    """Store (replace) this vault's entry in `folder/deletions.journal`, atomically."""
    path = folder / JOURNAL_FILE
    try:
        body = _read_journal_body(path)
    except BackupDamaged:
        body = {"format": JOURNAL_FORMAT, "format_version": 1, "vaults": {}}
    plain = canonical({"entries": [[e.entity, e.entity_id, e.scope_id, e.deleted_at]
                                    for e in entries]})
    key = derive_subkey(data_key, _JOURNAL_INFO)
    try:
        nonce = os.urandom(crypto.NONCE_BYTES)
        sealed = AESGCM(bytes(key)).encrypt(nonce, plain, _journal_aad(vault_id))
    finally:
        crypto.wipe(key)
    body["vaults"][vault_id] = {"updated_at": updated_at, "algorithm": PAYLOAD_ALGORITHM,
                                "nonce": b64(nonce), "ciphertext": b64(sealed)}
    write_atomic(path, json.dumps(body, indent=1).encode("utf-8"))


def read_journal_file(folder: Path, vault_id: str,
                      data_key: bytes | bytearray) -> list[JournalEntry]:
    """This vault's journal entries from `folder/deletions.journal` (none if absent)."""
    body = _read_journal_body(folder / JOURNAL_FILE)
    item = body["vaults"].get(vault_id)
    if item is None:
        return []
    key = derive_subkey(data_key, _JOURNAL_INFO)
    try:
        plain = AESGCM(bytes(key)).decrypt(unb64(item["nonce"]), unb64(item["ciphertext"]),
                                           _journal_aad(vault_id))
        rows = json.loads(plain)["entries"]
        return [JournalEntry(str(r[0]), str(r[1]), None if r[2] is None else str(r[2]),
                             str(r[3])) for r in rows]
    except (InvalidTag, ValueError, KeyError, TypeError, IndexError):
        raise BackupDamaged(f"„{JOURNAL_FILE}“ ist beschädigt oder gehört nicht zu "
                            "dieser Akte.") from None
    finally:
        crypto.wipe(key)
