"""The backup as one job on the task runner (issue 23), for "Jetzt sichern" and the
scheduled backup alike: snapshot, encryption, verification, recording and rotation all
run on the worker thread on the vault's second connection; the GUI thread only anchors
the audit chain in the header first (milliseconds)."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtWidgets import QWidget

from casework.errors import UserError
from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.vault_jobs import VaultJob


def backup_job(session: Session, cancel: threading.Event, target: Path,
               rotate: Path | None) -> tuple[backup.BackupResult, list[Path]]:
    """On the worker thread. "Abbrechen" and a lock stop it before the snapshot or
    before the encryption; the half-made work folder is removed then (the storage layer
    removes it on any failure of its own). Once written and verified, the backup is
    recorded and rotated: stopping then would lose a good backup."""
    vault_jobs.check(cancel)
    job = backup.begin_backup(session, target, anchor=False)
    try:
        vault_jobs.check(cancel)
    except BaseException:
        backup.cancel_backup(job)
        raise
    size = backup.write_backup(job)
    result = backup.end_backup(session, job, size)
    removed = backup.rotate(session, rotate) if rotate is not None else []
    return result, removed


def start(ctx: UiContext, parent: QWidget | None, target: Path, rotate: Path | None, *,
          quiet: bool = False, on_done: vault_jobs.Done | None = None,
          on_failed: vault_jobs.Failed | None = None) -> VaultJob | None:
    session = ctx.session
    if session is None or not session.is_open:
        return None
    try:
        if not target.parent.is_dir():  # said at once, not after the job started
            raise UserError("Der Zielordner der Sicherung existiert nicht.")
        backup.anchor_before_backup(session)
    except UserError as error:
        if not quiet:
            ctx.report(error)
        return None
    return vault_jobs.start(ctx, parent, "Sicherung", "Die Sicherung wird geschrieben und "
                            "geprüft … (die Arbeit kann weitergehen)", backup_job, target,
                            rotate, cancellable=True, quiet=quiet, on_done=on_done,
                            on_failed=on_failed)
