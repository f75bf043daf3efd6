"""Scripted smoke run of the real app (tools/bundle-smoke.sh, install checks).

Only in smoke mode — `CASEWORK_QUIT_AFTER_MS` set (the app ends itself) AND
`CASEWORK_SMOKE_UNLOCK=1` — the app types the passphrase from `CASEWORK_PASSPHRASE` into
its own unlock page (the real unlock path), opens the first family, locks again through
the real lock, and quits. Each step prints one line `casework-smoke: …` on stdout with
the wall-clock time, so a script can measure process start → window shown. Nothing of a
case is printed (no names, only counts and ids' absence).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from casework.ui.main_window import MainWindow

QUIT_AFTER_ENV = "CASEWORK_QUIT_AFTER_MS"
UNLOCK_ENV = "CASEWORK_SMOKE_UNLOCK"
PASSPHRASE_ENV = "CASEWORK_PASSPHRASE"  # noqa: S105 - a variable name (the CLI's)


def report(step: str) -> None:
    if sys.stdout is None:  # windowed build on Windows: nowhere to report
        return
    print(f"casework-smoke: {step} t={time.time():.3f}", flush=True)


def wanted() -> bool:
    return (os.environ.get(QUIT_AFTER_ENV, "").isdigit()
            and os.environ.get(UNLOCK_ENV) == "1" and bool(os.environ.get(PASSPHRASE_ENV)))


class SmokeRun(QObject):
    """Unlock → open a family → lock, driven by timers on the event loop."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._step)
        self._stage = "unlock"

    def start(self) -> None:
        report("window shown")
        self._poll.start()

    def _step(self) -> None:
        window = self.window
        if self._stage == "unlock":
            panel = window.start.unlock
            if window.start.current_panel is not panel or panel.folder is None:
                return
            panel.passphrase.setText(os.environ.get(PASSPHRASE_ENV, ""))
            panel.submit()
            self._stage = "wait-unlock"
        elif self._stage == "wait-unlock":
            if window.workspace is None:
                return
            report("unlocked")
            self._stage = "open"
        elif self._stage == "open":
            from casework.services.households import households

            session = window.ctx.session
            assert session is not None and window.workspace is not None
            ids = households.list_ids(session)
            if ids and window.workspace.open_family(ids[0]) is not None:
                report(f"family opened ({len(ids)} households)")
            self._stage = "lock"
        elif self._stage == "lock":
            window.lock()
            report("locked" if window.ctx.session is None else "lock FAILED")
            self._poll.stop()


def install(window: MainWindow) -> None:
    if not wanted():
        if os.environ.get(QUIT_AFTER_ENV, "").isdigit():
            QTimer.singleShot(0, lambda: report("window shown"))
        return
    run = SmokeRun(window)
    QTimer.singleShot(0, run.start)
