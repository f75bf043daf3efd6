"""Starting the desktop app from the command line (kept apart so CLI commands never
import Qt)."""

from __future__ import annotations

import argparse
import os
import sys

from casework.cli import EXIT_USER_ERROR

NO_DISPLAY = ("Casework ist eine Desktop-App und braucht eine grafische Sitzung; hier ist "
              "keine Anzeige vorhanden (DISPLAY/WAYLAND_DISPLAY nicht gesetzt). Bitte am "
              "Desktop starten oder die Befehle von „casework --help“ verwenden.")


def _has_display() -> bool:
    """Qt aborts the process (core dump, English text) without a display; ask first.
    Only X11/Wayland systems need one of these variables; an explicit QT_QPA_PLATFORM
    (offscreen, for tests and checks) is the person's own choice."""
    if not sys.platform.startswith("linux") and "bsd" not in sys.platform:
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                 "QT_QPA_PLATFORM"))


def start_app(args: argparse.Namespace) -> int:
    if not _has_display():
        print(f"casework: {NO_DISPLAY}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        from casework.app import run_app
    except ImportError as error:
        # PySide6 is a dependency; what can be missing is a system library Qt loads
        # (libEGL, libxkbcommon …) on a minimal Linux installation.
        print("casework: Die Oberfläche kann nicht starten: eine Systembibliothek fehlt "
              f"({error.name or error}). Unter Debian/Ubuntu: sudo apt-get install libegl1 "
              "libgl1 libxkbcommon-x11-0 libxcb-cursor0", file=sys.stderr)
        return EXIT_USER_ERROR
    return run_app(demo=bool(args.demo), vault=args.vault)
