"""Scheduled backups while the app runs (issue 10): when a backup folder is set and the
interval has passed, snapshot, encrypt and verify it on the worker thread, record it and
rotate old ones (`ui/backup/jobs`) — without a dialog. If the folder is
not reachable, nothing is written and Heute keeps saying "Sicherung überfällig"."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from casework.ui.context import UiContext

log = logging.getLogger(__name__)

DEFAULT_CHECK_MS = 10 * 60 * 1000
FIRST_CHECK_MS = 3000


class AutoBackup(QObject):
    def __init__(self, ctx: UiContext, *, check_ms: int = DEFAULT_CHECK_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.running = False
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        ctx.session_changed.connect(self._session_changed)

    def _session_changed(self) -> None:
        if self.ctx.is_unlocked:
            self.timer.start()
            # Not in the first moments after unlocking: the first screen comes first.
            QTimer.singleShot(FIRST_CHECK_MS, self.check)
        else:
            self.timer.stop()

    def check(self) -> bool:
        """Start a backup if one is due; True if one was started."""
        session = self.ctx.session
        if self.running or session is None or not session.is_open:
            return False
        # Loaded here, seconds after unlocking, not with the main window: the backup
        # service pulls in retention and most repositories (a tenth of the start).
        from casework.services.backup import backups as backup
        from casework.ui.backup import jobs

        plan = backup.schedule(session)
        if plan.folder is None or not backup.backup_overdue(session):
            return False
        if not plan.folder.is_dir():
            log.warning("Automatische Sicherung: Zielordner nicht erreichbar")
            return False
        target = backup.new_backup_path(session, plan.folder)

        def ended(_result: object) -> None:
            self.running = False

        job = jobs.start(self.ctx, None, target, plan.folder, quiet=True, on_done=ended,
                         on_failed=ended)
        self.running = job is not None
        return self.running
