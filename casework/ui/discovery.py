"""Finding feature modules in the UI's plug-in folders.

Screens, family-file tabs, household actions and menu actions are modules in
`casework.ui.screens`, `…family_tabs`, `…household_actions` and `…menu_actions`, added by
feature work without editing a shared list. A module that fails to import must not take
the app down: it is logged (module name and exception type only, never a message that
might hold personal data) and the caller shows an honest placeholder instead.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass
from types import ModuleType

log = logging.getLogger(__name__)

PACKAGES = ("screens", "family_tabs", "household_actions", "menu_actions")


@dataclass(frozen=True, slots=True)
class Found:
    key: str
    module: ModuleType | None  # None: the module exists but failed to import

    @property
    def ok(self) -> bool:
        return self.module is not None


def module_names(package: str) -> list[str]:
    """Keys of the modules present in `casework.ui.<package>` (not imported)."""
    pkg = importlib.import_module(f"casework.ui.{package}")
    return sorted(info.name for info in pkgutil.iter_modules(pkg.__path__)
                  if not info.name.startswith("_"))


def load(package: str, key: str) -> Found | None:
    """Import `casework.ui.<package>.<key>`; None if there is no such module."""
    if key not in module_names(package):
        return None
    name = f"casework.ui.{package}.{key}"
    try:
        return Found(key, importlib.import_module(name))
    except Exception as error:  # a broken feature module must not stop the app
        log.error("UI-Modul %s konnte nicht geladen werden (%s)", name, type(error).__name__)
        return Found(key, None)


def load_all(package: str) -> list[Found]:
    found = []
    for key in module_names(package):
        item = load(package, key)
        if item is not None:
            found.append(item)
    return found
