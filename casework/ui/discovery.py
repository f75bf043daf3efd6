"""Finding the UI's feature modules.

Screens, family-file tabs, household actions and menu actions live in their feature's
wing (`casework.ui.<feature>`); `MODULES` names them per kind. A module that fails to
import must not take the app down: it is logged (module name and exception type only,
never a message that might hold personal data) and the caller shows an honest placeholder
instead.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from types import ModuleType

log = logging.getLogger(__name__)

MODULES: dict[str, dict[str, str]] = {
    "screens": {
        "heute": "casework.ui.agenda",
        "familien": "casework.ui.households.screen",
        "kinderschutz": "casework.ui.kinderschutz.screen",
        "einwilligungen": "casework.ui.consent.screen",
        "vermittlungen": "casework.ui.referrals.screen",
        "teilhabe": "casework.ui.teilhabe.screen",
        "berichte": "casework.ui.reports.screen",
        "datenschutz": "casework.ui.privacy.screen",
        "verzeichnis": "casework.ui.directory.screen",
        "einstellungen": "casework.ui.settings_screen",
    },
    "family_tabs": {
        "einwilligungen": "casework.ui.consent.family_tab",
        "kinderschutz": "casework.ui.kinderschutz.family_tab",
        "teilhabe": "casework.ui.teilhabe.family_tab",
        "vermittlungen": "casework.ui.referrals.family_tab",
    },
    "household_actions": {
        "akut": "casework.ui.kinderschutz.acute_action",
    },
    "menu_actions": {
        "backup": "casework.ui.backup.backup_action",
        "import_csv": "casework.ui.households.import_action",
        "recovery_key": "casework.ui.backup.recovery_key_action",
        "restore": "casework.ui.backup.restore_action",
        "sync": "casework.ui.hub.sync_action",
    },
}
PACKAGES = tuple(MODULES)


@dataclass(frozen=True, slots=True)
class Found:
    key: str
    module: ModuleType | None  # None: the module exists but failed to import

    @property
    def ok(self) -> bool:
        return self.module is not None


def module_names(package: str) -> list[str]:
    """Keys of the modules of one kind (not imported)."""
    return sorted(MODULES[package])


def load(package: str, key: str) -> Found | None:
    """Import the module of one kind and key; None if there is no such module."""
    if key not in module_names(package):
        return None
    name = MODULES[package].get(key, f"casework.ui.{package}.{key}")
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
