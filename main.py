"""Launcher: `python main.py` behaves like the `casework` command."""

from casework.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
