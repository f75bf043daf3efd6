"""Writing and reading backups: a consistent snapshot of the live database, the tar
payload sealed chunk by chunk (`casework.storage.backup.format`), read-back verification,
and extraction for a restore. The deletion journal is in `backup_journal`."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import socket
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import sqlcipher3

from casework.errors import StorageFull, UserError, VaultError
from casework.storage import crypto, private_files
from casework.storage.backup.format import (
    ATTACHMENTS,
    CHUNK_BYTES,
    FORMAT_VERSION,
    MAGIC,
    SUFFIX,
    BackupDamaged,
    BackupInfo,
    BackupPassphraseWrong,
    ChunkReader,
    ChunkWriter,
    canonical,
    encode_header,
    header_body,
    read_info,
    unwrap_backup_key,
)
from casework.storage.backup.journal import (
    JOURNAL_FILE,
    JournalEntry,
    journal_entries,
    merge_journal,
    read_journal_file,
    write_journal_file,
)
from casework.storage.db import MEMORY_SECURITY, Database, raise_translated, silence_cipher_log
from casework.storage.vault import Vault
from casework.storage.vault_header import (
    DB_FILE,
    HEADER_FILE,
    VaultHeader,
    read_header,
    write_atomic,
)

__all__ = [
    "CHUNK_BYTES",
    "DB_FILE",
    "FORMAT_VERSION",
    "JOURNAL_FILE",
    "MAGIC",
    "SUFFIX",
    "BackupDamaged",
    "BackupInfo",
    "BackupPassphraseWrong",
    "JournalEntry",
    "PendingBackup",
    "extract",
    "finish_backup",
    "journal_entries",
    "merge_journal",
    "open_snapshot",
    "prepare_backup",
    "read_info",
    "read_journal_file",
    "snapshot_database",
    "snapshot_problems",
    "stage_vault_header",
    "unwrap_backup_key",
    "verify_file",
    "write_backup",
    "write_journal_file",
]


# --------------------------------------------------------------------------- snapshot


def _key_connection(conn: sqlcipher3.Connection, data_key: bytes | bytearray) -> None:
    # The setting is process-wide: ON here (as it once was) switched it on for every
    # connection after the first backup, and a later VACUUM of a large vault (real
    # deletion) then failed with "out of memory" at the mlock limit. Same as the vault's.
    conn.execute(f"PRAGMA cipher_memory_security = {'ON' if MEMORY_SECURITY else 'OFF'}")
    conn.execute(f"PRAGMA key = \"x'{bytes(data_key).hex()}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")


def snapshot_database(vault: Vault, target: Path) -> None:
    """A consistent copy of the live database (WAL content included), keyed with the same
    data key, as one self-contained file.

    Fast path: checkpoint the WAL into the database file, open a read transaction and, if
    the WAL is still empty, copy the encrypted file as it is — while our read snapshot
    has an empty WAL, SQLite never writes into the database file (checkpoints stop at the
    oldest reader), so the copy is consistent; other writers keep appending to the WAL.
    Otherwise (another process wrote in between) SQLite's online backup API copies page
    by page (about 5x slower)."""
    if vault.db.in_transaction:
        raise RuntimeError("backup inside a transaction")
    if _copy_quiescent(vault, target):
        return
    _backup_api(vault, target)


def _copy_quiescent(vault: Vault, target: Path) -> bool:
    db = vault.db
    wal = db.path.with_name(db.path.name + "-wal")
    try:
        db.checkpoint()
        conn = db.conn
        conn.execute("BEGIN DEFERRED")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if wal.exists() and wal.stat().st_size > 0:
                return False
            shutil.copyfile(db.path, target)
        finally:
            conn.execute("COMMIT")
    except sqlcipher3.Error as error:
        raise_translated(error)
        raise
    return True


def _backup_api(vault: Vault, target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    data_key = vault.data_key_copy()
    try:
        dest = sqlcipher3.connect(str(target), isolation_level=None)
        silence_cipher_log(dest)
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


def snapshot_problems(db: Database, *, full: bool) -> list[str]:
    """SQLCipher's page HMAC check; with `full` also SQLite's structural checks."""
    problems = [str(r[0]) for r in db.query("PRAGMA cipher_integrity_check")]
    if full:
        problems += db.integrity_problems()
    return problems


def open_snapshot(path: Path, data_key: bytes | bytearray) -> Database:
    """Open a snapshot read-mostly (for checks); caller closes it."""
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None)
        silence_cipher_log(conn)
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


def _attachment_files(vault: Vault) -> list[Path]:
    folder = vault.attachments_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


class _HashingReader:
    """Hands a file to tarfile and hashes what it reads (to verify the written backup)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.hash.update(data)
        return data


def _tar_add(tar: tarfile.TarFile, name: str, source: Path) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mode = 0o600
    with source.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return reader.hash.digest()


@dataclass
class PendingBackup:
    """A snapshot taken on the thread that owns the connection, ready to be encrypted and
    verified elsewhere (`finish_backup` never touches the vault's connection)."""

    out: Path
    work: Path
    snapshot: Path
    body: dict[str, Any]
    attachments: list[Path]
    backup_key: bytearray
    data_key: bytearray

    def discard(self) -> None:
        crypto.wipe(self.backup_key)
        crypto.wipe(self.data_key)
        shutil.rmtree(self.work, ignore_errors=True)


def prepare_backup(vault: Vault, out: Path, created_at: str) -> PendingBackup:
    """Snapshot the database (fast: see `snapshot_database`) into a temp folder next to
    `out`. The caller must `finish_backup` or `discard` the result."""
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError("Der Zielordner der Sicherung existiert nicht.")
    remove_stale_work_folders(out.parent)
    try:
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out.parent))
        claim_work_folder(work)
    except OSError as error:
        raise _write_error(error) from None
    pending = PendingBackup(out, work, work / "snapshot.db", {}, _attachment_files(vault),
                            crypto.new_data_key(), vault.data_key_copy())
    try:
        snapshot_database(vault, pending.snapshot)
        pending.body = header_body(vault, created_at, len(pending.attachments),
                                    bytes(pending.backup_key), pending.data_key)
    except OSError as error:
        pending.discard()
        raise _write_error(error) from None
    except BaseException:
        pending.discard()
        raise
    return pending


def finish_backup(pending: PendingBackup,
                  check_snapshot: Callable[[Path, bytearray], None] | None = None) -> int:
    """Encrypt, write, read back and verify, then rename into place; returns the size.

    Verification: every chunk authenticated and every member's SHA-256 compared with what
    was written; then `check_snapshot(path, data_key)` checks the (byte-identical)
    database snapshot. Always cleans up; on any failure nothing is left behind."""
    out, work = pending.out, pending.work
    try:
        header, digest = encode_header(pending.body)
        part = work / "backup.part"
        written: dict[str, bytes] = {}
        with private_files.open_for_writing(part) as handle:
            handle.write(header)
            writer = ChunkWriter(handle, pending.backup_key, digest)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                header_file = work / HEADER_FILE
                header_file.write_bytes(canonical(pending.body["vault_header"]))
                written[HEADER_FILE] = _tar_add(tar, HEADER_FILE, header_file)
                written[DB_FILE] = _tar_add(tar, DB_FILE, pending.snapshot)
                for path in pending.attachments:
                    name = f"{ATTACHMENTS}/{path.name}"
                    written[name] = _tar_add(tar, name, path)
            writer.finish()
            handle.flush()
            os.fsync(handle.fileno())
        if verify_file(part, read_info(part), pending.data_key) != written:
            raise VaultError("Die neue Sicherung stimmt beim Nachlesen nicht mit der Akte "
                             "überein; sie wurde verworfen.")
        if check_snapshot is not None:
            check_snapshot(pending.snapshot, pending.data_key)
        pending.snapshot.unlink()
        _place_without_overwriting(part, out)
    except OSError as error:
        raise _write_error(error) from None
    finally:
        pending.discard()
    private_files.fsync_dir(out.parent)
    return out.stat().st_size


def _place_without_overwriting(part: Path, out: Path) -> None:
    """Move the finished file to its name unless a file of that name appeared meanwhile
    (another backup in the same second): a hard link fails instead of replacing."""
    try:
        os.link(part, out)
    except FileExistsError:
        raise UserError(f"„{out.name}“ gibt es schon. Die neue Sicherung wurde nicht "
                        "gespeichert; es wird nichts überschrieben.") from None
    except OSError:
        # File systems without hard links (FAT/exFAT on USB sticks): check, then rename.
        if out.exists():
            raise UserError(f"„{out.name}“ gibt es schon. Die neue Sicherung wurde nicht "
                            "gespeichert; es wird nichts überschrieben.") from None
        os.replace(part, out)
    else:
        part.unlink()


# Work folders of a backup or restore in progress: `.casework-backup-*` next to the
# backup, `.<target>.restore-*` next to a restore target. Each holds an owner file with
# the process id; one whose process is gone (a crash, a power cut) is a leftover with a
# full encrypted copy of the vault, removed at the next backup or restore there.
WORK_PREFIX = ".casework-backup-"
_RESTORE_MARK = ".restore-"
_OWNER_FILE = ".owner"
STALE_AFTER_SECONDS = 24 * 3600


def claim_work_folder(folder: Path) -> None:
    with private_files.open_for_writing(folder / _OWNER_FILE) as handle:
        handle.write(f"{os.getpid()} {socket.gethostname()}".encode())


def _is_stale(folder: Path) -> bool:
    try:
        age = time.time() - folder.stat().st_mtime
        pid_text, _, host = (folder / _OWNER_FILE).read_text(encoding="utf-8").partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        # No owner file: a crash right after creating the folder, or an older version.
        return _age(folder) > STALE_AFTER_SECONDS
    if host == socket.gethostname():
        return pid != os.getpid() and not _process_alive(pid)
    return age > STALE_AFTER_SECONDS  # another computer on a shared folder: by age only


def _age(folder: Path) -> float:
    try:
        return time.time() - folder.stat().st_mtime
    except OSError:
        return 0.0


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap check; the age rule above still applies elsewhere
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_work_folders(folder: Path) -> list[Path]:
    """Remove leftovers of crashed backups/restores in `folder`; returns what went."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        ours = name.startswith(WORK_PREFIX) or (name.startswith(".") and _RESTORE_MARK in name)
        if ours and entry.is_dir() and not entry.is_symlink() and _is_stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def is_backup_of(path: Path, vault_id: str, data_key: bytes | bytearray) -> bool:
    """Whether `path` is a backup of this vault: full id in its header and the header
    authenticated under the vault's data key. Anything unreadable answers False."""
    try:
        info = read_info(path)
        if info.vault_id != vault_id:
            return False
        crypto.wipe(unwrap_backup_key(info, data_key))
    except (UserError, OSError, KeyError, TypeError, ValueError):
        return False
    return True


def write_backup(vault: Vault, out: Path, created_at: str,
                 check_snapshot: Callable[[Path, bytearray], None] | None = None) -> int:
    """`prepare_backup` + `finish_backup` in one go."""
    return finish_backup(prepare_backup(vault, out, created_at), check_snapshot)



# --------------------------------------------------------------------------- read


def _members(path: Path, info: BackupInfo, data_key: bytes | bytearray,
             consume: Callable[[str, IO[bytes]], None]) -> set[str]:
    """Decrypt the payload and hand each member (name, stream) to `consume`; every chunk
    is authenticated, the stream must end with the final chunk. Returns the names."""
    backup_key = unwrap_backup_key(info, data_key)
    seen: set[str] = set()
    try:
        with Path(path).open("rb") as handle:
            handle.seek(info.payload_offset)
            reader = ChunkReader(handle, backup_key, info.digest)
            buffered = io.BufferedReader(reader, CHUNK_BYTES)
            try:
                with tarfile.open(fileobj=buffered, mode="r|") as tar:
                    for member in tar:
                        _check_member(member)
                        source = tar.extractfile(member)
                        if source is None or member.name in seen:
                            raise BackupDamaged("Die Sicherung enthält einen ungültigen Eintrag.")
                        consume(member.name, source)
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
    return seen


def verify_file(path: Path, info: BackupInfo, data_key: bytes | bytearray) -> dict[str, bytes]:
    """Read the whole backup back without writing anything: SHA-256 of every member."""
    digests: dict[str, bytes] = {}

    def consume(name: str, stream: IO[bytes]) -> None:
        hasher = hashlib.sha256()
        while block := stream.read(CHUNK_BYTES):
            hasher.update(block)
        digests[name] = hasher.digest()

    _members(path, info, data_key, consume)
    return digests


def extract(path: Path, info: BackupInfo, data_key: bytes | bytearray, target: Path) -> None:
    """Decrypt the payload of `path` into the (empty) folder `target`: `vault.json`,
    `casework.db`, `attachments/`. Everything is authenticated before this returns; on a
    `BackupDamaged` the caller discards `target`."""
    private_files.make_folder(target / ATTACHMENTS)

    def consume(name: str, stream: IO[bytes]) -> None:
        with private_files.open_for_writing(_target_path(target, name)) as sink:
            shutil.copyfileobj(stream, sink, CHUNK_BYTES)

    _members(path, info, data_key, consume)


def _check_member(member: tarfile.TarInfo) -> None:
    if not member.isfile():
        raise BackupDamaged("Die Sicherung enthält einen ungültigen Eintrag.")
    _target_path(Path("."), member.name)


def _target_path(target: Path, name: str) -> Path:
    """Only our own names (no links, no '..', no sub-folders but `attachments/`)."""
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


def make_private_folder(path: Path) -> None:
    """A folder of a restored vault (services do not touch the file system directly)."""
    private_files.make_folder(path)
