"""The data Casework ships (fonts, city profiles, questionnaires, retention and deadline
rules, the app icon): the top-level `resources/` folder of the source tree, installed
with the wheel as the package data `casework_resources` (see setup.py).

Everything reads it through `files()`, so a checkout and an installed app find the same
files without path tricks elsewhere.
"""

from __future__ import annotations

import importlib.util
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

INSTALLED = "casework_resources"
SOURCE_TREE = Path(__file__).resolve().parent.parent / "resources"


def files(*parts: str) -> Traversable:
    """A folder or file below `resources/`, e.g. `files("profiles", "musterstadt.json")`."""
    root: Traversable
    if _in_source_checkout():
        # A checkout (also under an editable install, whose namespace path for
        # `casework_resources` carries a path-hook entry Python 3.11 cannot read).
        root = SOURCE_TREE
    elif importlib.util.find_spec(INSTALLED) is not None:
        root = resources.files(INSTALLED)
    else:
        root = SOURCE_TREE
    for part in parts:
        root = root.joinpath(part)
    return root


def _in_source_checkout() -> bool:
    return SOURCE_TREE.is_dir() and (SOURCE_TREE.parent / "pyproject.toml").is_file()
