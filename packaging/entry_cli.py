"""Frozen entry point of the `casework` executable (CLI; without a subcommand it starts
the desktop app, like the installed `casework` command)."""

from casework.cli import main

raise SystemExit(main())
