"""Starting the desktop app from the command line (kept apart so CLI commands never
import Qt)."""

from __future__ import annotations

import argparse
import sys


def start_app(args: argparse.Namespace) -> int:
    try:
        from casework.app import run_app
    except ImportError as error:  # the desktop issue has not landed in this build
        print(f"casework: Die Oberfläche ist nicht verfügbar ({error.name}).", file=sys.stderr)
        return 3
    return run_app(demo=bool(args.demo), vault=args.vault)
