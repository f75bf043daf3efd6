"""Every control a person can reach has a German screen-reader name, and the main flows
are keyboard operable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from casework.ui.main_window import MainWindow

CONTROLS = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit,
            QPlainTextEdit)


def unnamed_controls(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        parent = widget.parentWidget()
        if isinstance(widget, QLineEdit) and isinstance(parent, QAbstractSpinBox | QComboBox):
            continue  # the inner editor of a spin box or combo box
        if isinstance(widget, QHeaderView) or widget.objectName().startswith("qt_"):
            continue  # Qt's own parts (scroll bar buttons, tab scrollers …)
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (widget.accessibleName() or text.replace("&", "").strip()):
            missing.append(f"{type(widget).__name__} in {type(parent).__name__}")
    return missing


def test_every_control_has_a_name(qtbot, unlocked: MainWindow, family: str) -> None:  # type: ignore[no-untyped-def]
    workspace = unlocked.workspace
    assert workspace is not None
    for key in ("heute", "familien", "einstellungen"):
        page = workspace.show_page(key)
        assert page is not None
        assert unnamed_controls(page) == [], key
    page = workspace.open_family(family)
    assert page is not None
    for index in range(4):  # our own tabs; feature tabs are tested by their authors
        page.tabs.setCurrentIndex(index)
        assert unnamed_controls(page) == [], page.tabs.tabText(index)
    entry = workspace.open_quick_entry(family)
    assert entry is not None and unnamed_controls(entry) == []
    dialog = page.persons.add()
    assert unnamed_controls(dialog) == []
    dialog.reject()
    unlocked.lock()
    assert unnamed_controls(unlocked.start) == []
    unlocked.start.show_create()
    assert unnamed_controls(unlocked.start) == []


def test_keyboard_only_navigation(qtbot, unlocked: MainWindow, family: str) -> None:  # type: ignore[no-untyped-def]
    workspace = unlocked.workspace
    assert workspace is not None
    qtbot.keyClick(workspace.nav, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert workspace.current_key == "familien"
    screen = workspace.pages["familien"]
    qtbot.keyClick(workspace.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(screen.search, "mul")  # type: ignore[attr-defined]
    qtbot.keyClick(screen.search, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert workspace.current_key == f"family:{family}"  # a single hit opens directly
    qtbot.keyClick(workspace.nav, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert workspace.current_key == "einstellungen"
