"""GUI-thread audit (issue 23): `python -m bench.gui_audit VAULT` (offscreen Qt).

Builds the real main window on a large vault and measures, on the GUI thread, what a
person waits for: each screen of the navigation built and shown for the first time, each
family-file tab of the largest family, and the report screen's „Berechnen“. Everything
over 50 ms is a candidate for the task runner. Prints one line per step and a JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

LIMIT_MS = 50.0


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTabWidget

    from casework.app import build
    from casework.clock import SystemClock
    from casework.services import demo
    from casework.services import session as session_service
    from casework.ui import registry

    app = QApplication(sys.argv[:1])
    window = build(app, vault=sys.argv[1])
    window.show()
    session = session_service.unlock(Path(sys.argv[1]), demo.DEMO_PASSPHRASE, SystemClock())
    window.start.unlocked.emit(session)
    workspace = window.workspace
    assert workspace is not None
    app.processEvents()
    steps: list[tuple[str, float]] = []

    def timed(name: str, action: object) -> object:
        start = time.perf_counter()
        result = action()  # type: ignore[operator]
        app.processEvents()
        steps.append((name, (time.perf_counter() - start) * 1000))
        return result

    for screen in registry.SCREENS:
        timed(f"Bildschirm „{screen.label}“ öffnen", lambda k=screen.key: workspace.show_page(k))
    reports = workspace.pages.get("berichte")
    if reports is not None and hasattr(reports, "compute"):
        timed("Berichte: Jahresbericht berechnen", reports.compute)
    big = session.db.scalar("SELECT household_id FROM contacts GROUP BY household_id "
                            "ORDER BY count(*) DESC LIMIT 1")
    family = timed("Familienakte (größte Familie) öffnen", lambda: workspace.open_family(big))
    tabs = family.findChild(QTabWidget) if family is not None else None  # type: ignore[attr-defined]
    if tabs is not None:
        for index in range(tabs.count()):
            timed(f"Familienakte: Reiter „{tabs.tabText(index).replace('&', '')}“",
                  lambda i=index: tabs.setCurrentIndex(i))
    for name, ms in steps:
        flag = "  > 50 ms" if ms > LIMIT_MS else ""
        print(f"{ms:8.1f} ms  {name}{flag}")
    print(json.dumps({"steps": [{"name": n, "ms": round(ms, 1)} for n, ms in steps]},
                     ensure_ascii=False))
    window.ctx.tasks.shutdown()
    session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
