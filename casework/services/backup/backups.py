"""Backups: create (verified, atomic), restore into a new folder, scheduled runs with
rotation, and the "Sicherung überfällig" flag for the Heute screen.

The file format is described in `casework.storage.backup.archive`. A backup opens with the
vault's passphrase at the time of the backup or with the organisation recovery key.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from casework.clock import BERLIN, Clock, from_utc_iso, to_utc_iso
from casework.errors import UserError, ValidationError, VaultError, WrongPassphrase
from casework.models.changes import Changes
from casework.models.ids import WorkerId
from casework.services.privacy import retention
from casework.services.session import Session
from casework.storage import attachments as attachment_store
from casework.storage import audit as audit_store
from casework.storage import crypto, vault_header, vault_open, vault_slots
from casework.storage import households as household_store
from casework.storage import vault as vault_store
from casework.storage.backup import archive as store
from casework.storage.backup import recovery as recovery_store
from casework.storage.backup.archive import SUFFIX, BackupDamaged, BackupPassphraseWrong
from casework.storage.backup.premigration import backup_before_migration

META_FOLDER = "backup.folder"
META_INTERVAL = "backup.interval_hours"
META_LAST = "backup.last_at"
DEFAULT_INTERVAL_HOURS = 24
KEEP_DAILY = 7
KEEP_WEEKLY = 4


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    created_at: str
    attachments: int
    seconds: float
    removed: tuple[Path, ...] = ()
    # Damaged, missing or unreferenced attachment files found while writing: the backup
    # is written all the same (a copy with one bad scan beats none) and says so.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RestoreResult:
    folder: Path
    backup_created_at: str
    households: int
    deletions_reapplied: int
    seconds: float
    problems: tuple[str, ...] = ()  # attachment files damaged in the backup itself


# --------------------------------------------------------------------------- create


def create_backup(session: Session, out: Path, *, full_check: bool = False) -> BackupResult:
    """Write a verified, encrypted backup of the open vault to `out` (a new file).

    Verification: the file is read back and every chunk authenticated, every member's
    SHA-256 compared, the database snapshot's page HMACs (`cipher_integrity_check`) and
    the audit chain checked; `full_check` adds SQLite's structural `integrity_check`
    (minutes on very large vaults; `casework vault check` does the same on the vault).

    The UI splits this into `begin_backup` (on the GUI thread, fast), `write_backup` (on
    the worker thread: encryption and verification) and `end_backup` (GUI thread)."""
    pending = begin_backup(session, out, full_check=full_check)
    size = write_backup(pending)
    return end_backup(session, pending, size)


@dataclass
class BackupJob:
    """A backup in progress (see `create_backup`)."""

    pending: store.PendingBackup
    created_at: str
    full_check: bool
    journal: list[store.JournalEntry]
    started: float
    attachment_index: attachment_store.AttachmentIndex
    problems: list[str] = field(default_factory=list)


def begin_backup(session: Session, out: Path, *, full_check: bool = False,
                 anchor: bool = True) -> BackupJob:
    """`anchor` False: the caller has anchored the audit chain in `vault.json` already
    (the app does so on the GUI thread, so a worker's second connection never writes the
    header)."""
    out = Path(out)
    if out.suffix != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    if out.exists():
        raise UserError(f"„{out.name}“ gibt es schon. Bitte einen neuen Dateinamen wählen; "
                        "eine Sicherung überschreibt nichts.")
    if _inside(out, session.vault.folder) and not _inside(out, session.vault.backups_dir):
        raise UserError("Die Sicherung kann nicht in den Akten-Ordner selbst geschrieben "
                        "werden (nur in dessen Unterordner „backups“).")
    started = time.perf_counter()
    created_at = to_utc_iso(session.clock.now())
    journal = store.journal_entries(session.db)
    known = attachment_store.index(session.db)
    # The audit chain's head goes into vault.json and with it into the backup (issue 15):
    # a tail cut off later is found by `vault check` against either.
    if anchor:
        session.vault.anchor_audit()
    pending = store.prepare_backup(session.vault, out, created_at)
    return BackupJob(pending, created_at, full_check, journal, started, known)


def anchor_before_backup(session: Session) -> None:
    """On the connection that owns the header (the app's GUI thread): the audit chain's
    head into `vault.json`, before a worker takes the backup (`begin_backup(anchor=False)`)."""
    session.vault.anchor_audit()


def write_backup(job: BackupJob) -> int:
    """Encrypt, write and verify; safe on a worker thread (uses no vault connection)."""
    def check(snapshot: Path, data_key: bytearray) -> None:
        _check_snapshot(snapshot, data_key, job.full_check)
        job.problems = attachment_store.problems(
            attachment_store.key_from_data_key(data_key), job.pending.attachments,
            job.attachment_index)

    return store.finish_backup(job.pending, check)


def end_backup(session: Session, job: BackupJob, size: int) -> BackupResult:
    vault = session.vault
    out = job.pending.out
    data_key = vault.data_key_copy()
    try:
        store.write_journal_file(out.parent, vault.header.vault_id, data_key, job.journal,
                                 job.created_at)
    finally:
        crypto.wipe(data_key)
    vault.set_meta(META_LAST, job.created_at)
    session.audit("backup.create", "vault", vault.header.vault_id, f"bytes={size}")
    if job.problems:
        session.audit("backup.attachment_problems", "vault", vault.header.vault_id,
                      f"count={len(job.problems)}")
    return BackupResult(out, size, job.created_at, len(job.pending.attachments),
                        time.perf_counter() - job.started, problems=tuple(job.problems))


def cancel_backup(job: BackupJob) -> None:
    job.pending.discard()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _check_snapshot(snapshot: Path, data_key: bytearray, full: bool) -> None:
    """The snapshot inside the new backup (byte-identical, the storage layer compared the
    SHA-256 of every member after reading the file back): page HMACs of SQLCipher, the
    audit chain and — with `full` — SQLite's structural integrity check."""
    db = store.open_snapshot(snapshot, data_key)
    try:
        problems = store.snapshot_problems(db, full=full) + audit_store.verify(db)
    finally:
        db.close()
    if problems:
        raise VaultError("Die neue Sicherung hat die Prüfung nicht bestanden; sie wurde "
                         "verworfen. Bitte „casework vault check“ für die Akte ausführen.")


# --------------------------------------------------------------------------- restore


def restore_backup(backup: Path, target: Path, clock: Clock, *, passphrase: str | None = None,
                   recovery_key: bytes | None = None, person: str | None = None,
                   journal_folder: Path | None = None) -> RestoreResult:
    """Restore `backup` into the NEW folder `target` (missing or empty).

    Checks the database and the audit chain, then re-applies deletions recorded after the
    backup was taken (LR-37) from the deletion journal next to the backup file (or in
    `journal_folder`). On any problem nothing is left behind."""
    start = time.perf_counter()
    backup, target = Path(backup), Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"Der Ordner „{target.name}“ ist nicht leer. Eine Sicherung wird nur in "
                        "einen neuen, leeren Ordner wiederhergestellt; nichts wird "
                        "überschrieben.")
    if not target.parent.is_dir():
        raise UserError("Der übergeordnete Ordner des Ziels existiert nicht.")
    if passphrase is None and recovery_key is None:
        raise ValueError("passphrase or recovery_key")
    info = store.read_info(backup)
    store.remove_stale_work_folders(target.parent)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore-", dir=target.parent))
        store.claim_work_folder(staging)
    except OSError:
        raise UserError("Im Zielordner kann nicht geschrieben werden.") from None
    try:
        header = store.stage_vault_header(info, staging)
        if recovery_key is not None:
            data_key = recovery_store.unwrap_with_recovery_key(header, recovery_key)
        else:
            assert passphrase is not None
            try:
                data_key = vault_slots.unlock_data_key(header, passphrase, person)
            except WrongPassphrase:
                raise BackupPassphraseWrong() from None
        try:
            store.extract(backup, info, data_key, staging)
            store.make_private_folder(staging / "backups")
            journal = store.read_journal_file(journal_folder or backup.parent, info.vault_id,
                                              data_key)
            reapplied, households, problems = _open_check_reapply(
                staging, header, data_key, clock, info.created_at, journal)
        finally:
            crypto.wipe(data_key)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(target, info.created_at, households, reapplied,
                         time.perf_counter() - start, tuple(problems))


def _open_check_reapply(folder: Path, header: vault_header.VaultHeader, data_key: bytearray,
                        clock: Clock, since: str,
                        journal: list[store.JournalEntry],
                        ) -> tuple[int, int, list[str]]:
    vault = vault_open.open_with_key(folder, header, bytearray(data_key), clock,
                                     audit_action="vault.restore",
                                     before_migration=backup_before_migration)
    try:
        report = vault_store.check_vault(vault)
        if not report.ok:
            raise BackupDamaged("Die wiederhergestellte Akte ist nicht in Ordnung ("
                                + "; ".join(report.problems[:3]) + "). Sie wurde verworfen.")
        store.merge_journal(vault.db, journal)
        session = Session(vault, clock, WorkerId(vault.owner_id))
        reapplied = retention.reapply_deletions(session, since)
        session.audit("backup.restore", "vault", header.vault_id, f"reapplied={reapplied}")
        households = household_store.count_households(vault.db)
        problems = attachment_store.check(vault)
    finally:
        vault.close()
    return reapplied, households, problems


def backup_info(path: Path) -> store.BackupInfo:
    """The public header of a backup (for a preview before restoring)."""
    return store.read_info(path)


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True, slots=True)
class BackupSchedule:
    folder: Path | None
    interval_hours: int


def schedule(session: Session) -> BackupSchedule:
    folder = session.vault.meta(META_FOLDER)
    interval = session.vault.meta(META_INTERVAL)
    return BackupSchedule(Path(folder) if folder else None,
                          int(interval) if interval else DEFAULT_INTERVAL_HOURS)


def set_schedule(session: Session, folder: Path | None,
                 interval_hours: int = DEFAULT_INTERVAL_HOURS) -> Changes:
    """Where automatic backups go (e.g. a USB stick or network share) and how often."""
    if not 1 <= interval_hours <= 24 * 31:
        raise ValidationError("Abstand", "muss zwischen 1 Stunde und 31 Tagen liegen.")
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise ValidationError("Sicherungsordner", "existiert nicht.")
        if _inside(folder, session.vault.folder):
            raise ValidationError("Sicherungsordner", "darf nicht im Akten-Ordner liegen: eine "
                                  "Sicherung gehört auf einen anderen Datenträger.")
        if not os.access(folder, os.W_OK):
            raise ValidationError("Sicherungsordner", "ist nicht beschreibbar.")
    with session.db.transaction():
        session.vault.set_meta(META_FOLDER, str(folder.resolve()) if folder else "")
        session.vault.set_meta(META_INTERVAL, str(int(interval_hours)))
        session.audit("backup.schedule", detail="set" if folder else "off")
    return Changes.of("settings", "backup")


def last_backup_at(session: Session) -> datetime | None:
    value = session.vault.meta(META_LAST)
    return from_utc_iso(value) if value else None


def backup_overdue(session: Session) -> bool:
    """True when the last backup (manual or scheduled) is older than the interval — or
    there has never been one and the vault is older than the interval (Heute screen)."""
    interval = timedelta(hours=schedule(session).interval_hours)
    last = last_backup_at(session)
    if last is None:
        created = session.vault.meta("created_at")
        last = from_utc_iso(created) if created else None
        if last is None:
            return True
    return session.clock.now() - last >= interval


def backup_file_name(vault_id: str, moment: datetime) -> str:
    """A readable name; the short id only helps people tell vaults apart. Which vault a
    backup belongs to is decided by its authenticated header (`rotate`)."""
    local = moment.astimezone(BERLIN)
    return f"casework-{vault_id[:8]}-{local:%Y%m%d-%H%M%S}{SUFFIX}"


def new_backup_path(session: Session, folder: Path) -> Path:
    """A name in `folder` that no file has yet: two backups in the same second get
    "-2", "-3" … (and `finish_backup` never replaces an existing file)."""
    name = backup_file_name(session.vault.header.vault_id, session.clock.now())
    path = folder / name
    counter = 2
    while path.exists():
        path = folder / name.replace(SUFFIX, f"-{counter}{SUFFIX}")
        counter += 1
    return path


_NAME = re.compile(r"^casework-([0-9a-f]{8})-(\d{8}-\d{6})(?:-\d+)?" + re.escape(SUFFIX)
                   + "$")


def parse_backup_name(name: str) -> tuple[str, datetime] | None:
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        local = datetime.strptime(match.group(2), "%Y%m%d-%H%M%S").replace(tzinfo=BERLIN)
    except ValueError:
        return None
    return match.group(1), local


def files_to_keep(backups: Iterable[tuple[str, datetime]], *, daily: int = KEEP_DAILY,
                  weekly: int = KEEP_WEEKLY) -> set[str]:
    """Rotation (pure): the newest backup of each of the `daily` most recent days that have
    one, and the newest of each of the `weekly` most recent ISO weeks; the newest backup
    is always kept. Days and weeks are local (Europe/Berlin)."""
    ordered = sorted(backups, key=lambda item: item[1], reverse=True)
    keep: set[str] = set()
    days: set[object] = set()
    weeks: set[object] = set()
    for name, moment in ordered:
        local = moment.astimezone(BERLIN)
        day = local.date()
        week = local.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(name)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            keep.add(name)
    if ordered:
        keep.add(ordered[0][0])
    return keep


def rotate(session: Session, folder: Path) -> list[Path]:
    """Delete this vault's automatic backups that the rotation does not keep.

    A file counts as this vault's only if its header names this vault's full id AND the
    header authenticates under this vault's data key: other vaults' backups in the same
    folder (whose names may share the short id) and files of unknown origin are never
    touched. After a rekey, older backups no longer authenticate and are kept."""
    vault_id = session.vault.header.vault_id
    data_key = session.vault.data_key_copy()
    mine: list[tuple[str, datetime]] = []
    try:
        for path in folder.iterdir():
            parsed = parse_backup_name(path.name)
            if parsed is None or not path.is_file():
                continue
            if store.is_backup_of(path, vault_id, data_key):
                mine.append((path.name, parsed[1]))
    finally:
        crypto.wipe(data_key)
    keep = files_to_keep(mine)
    removed: list[Path] = []
    for name, _ in mine:
        if name not in keep:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
                removed.append(folder / name)
    return removed


def run_due_backup(session: Session, *, force: bool = False) -> BackupResult | None:
    """The scheduled backup: if a folder is set and a backup is due (or `force`), write one
    there and rotate. Returns None when nothing was due."""
    plan = schedule(session)
    if plan.folder is None:
        if force:
            raise UserError("Es ist kein Ordner für automatische Sicherungen eingestellt.")
        return None
    if not force and last_backup_at(session) is not None and not backup_overdue(session):
        return None
    if not plan.folder.is_dir():
        raise UserError("Der Ordner für automatische Sicherungen ist nicht erreichbar "
                        "(USB-Stick oder Netzlaufwerk nicht verbunden?).")
    result = create_backup(session, new_backup_path(session, plan.folder))
    removed = rotate(session, plan.folder)
    return BackupResult(result.path, result.size_bytes, result.created_at, result.attachments,
                        result.seconds, tuple(removed), result.problems)
