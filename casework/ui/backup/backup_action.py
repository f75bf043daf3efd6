"""Akte → "Sicherung erstellen…": back up now, and set up automatic backups to a chosen
folder (USB stick, network share) with rotation (7 daily, 4 weekly)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.services.backup import backups as backup
from casework.ui.backup import jobs
from casework.ui.context import UiContext
from casework.ui.vault_jobs import VaultJob
from casework.ui.widgets import named

INTERVALS = (("täglich", 24), ("alle 2 Tage", 48), ("wöchentlich", 168))


def choose_backup_file(parent: QWidget | None, suggested: str) -> str:
    """Save dialog for the backup file; '' if cancelled (tests patch this)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Sicherung speichern unter", suggested,
                                          "Casework-Sicherung (*.cwbackup)")
    return path


class BackupDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.busy = False
        self.job: VaultJob | None = None
        self.setWindowTitle("Sicherung")
        named(self, "Sicherung")
        self.status = QLabel(self)
        named(self.status, "Stand der Sicherung")
        self.status.setWordWrap(True)
        self.backup_now = QPushButton("&Jetzt sichern…", self)
        named(self.backup_now, "Jetzt sichern", "Verschlüsselte Sicherung in eine Datei")
        self.backup_now.clicked.connect(self.make_backup)

        box = QGroupBox("Automatische Sicherung", self)
        self.folder_label = QLabel(box)
        named(self.folder_label, "Ordner der automatischen Sicherung")
        self.folder_label.setWordWrap(True)
        self.choose_folder = QPushButton("&Ordner wählen…", box)
        named(self.choose_folder, "Ordner für automatische Sicherungen wählen")
        self.choose_folder.clicked.connect(self.pick_folder)
        self.interval = QComboBox(box)
        named(self.interval, "Abstand der automatischen Sicherung")
        for text, hours in INTERVALS:
            self.interval.addItem(text, hours)
        self.interval.activated.connect(self._interval_chosen)
        self.switch_off = QPushButton("A&usschalten", box)
        named(self.switch_off, "Automatische Sicherung ausschalten")
        self.switch_off.clicked.connect(self.turn_off)
        self.run_now = QPushButton("Automatische Sicherung &jetzt ausführen", box)
        named(self.run_now, "Automatische Sicherung jetzt ausführen")
        self.run_now.clicked.connect(self.run_scheduled)
        row = QHBoxLayout()
        row.addWidget(self.choose_folder)
        row.addWidget(self.interval)
        row.addWidget(self.switch_off)
        inner = QVBoxLayout(box)
        inner.addWidget(self.folder_label)
        inner.addLayout(row)
        inner.addWidget(self.run_now)
        inner.addWidget(QLabel("Aufbewahrt werden die Sicherungen der letzten 7 Tage und je "
                               "eine der letzten 4 Wochen.", box))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.backup_now)
        layout.addWidget(box)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        if self.busy:
            return
        self._set_buttons_enabled(True)
        session = self.ctx.require_session()
        last = backup.last_backup_at(session)
        text = ("Noch keine Sicherung dieser Akte." if last is None else
                f"Letzte Sicherung: {last.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr.")
        if backup.backup_overdue(session):
            text += " Eine Sicherung ist überfällig."
        self.status.setText(text)
        plan = backup.schedule(session)
        self.folder_label.setText(f"Ordner: {plan.folder}" if plan.folder else
                                  "Keine automatische Sicherung eingestellt.")
        index = self.interval.findData(plan.interval_hours)
        self.interval.setCurrentIndex(max(index, 0))
        self.switch_off.setEnabled(plan.folder is not None)
        self.run_now.setEnabled(plan.folder is not None)

    def make_backup(self) -> None:
        session = self.ctx.require_session()
        suggested = backup.backup_file_name(session.vault.header.vault_id, session.clock.now())
        path = choose_backup_file(self, suggested)
        if path:
            self.start_backup(Path(path), rotate=None)

    def start_backup(self, target: Path, rotate: Path | None) -> None:
        """Snapshot, encrypt, verify and record on the worker thread (`ui/backup/jobs`)."""
        def done(outcome: tuple[backup.BackupResult, list[Path]]) -> None:
            self.busy = False
            result, removed = outcome
            text = _done_text(result)
            if removed:
                text += f" {len(removed)} ältere Sicherung(en) entfernt (Rotation)."
            self.ctx.messages.info(self, "Sicherung", text)
            self.refresh()

        def failed(_error: BaseException) -> None:
            self.busy = False
            self.refresh()

        self.job = jobs.start(self.ctx, self, target, rotate, on_done=done, on_failed=failed)
        if self.job is None:
            return
        self.busy = True
        self._set_buttons_enabled(False)
        self.status.setText("Sicherung läuft … (die Arbeit kann weitergehen)")

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for button in (self.backup_now, self.choose_folder, self.switch_off, self.run_now):
            button.setEnabled(enabled)
        self.interval.setEnabled(enabled)

    def pick_folder(self) -> None:
        folder = self.ctx.messages.choose_folder(self, "Ordner für automatische Sicherungen")
        if folder:
            self.ctx.run(backup.set_schedule, Path(folder), int(self.interval.currentData()))
        self.refresh()

    def _interval_chosen(self, _index: int) -> None:
        plan = backup.schedule(self.ctx.require_session())
        if plan.folder is not None:
            self.ctx.run(backup.set_schedule, plan.folder, int(self.interval.currentData()))
        self.refresh()

    def turn_off(self) -> None:
        self.ctx.run(backup.set_schedule, None, int(self.interval.currentData()))
        self.refresh()

    def run_scheduled(self) -> None:
        session = self.ctx.require_session()
        plan = backup.schedule(session)
        if plan.folder is None:
            return
        if not plan.folder.is_dir():
            self.ctx.messages.error(self, "Sicherung", "Der Ordner für automatische "
                                    "Sicherungen ist nicht erreichbar (USB-Stick oder "
                                    "Netzlaufwerk nicht verbunden?).")
            return
        self.start_backup(backup.new_backup_path(session, plan.folder), rotate=plan.folder)


def _done_text(result: backup.BackupResult) -> str:
    text = (f"Die Sicherung wurde geschrieben und geprüft: {result.path.name} "
            f"({result.size_bytes / 1_000_000:.1f} MB). Sie lässt sich mit der Passphrase "
            "von heute oder dem Wiederherstellungsschlüssel öffnen.")
    if result.problems:
        text += " Achtung: " + " ".join(result.problems)
    return text


def trigger(ctx: UiContext, parent: QWidget | None) -> BackupDialog:
    dialog = BackupDialog(ctx, parent)
    dialog.open()
    return dialog
