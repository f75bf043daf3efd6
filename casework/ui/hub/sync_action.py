"""Akte → „Synchronisieren…“: sync now, status, and the conflict dialog.

Sync runs on the GUI thread (the vault connection is never shared between threads); it
is short for normal amounts of changes. A conflict shows both values with who wrote them
and when; choosing one writes a new change that ends the conflict on every device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN, from_utc_iso
from casework.errors import UserError
from casework.models.changes import Changes
from casework.services import hub as sync_service
from casework.services.session import Session
from casework.sync import require_driver
from casework.ui.context import UiContext

if TYPE_CHECKING:
    from casework.sync import client


# German names of fields users meet in conflicts; others show their technical name.
FIELD_LABELS = {
    "name": "Familienname", "street": "Straße", "plz": "PLZ", "city": "Ort",
    "district": "Bezirk", "quarter": "Quartier", "resources": "Ressourcen",
    "risks": "Risiken", "assigned_worker_id": "Zuständig", "status": "Status",
    "first_name": "Vorname", "last_name": "Nachname", "birth_date": "Geburtsdatum",
    "school": "Schule/Kita", "next_steps": "Nächste Schritte", "follow_up": "Wiedervorlage",
    "follow_up_done": "Wiedervorlage erledigt",
}
ENTITY_LABELS = {"household": "Familie", "person": "Person", "contact": "Kontakt",
                 "worker": "Mitarbeitende"}


def _when(iso: str | None) -> str:
    if not iso:
        return "noch nie"
    try:
        return f"{from_utc_iso(iso).astimezone(BERLIN):%d.%m.%Y %H:%M} Uhr"
    except ValueError:
        return iso


def _value_text(value: object) -> str:
    if value is None or value == "":
        return "(leer)"
    return str(value)


def _sync_now(session: Session, dsn: str | None) -> tuple[client.SyncResult, Changes]:
    # psycopg is imported only when someone syncs: it costs ~0.4 s of every app start, and
    # a plain install has no psycopg at all.
    require_driver()
    from casework.sync import client

    result = client.sync_vault(session, dsn)
    return result, result.changes


class SyncDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Synchronisieren")
        self.setAccessibleName("Synchronisieren mit dem Team-Hub")
        layout = QVBoxLayout(self)

        status_box = QGroupBox("Stand", self)
        form = QFormLayout(status_box)
        self.hub_label = QLabel(status_box)
        self.last_label = QLabel(status_box)
        self.pending_label = QLabel(status_box)
        self.conflict_label = QLabel(status_box)
        for label, widget in (("Team-Hub", self.hub_label), ("Letzter Abgleich", self.last_label),
                              ("Nicht übertragene Änderungen", self.pending_label),
                              ("Offene Konflikte", self.conflict_label)):
            widget.setAccessibleName(label)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                           | Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label + ":", widget)
        layout.addWidget(status_box)

        row = QHBoxLayout()
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Hub-Passwort (falls nicht hinterlegt)")
        self.password.setAccessibleName("Hub-Passwort")
        row.addWidget(self.password, 1)
        self.sync_button = QPushButton("&Jetzt synchronisieren", self)
        self.sync_button.setAccessibleName("Jetzt synchronisieren")
        self.sync_button.clicked.connect(self.sync_now)
        row.addWidget(self.sync_button)
        layout.addLayout(row)
        self.result_label = QLabel(self)
        self.result_label.setAccessibleName("Ergebnis des Abgleichs")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)

        conflicts_box = QGroupBox("Konflikte", self)
        conflicts_layout = QVBoxLayout(conflicts_box)
        hint = QLabel("Diese Angaben wurden auf zwei Geräten unabhängig voneinander geändert. "
                      "Bitte den richtigen Wert wählen; die Wahl wird an alle Geräte "
                      "übertragen.", conflicts_box)
        hint.setWordWrap(True)
        conflicts_layout.addWidget(hint)
        self.conflict_list = QListWidget(conflicts_box)
        self.conflict_list.setAccessibleName("Liste der Konflikte")
        self.conflict_list.currentRowChanged.connect(self._show_conflict)
        conflicts_layout.addWidget(self.conflict_list)
        self.choices = QVBoxLayout()
        conflicts_layout.addLayout(self.choices)
        layout.addWidget(conflicts_box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Schließen")
        layout.addWidget(buttons)
        self._conflicts: list[sync_service.Conflict] = []
        self.choice_buttons: list[QPushButton] = []
        self.refresh()

    def refresh(self) -> None:
        session = self.ctx.require_session()
        st = sync_service.status(session)
        self.hub_label.setText(st.hub or "nicht verbunden (Gerät zuerst anmelden)")
        self.last_label.setText(_when(st.last_sync_at))
        self.pending_label.setText(str(st.pending))
        self.conflict_label.setText(str(st.conflicts))
        self._conflicts = sync_service.conflicts(session)
        self.conflict_list.clear()
        for c in self._conflicts:
            text = (f"{ENTITY_LABELS.get(c.entity, c.entity)}: "
                    f"{FIELD_LABELS.get(c.field, c.field)} – {len(c.heads)} Werte")
            QListWidgetItem(text, self.conflict_list)
        if self._conflicts:
            self.conflict_list.setCurrentRow(0)
        else:
            self._show_conflict(-1)

    def _show_conflict(self, row: int) -> None:
        for button in self.choice_buttons:
            self.choices.removeWidget(button)
            button.deleteLater()
        self.choice_buttons = []
        if not 0 <= row < len(self._conflicts):
            return
        conflict = self._conflicts[row]
        for head in conflict.heads:
            who = head.actor_name or "unbekannt"
            button = QPushButton(
                f"„{_value_text(head.value)}“ – {who}, {_when(head.at)} übernehmen", self)
            button.setAccessibleName(f"Wert von {who} vom {_when(head.at)} übernehmen")
            button.clicked.connect(
                lambda _checked=False, c=conflict.id, h=head.hlc: self.resolve(c, h))
            self.choices.addWidget(button)
            self.choice_buttons.append(button)

    def resolve(self, conflict_id: str, hlc: str) -> None:
        self.ctx.run(sync_service.resolve_conflict, conflict_id, hlc)
        self.refresh()

    def sync_now(self) -> None:
        session = self.ctx.require_session()
        dsn = sync_service.hub_dsn(session)
        if dsn and self.password.text():
            try:
                require_driver()
            except UserError as error:
                self.ctx.report(error)
                return
            from casework.sync import client

            dsn = client.with_password(dsn, self.password.text())
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            outcome = self.ctx.run(_sync_now, dsn)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if outcome is not None:
            result = outcome[0]
            text = f"Abgeglichen: {result.pushed} gesendet, {result.pulled} empfangen."
            if result.new_conflicts:
                text += f" {result.new_conflicts} neue Konflikte – bitte unten lösen."
            self.result_label.setText(text)
        self.refresh()


def trigger(ctx: UiContext, parent_widget: QWidget | None) -> None:
    dialog = SyncDialog(ctx, parent_widget)
    dialog.exec()
