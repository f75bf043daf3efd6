"""The vault folder: `casework.db` (SQLCipher 4), `vault.json` (public header),
`attachments/`, `backups/` (ARCHITECTURE §3)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework.clock import Clock, to_utc_iso
from casework.errors import VaultError, WrongPassphrase
from casework.models import safe_json
from casework.models.ids import new_id
from casework.storage import audit, crypto, private_files
from casework.storage.changelog import Actor, Hlc, RecordWriter
from casework.storage.db import MEMORY_SECURITY, Database, drop_stat4
from casework.storage.migrations import migrate
from casework.storage.migrations import missing as missing_migrations
from casework.storage.migrations import pending as pending_migrations

FORMAT = "casework-vault"
FORMAT_VERSION = 1
HEADER_FILE = "vault.json"
DB_FILE = "casework.db"
CIPHER = "SQLCipher 4: AES-256-CBC, HMAC-SHA512 je Seite, Rohschlüssel 256 Bit"


MAX_HEADER_BYTES = 1024 * 1024  # a header with many key slots is a few KB

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    kind: str  # "passphrase" | "recovery" | …
    nonce: bytes
    ciphertext: bytes
    algorithm: str = crypto.WRAP_ALGORITHM
    label: str = ""


@dataclass(frozen=True, slots=True)
class VaultHeader:
    vault_id: str
    created_at: str
    kdf: crypto.KdfParams
    keys: tuple[WrappedKey, ...]
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def aad(self, kind: str) -> bytes:
        """Associated data binding a wrapped key to this vault and its KDF settings."""
        bound: list[Any] = [FORMAT, self.format_version, self.vault_id, kind]
        if kind == "passphrase":
            bound += [crypto.KDF_NAME, self.kdf.memory_kib, self.kdf.iterations,
                      self.kdf.parallelism, _b64(self.kdf.salt)]
        return json.dumps(bound, separators=(",", ":")).encode("utf-8")

    def key(self, kind: str) -> WrappedKey | None:
        return next((k for k in self.keys if k.kind == kind), None)

    def with_key(self, wrapped: WrappedKey, kdf: crypto.KdfParams | None = None) -> VaultHeader:
        keys = (*(k for k in self.keys if k.kind != wrapped.kind), wrapped)
        return VaultHeader(self.vault_id, self.created_at, kdf or self.kdf, keys,
                           self.format_version, dict(self.extra))

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "database": {"file": DB_FILE, "cipher": CIPHER},
            "kdf": {
                "name": crypto.KDF_NAME,
                "memory_kib": self.kdf.memory_kib,
                "iterations": self.kdf.iterations,
                "parallelism": self.kdf.parallelism,
                "salt": _b64(self.kdf.salt),
            },
            "keys": [
                {"kind": k.kind, "algorithm": k.algorithm, "nonce": _b64(k.nonce),
                 "ciphertext": _b64(k.ciphertext), "label": k.label}
                for k in self.keys
            ],
            **self.extra,
        }
        body["checksum"] = _checksum(body)
        return body


def _checksum(body: dict[str, Any]) -> str:
    content = {k: v for k, v in body.items() if k != "checksum"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_KNOWN_KEYS = {"format", "format_version", "vault_id", "created_at", "database", "kdf", "keys",
               "checksum"}


def read_header(folder: Path) -> VaultHeader:
    path = folder / HEADER_FILE
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
        kdf = body["kdf"]
        if kdf["name"] != crypto.KDF_NAME:
            raise VaultError(f"Unbekanntes Schlüsselverfahren „{kdf['name']}“ in der Akte.")
        params = crypto.KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]),
                                  int(kdf["parallelism"]), _unb64(kdf["salt"]))
        keys = tuple(
            WrappedKey(str(k["kind"]), _unb64(k["nonce"]), _unb64(k["ciphertext"]),
                       str(k.get("algorithm", crypto.WRAP_ALGORITHM)), str(k.get("label", "")))
            for k in body["keys"]
        )
        header = VaultHeader(str(body["vault_id"]), str(body["created_at"]), params, keys,
                             version, {k: v for k, v in body.items() if k not in _KNOWN_KEYS})
    except (KeyError, TypeError, ValueError):
        raise VaultError(f"„{HEADER_FILE}“ ist unvollständig oder beschädigt.") from None
    if not params.acceptable():
        raise VaultError(f"„{HEADER_FILE}“ enthält unzulässige Schlüsselparameter (zu schwach "
                         "oder außerhalb dessen, was Casework schreibt).")
    if any(k.algorithm != crypto.WRAP_ALGORITHM for k in keys):
        raise VaultError(f"„{HEADER_FILE}“ nennt ein unbekanntes Verschlüsselungsverfahren.")
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
    """An unlocked vault. `close()` closes the database and wipes the key we hold."""

    def __init__(self, folder: Path, header: VaultHeader, db: Database, data_key: bytearray,
                 clock: Clock) -> None:
        self.folder = folder
        self.header = header
        self.db = db
        self.clock = clock
        self._data_key = data_key
        # the verified backup taken before this open migrated the vault, if it did
        self.migration_backup: Path | None = None
        self.device_id = str(self.meta("device_id"))
        self.owner_id = str(self.meta("owner_worker_id"))
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

    def data_key_copy(self) -> bytearray:
        """For re-wrapping (passwd, recovery key, backup). Caller wipes it."""
        if not self.db.is_open:
            raise VaultError("Die Akte ist gesperrt.")
        return bytearray(self._data_key)

    def close(self) -> None:
        try:
            if self.db.is_open:
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


def create_vault(folder: Path, passphrase: str, clock: Clock, *, owner_name: str,
                 owner_role: str = "Fachkraft", profile: str = "bottrop-beispiel",
                 kdf: crypto.KdfParams | None = None,
                 memory_security: bool = MEMORY_SECURITY) -> Vault:
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
    header = VaultHeader(vault_id, to_utc_iso(clock.now()), params, ())
    kek = crypto.derive_kek(passphrase, params)
    try:
        nonce, ciphertext = crypto.wrap(kek, data_key, header.aad("passphrase"))
    finally:
        crypto.wipe(kek)
    header = header.with_key(WrappedKey("passphrase", nonce, ciphertext))
    db = Database.open(folder / DB_FILE, data_key, create=True, memory_security=memory_security)
    try:
        migrate(db)
        device_id = new_id()
        owner_id = new_id()
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
            audit.append(db, clock, owner_id, device_id, "vault.create")
        db.checkpoint()
    except BaseException:
        db.close()
        raise
    write_header(folder, header)
    return Vault(folder, header, db, data_key, clock)


def unlock_data_key(header: VaultHeader, passphrase: str) -> bytearray:
    wrapped = header.key("passphrase")
    if wrapped is None:
        raise VaultError("Die Akte enthält keinen Passphrasen-Schlüssel.")
    kek = crypto.derive_kek(passphrase, header.kdf)
    try:
        data_key = crypto.unwrap(kek, wrapped.nonce, wrapped.ciphertext,
                                 header.aad("passphrase"))
    finally:
        crypto.wipe(kek)
    if data_key is None:
        raise WrongPassphrase()
    return data_key


# Writes a verified backup of a vault that is about to be migrated and returns its path
# (casework.storage.backup.premigration.backup_before_migration; the services pass it in,
# storage.vault cannot import the backup package, which imports this module).
PreMigrationBackup = Callable[[Path, "VaultHeader", Database, bytearray, Clock, int], Path]


def open_vault(folder: Path, passphrase: str, clock: Clock, *, failed_attempts: int = 0,
               cache_kib: int | None = None, memory_security: bool = MEMORY_SECURITY,
               before_migration: PreMigrationBackup | None = None) -> Vault:
    folder = Path(folder)
    header = read_header(folder)
    data_key = unlock_data_key(header, passphrase)
    return open_with_key(folder, header, data_key, clock, failed_attempts=failed_attempts,
                         cache_kib=cache_kib, memory_security=memory_security,
                         before_migration=before_migration)


def open_with_key(folder: Path, header: VaultHeader, data_key: bytearray, clock: Clock, *,
                  failed_attempts: int = 0, cache_kib: int | None = None,
                  audit_action: str = "vault.unlock",
                  memory_security: bool = MEMORY_SECURITY,
                  before_migration: PreMigrationBackup | None = None) -> Vault:
    try:
        if cache_kib is None:
            db = Database.open(folder / DB_FILE, data_key, memory_security=memory_security)
        else:
            db = Database.open(folder / DB_FILE, data_key, cache_kib=cache_kib,
                               memory_security=memory_security)
    except BaseException:
        crypto.wipe(data_key)
        raise
    migration_backup: Path | None = None
    try:
        todo = pending_migrations(db)  # refuses a vault written by a newer version
        if todo and before_migration is not None:
            migration_backup = before_migration(folder, header, db, data_key, clock,
                                                int(db.pragma("user_version") or 0))
        migrate(db)
        stored_id = db.scalar("SELECT value FROM meta WHERE key = 'vault_id'")
        if stored_id != header.vault_id:
            raise VaultError(
                f"„{HEADER_FILE}“ passt nicht zur Datenbank dieser Akte (andere Akten-Kennung)."
            )
        vault = Vault(folder, header, db, data_key, clock)
        vault.migration_backup = migration_backup
        if failed_attempts:
            vault.audit("vault.unlock_failed", detail=f"count={int(failed_attempts)}")
        if migration_backup is not None:
            vault.audit("vault.migrate", detail="schema=" + ",".join(str(v) for v in todo))
        vault.audit(audit_action)
    except BaseException:
        db.close()
        crypto.wipe(data_key)
        raise
    return vault


def change_passphrase(vault: Vault, new_passphrase: str,
                      kdf: crypto.KdfParams | None = None) -> None:
    """Re-wrap the data key under a new passphrase (fresh salt); no re-encryption."""
    params = kdf or crypto.KdfParams.fresh(max(vault.header.kdf.memory_kib, crypto.MIN_MEMORY_KIB),
                                           max(vault.header.kdf.iterations,
                                               crypto.MIN_ITERATIONS))
    probe = VaultHeader(vault.header.vault_id, vault.header.created_at, params,
                        vault.header.keys, vault.header.format_version,
                        dict(vault.header.extra))
    kek = crypto.derive_kek(new_passphrase, params)
    data_key = vault.data_key_copy()
    try:
        nonce, ciphertext = crypto.wrap(kek, data_key, probe.aad("passphrase"))
    finally:
        crypto.wipe(kek)
        crypto.wipe(data_key)
    header = probe.with_key(WrappedKey("passphrase", nonce, ciphertext))
    write_header(vault.folder, header)
    vault.header = header
    vault.audit("vault.passphrase_changed")


@dataclass(frozen=True, slots=True)
class CheckReport:
    problems: tuple[str, ...]
    schema_version: int
    audit_entries: int
    households: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_vault(vault: Vault) -> CheckReport:
    problems = list(vault.db.integrity_problems())
    problems += audit.verify(vault.db)
    version = int(vault.db.pragma("user_version"))
    pending = missing_migrations(vault.db)
    if pending:
        problems.append(f"Schema-Änderungen fehlen: {', '.join(str(v) for v in pending)}.")
    for name in ("attachments", "backups"):
        if not (vault.folder / name).is_dir():
            problems.append(f"Unterordner „{name}“ fehlt.")
    audit_count = int(vault.db.scalar("SELECT count(*) FROM audit_log"))
    households = int(vault.db.scalar("SELECT count(*) FROM households WHERE deleted = 0"))
    return CheckReport(tuple(problems), version, audit_count, households)
