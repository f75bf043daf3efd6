"""What a signature covers (pure; no I/O).

A reserved act signs the sha256 of the canonical JSON of exactly the content it approves
(`content_hash`), bound to the vault, the act, the record, the signer, the role in which
she acts and the moment: `message()` is what Ed25519 signs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casework.models.persons.worker import WorkerRole

SIGNATURE_FORMAT = "casework-signature-v1"
LEGACY_LABEL = "vor Einführung der Signaturen erfasst"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(dict(payload)).encode("utf-8")).hexdigest()


def message(vault_id: str, act: str, entity: str, entity_id: str, digest: str,
            signer_id: str, role: str, signed_at: str) -> bytes:
    return canonical([SIGNATURE_FORMAT, vault_id, act, entity, entity_id, digest, signer_id,
                      role, signed_at]).encode("utf-8")


def parse_roles(values: Iterable[str]) -> tuple[WorkerRole, ...]:
    """Distinct roles in a stable order (working roles first, Admin last)."""
    wanted = {WorkerRole(v) for v in values}
    return tuple(r for r in WorkerRole if r in wanted and r is not WorkerRole.ADMIN) + (
        (WorkerRole.ADMIN,) if WorkerRole.ADMIN in wanted else ())


def primary_role(roles: Iterable[WorkerRole]) -> WorkerRole:
    """The working role kept in the worker profile (Admin only if it is the only one)."""
    ordered = parse_roles(r.value for r in roles)
    if not ordered:
        raise ValueError("no role")
    return ordered[0]


def roles_text(roles: Iterable[WorkerRole]) -> str:
    return " + ".join(r.value for r in roles)


@dataclass(frozen=True, slots=True)
class Signature:
    """One stored signature, as the § 8a documentation and `vault check` show it."""

    seq: int
    act: str
    entity: str
    entity_id: str
    content_hash: str
    signer_id: str
    signer_name: str
    role: str
    fingerprint: str
    signed_at: str  # UTC ISO
    verified: bool
