"""Typed text in a form dialog survives a lock and is never thrown away by one key.

`DialogDraft` is what the quick entry does, for any dialog: when the vault locks
(`UiContext.locking`) the dialog's contents go encrypted into the vault
(`casework.services.drafts`); the next time the dialog opens it offers them back
("Wiederherstellen" is the default, Enter restores). Escape or "Abbrechen" with typed
changes asks first; a successful save discards the draft.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QTextEdit,
    QWidget,
)

from casework.errors import UserError
from casework.services import drafts
from casework.ui.context import UiContext


class DialogDraft:
    quiet = False  # while a dialog is opened again after unlocking: restore without asking

    def __init__(self, ctx: UiContext, owner: QWidget, kind: str, key: str,
                 payload: Callable[[], dict[str, Any]],
                 restore: Callable[[dict[str, Any]], None]) -> None:
        self.ctx = ctx
        self.owner = owner
        self.kind = kind
        self.key = key
        self._payload = payload
        self._restore = restore
        self.pristine = payload()  # what the dialog showed before anyone typed
        self.locked = False
        # How to open the dialog again after unlocking (set by whoever opened it).
        self.reopen: Callable[[], object] | None = None
        ctx.locking.connect(self.flush)
        owner.destroyed.connect(self._forget)

    def _forget(self, *_args: object) -> None:
        """The dialog is gone: no more flushing at a lock."""
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.locking.disconnect(self.flush)

    def is_dirty(self) -> bool:
        return self._payload() != self.pristine

    def offer(self, *, ask: bool = True) -> bool:
        """Restore a stored draft (asking first unless `ask` is False); True if restored."""
        session = self.ctx.session
        if session is None or not session.is_open:
            return False
        stored = drafts.load_draft(session, self.kind, self.key)
        if stored is None:
            return False
        if ask and not DialogDraft.quiet and not self.ctx.messages.restore_draft(
                self.owner, "Für dieses Formular gibt es nicht gespeicherte Eingaben "
                            "(z. B. vom Sperren). Wiederherstellen?"):
            drafts.discard_draft(session, self.kind, self.key)
            return False
        self._restore(json.loads(stored))
        return True

    def flush(self) -> None:
        """The vault is about to lock: keep typed changes (encrypted), nothing else."""
        if self.locked:
            return
        self.locked = True
        session = self.ctx.session
        if session is None or not session.is_open or not shiboken6.isValid(self.owner) \
                or not self.owner.isVisible():
            return
        try:
            if self.is_dirty():
                drafts.save_draft(session, self.kind, self.key,
                                  json.dumps(self._payload(), ensure_ascii=False))
                if self.reopen is not None:
                    self.ctx.reopen_after_unlock.append(self._reopen)
        except UserError:
            pass  # too big to keep: the lock must not fail over a draft

    def _reopen(self) -> None:
        """After unlocking: open the dialog again with the draft, as the quick entry
        does (only if the person who unlocked has that draft)."""
        session = self.ctx.session
        if self.reopen is None or session is None or not session.is_open \
                or drafts.load_draft(session, self.kind, self.key) is None:
            return
        DialogDraft.quiet = True
        try:
            self.reopen()
        finally:
            DialogDraft.quiet = False

    def discard(self) -> None:
        session = self.ctx.session
        if session is not None and session.is_open:
            drafts.discard_draft(session, self.kind, self.key)

    def drop(self) -> None:
        """Throw the typed text away without asking (tools; the person never does)."""
        self.discard()
        self.locked = True

    def may_close(self) -> bool:
        """Escape / Abbrechen: True if the dialog may close. Typed changes go only when
        the person says so; at a lock they were kept and the dialog just closes."""
        if self.locked:
            return True
        if self.is_dirty() and not self.ctx.messages.confirm(
                self.owner, "Eingaben verwerfen?",
                "Die Eingaben sind nicht gespeichert. Wirklich verwerfen?"):
            return False
        self.discard()
        return True


DISCARDING_LABELS = ("Abbrechen", "Verwerfen", "Schließen", "Entwurf verwerfen")


class DiscardGuard(QObject):
    """App-wide: Escape in a dialog with typed text asks before the text goes.

    Every dialog gets this without code of its own: when a dialog is shown its texts are
    noted; Escape with changed texts, or Enter where it would press a cancelling button,
    asks "Eingaben verwerfen?" (No is the default, so a second Escape or Enter keeps the
    text). Dialogs that keep drafts themselves (a
    `draft_keeper`, the quick entry's `flush_draft`) and message boxes are left alone."""

    PROPERTY = "casework_texts_when_shown"

    def __init__(self, ctx: UiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return self.filter_event(watched, event, event.type())

    def filter_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        """The filter itself; the main window runs it through the idle monitor's filter
        (`IdleMonitor.chain`), so the app has one Python event filter, not two."""
        if kind == QEvent.Type.Show and self._guarded(watched):
            assert isinstance(watched, QDialog)
            watched.setProperty(self.PROPERTY, _texts(watched))
        elif (kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
              and isinstance(watched, QWidget) and self._discarding_key(watched, event)):
            dialog = watched.window()
            if self._guarded(dialog) and dialog.property(self.PROPERTY) is not None \
                    and dialog.property(self.PROPERTY) != _texts(dialog):
                answer = self.ctx.messages.confirm(
                    dialog, "Eingaben verwerfen?",
                    "Die Eingaben in diesem Fenster sind nicht gespeichert. "
                    "Wirklich schließen und verwerfen?")
                if not answer:
                    return True  # swallowed: the dialog stays with its text
                dialog.setProperty(self.PROPERTY, _texts(dialog))  # asked once
        return False

    @staticmethod
    def _discarding_key(widget: QWidget, event: QKeyEvent) -> bool:
        """Escape, or Enter where it would press a cancelling button."""
        if event.key() == Qt.Key.Key_Escape:
            return True
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                or isinstance(widget, QPlainTextEdit | QTextEdit):
            return False
        window = widget.window()
        button = widget if isinstance(widget, QPushButton) and widget.autoDefault() else next(
            (b for b in window.findChildren(QPushButton) if b.isDefault() and b.isVisible()),
            None)
        if not isinstance(button, QPushButton):
            return False
        box = button.parentWidget()
        if isinstance(box, QDialogButtonBox) and box.buttonRole(button) in (
                QDialogButtonBox.ButtonRole.RejectRole,
                QDialogButtonBox.ButtonRole.DestructiveRole):
            return True
        return button.text().replace("&", "").startswith(DISCARDING_LABELS)

    @staticmethod
    def _guarded(widget: QObject) -> bool:
        return (isinstance(widget, QDialog)
                and not isinstance(widget, QMessageBox | QFileDialog | QProgressDialog)
                and not hasattr(widget, "draft_keeper")
                and not hasattr(widget, "flush_draft"))


def _texts(dialog: QWidget) -> list[str]:
    texts: list[str] = []
    for edit in dialog.findChildren(QLineEdit):
        if not edit.isReadOnly() and edit.echoMode() == QLineEdit.EchoMode.Normal:
            texts.append(edit.text())
    for plain in dialog.findChildren(QPlainTextEdit):
        if not plain.isReadOnly():
            texts.append(plain.toPlainText())
    for rich in dialog.findChildren(QTextEdit):
        if not rich.isReadOnly():
            texts.append(rich.toPlainText())
    return texts
