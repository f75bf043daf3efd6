"""Encrypted backup files: one file per backup (LR-40, LR-46, LR-48).

Layout (all integers big-endian)::

    MAGIC (16 bytes "CASEWORK-BACKUP\\0") | u16 format version | u32 header length |
    header (UTF-8 JSON) | SHA-256 over everything before it (32 bytes) |
    chunk* where chunk = u8 final flag | u32 ciphertext length | AES-256-GCM ciphertext

The header names the format version, the KDF (Argon2id parameters and salt), the vault
id, the time of the snapshot and carries the vault's public header (`vault.json`, with the
passphrase- and recovery-wrapped data key). The payload key is a fresh random 256-bit
backup key, wrapped with AES-256-GCM under a key derived (HKDF-SHA256) from the data key;
the header minus that wrapped key is the associated data of the wrap, so any change of the
header is detected. Opening a backup therefore needs the vault's passphrase at the time of
the backup (Argon2id → data key → backup key) or the organisation recovery key — and a
scheduled backup needs no passphrase at all, only the unlocked vault.

The payload is a tar stream (`vault.json`, `casework.db` — a SQLCipher snapshot keyed
with the data key —, `attachments/<id>`) cut into chunks of `CHUNK_BYTES`. Each chunk is
sealed on its own: nonce = 4 zero bytes + 64-bit chunk counter (never reused: the key is
new for every backup), associated data = header digest + chunk index + final flag, so a
truncated, reordered or extended file is refused.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import UserError, VaultError
from casework.models import safe_json
from casework.storage import crypto
from casework.storage.vault import Vault

MAGIC = b"CASEWORK-BACKUP\x00"
FORMAT = "casework-backup"
FORMAT_VERSION = 1
CHUNK_BYTES = 1024 * 1024
SUFFIX = ".cwbackup"
PAYLOAD_ALGORITHM = "AES-256-GCM"
_MAX_HEADER = 1024 * 1024
_PRELUDE = struct.Struct(">HI")
_CHUNK = struct.Struct(">BI")
_DIGEST_BYTES = 32
_WRAP_INFO = b"casework backup key wrap v1"
ATTACHMENTS = "attachments"


class BackupDamaged(VaultError):
    """The file is not a backup, is damaged, truncated or too new."""


class BackupPassphraseWrong(UserError):
    def __init__(self) -> None:
        super().__init__(
            "Die Passphrase passt nicht zu dieser Sicherung. Es gilt die Passphrase der Akte "
            "zum Zeitpunkt der Sicherung (oder der Wiederherstellungsschlüssel)."
        )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_subkey(data_key: bytes | bytearray, info: bytes) -> bytearray:
    """A purpose-bound key from the data key (HKDF-SHA256, TR-02102-1 Table B.1)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=None, info=info)
    return bytearray(hkdf.derive(bytes(data_key)))


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --------------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """The public, checked header of a backup file (no key needed to read it)."""

    format_version: int
    vault_id: str
    created_at: str
    schema_version: int
    attachments: int
    vault_header_json: dict[str, Any]
    body: dict[str, Any]
    digest: bytes
    payload_offset: int


def header_body(vault: Vault, created_at: str, attachments: int, backup_key: bytes,
                 data_key: bytes | bytearray) -> dict[str, Any]:
    vault_json = vault.header.to_json()
    kdf = dict(vault_json["kdf"])
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vault_id": vault.header.vault_id,
        "created_at": created_at,
        "schema_version": int(vault.db.pragma("user_version")),
        "attachments": attachments,
        "kdf": kdf,
        "payload": {"algorithm": PAYLOAD_ALGORITHM, "chunk_bytes": CHUNK_BYTES,
                    "nonce": "counter-96", "container": "tar"},
        "vault_header": vault_json,
    }
    wrap_key = derive_subkey(data_key, _WRAP_INFO)
    try:
        nonce, ciphertext = crypto.wrap(wrap_key, backup_key, canonical(body))
    finally:
        crypto.wipe(wrap_key)
    body["key_wrap"] = {"algorithm": crypto.WRAP_ALGORITHM, "under": "HKDF-SHA256(data key)",
                        "nonce": b64(nonce), "ciphertext": b64(ciphertext)}
    return body


def encode_header(body: dict[str, Any]) -> tuple[bytes, bytes]:
    header = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    prelude = MAGIC + _PRELUDE.pack(FORMAT_VERSION, len(header)) + header
    digest = hashlib.sha256(prelude).digest()
    return prelude + digest, digest


def read_info(path: Path) -> BackupInfo:
    """Read and check the public header; raises `BackupDamaged` with a German reason."""
    try:
        with Path(path).open("rb") as handle:
            return _read_info(handle)
    except FileNotFoundError:
        raise UserError(f"Die Sicherungsdatei „{Path(path).name}“ gibt es nicht.") from None
    except IsADirectoryError:
        raise UserError(f"„{Path(path).name}“ ist ein Ordner, keine Sicherungsdatei.") from None
    except OSError:
        raise UserError(f"Die Sicherungsdatei „{Path(path).name}“ kann nicht gelesen "
                        "werden.") from None


def _not_a_backup() -> BackupDamaged:
    return BackupDamaged("Diese Datei ist keine Casework-Sicherung.")


def _read_info(handle: BinaryIO) -> BackupInfo:
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        raise _not_a_backup()
    prelude = handle.read(_PRELUDE.size)
    if len(prelude) != _PRELUDE.size:
        raise BackupDamaged("Die Sicherung ist abgeschnitten (Kopf unvollständig).")
    version, length = _PRELUDE.unpack(prelude)
    if version > FORMAT_VERSION:
        raise BackupDamaged(
            f"Diese Sicherung hat das Format {version}; diese Casework-Version kennt nur bis "
            f"{FORMAT_VERSION}. Bitte Casework aktualisieren und erneut versuchen.")
    if version < 1 or length > _MAX_HEADER:
        raise BackupDamaged("Der Kopf der Sicherung ist beschädigt.")
    header = handle.read(length)
    digest = handle.read(_DIGEST_BYTES)
    if len(header) != length or len(digest) != _DIGEST_BYTES:
        raise BackupDamaged("Die Sicherung ist abgeschnitten (Kopf unvollständig).")
    if hashlib.sha256(magic + prelude + header).digest() != digest:
        raise BackupDamaged("Der Kopf der Sicherung ist beschädigt (Prüfsumme stimmt nicht).")
    try:
        body = safe_json.loads(header, max_bytes=_MAX_HEADER)
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError("format")
        if body.get("format_version") != version:
            raise ValueError("version")
        vault_json = body["vault_header"]
        if not isinstance(vault_json, dict):
            raise ValueError("vault header")
        info = BackupInfo(int(version), str(body["vault_id"]), str(body["created_at"]),
                          int(body["schema_version"]), int(body["attachments"]), vault_json,
                          body, digest, len(magic) + len(prelude) + length + _DIGEST_BYTES)
        unb64(body["key_wrap"]["nonce"])
        unb64(body["key_wrap"]["ciphertext"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError, IndexError):
        raise BackupDamaged("Der Kopf der Sicherung ist unvollständig oder beschädigt.") from None
    return info


def unwrap_backup_key(info: BackupInfo, data_key: bytes | bytearray) -> bytearray:
    body = {k: v for k, v in info.body.items() if k != "key_wrap"}
    wrap_key = derive_subkey(data_key, _WRAP_INFO)
    try:
        key = crypto.unwrap(wrap_key, unb64(info.body["key_wrap"]["nonce"]),
                            unb64(info.body["key_wrap"]["ciphertext"]), canonical(body))
    except (ValueError, KeyError, TypeError):  # read_info checked them; never a crash
        key = None
    finally:
        crypto.wipe(wrap_key)
    if key is None:
        raise BackupDamaged("Die Sicherung wurde verändert oder ist beschädigt "
                            "(Schlüssel lässt sich nicht prüfen).")
    return key


# --------------------------------------------------------------------------- chunks


def _nonce(index: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack(">Q", index)


def _aad(digest: bytes, index: int, final: bool) -> bytes:
    return digest + struct.pack(">QB", index, int(final))


class ChunkWriter(io.RawIOBase):
    """Seals everything written to it in chunks; `finish()` writes the final chunk."""

    def __init__(self, out: IO[bytes], key: bytes | bytearray, digest: bytes) -> None:
        super().__init__()
        self._out = out
        self._aead = AESGCM(bytes(key))
        self._digest = digest
        self._buffer = bytearray()
        self._index = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self._buffer += view
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), final=False)
            del self._buffer[:CHUNK_BYTES]
        return len(view)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index), plain,
                                    _aad(self._digest, self._index, final))
        self._out.write(_CHUNK.pack(int(final), len(sealed)) + sealed)
        self._index += 1

    def finish(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()


class ChunkReader(io.RawIOBase):
    """Opens chunk after chunk; refuses a damaged, truncated or extended stream."""

    def __init__(self, source: IO[bytes], key: bytes | bytearray, digest: bytes) -> None:
        super().__init__()
        self._in = source
        self._aead = AESGCM(bytes(key))
        self._digest = digest
        self._buffer = b""
        self._pos = 0
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self._done:
            return False
        head = self._in.read(_CHUNK.size)
        if len(head) != _CHUNK.size:
            raise BackupDamaged("Die Sicherung ist unvollständig (abgeschnitten).")
        final, length = _CHUNK.unpack(head)
        if final not in (0, 1) or length > CHUNK_BYTES + 16 or length < 16:
            raise BackupDamaged(f"Die Sicherung ist beschädigt (Block {self._index + 1}).")
        sealed = self._in.read(length)
        if len(sealed) != length:
            raise BackupDamaged("Die Sicherung ist unvollständig (abgeschnitten).")
        try:
            plain = self._aead.decrypt(_nonce(self._index), sealed,
                                       _aad(self._digest, self._index, bool(final)))
        except InvalidTag:
            raise BackupDamaged(
                f"Die Sicherung ist beschädigt oder wurde verändert (Block {self._index + 1})."
            ) from None
        self._index += 1
        if final:
            self._done = True
            if self._in.read(1):
                raise BackupDamaged("Die Sicherung ist beschädigt (Daten nach dem Ende).")
        self._buffer, self._pos = plain, 0
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while self._pos >= len(self._buffer):
            if not self._next():
                return 0
        n = min(len(view), len(self._buffer) - self._pos)
        view[:n] = self._buffer[self._pos:self._pos + n]
        self._pos += n
        return n

    def drain(self) -> None:
        """Read (and authenticate) to the final chunk."""
        while self._next():
            pass
        if not self._done:
            raise BackupDamaged("Die Sicherung ist unvollständig (abgeschnitten).")
