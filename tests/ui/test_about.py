"""Hilfe → Über Casework: version from the package metadata, EUPL-1.2, third-party
licences from the installed distributions (what ships, not the test tools)."""

from __future__ import annotations

import importlib.metadata as metadata
import tomllib

from PySide6.QtWidgets import QApplication

from casework import __version__
from casework.services import about
from casework.ui.about import AboutDialog
from casework.ui.main_window import MainWindow
from tests.conftest import REPO_ROOT


def test_help_menu_shows_version_licence_and_third_party_licences(qtbot,  # type: ignore[no-untyped-def]
                                                                  window: MainWindow) -> None:
    assert window.help_menu.title() == "&Hilfe"
    assert window.about_action in window.help_menu.actions()
    window.about_action.trigger()  # available before unlocking, too
    qtbot.waitUntil(lambda: any(isinstance(w, AboutDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=3000)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, AboutDialog) and w.isVisible())
    assert dialog.windowTitle() == "Über Casework"
    assert f"Casework {__version__}" in dialog.title.text()
    assert "EUPL-1.2" in dialog.licence.text()
    listed = dialog.third_party.toPlainText().splitlines()
    by_name = {line.split(" ")[0]: line for line in listed}
    assert "LGPL-3.0" in by_name["PySide6_Essentials"] or "LGPL-3.0" in by_name.get(
        "PySide6-Essentials", "")
    assert by_name["sqlcipher3"].endswith("– zlib")
    assert "BSD" in by_name["reportlab"]
    assert "Apache-2.0" in by_name["cryptography"]
    assert any(line.startswith("Python 3.") for line in listed)
    # optional extras and test tools are not part of the app
    assert not {"pytest", "psycopg", "hypothesis", "mypy"} & set(by_name)
    dialog.reject()


def test_version_comes_from_the_package_metadata() -> None:
    assert about.app_version() == metadata.version("casework") == __version__
    # the package metadata's licence is pyproject's (the shared test venv may hold an
    # older installation's metadata, so read the source of it)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    licence = project["license"]
    assert (licence if isinstance(licence, str) else licence["text"]) == about.LICENCE
    assert project["version"] == __version__
