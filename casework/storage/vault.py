"""The vault folder: `casework.db` (SQLCipher 4), `vault.json` (public header),
`attachments/`, `backups/` (ARCHITECTURE §3)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from casework.clock import BERLIN, Clock, to_utc_iso
from casework.errors import UserError, VaultError, WrongPassphrase
from casework.models import safe_json
from casework.models.ids import new_id
from casework.storage import audit, crypto, private_files, report_facts, wal
from casework.storage.changelog import Actor, Hlc, RecordWriter
from casework.storage.db import MEMORY_SECURITY, Database, drop_stat4
from casework.storage.migrations import migrate
from casework.storage.migrations import missing as missing_migrations
from casework.storage.migrations import pending as pending_migrations

FORMAT = "casework-vault"
FORMAT_VERSION = 2  # 2: one key slot per person, authenticated header, audit anchor
LEGACY_VERSION = 1  # one passphrase key for the whole vault (migrated on first unlock)
HEADER_FILE = "vault.json"
DB_FILE = "casework.db"
CIPHER = "SQLCipher 4: AES-256-CBC, HMAC-SHA512 je Seite, Rohschlüssel 256 Bit"


MAX_HEADER_BYTES = 1024 * 1024  # a header with many key slots is a few KB

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    if not isinstance(text, str):  # a crafted header: refused as damaged, not a crash
        raise TypeError("base64 field is not text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _int(value: Any) -> int:
    """A whole number as this app writes it: no text, float or bool in its place."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


@dataclass(frozen=True, slots=True)
class WrappedKey:
    kind: str  # "passphrase" (format 1) | "recovery" | …
    nonce: bytes
    ciphertext: bytes
    algorithm: str = crypto.WRAP_ALGORITHM
    label: str = ""
    ephemeral: bytes = b""  # sealed keys (crypto.SEAL_ALGORITHM): the ephemeral X25519 key
    public: bytes = b""  # sealed keys: the recipient's X25519 public key


@dataclass(frozen=True, slots=True)
class KeySlot:
    """One person's key slot (ARCHITECTURE §3, issue 15).

    The person's private keys (X25519 || Ed25519, 64 bytes) are wrapped with AES-256-GCM
    under the Argon2id key from that person's own passphrase (`kdf`, own salt). The
    vault's data key is sealed to the person's X25519 public key, so a `rekey` can seal a
    new data key for every person without knowing their passphrases."""

    worker_id: str
    kdf: crypto.KdfParams
    nonce: bytes
    ciphertext: bytes
    x_public: bytes
    sign_public: bytes
    seal_ephemeral: bytes
    seal_nonce: bytes
    seal_ciphertext: bytes
    owner: bool = False
    # A salted hash of the person's name (`name_tag`), so "who are you?" can pick the slot
    # before anything is decrypted without writing a name in plaintext.
    tag: str = ""

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self.sign_public)

    def to_json(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id, "owner": self.owner, "tag": self.tag,
            "kdf": _kdf_json(self.kdf),
            "private": {"algorithm": crypto.WRAP_ALGORITHM, "nonce": _b64(self.nonce),
                        "ciphertext": _b64(self.ciphertext)},
            "x25519_public": _b64(self.x_public), "ed25519_public": _b64(self.sign_public),
            "data_key": {"algorithm": crypto.SEAL_ALGORITHM,
                         "ephemeral": _b64(self.seal_ephemeral),
                         "nonce": _b64(self.seal_nonce),
                         "ciphertext": _b64(self.seal_ciphertext)},
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> KeySlot:
        private, sealed = raw["private"], raw["data_key"]
        if (private["algorithm"] != crypto.WRAP_ALGORITHM
                or sealed["algorithm"] != crypto.SEAL_ALGORITHM):
            raise ValueError("algorithm")
        return cls(str(raw["worker_id"]), _kdf_from_json(raw["kdf"]), _unb64(private["nonce"]),
                   _unb64(private["ciphertext"]), _unb64(raw["x25519_public"]),
                   _unb64(raw["ed25519_public"]), _unb64(sealed["ephemeral"]),
                   _unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), bool(raw["owner"]),
                   str(raw.get("tag", "")))


def _kdf_json(kdf: crypto.KdfParams) -> dict[str, Any]:
    return {"name": crypto.KDF_NAME, "memory_kib": kdf.memory_kib,
            "iterations": kdf.iterations, "parallelism": kdf.parallelism,
            "salt": _b64(kdf.salt)}


def _kdf_from_json(raw: dict[str, Any]) -> crypto.KdfParams:
    if raw["name"] != crypto.KDF_NAME:
        # not echoed: the name comes from the file and may hold anything
        raise VaultError(f"„{HEADER_FILE}“ nennt ein unbekanntes Schlüsselverfahren.")
    return crypto.KdfParams(_int(raw["memory_kib"]), _int(raw["iterations"]),
                            _int(raw["parallelism"]), _unb64(raw["salt"]))


def name_tag(vault_id: str, name: str) -> str:
    """Salted hash of a person's name (slot lookup by name without the name on disk)."""
    text = f"casework-person:{vault_id}:{' '.join(name.split()).casefold()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class VaultHeader:
    vault_id: str
    created_at: str
    kdf: crypto.KdfParams
    keys: tuple[WrappedKey, ...]
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    slots: tuple[KeySlot, ...] = ()
    anchor: tuple[int, str] | None = None  # audit chain head (seq, hash) at the last write
    mac: str = ""  # HMAC-SHA256 under a key derived from the data key (format 2)
    # change-log head (seq, change id) at the last write: a database or WAL rolled back to
    # an older state (an old WAL replayed) no longer reaches it
    change_anchor: tuple[int, str] | None = None

    def aad(self, kind: str) -> bytes:
        """Associated data binding a wrapped key to this vault and its KDF settings."""
        bound: list[Any] = [FORMAT, self.format_version, self.vault_id, kind]
        if kind == "passphrase":
            bound += [crypto.KDF_NAME, self.kdf.memory_kib, self.kdf.iterations,
                      self.kdf.parallelism, _b64(self.kdf.salt)]
        if kind == "recovery":
            bound = [FORMAT, LEGACY_VERSION, self.vault_id, kind]  # survives format upgrades
        return json.dumps(bound, separators=(",", ":")).encode("utf-8")

    def slot_aad(self, worker_id: str, kdf: crypto.KdfParams, x_public: bytes,
                 sign_public: bytes) -> bytes:
        return json.dumps([FORMAT, "slot", self.vault_id, worker_id, crypto.KDF_NAME,
                           kdf.memory_kib, kdf.iterations, kdf.parallelism, _b64(kdf.salt),
                           _b64(x_public), _b64(sign_public)],
                          separators=(",", ":")).encode("utf-8")

    def seal_aad(self, recipient: str) -> bytes:
        return json.dumps([FORMAT, "data-key", self.vault_id, recipient],
                          separators=(",", ":")).encode("utf-8")

    def key(self, kind: str) -> WrappedKey | None:
        return next((k for k in self.keys if k.kind == kind), None)

    def slot(self, worker_id: str) -> KeySlot | None:
        return next((s for s in self.slots if s.worker_id == worker_id), None)

    @property
    def owner_slot(self) -> KeySlot | None:
        return next((s for s in self.slots if s.owner), None)

    def replace(self, **changes: Any) -> VaultHeader:
        fields: dict[str, Any] = {
                  "vault_id": self.vault_id, "created_at": self.created_at, "kdf": self.kdf,
                  "keys": self.keys, "format_version": self.format_version,
                  "extra": dict(self.extra), "slots": self.slots, "anchor": self.anchor,
                  "mac": "", "change_anchor": self.change_anchor}
        fields.update(changes)
        return VaultHeader(**fields)

    def with_key(self, wrapped: WrappedKey, kdf: crypto.KdfParams | None = None) -> VaultHeader:
        keys = (*(k for k in self.keys if k.kind != wrapped.kind), wrapped)
        return self.replace(keys=keys, kdf=kdf or self.kdf)

    def without_key(self, kind: str) -> VaultHeader:
        return self.replace(keys=tuple(k for k in self.keys if k.kind != kind))

    def with_slot(self, slot: KeySlot) -> VaultHeader:
        slots = (*(s for s in self.slots if s.worker_id != slot.worker_id), slot)
        # The top-level KDF entry mirrors the owner's slot (format 1 readers, tools).
        return self.replace(slots=slots, kdf=slot.kdf if slot.owner else self.kdf)

    def without_slot(self, worker_id: str) -> VaultHeader:
        return self.replace(slots=tuple(s for s in self.slots if s.worker_id != worker_id))

    def _body(self) -> dict[str, Any]:
        keys = []
        for k in self.keys:
            entry: dict[str, Any] = {"kind": k.kind, "algorithm": k.algorithm,
                                     "nonce": _b64(k.nonce), "ciphertext": _b64(k.ciphertext),
                                     "label": k.label}
            if k.ephemeral:
                entry["ephemeral"] = _b64(k.ephemeral)
            if k.public:
                entry["public"] = _b64(k.public)
            keys.append(entry)
        body: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "database": {"file": DB_FILE, "cipher": CIPHER},
            "kdf": _kdf_json(self.kdf),
            "keys": keys,
            **self.extra,
        }
        if self.format_version >= 2:
            body["slots"] = [s.to_json() for s in self.slots]
            anchor: dict[str, Any] | None = None
            if self.anchor is not None:
                anchor = {"audit_seq": self.anchor[0], "audit_hash": self.anchor[1]}
                if self.change_anchor is not None:
                    anchor.update(change_seq=self.change_anchor[0],
                                  change_id=self.change_anchor[1])
            body["anchor"] = anchor
        return body

    def compute_mac(self, data_key: bytes | bytearray) -> str:
        key = crypto.hkdf(data_key, _MAC_INFO)
        try:
            return hmac.new(bytes(key), _canonical(self._body()), hashlib.sha256).hexdigest()
        finally:
            crypto.wipe(key)

    def signed(self, data_key: bytes | bytearray) -> VaultHeader:
        return self.replace(mac=self.compute_mac(data_key))

    def mac_ok(self, data_key: bytes | bytearray) -> bool:
        return bool(self.mac) and hmac.compare_digest(self.mac, self.compute_mac(data_key))

    def to_json(self) -> dict[str, Any]:
        body = self._body()
        if self.format_version >= 2:
            body["mac"] = self.mac
        body["checksum"] = _checksum(body)
        return body


_MAC_INFO = b"casework vault header mac v2"


def _checksum(body: dict[str, Any]) -> str:
    content = {k: v for k, v in body.items() if k != "checksum"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_KNOWN_KEYS = {"format", "format_version", "vault_id", "created_at", "database", "kdf", "keys",
               "checksum", "slots", "anchor", "mac"}
_KNOWN_ALGORITHMS = {crypto.WRAP_ALGORITHM, crypto.SEAL_ALGORITHM}


REKEY_HEADER = HEADER_FILE + ".rekey"
REKEY_DB = DB_FILE + ".rekey"


def finish_interrupted_rekey(folder: Path) -> None:
    """A `rekey` stopped by a crash: before the new database replaced the old one (both
    `.rekey` files present) it is undone; after, it is completed. No key is needed."""
    pending = folder / REKEY_HEADER
    if not pending.is_file():
        return
    committed = not (folder / REKEY_DB).exists()
    finish_staged_attachments(folder / "attachments", commit=committed)
    if committed:
        os.replace(pending, folder / HEADER_FILE)
    else:
        (folder / REKEY_DB).unlink(missing_ok=True)
        pending.unlink(missing_ok=True)
    _fsync_dir(folder)


REKEY_PREFIX = ".rekey-"  # attachments written again under the new key, not yet in place


def finish_staged_attachments(folder: Path, *, commit: bool) -> None:
    """Rename (commit) or remove (abort) the attachment files a `rekey` staged."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not path.name.startswith(REKEY_PREFIX):
            continue
        if commit:
            os.replace(path, folder / path.name[len(REKEY_PREFIX):])
        else:
            path.unlink(missing_ok=True)
    _fsync_dir(folder)


def read_header(folder: Path) -> VaultHeader:
    path = folder / HEADER_FILE
    if folder.is_dir():
        finish_interrupted_rekey(folder)
    if not folder.is_dir():
        raise VaultError(f"Der Akten-Ordner „{folder}“ existiert nicht.")
    if not path.is_file():
        raise VaultError(
            f"„{HEADER_FILE}“ fehlt im Ordner „{folder}“: das ist keine Casework-Akte oder "
            "sie ist unvollständig."
        )
    try:
        body = safe_json.loads(path.read_bytes(), max_bytes=MAX_HEADER_BYTES)
    except safe_json.UnsafeJson:
        raise VaultError(f"„{HEADER_FILE}“ ist beschädigt (kein gültiges JSON).") from None
    except OSError:
        raise VaultError(f"„{HEADER_FILE}“ kann nicht gelesen werden.") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise VaultError(f"„{HEADER_FILE}“ gehört nicht zu einer Casework-Akte.")
    version = body.get("format_version")
    if not isinstance(version, int):
        raise VaultError(f"„{HEADER_FILE}“ ist beschädigt (Formatversion fehlt).")
    if version > FORMAT_VERSION:
        raise VaultError(
            f"Diese Akte hat das Format {version}; diese Casework-Version kennt nur bis "
            f"{FORMAT_VERSION}. Bitte Casework aktualisieren."
        )
    if body.get("checksum") != _checksum(body):
        raise VaultError(
            f"„{HEADER_FILE}“ wurde verändert oder ist beschädigt (Prüfsumme stimmt nicht). "
            "Bitte die Datei aus einer Sicherung wiederherstellen."
        )
    try:
        params = _kdf_from_json(body["kdf"])
        keys = tuple(
            WrappedKey(str(k["kind"]), _unb64(k["nonce"]), _unb64(k["ciphertext"]),
                       str(k.get("algorithm", crypto.WRAP_ALGORITHM)), str(k.get("label", "")),
                       _unb64(k.get("ephemeral", "")), _unb64(k.get("public", "")))
            for k in body["keys"]
        )
        slots: tuple[KeySlot, ...] = ()
        anchor: tuple[int, str] | None = None
        change_anchor: tuple[int, str] | None = None
        mac = ""
        if version >= 2:
            slots = tuple(KeySlot.from_json(raw) for raw in body["slots"])
            raw_anchor = body.get("anchor")
            if raw_anchor is not None:
                anchor = (_int(raw_anchor["audit_seq"]), str(raw_anchor["audit_hash"]))
                if "change_seq" in raw_anchor:
                    change_anchor = (_int(raw_anchor["change_seq"]),
                                     str(raw_anchor["change_id"]))
            mac = str(body["mac"])
        header = VaultHeader(str(body["vault_id"]), str(body["created_at"]), params, keys,
                             version, {k: v for k, v in body.items() if k not in _KNOWN_KEYS},
                             slots, anchor, mac, change_anchor)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        raise VaultError(f"„{HEADER_FILE}“ ist unvollständig oder beschädigt.") from None
    if not params.acceptable() or any(not s.kdf.acceptable() for s in header.slots):
        raise VaultError(f"„{HEADER_FILE}“ enthält unzulässige Schlüsselparameter (zu schwach "
                         "oder außerhalb dessen, was Casework schreibt).")
    if any(k.algorithm not in _KNOWN_ALGORITHMS for k in keys):
        raise VaultError(f"„{HEADER_FILE}“ nennt ein unbekanntes Verschlüsselungsverfahren.")
    if version >= 2 and sum(1 for s in header.slots if s.owner) != 1:
        raise VaultError(f"„{HEADER_FILE}“ ist beschädigt (Schlüssel der Inhaberin fehlt).")
    return header


def write_header(folder: Path, header: VaultHeader) -> None:
    """Atomic: temp file in the same folder, fsync, rename. Never a half header."""
    data = json.dumps(header.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
    write_atomic(folder / HEADER_FILE, data)


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise VaultError(
            f"„{path.name}“ konnte nicht geschrieben werden (Datenträger voll oder "
            "schreibgeschützt). Die bisherige Datei ist unverändert."
        ) from error
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Vault:
    """An unlocked vault. `close()` closes the database and wipes the key we hold.

    `person_id` is the person whose key slot opened it (the owner for a format-1 vault)."""

    def __init__(self, folder: Path, header: VaultHeader, db: Database, data_key: bytearray,
                 clock: Clock, person_id: str | None = None) -> None:
        self.folder = folder
        self.header = header
        self.db = db
        self.clock = clock
        self._data_key = data_key
        # the verified backup taken before this open migrated the vault, if it did
        self.migration_backup: Path | None = None
        # a worker thread's connection beside the app's own: its close leaves the header
        # and the WAL to the app's connection
        self.second_connection = False
        self.device_id = str(self.meta("device_id"))
        self.owner_id = str(self.meta("owner_worker_id"))
        self.person_id = person_id or self.owner_id
        # The newest row carries this device's latest clock (O(1) on the rowid, where
        # max(hlc) would scan a million rows).
        self.hlc = Hlc(self.device_id, self.db.scalar(
            "SELECT hlc FROM changelog ORDER BY seq DESC LIMIT 1"))

    @property
    def is_open(self) -> bool:
        return self.db.is_open

    def meta(self, key: str) -> str | None:
        value = self.db.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def writer(self, actor_id: str | None = None) -> RecordWriter:
        return RecordWriter(self.db, self.clock, self.hlc,
                            Actor(actor_id or self.owner_id, self.device_id))

    def audit(self, action: str, entity: str = "", entity_id: str = "", detail: str = "",
              actor_id: str | None = None) -> None:
        audit.append(self.db, self.clock, actor_id or self.owner_id, self.device_id, action,
                     entity, entity_id, detail)

    @property
    def attachments_dir(self) -> Path:
        return self.folder / "attachments"

    @property
    def backups_dir(self) -> Path:
        return self.folder / "backups"

    @property
    def key_buffer(self) -> bytearray:
        """The data key buffer itself (tests check that it holds zeros after `close`)."""
        return self._data_key

    def data_key_copy(self) -> bytearray:
        """For re-wrapping (passwd, recovery key, backup). Caller wipes it."""
        if not self.db.is_open:
            raise VaultError("Die Akte ist gesperrt.")
        return bytearray(self._data_key)

    def save_header(self, header: VaultHeader | None = None) -> None:
        """Write `header` (default: the current one) with the audit chain's head as anchor,
        authenticated under the data key (format 2)."""
        header = header or self.header
        if header.format_version >= 2:
            header = header.replace(anchor=audit.head(self.db),
                                    change_anchor=changelog_head(self.db)).signed(self._data_key)
        write_header(self.folder, header)
        self.header = header

    def anchor_audit(self) -> None:
        """Record the audit chain's head in `vault.json` (on lock, after reserved acts,
        before a backup) so a cut-off tail is found by `vault check`."""
        if self.header.format_version >= 2 and (
                self.header.anchor != audit.head(self.db)
                or self.header.change_anchor != changelog_head(self.db)):
            self.save_header()

    def fold_wal(self) -> None:
        """Copy what the WAL holds into the database file, without waiting for anyone (a
        passive checkpoint). The app's worker does it after its jobs, so the checkpoint
        of a lock (on the window thread) finds little left to copy."""
        self.db.query("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        try:
            if self.db.is_open and not self.second_connection:
                with contextlib.suppress(Exception):
                    self.anchor_audit()
                with contextlib.suppress(Exception):
                    # Keep the planner's statistics fresh (cheap; analyses only what
                    # changed enough), then fold the WAL back into the database.
                    self.db.query("PRAGMA optimize")
                    with self.db.transaction():
                        # ANALYZE writes STAT4 samples again; they make SQLite re-plan
                        # FTS5's lookups on every search (see migration m0004).
                        drop_stat4(self.db)
                    self.db.checkpoint()
        finally:
            self.db.close()
            crypto.wipe(self._data_key)

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- key slots ---------------------------------------------------------------------------------


def make_slot(header: VaultHeader, worker_id: str, name: str, kek: bytes | bytearray,
              kdf: crypto.KdfParams, private: bytes | bytearray, data_key: bytes | bytearray,
              *, owner: bool = False) -> KeySlot:
    x_public, sign_public = crypto.public_keys(private)
    nonce, ciphertext = crypto.wrap(kek, private,
                                    header.slot_aad(worker_id, kdf, x_public, sign_public))
    ephemeral, seal_nonce, sealed = crypto.seal(x_public, data_key, header.seal_aad(worker_id))
    return KeySlot(worker_id, kdf, nonce, ciphertext, x_public, sign_public, ephemeral,
                   seal_nonce, sealed, owner, name_tag(header.vault_id, name))


def new_slot(header: VaultHeader, worker_id: str, name: str, passphrase: str,
             data_key: bytes | bytearray, *, owner: bool = False,
             kdf: crypto.KdfParams | None = None) -> KeySlot:
    """A fresh key pair for the person, wrapped under her passphrase (one Argon2id run)."""
    params = kdf or crypto.KdfParams.fresh(max(header.kdf.memory_kib, crypto.MIN_MEMORY_KIB),
                                           max(header.kdf.iterations, crypto.MIN_ITERATIONS))
    private = crypto.new_private_keys()
    kek = crypto.derive_kek(passphrase, params)
    try:
        return make_slot(header, worker_id, name, kek, params, private, data_key, owner=owner)
    finally:
        crypto.wipe(kek)
        crypto.wipe(private)


def unwrap_private(header: VaultHeader, slot: KeySlot, passphrase: str) -> bytearray:
    """The person's private keys (64 bytes; caller wipes). Raises `WrongPassphrase`."""
    kek = crypto.derive_kek(passphrase, slot.kdf)
    try:
        private = crypto.unwrap(kek, slot.nonce, slot.ciphertext,
                                header.slot_aad(slot.worker_id, slot.kdf, slot.x_public,
                                                slot.sign_public))
    finally:
        crypto.wipe(kek)
    if private is None:
        raise WrongPassphrase()
    return private


def unseal_data_key(header: VaultHeader, slot: KeySlot, private: bytes | bytearray) -> bytearray:
    data_key = crypto.unseal(private, slot.seal_ephemeral, slot.seal_nonce,
                             slot.seal_ciphertext, header.seal_aad(slot.worker_id))
    if data_key is None:
        raise VaultError(f"„{HEADER_FILE}“ ist beschädigt (Schlüssel dieser Person passt nicht).")
    return data_key


def find_slot(header: VaultHeader, person: str | None) -> KeySlot:
    """The slot of a person given by id or name (None: the owner)."""
    if person is None:
        slot = header.owner_slot
    else:
        wanted = name_tag(header.vault_id, person)
        slot = header.slot(person) or next((s for s in header.slots if s.tag == wanted), None)
    if slot is None:
        raise VaultError(
            "Für diese Person gibt es in dieser Akte noch keinen Schlüssel. Eine Person mit "
            "Admin-Rolle legt ihn an („Person hinzufügen“ bzw. casework team passwd).")
    return slot


@dataclass
class UnlockedKey:
    """A data key unwrapped by one person's passphrase (`person_id`; None for a format-1
    vault, whose single key belongs to the owner). `legacy_kek` (format 1 only) wraps the
    owner's new key slot during the upgrade and is wiped right after."""

    data_key: bytearray = field(repr=False)
    person_id: str | None
    legacy_kek: bytearray | None = field(default=None, repr=False)
    legacy_person: str | None = None  # the person named at unlock of a format-1 vault

    def wipe(self) -> None:
        crypto.wipe(self.data_key)
        if self.legacy_kek is not None:
            crypto.wipe(self.legacy_kek)


def unlock_person(header: VaultHeader, passphrase: str, person: str | None = None) -> UnlockedKey:
    """Unwrap the data key with one person's passphrase (slow: one Argon2id run)."""
    if header.format_version < 2:
        wrapped = header.key("passphrase")
        if wrapped is None:
            raise VaultError("Die Akte enthält keinen Passphrasen-Schlüssel.")
        kek = crypto.derive_kek(passphrase, header.kdf)
        data_key = crypto.unwrap(kek, wrapped.nonce, wrapped.ciphertext,
                                 header.aad("passphrase"))
        if data_key is None:
            crypto.wipe(kek)
            raise WrongPassphrase()
        return UnlockedKey(data_key, None, kek, person)
    slot = find_slot(header, person)
    private = unwrap_private(header, slot, passphrase)
    try:
        return UnlockedKey(unseal_data_key(header, slot, private), slot.worker_id)
    finally:
        crypto.wipe(private)


def unlock_data_key(header: VaultHeader, passphrase: str, person: str | None = None) -> bytearray:
    key = unlock_person(header, passphrase, person)
    if key.legacy_kek is not None:
        crypto.wipe(key.legacy_kek)
    return key.data_key


def _person_name(db: Database, worker_id: str) -> str:
    return str(db.scalar("SELECT name FROM workers WHERE id = ?", (worker_id,)) or "")


def set_person_key(vault: Vault, worker_id: str, passphrase: str, *,
                   kdf: crypto.KdfParams | None = None) -> str:
    """Give a person a fresh key pair and key slot under `passphrase` (first passphrase,
    change or reset); returns the new signing key's fingerprint. Old public keys stay in the
    database, so earlier signatures remain verifiable."""
    return install_person_slot(vault, derive_person_slot(
        prepare_person_slot(vault, worker_id, passphrase, kdf=kdf)))


@dataclass
class SlotRequest:
    """What `derive_person_slot` needs (no database): the app derives the slot on its
    worker thread and installs it on the connection's thread."""

    header: VaultHeader
    worker_id: str
    name: str
    passphrase: str = field(repr=False)
    data_key: bytearray = field(repr=False)
    owner: bool
    kdf: crypto.KdfParams | None = None

    def wipe(self) -> None:
        crypto.wipe(self.data_key)


def prepare_person_slot(vault: Vault, worker_id: str, passphrase: str, *,
                        kdf: crypto.KdfParams | None = None) -> SlotRequest:
    return SlotRequest(vault.header, worker_id, _person_name(vault.db, worker_id), passphrase,
                       vault.data_key_copy(), worker_id == vault.owner_id, kdf)


def derive_person_slot(request: SlotRequest) -> KeySlot:
    """The slow part (one Argon2id run); wipes the request's copy of the data key."""
    try:
        return new_slot(request.header, request.worker_id, request.name, request.passphrase,
                        request.data_key, owner=request.owner, kdf=request.kdf)
    finally:
        request.wipe()


def install_person_slot(vault: Vault, slot: KeySlot) -> str:
    from casework.storage import signatures as person_store

    with vault.db.transaction():
        fp = person_store.add_signing_key(vault.db, slot.worker_id, slot.sign_public,
                                          to_utc_iso(vault.clock.now()))
    header = vault.header
    if header.format_version < 2:
        header = header.replace(format_version=FORMAT_VERSION).without_key("passphrase")
    vault.save_header(header.with_slot(slot))
    return fp


def remove_slot(vault: Vault, worker_id: str) -> None:
    if worker_id == vault.owner_id:
        raise VaultError("Die Inhaberin der Akte kann nicht entfernt werden.")
    vault.save_header(vault.header.without_slot(worker_id))


def _upgrade_legacy(vault: Vault, key: UnlockedKey) -> None:
    """Format 1 → 2: the vault's one passphrase becomes the owner's key slot (same Argon2id
    salt and parameters, so no second derivation)."""
    from casework.storage import signatures as person_store

    if key.legacy_kek is None:
        # Opened with the recovery key or from a backup: the header stays in format 1 until
        # a passphrase is set (`set_person_key` writes the owner's slot).
        return
    header = vault.header.replace(format_version=FORMAT_VERSION)
    private = crypto.new_private_keys()
    try:
        slot = make_slot(header, vault.owner_id, _person_name(vault.db, vault.owner_id),
                         key.legacy_kek, header.kdf, private, vault.key_buffer, owner=True)
    finally:
        crypto.wipe(private)
    with vault.db.transaction():
        person_store.add_signing_key(vault.db, vault.owner_id, slot.sign_public,
                                     to_utc_iso(vault.clock.now()))
        vault.audit("vault.upgraded", "vault", header.vault_id, "format=2")
    vault.save_header(header.without_key("passphrase").with_slot(slot))


def create_vault(folder: Path, passphrase: str, clock: Clock, *, owner_name: str,
                 owner_role: str = "Fachkraft", profile: str = "bottrop-beispiel",
                 kdf: crypto.KdfParams | None = None,
                 memory_security: bool = MEMORY_SECURITY) -> Vault:
    from casework.models.persons.signing import parse_roles
    from casework.storage import signatures as person_store

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise VaultError(
            f"Der Ordner „{folder}“ ist nicht leer. Eine neue Akte wird nur in einem neuen "
            "oder leeren Ordner angelegt; es wird nichts überschrieben."
        )
    try:
        private_files.make_folder(folder, parents=True)
        private_files.make_folder(folder / "attachments")
        private_files.make_folder(folder / "backups")
    except OSError:
        raise VaultError(f"Der Ordner „{folder}“ kann nicht angelegt werden.") from None
    params = kdf or crypto.KdfParams.fresh()
    data_key = crypto.new_data_key()
    vault_id = new_id()
    owner_id = new_id()
    header = VaultHeader(vault_id, to_utc_iso(clock.now()), params, ())
    slot = new_slot(header, owner_id, owner_name, passphrase, data_key, owner=True, kdf=params)
    header = header.with_slot(slot)
    db = Database.open(folder / DB_FILE, data_key, create=True, memory_security=memory_security)
    try:
        migrate(db)
        device_id = new_id()
        now = to_utc_iso(clock.now())
        with db.transaction():
            for key, value in (("vault_id", vault_id), ("device_id", device_id),
                               ("owner_worker_id", owner_id), ("profile", profile),
                               ("created_at", now)):
                db.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, value))
            writer = RecordWriter(db, clock, Hlc(device_id), Actor(owner_id, device_id))
            writer.insert("workers", "worker",
                          {"name": owner_name, "role": owner_role, "team": "", "fte": 1.0},
                          record_id=owner_id)
            roles = (owner_role,) if owner_role == "Admin" else (owner_role, "Admin")
            person_store.set_roles(db, owner_id, parse_roles(roles), owner=True)
            person_store.add_signing_key(db, owner_id, slot.sign_public, now)
            audit.append(db, clock, owner_id, device_id, "vault.create")
        db.checkpoint()
        vault = Vault(folder, header, db, data_key, clock, owner_id)
        vault.save_header()
    except BaseException:
        db.close()
        raise
    return vault


# Writes a verified backup of a vault that is about to be migrated and returns its path
# (casework.storage.backup.premigration.backup_before_migration; the services pass it in,
# storage.vault cannot import the backup package, which imports this module).
PreMigrationBackup = Callable[[Path, "VaultHeader", Database, bytearray, Clock, int], Path]
# on_migration(step, steps): 0 while the backup before migrating is written, then 1 … steps
MigrationProgress = Callable[[int, int], None]


def needs_migration(folder: Path, header: VaultHeader, data_key: bytearray) -> bool:
    """Whether opening this vault would migrate its schema (a quick look that changes
    nothing; refuses a damaged WAL or a vault of a newer version as opening would).
    Format-1 vaults answer False: their upgrade rewrites the header, so it stays in the
    one open that holds the header."""
    if header.format_version < 2:
        return False
    refuse_damaged_wal(folder)
    db = Database.open(folder / DB_FILE, data_key, read_only=True)
    try:
        return bool(pending_migrations(db))
    finally:
        db.close()


def open_vault(folder: Path, passphrase: str, clock: Clock, *, failed_attempts: int = 0,
               cache_kib: int | None = None, memory_security: bool = MEMORY_SECURITY,
               person: str | None = None,
               before_migration: PreMigrationBackup | None = None) -> Vault:
    folder = Path(folder)
    header = read_header(folder)
    key = unlock_person(header, passphrase, person)
    return open_with_key(folder, header, key.data_key, clock, failed_attempts=failed_attempts,
                         cache_kib=cache_kib, memory_security=memory_security,
                         unlocked=key, before_migration=before_migration)


def open_with_key(folder: Path, header: VaultHeader, data_key: bytearray, clock: Clock, *,
                  failed_attempts: int = 0, cache_kib: int | None = None,
                  audit_action: str = "vault.unlock",
                  memory_security: bool = MEMORY_SECURITY,
                  unlocked: UnlockedKey | None = None,
                  before_migration: PreMigrationBackup | None = None,
                  second_connection: bool = False,
                  on_migration: MigrationProgress | None = None) -> Vault:
    """`second_connection`: the app's worker opens the vault while the GUI thread's
    connection is open (import, sync): its WAL is live, and the anchor is that one's."""
    try:
        if not second_connection:
            refuse_damaged_wal(folder)
            _refuse_behind_anchor(folder, header, data_key)
        if cache_kib is None:
            db = Database.open(folder / DB_FILE, data_key, memory_security=memory_security)
        else:
            db = Database.open(folder / DB_FILE, data_key, cache_kib=cache_kib,
                               memory_security=memory_security)
    except BaseException:
        crypto.wipe(data_key)
        if unlocked is not None:
            unlocked.wipe()
        raise
    migration_backup: Path | None = None
    try:
        stored_id = db.scalar("SELECT value FROM meta WHERE key = 'vault_id'")
        if stored_id != header.vault_id:
            raise VaultError(
                f"„{HEADER_FILE}“ passt nicht zur Datenbank dieser Akte (andere Akten-Kennung)."
            )
        if header.format_version >= 2 and not header.mac_ok(data_key):
            raise VaultError(
                f"„{HEADER_FILE}“ wurde verändert (Echtheitsprüfung fehlgeschlagen). Bitte die "
                "Datei aus einer Sicherung wiederherstellen.")
        todo = pending_migrations(db)  # refuses a vault written by a newer version
        if todo and before_migration is not None:
            if on_migration is not None:
                on_migration(0, len(todo))
            migration_backup = before_migration(folder, header, db, data_key, clock,
                                                int(db.pragma("user_version") or 0))
        migrate(db, on_migration)
        person_id = unlocked.person_id if unlocked is not None else None
        vault = Vault(folder, header, db, data_key, clock, person_id)
        vault.migration_backup = migration_backup
        if header.format_version < 2:
            legacy_person = unlocked.legacy_person if unlocked is not None else None
            if legacy_person is not None and legacy_person.strip().casefold() not in (
                    vault.owner_id, _person_name(db, vault.owner_id).strip().casefold()):
                raise VaultError(
                    "Für diese Person gibt es in dieser Akte noch keinen Schlüssel. Die "
                    "Inhaberin öffnet die Akte zuerst mit ihrer Passphrase.")
            _upgrade_legacy(vault, unlocked or UnlockedKey(bytearray(), None))
        if db.scalar("SELECT count(*) FROM workers WHERE id = ? AND deleted = 0",
                     (vault.person_id,)) == 0:
            raise VaultError("Diese Person gehört nicht mehr zu dieser Akte.")
        if failed_attempts:
            vault.audit("vault.unlock_failed", detail=f"count={int(failed_attempts)}",
                        actor_id=vault.person_id)
        if migration_backup is not None:
            vault.audit("vault.migrate", detail="schema=" + ",".join(str(v) for v in todo),
                        actor_id=vault.person_id)
        if audit_action:
            vault.audit(audit_action, actor_id=vault.person_id)
        vault.second_connection = second_connection
        if not second_connection:
            # Anchor this session's first entry: a WAL removed or rolled back after a
            # crash loses it, and the next open says so instead of opening silently.
            vault.anchor_audit()
    except BaseException:
        db.close()
        crypto.wipe(data_key)
        if unlocked is not None:
            unlocked.wipe()
        raise
    if unlocked is not None and unlocked.legacy_kek is not None:
        crypto.wipe(unlocked.legacy_kek)
    return vault


def _since(folder: Path) -> str:
    """When the header's anchor was last written (locking, unlocking, a backup)."""
    try:
        stamp = (folder / HEADER_FILE).stat().st_mtime
    except OSError:
        return "dem letzten Öffnen"
    return "dem " + datetime.fromtimestamp(stamp, BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def _newest_backup(folder: Path) -> str:
    try:
        found = sorted((p for p in (folder / "backups").iterdir() if p.suffix == ".cwbackup"),
                       key=lambda p: p.stat().st_mtime)
    except OSError:
        found = []
    if not found:
        return "Bitte die Akte aus der neuesten Sicherung wiederherstellen."
    return f"Neueste Sicherung im Akten-Ordner: „{found[-1].name}“."


def refuse_damaged_wal(folder: Path) -> None:
    """Before SQLite reads it: a damaged WAL whose later commits SQLite would drop
    silently. Nothing is opened or written; the files stay as they are."""
    damage = wal.inspect(folder / (DB_FILE + "-wal"))
    if damage is not None:
        raise VaultError(
            f"Das Schreibprotokoll der Akte („{DB_FILE}-wal“) ist beschädigt: "
            f"{damage.lost_commits} gespeicherte Änderung(en) seit {_since(folder)} gingen "
            "beim Öffnen verloren. Die Akte wurde nicht geöffnet und nicht verändert. "
            + _newest_backup(folder))


def changelog_head(db: Database) -> tuple[int, str] | None:
    row = db.query_one("SELECT seq, change_id FROM changelog ORDER BY seq DESC LIMIT 1")
    return None if row is None else (int(row[0]), str(row[1]))


def behind_change_anchor(db: Database, header: VaultHeader) -> bool:
    """The change log no longer reaches its anchored head although nothing was audited
    since the anchor was written (a purge, which deletes change-log rows, is audited):
    the database was rolled back, e.g. by an old WAL replayed onto it."""
    if header.change_anchor is None or audit.head(db) != header.anchor:
        return False
    seq, change_id = header.change_anchor
    row = db.query_one("SELECT change_id FROM changelog WHERE seq = ?", (seq,))
    return row is None or str(row[0]) != change_id


def _refuse_behind_anchor(folder: Path, header: VaultHeader, data_key: bytearray) -> None:
    """Before anything is written, on a read-only connection (whose close leaves the WAL
    and the database as they are): the audit chain and the change log must still reach
    the heads anchored in the authenticated header. If not, the database or its WAL was
    rolled back, removed or replaced, and what was saved since then is missing."""
    if header.format_version < 2 or header.anchor is None or not header.mac_ok(data_key):
        return  # no anchor yet, or an edited header: the real open names that
    side_files = [folder / (DB_FILE + suffix) for suffix in ("-wal", "-shm")]
    made = [path for path in side_files if not path.exists()]
    try:
        db = Database.open(folder / DB_FILE, data_key, read_only=True)
    except VaultError:
        return  # the real open names the problem
    try:
        behind = bool(audit.verify_anchor(db, header.anchor)) or behind_change_anchor(db,
                                                                                     header)
    except (UserError, sqlcipher3.Error):  # damaged: the real open reports it
        behind = False
    finally:
        db.close()
        for path in made:  # an empty WAL and its index, made for this look only
            with contextlib.suppress(OSError):
                path.unlink()
    if not behind:
        return
    raise VaultError(
        f"Die Akte ist nicht auf dem zuletzt gesicherten Stand (Datenbank oder "
        f"Schreibprotokoll zurückgesetzt oder entfernt): Änderungen seit {_since(folder)} "
        "fehlen. Die Akte wurde nicht geöffnet und nicht verändert. " + _newest_backup(folder))


def change_passphrase(vault: Vault, new_passphrase: str,
                      kdf: crypto.KdfParams | None = None, worker_id: str | None = None) -> None:
    """New key pair and key slot for one person (default: the person who unlocked) under a
    new passphrase (fresh salt); the database is not re-encrypted (see `rekey`)."""
    who = worker_id or vault.person_id
    finish_passphrase_change(vault, derive_person_slot(
        prepare_person_slot(vault, who, new_passphrase, kdf=kdf)))


def finish_passphrase_change(vault: Vault, slot: KeySlot) -> None:
    """Install a slot derived by `derive_person_slot` as the person's new passphrase."""
    install_person_slot(vault, slot)
    vault.audit("vault.passphrase_changed", "worker", slot.worker_id, actor_id=vault.person_id)
    vault.anchor_audit()


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: tuple[str, ...]
    schema_version: int
    audit_entries: int
    households: int
    signatures: int = 0  # verified signatures
    legacy_records: int = 0  # records made before signatures were introduced

    @property
    def ok(self) -> bool:
        return not self.problems


def check_vault(vault: Vault) -> CheckReport:
    from casework.storage import signatures as person_store

    problems = list(vault.db.integrity_problems())
    problems += audit.verify(vault.db)
    problems += audit.verify_anchor(vault.db, vault.header.anchor)
    if behind_change_anchor(vault.db, vault.header):
        problems.append("Änderungsprotokoll gekürzt: der verankerte letzte Stand fehlt "
                        "(Datenbank oder Schreibprotokoll zurückgesetzt).")
    version = int(vault.db.pragma("user_version"))
    pending = missing_migrations(vault.db)
    if pending:
        problems.append(f"Schema-Änderungen fehlen: {', '.join(str(v) for v in pending)}.")
    if report_facts.mismatches(vault.db):
        problems.append("Berichtszahlen (Kontakte je Jahr und Monat) weichen von den "
                        "Kontakten ab.")
    for name in ("attachments", "backups"):
        if not (vault.folder / name).is_dir():
            problems.append(f"Unterordner „{name}“ fehlt.")
    signatures = person_store.verify_all(vault.db, vault.header.vault_id)
    problems += signatures.problems
    for slot in vault.header.slots:
        current = person_store.current_key(vault.db, slot.worker_id)
        if current is None or current[1] != slot.sign_public:
            problems.append(f"Schlüssel {slot.fingerprint} in „{HEADER_FILE}“ passt nicht zum "
                            "Personenverzeichnis der Akte.")
    audit_count = int(vault.db.scalar("SELECT count(*) FROM audit_log"))
    households = int(vault.db.scalar("SELECT count(*) FROM households WHERE deleted = 0"))
    return CheckReport(tuple(problems), version, audit_count, households,
                       signatures.verified, signatures.legacy)
