"""Main window shell: start/lock page or the workspace, the "Akte" menu, auto-lock.

The title is always "Casework" (+ " – gesperrt"); neither the title nor the status bar
ever shows personal data. Locking flushes open drafts (encrypted, into the vault), drops
the workspace with all its models and pages, closes the session (connection closed, key
wiped), clears a clipboard we filled, and shows the lock screen; unlocking returns to
the same place.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QStackedWidget, QWidget

from casework.errors import UserError
from casework.models.ids import WorkerId
from casework.models.persons.worker import WorkerRole
from casework.services.session import Session
from casework.ui import documents, registry
from casework.ui.backup.auto_backup import AutoBackup
from casework.ui.context import UiContext
from casework.ui.dialog_drafts import DiscardGuard
from casework.ui.idle import DEFAULT_CHECK_MS, IdleMonitor
from casework.ui.lock_events import PlatformLockEvents
from casework.ui.start import StartPage
from casework.ui.workspace import Location, Workspace

log = logging.getLogger(__name__)

TITLE = "Casework"
LOCKED_TITLE = "Casework – gesperrt"
LOCK_SHORTCUT = "Ctrl+L"
DEFAULT_SIZE = QSize(1280, 800)
TITLE_BAR_ALLOWANCE = 32  # the window frame's title bar, outside the geometry we set
CONFIRMATION_MS = 8000  # how long "… gespeichert." stays in the status bar


class MainWindow(QMainWindow):
    def __init__(self, ctx: UiContext, *, demo_folder: Path | None = None,
                 idle_check_ms: int = DEFAULT_CHECK_MS) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.window = self
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Casework Hauptfenster")
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.start = StartPage(ctx, ctx.settings, demo_folder=demo_folder, parent=self)
        self.stack.addWidget(self.start)
        self.workspace: Workspace | None = None
        self.location: Location | None = None
        self._locked_vault: Path | None = None
        self._locked_actor: WorkerId | None = None
        self.start.unlocked.connect(self._unlocked)
        self._our_clipboard_text: str | None = None
        QGuiApplication.clipboard().dataChanged.connect(self._clipboard_changed)

        self.idle = IdleMonitor(ctx.clock, timedelta(minutes=ctx.settings.auto_lock_minutes),
                                check_ms=idle_check_ms, parent=self)
        self.idle.timed_out.connect(self.lock)
        self.auto_backup = AutoBackup(ctx, parent=self)
        # the OS session locks or the computer sleeps (D-Bus, Windows, macOS)
        self.screen_lock = PlatformLockEvents(self)
        self.screen_lock.lock_requested.connect(lambda _reason: self.lock())
        ctx.settings_changed.connect(self._settings_changed)
        ctx.session_changed.connect(self._update_status)
        ctx.tasks.busy_changed.connect(self._busy_changed)
        ctx.lock_requested.connect(self.lock)

        self.status_label = QLabel(self)
        self.status_label.setAccessibleName("Status")
        self.statusBar().addPermanentWidget(self.status_label)
        ctx.confirmed.connect(self.show_confirmation)
        self._build_menu()
        self._update_status()
        documents.wipe_opened()  # opened documents left over by a crash or power loss
        self.discard_guard = DiscardGuard(ctx, self)  # Escape never drops typed text unasked
        self.idle.chain(self.discard_guard)  # one app-wide event filter for both
        geometry = ctx.settings.geometry
        self.fit_to_screen(restored=geometry is not None and self.restoreGeometry(geometry))

    def fit_to_screen(self, *, restored: bool) -> None:
        """A new window takes DEFAULT_SIZE or the screen's available area (taskbar off,
        room for the title bar), whichever is smaller; a remembered one that no longer
        fits (a smaller screen, more scaling) is shrunk into it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        available = screen.availableGeometry()
        room = QSize(available.width(), available.height() - TITLE_BAR_ALLOWANCE)
        if restored and room.expandedTo(self.size()) == room:
            return
        self.resize((self.size() if restored else DEFAULT_SIZE).boundedTo(room))
        self.move(available.left() + (available.width() - self.width()) // 2,
                  available.top() + max(0, (room.height() - self.height()) // 2))

    # --- menu ----------------------------------------------------------------------------

    def _build_menu(self) -> None:
        self.file_menu = self.menuBar().addMenu("&Akte")
        self.file_menu.aboutToShow.connect(self._refresh_menu_roles)
        self.feature_actions: list[tuple[QAction, tuple[WorkerRole, ...] | None]] = []
        for entry in registry.MENU_ACTIONS:  # their modules load when first triggered
            action = QAction(entry.label, self)
            action.triggered.connect(lambda _c=False, e=entry: self._trigger_menu(e))
            self.file_menu.addAction(action)
            self.feature_actions.append((action, entry.roles))
        self.file_menu.addSeparator()
        self.lock_action = QAction("&Sperren", self)
        self.lock_action.setShortcut(QKeySequence(LOCK_SHORTCUT))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.file_menu.addAction(self.lock_action)
        self.quit_action = QAction("&Beenden", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.addAction(self.lock_action)  # works even while the menu bar is hidden
        self.help_menu = self.menuBar().addMenu("&Hilfe")
        self.about_action = QAction("Über &Casework", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)  # macOS: app menu
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)
        self._refresh_menu_roles()

    def show_about(self) -> QWidget:
        from casework.ui.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # window-modal, does not block the event loop
        return dialog

    def _refresh_menu_roles(self) -> None:
        session = self.ctx.session
        held = ({r.value for r in session.roles} if session is not None and session.is_open
                else None)
        for action, roles in self.feature_actions:
            action.setEnabled(held is not None and (roles is None or bool(held & set(roles))))
        self.lock_action.setEnabled(held is not None)

    def _trigger_menu(self, entry: registry.MenuAction) -> None:
        if not self.ctx.is_unlocked:
            return
        try:
            entry.trigger(self.ctx, self)
        except UserError as error:
            self.ctx.report(error)

    # --- unlock / lock -------------------------------------------------------------------

    def _unlocked(self, session: Session) -> None:
        same_vault = self._locked_vault is not None and session.vault.folder == self._locked_vault
        self.ctx.attach(session)
        # The person who typed her passphrase is the one acting: no switch back to whoever
        # was acting before the lock (that would need her passphrase).
        self.workspace = Workspace(self.ctx, self, building=self.idle.paused)
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        if same_vault and self.location is not None:
            self.workspace.restore(self.location)
        else:
            self.workspace.show_landing("heute")
        reopen, self.ctx.reopen_after_unlock = self.ctx.reopen_after_unlock, []
        for open_again in reopen if same_vault else ():
            try:
                open_again()  # person and new-family dialogs with their drafts
            except UserError as error:
                self.ctx.report(error)
        self.location = None
        self.setWindowTitle(TITLE)
        self.idle.set_timeout(timedelta(minutes=self.ctx.settings.auto_lock_minutes))
        self.idle.start()
        self._refresh_menu_roles()

    def lock(self) -> None:
        """Really close the vault; nothing of a case stays on screen or in memory we hold."""
        session = self.ctx.session
        if session is None:
            return
        self.idle.stop()
        # A job with its own connection (CSV import) rolls back and closes it first.
        self.ctx.tasks.cancel_vault_jobs()
        if session.is_open:
            self.ctx.locking.emit()  # dialogs keep typed text as encrypted drafts
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            if session.is_open:
                self.location = workspace.location()
            try:
                workspace.teardown()  # flushes quick-entry drafts while the vault is open
            except UserError as error:
                log.error("Entwurf konnte beim Sperren nicht gesichert werden (%s)",
                          type(error).__name__)
            self.stack.removeWidget(workspace)
            workspace.hide()
            workspace.deleteLater()
        self._close_other_windows()
        self._locked_vault = session.vault.folder
        self._locked_actor = session.actor_id
        self.ctx.detach()
        session.close()
        self._clear_clipboard()
        documents.wipe_opened()
        self.setWindowTitle(LOCKED_TITLE)
        self.start.show_unlock(self._locked_vault, locked=True)
        self.stack.setCurrentWidget(self.start)
        self._refresh_menu_roles()

    def _close_other_windows(self) -> None:
        # Dialogs opened by feature modules may show case data: close them all.
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isVisible():
                widget.close()
                if widget.isVisible():
                    widget.hide()

    def _clipboard_changed(self) -> None:
        # Remember text copied from within Casework (we own the clipboard, or we were the
        # active application when it changed), so locking clears exactly that.
        clipboard = QGuiApplication.clipboard()
        ours = clipboard.ownsClipboard() or (
            QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive)
        self._our_clipboard_text = clipboard.text() if ours and self.ctx.is_unlocked else None

    def _clear_clipboard(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self._our_clipboard_text and clipboard.text() == self._our_clipboard_text:
            clipboard.clear()
        self._our_clipboard_text = None

    # --- status --------------------------------------------------------------------------

    def _update_status(self) -> None:
        session = self.ctx.session
        if session is None or not session.is_open:
            self.status_label.setText("Gesperrt")
            return
        # The role only: no names, not even of staff, in the status bar.
        self.status_label.setText(f"Entsperrt · Rolle: {session.actor.data.role.value}")
        self._refresh_menu_roles()

    def show_confirmation(self, text: str) -> None:
        self.statusBar().showMessage(text, CONFIRMATION_MS)

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage("Bitte warten …")
        elif self.statusBar().currentMessage() == "Bitte warten …":
            self.statusBar().clearMessage()  # a confirmation shown meanwhile stays

    def _settings_changed(self) -> None:
        self.idle.set_timeout(timedelta(minutes=self.ctx.settings.auto_lock_minutes))

    def show_start(self, folder: Path | None = None) -> None:
        self.start.start(folder)
        self.stack.setCurrentWidget(self.start)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.screen_lock.attach_window(self)  # Windows: session notifications need a HWND

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.start.unlock.migrating:
            # The conversion after an update must not be cut off: the panel says so.
            event.ignore()
            return
        self.ctx.settings.geometry = self.saveGeometry()
        if self.ctx.session is not None:
            self.lock()
        documents.wipe_opened()
        self.idle.uninstall()
        self.screen_lock.close()
        super().closeEvent(event)


def visible_texts(root: QWidget | None = None) -> list[str]:
    """All text a person could read in visible widgets (used by tests and the screenshot
    tool to prove that the lock screen shows no case data)."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
    )

    widgets: list[QWidget] = (QApplication.allWidgets() if root is None
                              else [root, *root.findChildren(QWidget)])
    texts: list[str] = []
    for w in widgets:
        if not w.isVisible():
            continue
        texts.append(w.windowTitle())
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            texts.append(w.text())
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            texts.extend(w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            top = QModelIndex()
            for row in range(min(model.rowCount(top), 500)):
                columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(top)
                for column in range(columns):
                    value = model.data(model.index(row, column))
                    if value is not None:
                        texts.append(str(value))
    return texts
