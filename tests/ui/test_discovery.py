"""Feature modules are discovered; a broken one shows a placeholder instead of taking the
app down, and every module that exists today really imports (real breakage is caught)."""

from __future__ import annotations

import importlib
import sys

import pytest
from PySide6.QtWidgets import QLabel

from casework.ui import discovery
from casework.ui.main_window import MainWindow
from casework.ui.widgets import Placeholder
from casework.ui.workspace import SCREENS

CONTRACT = {
    "screens": ("create",),
    "family_tabs": ("TITLE", "ORDER", "create"),
    "household_actions": ("LABEL", "SHORTCUT", "trigger"),
    "menu_actions": ("LABEL", "ORDER", "ROLES", "trigger"),
}


@pytest.mark.parametrize("package", discovery.PACKAGES)
def test_every_present_module_imports_and_keeps_the_contract(package: str) -> None:
    for key in discovery.module_names(package):
        module = importlib.import_module(discovery.MODULES[package][key])
        for name in CONTRACT[package]:
            assert hasattr(module, name), f"{package}.{key} lacks {name}"


def test_screen_keys_are_the_documented_ones() -> None:
    keys = [k for k, _ in SCREENS]
    assert keys == ["heute", "familien", "kinderschutz", "einwilligungen", "vermittlungen",
                    "teilhabe", "berichte", "datenschutz", "verzeichnis", "einstellungen"]
    for key in discovery.module_names("screens"):
        assert key in keys, f"screen module {key} is not in the navigation"


def _label_texts(widget: Placeholder) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_broken_or_missing_screen_shows_honest_placeholder(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    real_names = discovery.module_names

    # Missing module: honest placeholder, no fake content.
    monkeypatch.setattr(discovery, "module_names", lambda package: [
        k for k in real_names(package) if k != "berichte"])
    missing = workspace._create_screen("berichte")
    qtbot.addWidget(missing)
    assert isinstance(missing, Placeholder)
    assert "Dieser Bereich ist noch nicht verfügbar." in _label_texts(missing)

    # Present but fails to import: logged (module name and error type only), placeholder.
    monkeypatch.setattr(discovery, "module_names", lambda package: sorted(
        {*real_names(package), "berichte"}))
    monkeypatch.setitem(sys.modules, "casework.ui.reports.screen", None)
    broken = workspace._create_screen("berichte")
    qtbot.addWidget(broken)
    assert isinstance(broken, Placeholder)
    assert "Dieser Bereich ist noch nicht verfügbar." in _label_texts(broken)
    messages = [r.getMessage() for r in caplog.records]
    assert any("casework.ui.reports.screen" in m and "Error" in m for m in messages)
