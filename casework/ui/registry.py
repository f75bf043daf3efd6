"""Every screen, family-file tab, household-header action and "Akte" menu action, in one
explicit list (docs/architecture.md: no discovery of folders at run time).

A feature adds its entry here. Each entry imports its module when it is first used (a
function-level import), so starting the app does not load every feature; the imports are
plain imports that mypy, the layering test and `tests/ui/test_registry.py` see, and a
broken one fails the tests instead of showing a placeholder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerRole
from casework.ui.context import UiContext


@dataclass(frozen=True, slots=True)
class Screen:
    """A navigation area; `key` is also what a lock remembers as the current page."""

    key: str
    label: str
    create: Callable[[UiContext], QWidget]


@dataclass(frozen=True, slots=True)
class FamilyTab:
    """A feature tab of the family file, after Übersicht, Personen, Kontakte, Verlauf."""

    key: str
    title: str
    create: Callable[[UiContext, HouseholdId], QWidget]


@dataclass(frozen=True, slots=True)
class HouseholdAction:
    """A button in the family-file header."""

    key: str
    label: str
    shortcut: str
    trigger: Callable[[UiContext, HouseholdId, QWidget], object]


@dataclass(frozen=True, slots=True)
class MenuAction:
    """An entry of the "Akte" menu; `roles` None: every role may use it."""

    key: str
    label: str
    roles: tuple[WorkerRole, ...] | None
    trigger: Callable[[UiContext, QWidget], object]


# --- screens ------------------------------------------------------------------------------

def _agenda(ctx: UiContext) -> QWidget:
    from casework.ui.agenda import create
    return create(ctx)


def _households(ctx: UiContext) -> QWidget:
    from casework.ui.households.screen import create
    return create(ctx)


def _kinderschutz(ctx: UiContext) -> QWidget:
    from casework.ui.kinderschutz.screen import create
    return create(ctx)


def _consent(ctx: UiContext) -> QWidget:
    from casework.ui.consent.screen import create
    return create(ctx)


def _referrals(ctx: UiContext) -> QWidget:
    from casework.ui.referrals.screen import create
    return create(ctx)


def _teilhabe(ctx: UiContext) -> QWidget:
    from casework.ui.teilhabe.screen import create
    return create(ctx)


def _reports(ctx: UiContext) -> QWidget:
    from casework.ui.reports.screen import create
    return create(ctx)


def _privacy(ctx: UiContext) -> QWidget:
    from casework.ui.privacy.screen import create
    return create(ctx)


def _directory(ctx: UiContext) -> QWidget:
    from casework.ui.directory.screen import create
    return create(ctx)


def _vetting(ctx: UiContext) -> QWidget:
    from casework.ui.vetting.screen import create
    return create(ctx)


def _settings(ctx: UiContext) -> QWidget:
    from casework.ui.settings_screen import create
    return create(ctx)


SCREENS: tuple[Screen, ...] = (
    Screen("heute", "Heute", _agenda),
    Screen("familien", "Familien", _households),
    Screen("kinderschutz", "Kinderschutz", _kinderschutz),
    Screen("einwilligungen", "Einwilligungen", _consent),
    Screen("vermittlungen", "Vermittlungen", _referrals),
    Screen("teilhabe", "Teilhabemanagement", _teilhabe),
    Screen("berichte", "Berichte", _reports),
    Screen("datenschutz", "Datenschutz", _privacy),
    Screen("verzeichnis", "Verzeichnis", _directory),
    Screen("einstellungen", "Einstellungen", _settings),
    # § 72a register (Leitung/Admin; others see why not). Last, so Ctrl+1…0 stay as they were.
    Screen("fuehrungszeugnisse", "Führungszeugnisse", _vetting),
)


# --- family-file tabs ---------------------------------------------------------------------

def _consent_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.consent.family_tab import create
    return create(ctx, household_id)


def _kinderschutz_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.kinderschutz.family_tab import create
    return create(ctx, household_id)


def _referrals_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.referrals.family_tab import create
    return create(ctx, household_id)


def _teilhabe_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.teilhabe.family_tab import create
    return create(ctx, household_id)


def _appointments_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.appointments.family_tab import create
    return create(ctx, household_id)


def _goals_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.goals.family_tab import create
    return create(ctx, household_id)


def _documents_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.case_documents.family_tab import create
    return create(ctx, household_id)


def _case_tab(ctx: UiContext, household_id: HouseholdId) -> QWidget:
    from casework.ui.households.case_tab import create
    return create(ctx, household_id)


FAMILY_TABS: tuple[FamilyTab, ...] = (
    FamilyTab("einwilligungen", "Einwilligungen", _consent_tab),
    FamilyTab("kinderschutz", "Kinderschutz", _kinderschutz_tab),
    FamilyTab("vermittlungen", "Vermittlungen", _referrals_tab),
    FamilyTab("teilhabe", "Angebote/Teilhabe", _teilhabe_tab),
    FamilyTab("hilfeplan", "Hilfeplan", _goals_tab),
    FamilyTab("termine", "Termine", _appointments_tab),
    FamilyTab("dokumente", "Dokumente", _documents_tab),
    FamilyTab("abschluss", "Zuständigkeit && Abschluss", _case_tab),
)


# --- household-header actions -------------------------------------------------------------

def _acute(ctx: UiContext, household_id: HouseholdId, parent: QWidget) -> object:
    from casework.ui.kinderschutz.acute_action import trigger
    return trigger(ctx, household_id, parent)


HOUSEHOLD_ACTIONS: tuple[HouseholdAction, ...] = (
    HouseholdAction("akut", "Akut: Wen rufe ich jetzt an?", "Ctrl+Shift+A", _acute),
)


# --- "Akte" menu --------------------------------------------------------------------------

def _sync(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.hub.sync_action import trigger
    trigger(ctx, parent)
    return None


def _backup(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.backup.backup_action import trigger
    return trigger(ctx, parent)


def _restore(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.backup.restore_action import trigger
    return trigger(ctx, parent)


def _import_csv(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.households.import_action import trigger
    return trigger(ctx, parent)


def _recovery_key(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.backup.recovery_key_action import trigger
    return trigger(ctx, parent)


def _rekey(ctx: UiContext, parent: QWidget) -> object:
    from casework.ui.persons.rekey_action import trigger
    return trigger(ctx, parent)


MENU_ACTIONS: tuple[MenuAction, ...] = (
    MenuAction("sync", "Synchronisieren…", None, _sync),
    MenuAction("backup", "Sicherung erstellen…", None, _backup),
    MenuAction("restore", "Sicherung wiederherstellen…", None, _restore),
    MenuAction("import_csv", "Import…", None, _import_csv),
    MenuAction("recovery_key", "Wiederherstellungsschlüssel…",
               (WorkerRole.LEITUNG, WorkerRole.ADMIN), _recovery_key),
    MenuAction("rekey", "Neu verschlüsseln…", (WorkerRole.ADMIN,), _rekey),
)


def screen(key: str) -> Screen:
    """The screen with this key (KeyError: no such screen, a bug)."""
    for entry in SCREENS:
        if entry.key == key:
            return entry
    raise KeyError(key)


def family_tab(key: str) -> FamilyTab:
    for tab in FAMILY_TABS:
        if tab.key == key:
            return tab
    raise KeyError(key)


def household_action(key: str) -> HouseholdAction:
    for action in HOUSEHOLD_ACTIONS:
        if action.key == key:
            return action
    raise KeyError(key)


def menu_action(key: str) -> MenuAction:
    for action in MENU_ACTIONS:
        if action.key == key:
            return action
    raise KeyError(key)
