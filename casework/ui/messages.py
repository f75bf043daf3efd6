"""The one seam for message boxes (qutebrowser's misc/msgbox.py).

Everything in the UI shows dialogs through these functions, called as
`messages.error(...)` (module attribute, looked up at call time), so tests patch one
place and never click dialogs by their label text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
         buttons: QMessageBox.StandardButton,
         default: QMessageBox.StandardButton) -> QMessageBox.StandardButton:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setDefaultButton(default)
    box.setAccessibleName(title)
    return QMessageBox.StandardButton(box.exec())


def info(parent: QWidget | None, title: str, text: str) -> None:
    _box(parent, QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok,
         QMessageBox.StandardButton.Ok)


def warn(parent: QWidget | None, title: str, text: str) -> None:
    _box(parent, QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
         QMessageBox.StandardButton.Ok)


def error(parent: QWidget | None, title: str, text: str) -> None:
    _box(parent, QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok,
         QMessageBox.StandardButton.Ok)


def notify(parent: QWidget | None, title: str, text: str) -> None:
    """A non-modal note (appointment reminders): shown without blocking the work."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setAccessibleName(title)
    box.setModal(False)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes/No question; No is the default so Enter never confirms by accident."""
    answer = _box(parent, QMessageBox.Icon.Question, title, text,
                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def draft_box(parent: QWidget | None, text: str) -> QMessageBox:
    """"Entwurf vorhanden": Wiederherstellen is the default and what Escape does; throwing
    typed text away takes the explicit, non-default "Verwerfen"."""
    box = QMessageBox(QMessageBox.Icon.Question, "Entwurf vorhanden", text,
                      QMessageBox.StandardButton.NoButton, parent)
    restore = box.addButton("Wiederherstellen", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Verwerfen", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(restore)
    box.setAccessibleName("Entwurf vorhanden")
    return box


def restore_draft(parent: QWidget | None, text: str) -> bool:
    """True unless the person explicitly chose "Verwerfen"."""
    box = draft_box(parent, text)
    box.exec()
    clicked = box.clickedButton()
    return clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.DestructiveRole


def choose_folder(parent: QWidget | None, title: str, start: str = "") -> str:
    """Folder picker; '' if cancelled. Part of the seam so tests never drive a file dialog."""
    return QFileDialog.getExistingDirectory(parent, title, start)


# prove(passphrase, finished): start checking it, call finished() when the check ended
Prove = Callable[[str, Callable[[], None]], None]


def ask_passphrase(parent: QWidget | None, title: str, text: str,
                   prove: Prove | None = None) -> str:
    """The acting person's passphrase for one reserved act; '' if cancelled. `prove`:
    checks it on a worker thread before the dialog closes (see `ui/persons/dialog`). Part
    of the seam so tests type it without driving the dialog."""
    from casework.ui.persons.dialog import ask

    return ask(parent, title, text, prove)
