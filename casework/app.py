"""Composition root of the desktop app.

`casework` starts the app on the last vault (or the start page); `casework --demo`
creates — if missing — a demo vault with fictitious families in the user's data folder
and shows its unlock page, which states the demo passphrase. The Qt side lives in
`casework.ui.launch` (only casework.ui imports PySide6).
"""

from __future__ import annotations

from typing import Any


def run_app(demo: bool = False, vault: str | None = None) -> int:
    from casework.ui.launch import run_app as run

    return run(demo=demo, vault=vault)


def build(*args: Any, **kwargs: Any) -> Any:
    """Create context and main window without running the event loop (tests, tools,
    bench/startup.py); see `casework.ui.launch.build`."""
    from casework.ui.launch import build as build_window

    return build_window(*args, **kwargs)
