"""A save tells the person it took effect: the main window's status bar shows it."""

from __future__ import annotations

from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow


def test_confirmation_shows_in_the_status_bar(window: MainWindow, ctx: UiContext) -> None:
    assert window.statusBar().currentMessage() == ""
    ctx.confirm("Kontakt gespeichert.")
    assert window.statusBar().currentMessage() == "Kontakt gespeichert."
    assert ctx.last_confirmation == "Kontakt gespeichert."
