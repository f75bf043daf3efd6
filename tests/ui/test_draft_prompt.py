"""The "Entwurf vorhanden" prompt: Enter and Escape restore, only an explicit
"Verwerfen" throws typed text away (issue 18)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from casework.ui import messages


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape])
def test_enter_and_escape_restore_the_draft(qtbot: QtBot, key: Qt.Key) -> None:
    box = messages.draft_box(None, "Für diese Familie gibt es einen Entwurf.")
    qtbot.addWidget(box)
    box.open()
    qtbot.waitExposed(box)
    qtbot.keyClick(box, key)
    qtbot.waitUntil(lambda: not box.isVisible())
    clicked = box.clickedButton()
    assert clicked is not None
    assert box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole
    assert clicked.text() == "Wiederherstellen"


def test_discarding_is_a_separate_non_default_button(qtbot: QtBot) -> None:
    box = messages.draft_box(None, "Entwurf")
    qtbot.addWidget(box)
    roles = {b.text(): box.buttonRole(b) for b in box.buttons()}
    assert roles == {"Wiederherstellen": QMessageBox.ButtonRole.AcceptRole,
                     "Verwerfen": QMessageBox.ButtonRole.DestructiveRole}
    assert box.defaultButton().text() == "Wiederherstellen"
    assert box.escapeButton().text() == "Wiederherstellen"
