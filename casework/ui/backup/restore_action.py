"""Akte → "Sicherung wiederherstellen…": restores a backup into a NEW folder (never over
the open vault), checks it and re-applies deletions made after the backup (LR-37)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError
from casework.services.backup import backups as backup
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.widgets import named


def choose_backup(parent: QWidget | None) -> str:
    """Open dialog for a backup file; '' if cancelled (tests patch this)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Sicherung wählen", "",
                                          "Casework-Sicherung (*.cwbackup)")
    return path


class RestoreDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.backup_path: Path | None = None
        self.progress: QProgressDialog | None = None  # while the restore runs
        self.parent_folder: Path | None = None
        self.setWindowTitle("Sicherung wiederherstellen")
        named(self, "Sicherung wiederherstellen")
        self.backup_label = QLabel("Keine Sicherung gewählt.", self)
        named(self.backup_label, "Gewählte Sicherung")
        pick_backup = QPushButton("&Sicherung wählen…", self)
        named(pick_backup, "Sicherung wählen")
        pick_backup.clicked.connect(self.pick_backup)
        self.target_label = QLabel("Kein Zielordner gewählt.", self)
        named(self.target_label, "Zielordner")
        pick_target = QPushButton("&Zielordner wählen…", self)
        named(pick_target, "Zielordner wählen")
        pick_target.clicked.connect(self.pick_target)
        self.passphrase = QLineEdit(self)
        named(self.passphrase, "Passphrase zum Zeitpunkt der Sicherung")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.restore_button = QPushButton("&Wiederherstellen", self)
        named(self.restore_button, "Wiederherstellen")
        self.restore_button.clicked.connect(self.restore)
        close = QPushButton("Schließen", self)
        close.clicked.connect(self.reject)

        form = QFormLayout()
        row1 = QHBoxLayout()
        row1.addWidget(self.backup_label, 1)
        row1.addWidget(pick_backup)
        form.addRow("Sicherung", row1)
        row2 = QHBoxLayout()
        row2.addWidget(self.target_label, 1)
        row2.addWidget(pick_target)
        form.addRow("Wiederherstellen in", row2)
        form.addRow("&Passphrase", self.passphrase)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Die Sicherung wird in einen neuen Ordner wiederhergestellt; "
                                "die geöffnete Akte bleibt unverändert.", self))
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def pick_backup(self) -> None:
        path = choose_backup(self)
        if not path:
            return
        try:
            info = backup.backup_info(Path(path))
        except UserError as error:
            self.ctx.report(error)
            return
        self.backup_path = Path(path)
        created = datetime.fromisoformat(info.created_at.replace("Z", "+00:00"))
        self.backup_label.setText(f"{self.backup_path.name} vom "
                                  f"{created.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr")

    def pick_target(self) -> None:
        folder = self.ctx.messages.choose_folder(self, "Ordner für die wiederhergestellte Akte")
        if folder:
            self.parent_folder = Path(folder)
            self.target_label.setText(str(self.target_folder()))

    def target_folder(self) -> Path:
        assert self.parent_folder is not None
        stamp = self.ctx.clock.now().astimezone(BERLIN).strftime("%Y%m%d-%H%M%S")
        return self.parent_folder / f"casework-wiederhergestellt-{stamp}"

    def restore(self) -> None:
        if self.backup_path is None or self.parent_folder is None:
            self.ctx.messages.warn(self, "Wiederherstellen",
                                   "Bitte zuerst die Sicherung und den Zielordner wählen.")
            return
        target = self.target_folder()
        passphrase = self.passphrase.text()
        self.passphrase.clear()
        # Reading, checking and writing a large backup takes a while: on the worker thread
        # (it uses no connection of the open vault) behind a window-modal progress, so
        # this dialog is not changed or closed under it. Not cancellable: the restore
        # works in a staging folder and leaves nothing behind on any failure; a lock does
        # not stop it (it does not touch the open vault).
        self.progress = vault_jobs.progress_dialog(
            self, "Wiederherstellen", "Die Sicherung wird geprüft und wiederhergestellt …",
            modal=True, cancellable=False)
        self.restore_button.setEnabled(False)

        def done(result: backup.RestoreResult) -> None:
            self._ended()
            self.ctx.messages.info(self, "Wiederherstellen", (
                f"Die Sicherung ist wiederhergestellt in „{result.folder}“ "
                f"({result.households} Haushalte; Datenbank und Protokollkette geprüft). Zum "
                "Arbeiten damit die Akte sperren und diesen Ordner öffnen.")
                + ("" if not result.problems else " Achtung: " + " ".join(result.problems)))
            self.accept()

        def failed(error: BaseException) -> None:
            self._ended()
            if not isinstance(error, UserError):
                raise error
            self.ctx.report(error)

        self.ctx.tasks.submit(backup.restore_backup, self.backup_path, target, self.ctx.clock,
                              passphrase=passphrase, on_done=done, on_error=failed, owner=self)
        self.progress.show()

    @property
    def busy(self) -> bool:
        return self.progress is not None

    def _ended(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.restore_button.setEnabled(True)


def trigger(ctx: UiContext, parent: QWidget | None) -> RestoreDialog:
    dialog = RestoreDialog(ctx, parent)
    dialog.open()
    return dialog
