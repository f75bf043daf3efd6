"""Frozen entry point of the windowed `casework-app` executable (Windows start menu,
macOS .app): the same program as `casework`, built without a console window."""

from casework.cli import main

raise SystemExit(main())
