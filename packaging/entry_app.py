"""Frozen entry point of the windowed `casework-app` executable (Windows start menu,
macOS .app): the same program as `casework`, built without a console window."""

import os
import sys

# A windowed program on Windows has no standard streams (None); the CLI layer and logging
# write to them, so give them a sink.
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

from casework.cli import main  # noqa: E402

raise SystemExit(main())
