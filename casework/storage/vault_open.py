"""Creating a vault and opening it: the checks before anything is written (a damaged WAL,
a database behind its anchored heads), the schema migration with its backup first, the
upgrade of a format-1 vault."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlcipher3

from casework.clock import BERLIN, Clock, to_utc_iso
from casework.errors import UserError, VaultError
from casework.models.ids import new_id
from casework.storage import audit, crypto, private_files, wal
from casework.storage.changelog import Actor, Hlc, RecordWriter
from casework.storage.db import MEMORY_SECURITY, Database
from casework.storage.migrations import migrate
from casework.storage.migrations import pending as pending_migrations
from casework.storage.vault import Vault, behind_change_anchor, person_name
from casework.storage.vault_header import (
    DB_FILE,
    FORMAT_VERSION,
    HEADER_FILE,
    VaultHeader,
    read_header,
)
from casework.storage.vault_slots import UnlockedKey, make_slot, new_slot, unlock_person


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
        slot = make_slot(header, vault.owner_id, person_name(vault.db, vault.owner_id),
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
# the vault modules cannot import the backup package, which imports them).
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
                    vault.owner_id, person_name(db, vault.owner_id).strip().casefold()):
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
