"""One measured start: `python -m bench.startup VAULT` (offscreen Qt).

Measures from process start (the kernel's start time of this process) to the moment the
Familien screen shows its first page of rows, including Argon2id unlock, and the peak RSS.
Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

# The demo vault's passphrase, written out: importing `casework.services.demo` for it
# would load most services before the measurement ends (the app itself does not).
DEMO_PASSPHRASE = "Demo-Akte nur zum Ausprobieren"  # noqa: S105 - the published demo passphrase


def _process_start_epoch() -> float:
    """Wall-clock time this process was started, from /proc (Linux)."""
    with open("/proc/self/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime", encoding="ascii") as handle:
        uptime = float(handle.read().split()[0])
    return time.time() - uptime + start_ticks / ticks


def _peak_rss_mb() -> float:
    """VmHWM of this process image. `ru_maxrss` is not usable here: Linux carries the
    parent's high-water mark across fork + exec, so a child of the (large) benchmark
    process reported the parent's 303 MB instead of its own ~160 MB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    started = _process_start_epoch()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QAbstractItemModel
    from PySide6.QtWidgets import QApplication

    from casework.app import build
    from casework.clock import SystemClock
    from casework.services import session as session_service

    app = QApplication(sys.argv[:1])
    window = build(app, vault=sys.argv[1])
    window.show()
    imported = time.time()
    session = session_service.unlock(Path(sys.argv[1]), DEMO_PASSPHRASE, SystemClock())
    unlocked = time.time()
    window.start.unlocked.emit(session)
    workspace = window.workspace
    assert workspace is not None
    screen = workspace.show_page("familien")
    assert screen is not None
    model = screen.findChild(QAbstractItemModel)
    deadline = time.time() + 60
    while time.time() < deadline:
        app.processEvents()
        if model is not None and model.rowCount() > 0 and model.index(0, 0).data():
            break
    usable = time.time()
    rows = model.rowCount() if model is not None else 0
    from casework.services import demo  # after the measurement: it loads most services

    assert demo.DEMO_PASSPHRASE == DEMO_PASSPHRASE
    print(json.dumps({
        "start_to_list_ms": (usable - started) * 1000,
        "window_built_ms": (imported - started) * 1000,  # imports, QApplication, window
        "unlock_ms": (unlocked - imported) * 1000,  # Argon2id and opening the database
        "list_ms": (usable - unlocked) * 1000,  # workspace, Familien, first page of rows
        "rows": rows,
        "peak_rss_mb": _peak_rss_mb(),
    }))
    window.ctx.tasks.shutdown()
    session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
