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

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import struct
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import StorageFull, UserError, VaultError
from casework.storage import crypto
from casework.storage.db import Database, raise_translated
from casework.storage.vault import DB_FILE, HEADER_FILE, Vault, read_header, write_atomic, VaultHeader

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


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    import base64

    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_subkey(data_key: bytes | bytearray, info: bytes) -> bytearray:
    """A purpose-bound key from the data key (HKDF-SHA256, TR-02102-1 Table B.1)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=None, info=info)
    return bytearray(hkdf.derive(bytes(data_key)))


def _canonical(body: dict[str, Any]) -> bytes:
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


def _header_body(vault: Vault, created_at: str, attachments: int, backup_key: bytes,
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
        nonce, ciphertext = crypto.wrap(wrap_key, backup_key, _canonical(body))
    finally:
        crypto.wipe(wrap_key)
    body["key_wrap"] = {"algorithm": crypto.WRAP_ALGORITHM, "under": "HKDF-SHA256(data key)",
                        "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
    return body


def _encode_header(body: dict[str, Any]) -> tuple[bytes, bytes]:
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
        body = json.loads(header.decode("utf-8"))
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
        _unb64(body["key_wrap"]["nonce"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BackupDamaged("Der Kopf der Sicherung ist unvollständig oder beschädigt.") from None
    return info


def unwrap_backup_key(info: BackupInfo, data_key: bytes | bytearray) -> bytearray:
    body = {k: v for k, v in info.body.items() if k != "key_wrap"}
    wrap_key = derive_subkey(data_key, _WRAP_INFO)
    try:
        key = crypto.unwrap(wrap_key, _unb64(info.body["key_wrap"]["nonce"]),
                            _unb64(info.body["key_wrap"]["ciphertext"]), _canonical(body))
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


class _ChunkWriter(io.RawIOBase):
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


class _ChunkReader(io.RawIOBase):
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


# --------------------------------------------------------------------------- snapshot


def _key_connection(conn: sqlcipher3.Connection, data_key: bytes | bytearray) -> None:
    conn.execute("PRAGMA cipher_memory_security = ON")
    conn.execute(f"PRAGMA key = \"x'{bytes(data_key).hex()}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")


def snapshot_database(vault: Vault, target: Path) -> None:
    """A consistent copy of the live database (WAL content included) through SQLite's
    online backup API, keyed with the same data key, as one self-contained file."""
    data_key = vault.data_key_copy()
    try:
        dest = sqlcipher3.connect(str(target), isolation_level=None)
        try:
            _key_connection(dest, data_key)
            vault.db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            dest.close()
    except sqlcipher3.Error as error:
        raise_translated(error)
        raise
    finally:
        crypto.wipe(data_key)


def open_snapshot(path: Path, data_key: bytes | bytearray) -> Database:
    """Open a snapshot read-mostly (for checks); caller closes it."""
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None)
        conn.row_factory = sqlcipher3.Row
        _key_connection(conn, data_key)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.Error as error:
        raise_translated(error)
        raise
    return Database(conn, path)


# --------------------------------------------------------------------------- write


def _write_error(error: OSError) -> UserError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull()
    return UserError("Die Sicherung konnte nicht geschrieben werden: Der Zielordner fehlt, ist "
                     "schreibgeschützt oder nicht erreichbar. Es wurde keine Sicherung angelegt.")


@contextlib.contextmanager
def temp_folder(parent: Path, prefix: str) -> Iterator[Path]:
    try:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as error:
        raise _write_error(error) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _attachment_files(vault: Vault) -> list[Path]:
    folder = vault.attachments_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _tar_add(tar: tarfile.TarFile, name: str, source: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mode = 0o600
    with source.open("rb") as handle:
        tar.addfile(info, handle)


def write_backup(vault: Vault, out: Path, created_at: str,
                 verify: Callable[[Path], None] | None = None) -> int:
    """Write the backup of `vault` to `out` atomically; returns its size in bytes.

    `verify(temp_path)` runs on the finished temp file before it is renamed into place; if
    it raises, nothing is left behind.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError("Der Zielordner der Sicherung existiert nicht.")
    attachments = _attachment_files(vault)
    backup_key = crypto.new_data_key()
    data_key = vault.data_key_copy()
    try:
        with temp_folder(out.parent, ".casework-backup-") as work:
            snapshot = work / "snapshot.db"
            snapshot_database(vault, snapshot)
            body = _header_body(vault, created_at, len(attachments), bytes(backup_key),
                                data_key)
            header, digest = _encode_header(body)
            part = work / "backup.part"
            try:
                with part.open("wb") as handle:
                    handle.write(header)
                    writer = _ChunkWriter(handle, backup_key, digest)
                    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                        header_file = work / HEADER_FILE
                        header_file.write_bytes(_canonical(body["vault_header"]))
                        _tar_add(tar, HEADER_FILE, header_file)
                        _tar_add(tar, DB_FILE, snapshot)
                        for path in attachments:
                            _tar_add(tar, f"{ATTACHMENTS}/{path.name}", path)
                    writer.finish()
                    handle.flush()
                    os.fsync(handle.fileno())
                snapshot.unlink()
                if verify is not None:
                    verify(part)
                os.replace(part, out)
            except OSError as error:
                raise _write_error(error) from None
    finally:
        crypto.wipe(backup_key)
        crypto.wipe(data_key)
    _fsync_dir(out.parent)
    return out.stat().st_size


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- read


def extract(path: Path, info: BackupInfo, data_key: bytes | bytearray, target: Path) -> None:
    """Decrypt the payload of `path` into the (empty) folder `target`: `vault.json`,
    `casework.db`, `attachments/`. Everything is authenticated before this returns; on a
    `BackupDamaged` the caller discards `target`."""
    backup_key = unwrap_backup_key(info, data_key)
    (target / ATTACHMENTS).mkdir(exist_ok=True)
    seen: set[str] = set()
    try:
        with Path(path).open("rb") as handle:
            handle.seek(info.payload_offset)
            reader = _ChunkReader(handle, backup_key, info.digest)
            buffered = io.BufferedReader(reader, CHUNK_BYTES)
            try:
                with tarfile.open(fileobj=buffered, mode="r|") as tar:
                    for member in tar:
                        destination = _member_path(target, member)
                        source = tar.extractfile(member)
                        if source is None:
                            raise BackupDamaged("Die Sicherung enthält einen ungültigen Eintrag.")
                        with destination.open("wb") as sink:
                            shutil.copyfileobj(source, sink, CHUNK_BYTES)
                        seen.add(member.name)
            except tarfile.TarError:
                raise BackupDamaged("Der Inhalt der Sicherung ist beschädigt.") from None
            reader.drain()
    except OSError as error:
        raise _write_error(error) from None
    finally:
        crypto.wipe(backup_key)
    if DB_FILE not in seen or HEADER_FILE not in seen:
        raise BackupDamaged("Der Sicherung fehlt die Datenbank oder der Akten-Kopf.")
    if sum(1 for n in seen if n.startswith(f"{ATTACHMENTS}/")) != info.attachments:
        raise BackupDamaged("In der Sicherung fehlen Anhänge.")


def _member_path(target: Path, member: tarfile.TarInfo) -> Path:
    """Only our own names, only regular files (no links, no '..')."""
    if not member.isfile():
        raise BackupDamaged("Die Sicherung enthält einen ungültigen Eintrag.")
    name = member.name
    if name in (DB_FILE, HEADER_FILE):
        return target / name
    prefix, _, base = name.partition("/")
    if (prefix == ATTACHMENTS and base and "/" not in base and "\\" not in base
            and base not in (".", "..") and not base.startswith(".")):
        return target / ATTACHMENTS / base
    raise BackupDamaged("Die Sicherung enthält einen ungültigen Eintrag.")


def stage_vault_header(info: BackupInfo, folder: Path) -> VaultHeader:
    """Write the vault header carried in the backup to `folder/vault.json` and parse it
    with the vault's own checks (it is public: wrapped keys only)."""
    data = json.dumps(info.vault_header_json, indent=2, ensure_ascii=False).encode("utf-8")
    write_atomic(folder / HEADER_FILE, data)
    try:
        header = read_header(folder)
    except VaultError as error:
        raise BackupDamaged(f"Der Akten-Kopf in der Sicherung ist unbrauchbar: {error.message}"
                            ) from None
    if header.vault_id != info.vault_id:
        raise BackupDamaged("Der Kopf der Sicherung ist widersprüchlich (Akten-Kennung).")
    return header


# --------------------------------------------------------------------------- deletion journal
#
# LR-37: deletions made after a backup must be re-applied when it is restored. The vault's
# `deletion_journal` table (retention work, m0025) lists them; each backup run also copies
# it (ids and times only, never content) into an encrypted `deletions.journal` next to the
# backup files, so a restore on another machine knows them too.

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
    return db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                     "AND name = 'deletion_journal'") == 1


def journal_entries(db: Database) -> list[JournalEntry]:
    if not has_journal_table(db):
        return []
    return [JournalEntry(str(r["entity"]), str(r["entity_id"]),
                         None if r["scope_id"] is None else str(r["scope_id"]),
                         str(r["deleted_at"]))
            for r in db.query("SELECT entity, entity_id, scope_id, deleted_at "
                              "FROM deletion_journal ORDER BY seq")]


def merge_journal(db: Database, entries: list[JournalEntry]) -> int:
    """Add entries the vault's journal does not have yet; returns how many."""
    if not entries or not has_journal_table(db):
        return 0
    added = 0
    with db.transaction():
        for e in entries:
            known = db.scalar("SELECT count(*) FROM deletion_journal WHERE entity = ? AND "
                              "entity_id = ? AND deleted_at = ?",
                              (e.entity, e.entity_id, e.deleted_at))
            if not known:
                db.execute("INSERT INTO deletion_journal (entity, entity_id, scope_id, "
                           "deleted_at) VALUES (?,?,?,?)",
                           (e.entity, e.entity_id, e.scope_id, e.deleted_at))
                added += 1
    return added


def _journal_aad(vault_id: str) -> bytes:
    return _canonical({"format": JOURNAL_FORMAT, "format_version": 1, "vault_id": vault_id})


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
    plain = _canonical({"entries": [[e.entity, e.entity_id, e.scope_id, e.deleted_at]
                                    for e in entries]})
    key = derive_subkey(data_key, _JOURNAL_INFO)
    try:
        nonce = os.urandom(crypto.NONCE_BYTES)
        sealed = AESGCM(bytes(key)).encrypt(nonce, plain, _journal_aad(vault_id))
    finally:
        crypto.wipe(key)
    body["vaults"][vault_id] = {"updated_at": updated_at, "algorithm": PAYLOAD_ALGORITHM,
                                "nonce": _b64(nonce), "ciphertext": _b64(sealed)}
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
        plain = AESGCM(bytes(key)).decrypt(_unb64(item["nonce"]), _unb64(item["ciphertext"]),
                                           _journal_aad(vault_id))
        rows = json.loads(plain)["entries"]
        return [JournalEntry(str(r[0]), str(r[1]), None if r[2] is None else str(r[2]),
                             str(r[3])) for r in rows]
    except (InvalidTag, ValueError, KeyError, TypeError, IndexError):
        raise BackupDamaged(f"„{JOURNAL_FILE}“ ist beschädigt oder gehört nicht zu "
                            "dieser Akte.") from None
    finally:
        crypto.wipe(key)
