"""The backup taken before an existing vault is migrated (docs/installation.md, Updates).

`casework.storage.vault_open.open_with_key` calls it — passed in by the services as
`before_migration` — when the vault needs migrations, before the first one runs.
"""

from __future__ import annotations

from pathlib import Path

from casework.clock import BERLIN, Clock, to_utc_iso
from casework.errors import VaultError
from casework.storage import crypto, private_files
from casework.storage.backup import archive
from casework.storage.db import Database
from casework.storage.vault import Vault
from casework.storage.vault_header import VaultHeader

MIGRATION_BACKUP_PREFIX = "vor-update"


def backup_before_migration(folder: Path, header: VaultHeader, db: Database,
                            data_key: bytearray, clock: Clock, schema: int) -> Path:
    """Before the first migration step touches an existing vault: a verified backup in
    its `backups/` folder (the regular encrypted format: read back, every chunk and member
    checked, the snapshot's page HMACs checked). Its name does not match the rotation's
    pattern, so automatic rotation never removes it. If it cannot be written, nothing is
    migrated and the vault stays as it was."""
    backups = folder / "backups"
    private_files.make_folder(backups)
    moment = clock.now().astimezone(BERLIN)
    name = (f"casework-{header.vault_id[:8]}-{MIGRATION_BACKUP_PREFIX}-schema{schema}-"
            f"{moment:%Y%m%d-%H%M%S}{archive.SUFFIX}")
    out = backups / name
    counter = 2
    while out.exists():
        out = backups / name.replace(archive.SUFFIX, f"-{counter}{archive.SUFFIX}")
        counter += 1

    def check(snapshot: Path, key: bytearray) -> None:
        copy = archive.open_snapshot(snapshot, key)
        try:
            problems = archive.snapshot_problems(copy, full=False)
        finally:
            copy.close()
        if problems:
            raise VaultError("Die Sicherung vor dem Update hat die Prüfung nicht bestanden; "
                             "die Akte wurde nicht verändert.")

    probe = Vault(folder, header, db, bytearray(data_key), clock)  # not closed: db is ours
    try:
        archive.write_backup(probe, out, to_utc_iso(clock.now()), check)
    finally:
        crypto.wipe(probe._data_key)
    return out
