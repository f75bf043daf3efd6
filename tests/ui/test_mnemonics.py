"""No screen binds one Alt+letter twice (issue 18: Alt+V on the Übersicht meant both
"Verlauf" and "Verwerfen"): every main screen and every tab of a family file, with the
menu bar, counting only what is on screen."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabBar, QWidget

from casework.ui import registry
from casework.ui.main_window import MainWindow

_MNEMONIC = re.compile(r"&([^&\s])")


def _letter(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).casefold() if found else None


def clashes(window: MainWindow) -> dict[str, list[str]]:
    """Alt+letter → the texts of the visible widgets that claim it, where more than one."""
    texts: list[str] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        buddied = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or buddied:
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())
                      if widget.isTabVisible(i)]
    texts += [a.text() for a in window.menuBar().actions() if a.isVisible()]
    claimed: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        letter = _letter(text)
        if letter:
            claimed[letter].append(text)
    return {k: v for k, v in claimed.items() if len(v) > 1}


def test_clash_detection_works() -> None:
    assert _letter("Ü&bersicht") == "b" and _letter("Zuständigkeit && Abschluss") is None


def test_no_screen_binds_an_alt_letter_twice(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                             family: str) -> None:
    workspace = unlocked.workspace
    assert workspace is not None
    problems: dict[str, dict[str, list[str]]] = {}
    for screen in registry.SCREENS:
        workspace.show_page(screen.key)
        if found := clashes(unlocked):
            problems[screen.label] = found
    page = workspace.open_family(family)
    assert page is not None
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        if found := clashes(unlocked):
            problems[page.tabs.tabText(index)] = found
    assert problems == {}
