"""`vault.json`, the vault's public header: its format, the key slots and wrapped keys it
carries, its checksum and MAC; read and written atomically (ARCHITECTURE §3). Also the
files a `rekey` stages beside it, finished or undone before the header is read."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.errors import VaultError
from casework.models import safe_json
from casework.storage import crypto, private_files

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
    private_files.fsync_dir(folder)


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
    private_files.fsync_dir(folder)


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
    private_files.fsync_dir(path.parent)

