"""The vault folder: `casework.db` (SQLCipher 4), `vault.json` (public header),
`attachments/`, `backups/` (ARCHITECTURE §3).

The header file is `storage.vault_header`; unlocking with a key slot and a person's new
slot `storage.vault_slots`; creating and opening `storage.vault_open`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from casework.clock import Clock
from casework.errors import VaultError
from casework.storage import audit, crypto, report_facts
from casework.storage.changelog import Actor, Hlc, RecordWriter
from casework.storage.db import Database, drop_stat4
from casework.storage.migrations import missing as missing_migrations
from casework.storage.vault_header import HEADER_FILE, VaultHeader, write_header


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



def person_name(db: Database, worker_id: str) -> str:
    return str(db.scalar("SELECT name FROM workers WHERE id = ?", (worker_id,)) or "")


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
