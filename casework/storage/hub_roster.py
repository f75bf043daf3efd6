"""A team roster the hub cannot forge: signed role statements and device bindings.

Who is who (name, role, team, disabled) counts on a device only if an Admin's person key
signed it, in a chain that ends at the team's *trust anchor*: the person key of the
founding Admin, pinned on every device at enrolment (its check value travels in the
one-time code). The hub stores and serves the statements; it cannot make new ones.

A statement (canonical JSON, Ed25519-signed by the signer's person key):
    {"v": 1, "anchor": <anchor fingerprint>, "serial": n, "signer": <worker id>,
     "signer_key": <b64>, "worker": <worker id>, "name": …, "role": …, "team": …,
     "disabled": bool, "key": <b64 person key of the worker, or "">, "known": [<hash>…],
     "at": <UTC ISO>}
The roster is recomputed from every statement a device has ever seen, in the order
(serial, hash), so devices that hold the same statements agree:
- the first statement signed by the anchor key about its own holder as Admin starts it;
- every other statement counts only if its signer is, at that point, an enabled Admin
  whose person key is `signer_key`; the newest counting statement per worker wins;
- a statement that takes the Admin role (or the key) away from someone lists in `known`
  the hashes of that person's statements its signer had seen: any other statement by that
  person is void, whatever serial it claims (a demoted Admin cannot backdate).
A statement that does not count is kept and shown as refused with its reason.

A device binding is the person's signature over the device's public keys, made at
enrolment with the person's passphrase: a device key counts when its binding verifies
with the person key the verified roster names for that worker.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casework.storage import crypto
from casework.storage.db import Database

STATEMENT_FORMAT = "casework-roster-v1"
BINDING_FORMAT = "casework-device-binding-v1"
ROLES = ("Fachkraft", "Leitung", "Teilhabemanagement", "Admin")
ADMIN = "Admin"
MAX_STATEMENT_CHARS = 16_384
MAX_STATEMENTS = 20_000
MAX_BAD_STATEMENTS = 500
_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# Refusal reasons of roster statements (texts in casework.models.hub.REASONS).
BAD_STATEMENT = "CW040"  # signature does not verify, another team's anchor, malformed
UNSIGNED_CHANGE = "CW041"  # the hub's plain roster differs from the signed one
NOT_ADMIN = "CW042"  # signer was not an enabled Admin at that point
VOIDED = "CW043"  # signed by someone after she lost the Admin role (or backdated)
QUARANTINE_ENTITY = "roster"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def statement_hash(statement: str) -> str:
    return hashlib.sha256(statement.encode("utf-8")).hexdigest()


def signed_bytes(statement: str) -> bytes:
    return STATEMENT_FORMAT.encode("ascii") + b"\n" + statement.encode("utf-8")


def anchor_fingerprint(public: bytes) -> str:
    return crypto.fingerprint(public)


def anchor_check(public: bytes) -> str:
    """What the one-time code carries about the anchor: 16 characters (80 bits) of
    SHA-256 of the key, in the code's own alphabet, as four groups."""
    digest = int.from_bytes(hashlib.sha256(b"casework-anchor:" + public).digest()[:10], "big")
    chars = "".join(_CHECK_ALPHABET[(digest >> (5 * i)) & 31] for i in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def binding_message(worker_id: str, device_id: str, enc: bytes, sign: bytes) -> bytes:
    return canonical([BINDING_FORMAT, worker_id, device_id, b64(enc), b64(sign)]).encode()


@dataclass(frozen=True, slots=True)
class Entry:
    """One worker as the verified roster says."""

    worker_id: str
    name: str
    role: str
    team: str
    disabled: bool
    key: bytes | None  # person signing key
    serial: int
    hash: str


@dataclass(frozen=True, slots=True)
class Statement:
    hash: str
    text: str
    sig: bytes
    data: dict[str, Any] | None  # None: not a well-formed statement

    @property
    def serial(self) -> int:
        return int(self.data["serial"]) if self.data else 0

    @property
    def order(self) -> tuple[int, str]:
        return self.serial, self.hash


def _well_formed(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    text = ("anchor", "signer", "signer_key", "worker", "name", "role", "team", "key", "at")
    return (all(isinstance(data.get(k), str) for k in text)
            and isinstance(data.get("serial"), int) and not isinstance(data["serial"], bool)
            and 0 < data["serial"] < 2**53
            and isinstance(data.get("disabled"), bool)
            and isinstance(data.get("known"), list)
            and all(isinstance(h, str) for h in data["known"])
            and data.get("v") == 1 and data["role"] in ROLES
            and 0 < len(data["worker"]) <= 64 and len(data["name"].strip()) > 0)


def parse(text: str, sig: bytes) -> Statement:
    try:
        data = json.loads(text) if len(text) <= MAX_STATEMENT_CHARS else None
    except ValueError:
        data = None
    return Statement(statement_hash(text), text, bytes(sig),
                     data if _well_formed(data) else None)


def _key(value: str) -> bytes | None:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    return raw if len(raw) == 32 else None


@dataclass
class Verdict:
    roster: dict[str, Entry]
    refused: dict[str, str]  # statement hash → reason


def verify(statements: Sequence[Statement], anchor: bytes) -> Verdict:
    """The verified roster from all statements and the pinned anchor key (pure)."""
    fp = anchor_fingerprint(anchor)
    refused: dict[str, str] = {}
    candidates: list[Statement] = []
    for s in sorted({s.hash: s for s in statements}.values(), key=lambda s: s.order):
        data = s.data
        signer_key = _key(data["signer_key"]) if data else None
        if data is None or signer_key is None or data["anchor"] != fp \
                or not crypto.verify(signer_key, s.sig, signed_bytes(s.text)):
            refused[s.hash] = BAD_STATEMENT
            continue
        candidates.append(s)
    voided: set[str] = set()
    for _round in range(8):  # each round can only add voided statements
        roster, unauthorised, cuts = _run(candidates, anchor, voided)
        new = {s.hash for s in candidates if s.hash not in voided
               and any(s.data is not None and s.data["signer"] == who
                       and s.data["signer_key"] == key and s.hash not in known
                       for who, key, known in cuts)}
        if new <= voided:
            break
        voided |= new
    for h in unauthorised:
        refused[h] = NOT_ADMIN
    for h in voided:
        refused[h] = VOIDED
    return Verdict(roster, refused)


def _run(candidates: Sequence[Statement], anchor: bytes, voided: set[str]
         ) -> tuple[dict[str, Entry], set[str], list[tuple[str, str, frozenset[str]]]]:
    roster: dict[str, Entry] = {}
    unauthorised: set[str] = set()
    cuts: list[tuple[str, str, frozenset[str]]] = []
    anchor_b64 = b64(anchor)
    started = False
    for s in candidates:
        if s.hash in voided:
            continue
        data = s.data
        assert data is not None
        signer = roster.get(data["signer"])
        if not started:
            genesis = (data["signer_key"] == anchor_b64 and data["worker"] == data["signer"]
                       and data["key"] == anchor_b64 and data["role"] == ADMIN
                       and not data["disabled"])
            if not genesis:
                unauthorised.add(s.hash)
                continue
            started = True
        elif signer is None or signer.role != ADMIN or signer.disabled \
                or signer.key is None or b64(signer.key) != data["signer_key"]:
            unauthorised.add(s.hash)
            continue
        before = roster.get(data["worker"])
        entry = Entry(data["worker"], data["name"].strip(), data["role"], data["team"].strip(),
                      data["disabled"], _key(data["key"]), data["serial"], s.hash)
        roster[entry.worker_id] = entry
        if before is not None and before.role == ADMIN and before.key is not None and (
                entry.role != ADMIN or entry.disabled or entry.key != before.key):
            # She is no longer an Admin with that key: only what the signer had seen of
            # her statements counts.
            cuts.append((entry.worker_id, b64(before.key),
                         frozenset(data["known"]) | {s.hash}))
    return roster, unauthorised, cuts


# --- the vault's copy ----------------------------------------------------------------

def anchor(db: Database) -> bytes | None:
    raw = db.scalar("SELECT value FROM sync_state WHERE key = 'roster_anchor'")
    return None if raw is None else base64.b64decode(str(raw))


def set_anchor(db: Database, public: bytes, source: str) -> None:
    for key, value in (("roster_anchor", b64(public)), ("roster_anchor_source", source)):
        db.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def stored(db: Database) -> list[Statement]:
    return [parse(str(r[0]), bytes(r[1])) for r in db.query(
        "SELECT statement, sig FROM hub_roster_statements ORDER BY rowid")]


def keep(db: Database, statements: Iterable[tuple[str, bytes]], now: str, *,
         pushed: bool = True) -> int:
    """Keep received statements (so the hub cannot take back what this device saw), or
    statements signed here (`pushed` False until the hub has them)."""
    counts = {int(r[0]): int(r[1]) for r in db.query(
        "SELECT well_signed, count(*) FROM hub_roster_statements GROUP BY well_signed")}
    added = 0
    for text, sig in statements:
        if len(text) > MAX_STATEMENT_CHARS:
            continue
        parsed = parse(text, sig)
        key = _key(parsed.data["signer_key"]) if parsed.data else None
        good = int(key is not None and crypto.verify(key, parsed.sig, signed_bytes(text)))
        # Junk the hub makes up is shown, but cannot crowd out real statements.
        if counts.get(good, 0) >= (MAX_STATEMENTS if good else MAX_BAD_STATEMENTS):
            continue
        n = db.execute("INSERT OR IGNORE INTO hub_roster_statements (hash, statement, sig, "
                       "first_seen, pushed, well_signed) VALUES (?, ?, ?, ?, ?, ?)",
                       (parsed.hash, text, bytes(sig), now, int(pushed), good))
        counts[good] = counts.get(good, 0) + n
        added += n
    return added


def verified(db: Database) -> dict[str, Entry]:
    return {str(r[0]): Entry(str(r[0]), str(r[1]), str(r[2]), str(r[3]), bool(r[4]),
                             None if r[5] is None else bytes(r[5]), int(r[6]), str(r[7]))
            for r in db.query("SELECT worker_id, name, role, team, disabled, person_key, "
                              "serial, hash FROM hub_roster")}


def store_verdict(db: Database, verdict: Verdict, now: str) -> None:
    db.execute("DELETE FROM hub_roster")
    db.executemany(
        "INSERT INTO hub_roster (worker_id, name, role, team, disabled, person_key, serial, "
        "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(e.worker_id, e.name, e.role, e.team, int(e.disabled), e.key, e.serial, e.hash)
         for e in verdict.roster.values()])
    counted = {e.hash for e in verdict.roster.values()}
    # Refusals are shown like refused changes; one that counts now (its signer's promotion
    # arrived later) is no longer shown.
    db.execute(f"DELETE FROM sync_quarantine WHERE entity = '{QUARANTINE_ENTITY}' "
               "AND change_id LIKE 'roster-%' AND reason <> ?", (UNSIGNED_CHANGE,))
    rows = []
    by_hash = {s.hash: s for s in stored(db)}
    for h, reason in verdict.refused.items():
        if h in counted:
            continue
        data = by_hash[h].data if h in by_hash else None
        rows.append((f"roster-{h[:40]}", QUARANTINE_ENTITY,
                     str(data["worker"])[:64] if data else "",
                     str(data["signer"])[:64] if data else "",
                     str(data["at"])[:40] if data else now, reason, now))
    db.executemany(
        "INSERT OR IGNORE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'in', ?, ?, NULL, 'update', ?, '', ?, '', ?, NULL, ?)", rows)


def note_unsigned(db: Database, worker_id: str, shown: Mapping[str, Any], now: str) -> None:
    """The hub's plain roster says something about a worker the signed one does not:
    shown once per different claim, never applied."""
    digest = hashlib.sha256(canonical([worker_id, dict(shown)]).encode()).hexdigest()[:40]
    db.execute(
        "INSERT OR IGNORE INTO sync_quarantine (change_id, direction, entity, entity_id, "
        "scope_id, op, actor, device, at, hlc, reason, payload, recorded_at) "
        "VALUES (?, 'in', ?, ?, NULL, 'update', 'hub', '', ?, '', ?, NULL, ?)",
        (f"hubroster-{digest}", QUARANTINE_ENTITY, worker_id[:64], now, UNSIGNED_CHANGE, now))


def refresh_bindings(db: Database) -> None:
    """Mark pinned device keys whose binding verifies with the verified person key."""
    keys = {w: e.key for w, e in verified(db).items() if e.key is not None and not e.disabled}
    rows = db.query("SELECT device_id, worker_id, enc_public, sign_public, binding "
                    "FROM hub_device_keys")
    updates = []
    for r in rows:
        person = keys.get(str(r[1]))
        ok = (person is not None and r[4] is not None and crypto.verify(
            person, bytes(r[4]), binding_message(str(r[1]), str(r[0]), bytes(r[2]),
                                                 bytes(r[3]))))
        updates.append((int(ok), str(r[0])))
    db.executemany("UPDATE hub_device_keys SET bound = ? WHERE device_id = ?", updates)


def waiting_devices(db: Database) -> int:
    """Devices whose key is neither bound to a verified person nor confirmed."""
    return int(db.scalar("SELECT count(*) FROM hub_device_keys WHERE bound = 0 "
                         "AND confirmed_at IS NULL AND pinned_before = 0"))


def keep_pinned_keys(db: Database) -> None:
    """A device enrolled before its team signed: the keys it already trusted stay trusted
    (nothing that worked stops); keys seen from now on need a binding."""
    db.execute("UPDATE hub_device_keys SET pinned_before = 1")


def unpushed(db: Database) -> list[tuple[str, bytes]]:
    return [(str(r[0]), bytes(r[1])) for r in db.query(
        "SELECT statement, sig FROM hub_roster_statements WHERE pushed = 0 ORDER BY rowid")]


def mark_pushed(db: Database, texts: Iterable[str]) -> None:
    db.executemany("UPDATE hub_roster_statements SET pushed = 1 WHERE hash = ?",
                   [(statement_hash(t),) for t in texts])


def refused_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM sync_quarantine WHERE entity = ?",
                         (QUARANTINE_ENTITY,)))


def set_own_binding(db: Database, device_id: str, person: bytes, binding: bytes) -> None:
    db.execute("UPDATE hub_device_keys SET person_key = ?, binding = ? WHERE device_id = ?",
               (person, binding, device_id))


def worker_rows(db: Database) -> dict[str, tuple[str, str, str]]:
    """The vault's workers as (name, role, team)."""
    return {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in db.query(
        "SELECT id, name, role, team FROM workers")}


def holds_role(db: Database, worker_id: str, role: str) -> bool:
    return bool(db.scalar("SELECT 1 FROM workers WHERE id = ? AND role = ?", (worker_id, role)))


def neutralise(db: Database, worker_id: str, now: str) -> None:
    """A worker the signed roster does not name: no role, no team on this device."""
    db.execute("UPDATE workers SET role = 'Fachkraft', team = '', updated_at = ? WHERE id = ?",
               (now, worker_id))


def device_person_keys(db: Database, worker_id: str) -> set[bytes]:
    """The person keys the hub showed for a worker's devices, each only if it signed that
    device's pinned keys (the binding verifies)."""
    return {bytes(r[0]) for r in db.query(
        "SELECT person_key, binding, device_id, enc_public, sign_public FROM hub_device_keys "
        "WHERE worker_id = ? AND person_key IS NOT NULL AND binding IS NOT NULL", (worker_id,))
        if len(bytes(r[0])) == 32 and crypto.verify(
            bytes(r[0]), bytes(r[1]),
            binding_message(worker_id, str(r[2]), bytes(r[3]), bytes(r[4])))}
