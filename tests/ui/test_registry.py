"""The explicit registry of screens, family tabs and actions: every entry's module really
imports and offers what the entry calls, the navigation is the documented one, and a broken
module fails loudly instead of hiding behind a placeholder."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

from casework.ui import registry
from casework.ui.main_window import MainWindow

REGISTRY = Path(registry.__file__)


def _lazy_imports() -> list[tuple[str, str, str]]:
    """(factory, module, name) of every function-level import in the registry."""
    found = []
    for node in ast.parse(REGISTRY.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found += [(node.name, inner.module, a.name) for a in inner.names]
    return found


def test_every_entry_imports_what_it_calls() -> None:
    imports = _lazy_imports()
    entries = (*registry.SCREENS, *registry.FAMILY_TABS, *registry.HOUSEHOLD_ACTIONS,
               *registry.MENU_ACTIONS)
    factories = {getattr(e, "create", None) or e.trigger for e in entries}
    assert {f.__name__ for f in factories} == {name for name, _, _ in imports}
    for factory, module, name in imports:
        assert callable(getattr(importlib.import_module(module), name)), (factory, module)


def test_keys_are_unique() -> None:
    for entries in (registry.SCREENS, registry.FAMILY_TABS, registry.HOUSEHOLD_ACTIONS,
                    registry.MENU_ACTIONS):
        keys = [e.key for e in entries]
        assert len(keys) == len(set(keys)), keys


def test_screen_keys_are_the_documented_ones() -> None:
    keys = [s.key for s in registry.SCREENS]
    assert keys == ["heute", "familien", "kinderschutz", "einwilligungen", "vermittlungen",
                    "teilhabe", "berichte", "datenschutz", "verzeichnis", "einstellungen",
                    "fuehrungszeugnisse"]
    with pytest.raises(KeyError):
        registry.screen("nicht-da")


def test_broken_screen_module_fails_instead_of_a_placeholder(
        unlocked: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    monkeypatch.setitem(sys.modules, "casework.ui.reports.screen", None)
    with pytest.raises(ImportError):
        workspace._create_screen("berichte")
