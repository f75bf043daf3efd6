"""Encrypted attachments (signed consent scans, printed forms …) in `vault.attachments_dir`.

Each attachment is one file named by a random id (no name, date or type leaks through the
file system). Layout: magic `CWAT`, a format-version byte, a random 96-bit nonce, then the
AES-256-GCM ciphertext with its tag. The key is derived from the vault's data key with
HKDF-SHA256 (info `casework attachments v1`), so it never touches the disk and changes
with the vault. The header and the attachment id are bound as associated data: a flipped
bit, a truncated file or a file renamed to another id fails authentication.

Deleting overwrites the file with random bytes (flushed to disk) before unlinking it
(SDM Baustein 60; on SSDs and copy-on-write file systems this is best effort, which is why
the content is encrypted in the first place).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.errors import NotFound, StorageFull, UserError, VaultError
from casework.storage import crypto, private_files
from casework.storage.db import Database
from casework.storage.privacy import purge
from casework.storage.vault import Vault
from casework.storage.vault_header import REKEY_PREFIX

MAGIC = b"CWAT"
FORMAT_VERSION = 1
NONCE_BYTES = 12
HKDF_INFO = b"casework attachments v1"
HEADER_BYTES = len(MAGIC) + 1 + NONCE_BYTES
MAX_BYTES = 64 * 1024 * 1024  # a scanned form is a few MB; refuse absurd input

_ID = re.compile(r"^[0-9a-f]{32}$")


def _key(vault: Vault) -> bytes:
    data_key = vault.data_key_copy()
    try:
        return key_from_data_key(data_key)
    finally:
        crypto.wipe(data_key)


def key_from_data_key(data_key: bytes | bytearray) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=None,
                info=HKDF_INFO).derive(bytes(data_key))


def _path(vault: Vault, attachment_id: str) -> Path:
    if not _ID.match(attachment_id):
        raise NotFound("Der Anhang")
    return vault.attachments_dir / attachment_id


def _aad(header: bytes, attachment_id: str) -> bytes:
    return header + attachment_id.encode("ascii")


def put(vault: Vault, data: bytes) -> str:
    """Encrypt `data` into a new attachment file; returns its id. Durable on return."""
    if len(data) > MAX_BYTES:
        raise UserError("Die Datei ist zu groß (höchstens 64 MB).")
    attachment_id = secrets.token_hex(16)
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + bytes([FORMAT_VERSION]) + nonce
    blob = header + AESGCM(_key(vault)).encrypt(nonce, bytes(data), _aad(header, attachment_id))
    folder = vault.attachments_dir
    try:
        folder.mkdir(exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    except OSError as error:
        raise _write_error(error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, folder / attachment_id)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise _write_error(error) from None
    private_files.fsync_dir(folder)
    return attachment_id


def get(vault: Vault, attachment_id: str) -> bytes:
    """Decrypt an attachment; a damaged or altered file is a `VaultError` in German."""
    return _decrypt(_key(vault), _path(vault, attachment_id), attachment_id)


def _decrypt(key: bytes, path: Path, attachment_id: str) -> bytes:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise NotFound("Der Anhang") from None
    except OSError:
        raise VaultError("Der Anhang kann nicht gelesen werden.") from None
    if len(blob) < HEADER_BYTES + 16 or blob[: len(MAGIC)] != MAGIC:
        raise VaultError("Der Anhang ist beschädigt (kein Casework-Anhang).")
    version = blob[len(MAGIC)]
    if version != FORMAT_VERSION:
        raise VaultError(
            f"Der Anhang hat das Format {version}; diese Casework-Version kennt nur "
            f"{FORMAT_VERSION}. Bitte Casework aktualisieren.")
    header = blob[:HEADER_BYTES]
    nonce = header[len(MAGIC) + 1:]
    try:
        return AESGCM(key).decrypt(nonce, blob[HEADER_BYTES:], _aad(header, attachment_id))
    except InvalidTag:
        raise VaultError(
            "Der Anhang ist beschädigt oder wurde verändert (Prüfung der Verschlüsselung "
            "fehlgeschlagen). Bitte aus einer Sicherung wiederherstellen.") from None


def exists(vault: Vault, attachment_id: str) -> bool:
    return bool(_ID.match(attachment_id)) and (vault.attachments_dir / attachment_id).is_file()


def list_ids(vault: Vault) -> list[str]:
    """Ids of all attachment files (for retention and consistency checks)."""
    return list_ids_in(vault.attachments_dir)


def delete(vault: Vault, attachment_id: str) -> None:
    """Overwrite with random bytes, flush, unlink. Deleting a missing id does nothing
    (re-applying deletions after a restore is idempotent)."""
    path = _path(vault, attachment_id)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError:
        raise VaultError("Der Anhang kann nicht gelöscht werden.") from None
    try:
        with path.open("r+b") as handle:
            remaining = size
            while remaining > 0:
                chunk = min(remaining, 1024 * 1024)
                handle.write(os.urandom(chunk))
                remaining -= chunk
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    except FileNotFoundError:
        return
    except OSError:
        raise VaultError("Der Anhang kann nicht gelöscht werden.") from None
    private_files.fsync_dir(path.parent)


@dataclass(frozen=True, slots=True)
class AttachmentIndex:
    """What the database says about attachment files (read on the connection's thread)."""

    referenced: frozenset[str]
    pending_deletion: frozenset[str]


def index(db: Database) -> AttachmentIndex:
    return AttachmentIndex(frozenset(purge.referenced_attachment_ids(db)),
                           frozenset(purge.pending_file_deletions(db)))


def check(vault: Vault) -> list[str]:
    """Problems with the vault's attachment files (`vault check`); see `problems`."""
    folder = vault.attachments_dir
    return problems(_key(vault), [folder / name for name in list_ids_in(folder)],
                    index(vault.db))


def problems(key: bytes, paths: list[Path], known: AttachmentIndex) -> list[str]:
    """Problems in German: every file's authentication tag, every referenced attachment
    present, every file referenced (or waiting for its deletion to finish). Touches only
    the files `paths` (an attachments folder's content), so a backup runs it on its
    worker thread."""
    by_id = {path.name: path for path in paths if _ID.match(path.name)}
    files = set(by_id)
    found: list[str] = []
    for attachment_id in sorted(files):
        try:
            _decrypt(key, by_id[attachment_id], attachment_id)
        except UserError:
            found.append(f"Anhang {attachment_id[:8]} ist beschädigt oder wurde verändert.")
    missing = sorted(known.referenced - files)
    if missing:
        found.append(f"{len(missing)} Anhang/Anhänge fehlen im Ordner „attachments“ "
                     f"({', '.join(m[:8] for m in missing[:5])}).")
    orphans = sorted(files - known.referenced - known.pending_deletion)
    if orphans:
        found.append(f"{len(orphans)} Datei(en) in „attachments“ gehören zu keinem Eintrag "
                     f"({', '.join(o[:8] for o in orphans[:5])}).")
    return found


def list_ids_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if _ID.match(p.name) and p.is_file())


def finish_pending_deletions(vault: Vault) -> int:
    """Overwrite and remove the files a real deletion left to do (after its commit, or
    at the next open after a crash). Idempotent; returns how many were finished."""
    done = 0
    for attachment_id in purge.pending_file_deletions(vault.db):
        delete(vault, attachment_id)
        with vault.db.transaction():
            purge.forget_pending_file_deletion(vault.db, attachment_id)
        done += 1
    return done


def _write_error(error: OSError) -> UserError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull()
    return VaultError("Der Anhang konnte nicht gespeichert werden (Ordner „attachments“ fehlt "
                      "oder ist schreibgeschützt). Es wurde nichts gespeichert.")





def stage_rekey(vault: Vault, new_data_key: bytes | bytearray) -> int:
    """`vault rekey`, step 1: write every attachment again under the new data key as
    `.rekey-<id>` next to the old file (the old files stay valid until the rekey commits;
    `finish_rekey` renames them)."""
    new_key = HKDF(algorithm=hashes.SHA256(), length=crypto.KEY_BYTES, salt=None,
                   info=HKDF_INFO).derive(bytes(new_data_key))
    count = 0
    for attachment_id in list_ids(vault):
        data = get(vault, attachment_id)
        nonce = os.urandom(NONCE_BYTES)
        header = MAGIC + bytes([FORMAT_VERSION]) + nonce
        blob = header + AESGCM(new_key).encrypt(nonce, data, _aad(header, attachment_id))
        path = vault.attachments_dir / f"{REKEY_PREFIX}{attachment_id}"
        try:
            with path.open("wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise _write_error(error) from None
        count += 1
    private_files.fsync_dir(vault.attachments_dir)
    return count
