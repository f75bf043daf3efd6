"""Persons who sign (issue 15): roles, signing public keys and signatures in the database.

The private keys never come here: they live only wrapped in the person's key slot in
`vault.json` (storage.vault_header.KeySlot) and are unwrapped for one act (services.persons).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casework.models.persons.signing import (
    Signature,
    content_hash,
    message,
    parse_roles,
)
from casework.models.persons.worker import WorkerRole
from casework.storage import crypto
from casework.storage.db import Database

# Records whose own row is what its signature covers: `vault check` recomputes the payload
# from the row, so a changed row is reported. entity -> (table, signed columns).
SIGNED_RECORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ks_review_decision": ("ks_review_decisions",
                           ("id", "item_id", "procedure_id", "household_id", "decision",
                            "comment", "content_hash", "created_by")),
    "deletion_request": ("deletion_requests",
                         ("id", "target_id", "rule_key", "keep_until", "reason_code",
                          "created_by")),
    "deletion_approval": ("deletion_approvals", ("id", "request_id", "decision", "created_by")),
}


# --- roles -----------------------------------------------------------------------------------

def roles_of(db: Database, worker_id: str) -> tuple[WorkerRole, ...]:
    raw = db.scalar("SELECT roles FROM person_roles WHERE worker_id = ?", (worker_id,))
    if raw is None:
        role = db.scalar("SELECT role FROM workers WHERE id = ?", (worker_id,))
        return () if role is None else (WorkerRole(role),)
    return parse_roles(json.loads(raw))


def set_roles(db: Database, worker_id: str, roles: tuple[WorkerRole, ...], *,
              owner: bool = False) -> None:
    db.execute(
        "INSERT INTO person_roles(worker_id, roles, owner) VALUES (?, ?, ?) "
        "ON CONFLICT(worker_id) DO UPDATE SET roles = excluded.roles, removed_at = NULL",
        (worker_id, json.dumps([r.value for r in roles]), int(owner)))


def mark_removed(db: Database, worker_id: str, at: str) -> None:
    db.execute("UPDATE person_roles SET removed_at = ? WHERE worker_id = ?", (at, worker_id))


# --- signing keys ----------------------------------------------------------------------------

def add_signing_key(db: Database, worker_id: str, public: bytes, at: str) -> str:
    fp = crypto.fingerprint(public)
    db.execute("INSERT OR IGNORE INTO signing_keys(fingerprint, worker_id, public_key, "
               "created_at) VALUES (?, ?, ?, ?)", (fp, worker_id, public, at))
    return fp


def current_key(db: Database, worker_id: str) -> tuple[str, bytes] | None:
    row = db.query_one("SELECT fingerprint, public_key FROM signing_keys WHERE worker_id = ? "
                       "ORDER BY created_at DESC, rowid DESC LIMIT 1", (worker_id,))
    return None if row is None else (str(row[0]), bytes(row[1]))


def key_by_fingerprint(db: Database, fp: str) -> tuple[str, bytes] | None:
    row = db.query_one("SELECT worker_id, public_key FROM signing_keys WHERE fingerprint = ?",
                       (fp,))
    return None if row is None else (str(row[0]), bytes(row[1]))


# --- signatures ------------------------------------------------------------------------------

def record_payload(db: Database, entity: str, entity_id: str) -> dict[str, Any] | None:
    """The signed content of a record that is its own row (None: not such a record or
    the row is gone)."""
    spec = SIGNED_RECORDS.get(entity)
    if spec is None:
        return None
    table, columns = spec
    row = db.query_one(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?",
                       (entity_id,))
    return None if row is None else {c: row[c] for c in columns}


def insert_signature(db: Database, *, vault_id: str, act: str, entity: str, entity_id: str,
                     payload: Mapping[str, Any], signer_id: str, role: str, fingerprint: str,
                     signed_at: str, signature: bytes) -> int:
    digest = content_hash(payload)
    db.execute(
        "INSERT INTO signatures(act, entity, entity_id, payload, content_hash, signer_id, "
        "role, fingerprint, signed_at, signature) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (act, entity, entity_id, json.dumps(dict(payload), sort_keys=True, ensure_ascii=False),
         digest, signer_id, role, fingerprint, signed_at, signature))
    return int(db.scalar("SELECT last_insert_rowid()"))


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    verified: int
    legacy: int  # records made before signatures were introduced
    problems: tuple[str, ...]


def _worker_name(db: Database, worker_id: str) -> str:
    name = db.scalar("SELECT name FROM workers WHERE id = ?", (worker_id,))
    return str(name) if name is not None else worker_id[:8]


def _verify_row(db: Database, vault_id: str, r: Any) -> str | None:
    """None if the signature row is sound, else a German description of the problem."""
    where = f"Signatur {r['seq']} ({r['act']}, Datensatz {str(r['entity_id'])[:8]})"
    key = key_by_fingerprint(db, r["fingerprint"])
    if key is None or key[0] != r["signer_id"]:
        return f"{where}: Schlüssel {r['fingerprint']} ist keiner Person dieser Akte bekannt."
    payload = json.loads(r["payload"])
    if content_hash(payload) != r["content_hash"]:
        return f"{where}: signierter Inhalt verändert."
    current = record_payload(db, r["entity"], r["entity_id"])
    if r["entity"] in SIGNED_RECORDS:
        if current is None:
            return f"{where}: der signierte Datensatz fehlt."
        if content_hash(current) != r["content_hash"]:
            return f"{where}: der Datensatz wurde nach der Signatur verändert."
    signed = message(r["vault_id"] or vault_id, r["act"], r["entity"], r["entity_id"],
                     r["content_hash"], r["signer_id"], r["role"], r["signed_at"])
    if not crypto.verify(key[1], bytes(r["signature"]), signed):
        return f"{where}: Signatur ungültig."
    return None


def verify_all(db: Database, vault_id: str) -> SignatureCheck:
    """Verify every signature, and name every record that needs one and has none."""
    problems: list[str] = []
    verified = 0
    signed: set[tuple[str, str]] = set()
    for r in db.query("SELECT s.*, v.vault_id FROM signatures s LEFT JOIN signature_vaults v "
                      "ON v.seq = s.seq ORDER BY s.seq"):
        signed.add((r["entity"], r["entity_id"]))
        problem = _verify_row(db, vault_id, r)
        if problem is None:
            verified += 1
        else:
            problems.append(problem)
    raw = db.scalar("SELECT value FROM meta WHERE key = 'signatures_since'")
    since: dict[str, int] = json.loads(raw) if raw else {}
    legacy = 0
    for entity, (table, _columns) in SIGNED_RECORDS.items():
        mark = int(since.get(table, 0))
        for row in db.query(f"SELECT rowid, id FROM {table}"):
            if (entity, row["id"]) in signed:
                continue
            if row["rowid"] <= mark:
                legacy += 1
                continue
            problems.append(f"Datensatz {str(row['id'])[:8]} ({entity}): Signatur fehlt.")
    return SignatureCheck(verified, legacy, tuple(problems))


def signatures_for(db: Database, vault_id: str, entity: str,
                   entity_ids: list[str]) -> dict[str, list[Signature]]:
    """Stored signatures of the given records, each verified now."""
    result: dict[str, list[Signature]] = {i: [] for i in entity_ids}
    if not entity_ids:
        return result
    marks = ",".join("?" for _ in entity_ids)
    for r in db.query("SELECT s.*, v.vault_id FROM signatures s LEFT JOIN signature_vaults v "
                      f"ON v.seq = s.seq WHERE s.entity = ? AND s.entity_id IN ({marks}) "
                      "ORDER BY s.seq", [entity, *entity_ids]):
        result[r["entity_id"]].append(Signature(
            int(r["seq"]), r["act"], r["entity"], r["entity_id"], r["content_hash"],
            r["signer_id"], _worker_name(db, r["signer_id"]), r["role"], r["fingerprint"],
            r["signed_at"], _verify_row(db, vault_id, r) is None))
    return result


def is_legacy(db: Database, entity: str, entity_id: str) -> bool:
    """Whether a record was written before signatures were introduced."""
    spec = SIGNED_RECORDS.get(entity)
    raw = db.scalar("SELECT value FROM meta WHERE key = 'signatures_since'")
    if spec is None or not raw:
        return False
    rowid = db.scalar(f"SELECT rowid FROM {spec[0]} WHERE id = ?", (entity_id,))
    return rowid is not None and int(rowid) <= int(json.loads(raw).get(spec[0], 0))


# --- signatures that travel with sync (issue 17) ---------------------------------------------

SYNCED_SIGNATURE = "review_signature"  # the change kind (casework.models.hub)


def synced_fields(db: Database, seq: int, vault_id: str) -> dict[str, Any]:
    """A stored signature with its public key, as a change other devices can verify."""
    r = db.query_one("SELECT s.*, v.vault_id FROM signatures s LEFT JOIN signature_vaults v "
                     "ON v.seq = s.seq WHERE s.seq = ?", (seq,))
    assert r is not None
    key = key_by_fingerprint(db, r["fingerprint"])
    assert key is not None
    return {"act": r["act"], "entity": r["entity"], "entity_id": r["entity_id"],
            "payload": r["payload"], "content_hash": r["content_hash"],
            "signer_id": r["signer_id"], "role": r["role"], "fingerprint": r["fingerprint"],
            "signed_at": r["signed_at"],
            "signature": base64.b64encode(bytes(r["signature"])).decode("ascii"),
            "public_key": base64.b64encode(key[1]).decode("ascii"),
            "vault_id": r["vault_id"] or vault_id}


def record_scope(db: Database, entity_id: str) -> str | None:
    """The household a synced record belongs to (as its last change says), if any."""
    scope = db.scalar("SELECT scope_id FROM changelog WHERE entity_id = ? "
                      "ORDER BY seq DESC LIMIT 1", (entity_id,))
    return None if scope is None else str(scope)


def synced_ok(fields: Mapping[str, Any]) -> bool:
    """Does a received signature verify with the public key it carries?"""
    try:
        public = base64.b64decode(str(fields["public_key"]), validate=True)
        signature = base64.b64decode(str(fields["signature"]), validate=True)
        payload = json.loads(str(fields["payload"]))
    except (KeyError, ValueError):
        return False
    if not isinstance(payload, dict) or content_hash(payload) != fields.get("content_hash") \
            or crypto.fingerprint(public) != fields.get("fingerprint"):
        return False
    signed = message(str(fields["vault_id"]), str(fields["act"]), str(fields["entity"]),
                     str(fields["entity_id"]), str(fields["content_hash"]),
                     str(fields["signer_id"]), str(fields["role"]), str(fields["signed_at"]))
    return crypto.verify(public, signature, signed)


def store_synced(db: Database, fields: Mapping[str, Any]) -> None:
    """Keep a received (verified) signature and its signer's public key. The key is stored
    as older than any key of this vault, so it never becomes a local person's current key."""
    public = base64.b64decode(str(fields["public_key"]))
    db.execute("INSERT OR IGNORE INTO signing_keys(fingerprint, worker_id, public_key, "
               "created_at) VALUES (?, ?, ?, '')",
               (str(fields["fingerprint"]), str(fields["signer_id"]), public))
    exists = db.scalar("SELECT 1 FROM signatures WHERE fingerprint = ? AND signed_at = ? "
                       "AND entity = ? AND entity_id = ? AND act = ?",
                       (fields["fingerprint"], fields["signed_at"], fields["entity"],
                        fields["entity_id"], fields["act"]))
    if exists:
        return
    db.execute(
        "INSERT INTO signatures(act, entity, entity_id, payload, content_hash, signer_id, "
        "role, fingerprint, signed_at, signature) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (str(fields["act"]), str(fields["entity"]), str(fields["entity_id"]),
         str(fields["payload"]), str(fields["content_hash"]), str(fields["signer_id"]),
         str(fields["role"]), str(fields["fingerprint"]), str(fields["signed_at"]),
         base64.b64decode(str(fields["signature"]))))
    db.execute("INSERT INTO signature_vaults(seq, vault_id) VALUES (last_insert_rowid(), ?)",
               (str(fields["vault_id"]),))
