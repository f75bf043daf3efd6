"""Akte → "Import…": existing lists (CSV from Excel) with preview, column mapping,
every bad row listed, duplicates flagged, and an all-or-nothing import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.models.households.csv_import import FIELDS, DuplicatePolicy
from casework.services.households import csv_import as importer
from casework.ui.context import UiContext
from casework.ui.widgets import named

PREVIEW_ROWS = 8
NOT_MAPPED = -1
POLICIES = (("Doppelungen: nichts importieren, erst prüfen", DuplicatePolicy.REFUSE),
            ("Doppelungen: diese Zeilen überspringen", DuplicatePolicy.SKIP),
            ("Doppelungen: trotzdem als eigene Personen anlegen", DuplicatePolicy.IMPORT))


def choose_csv_file(parent: QWidget | None) -> str:
    """Open dialog for the list; '' if cancelled (tests patch this)."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, "Liste importieren", "",
                                          "CSV-Dateien (*.csv *.txt);;Alle Dateien (*)")
    return path


class ImportDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: bytes | None = None
        self.prepared: importer.ImportPreview | None = None
        self._updating = False
        self.setWindowTitle("Listen importieren")
        named(self, "Listen importieren")
        self.resize(900, 700)

        self.choose = QPushButton("&Datei wählen…", self)
        named(self.choose, "CSV-Datei wählen")
        self.choose.clicked.connect(self.pick_file)
        self.summary = QLabel("Noch keine Datei gewählt.", self)
        named(self.summary, "Zusammenfassung")
        self.summary.setWordWrap(True)

        self.mapping = QTableWidget(len(FIELDS), 2, self)
        named(self.mapping, "Spaltenzuordnung")
        self.mapping.setHorizontalHeaderLabels(["Feld in Casework", "Spalte der Datei"])
        self.mapping.verticalHeader().hide()
        self.mapping.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.combos: dict[str, QComboBox] = {}
        for row, spec in enumerate(FIELDS):
            item = QTableWidgetItem(spec.label)
            self.mapping.setItem(row, 0, item)
            combo = QComboBox(self.mapping)
            named(combo, f"Spalte für {spec.label}")
            combo.currentIndexChanged.connect(self._mapping_changed)
            self.combos[spec.key] = combo
            self.mapping.setCellWidget(row, 1, combo)

        self.preview_table = QTableWidget(0, 0, self)
        named(self.preview_table, "Vorschau der ersten Zeilen")
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems = QListWidget(self)
        named(self.problems, "Fehlerhafte Zeilen")
        self.duplicates = QListWidget(self)
        named(self.duplicates, "Mögliche Doppelungen")
        self.policy = QComboBox(self)
        named(self.policy, "Umgang mit Doppelungen")
        for text, value in POLICIES:
            self.policy.addItem(text, value)
        self.import_button = QPushButton("&Importieren", self)
        named(self.import_button, "Importieren")
        self.import_button.clicked.connect(self.commit)
        self.close_button = QPushButton("Schließen", self)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.choose)
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        layout.addWidget(QLabel("Vorschau", self))
        layout.addWidget(self.preview_table, 1)
        layout.addWidget(QLabel("Zuordnung der Spalten", self))
        layout.addWidget(self.mapping, 2)
        layout.addWidget(QLabel("Fehlerhafte Zeilen (alle müssen behoben sein)", self))
        layout.addWidget(self.problems, 1)
        layout.addWidget(QLabel("Mögliche Doppelungen (gleicher Name und Geburtsdatum)", self))
        layout.addWidget(self.duplicates, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.policy, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self._update_buttons()

    # --- loading --------------------------------------------------------------------------

    def pick_file(self) -> None:
        path = choose_csv_file(self)
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> None:
        try:
            self.data = importer.read_file(path)
            self.prepared = importer.preview(self.ctx.require_session(), self.data)
        except UserError as error:
            self.data = self.prepared = None
            self.ctx.report(error)
            self._show()
            return
        self._fill_mapping()
        self._show()

    def _fill_mapping(self) -> None:
        assert self.prepared is not None
        self._updating = True
        try:
            header = self.prepared.table.header
            for key, combo in self.combos.items():
                combo.clear()
                combo.addItem("— nicht zuordnen —", NOT_MAPPED)
                for index, name in enumerate(header):
                    combo.addItem(name or f"Spalte {index + 1}", index)
                chosen = self.prepared.mapping.get(key, NOT_MAPPED)
                combo.setCurrentIndex(max(combo.findData(chosen), 0))
        finally:
            self._updating = False

    def current_mapping(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for key, combo in self.combos.items():
            index = combo.currentData()
            if isinstance(index, int) and index != NOT_MAPPED:
                mapping[key] = index
        return mapping

    def _mapping_changed(self) -> None:
        if self._updating or self.data is None:
            return
        try:
            self.prepared = importer.preview(self.ctx.require_session(), self.data,
                                             mapping=self.current_mapping())
        except UserError as error:
            self.prepared = None
            self.summary.setText(error.message)
            self.problems.clear()
            self.duplicates.clear()
            self._update_buttons()
            return
        self._show()

    # --- showing --------------------------------------------------------------------------

    def _show(self) -> None:
        self.problems.clear()
        self.duplicates.clear()
        prepared = self.prepared
        if prepared is None:
            self.summary.setText("Keine lesbare Datei gewählt.")
            self.preview_table.setRowCount(0)
            self._update_buttons()
            return
        table, plan = prepared.table, prepared.plan
        delimiter = "Tabulator" if table.delimiter == "\t" else f"„{table.delimiter}“"
        self.summary.setText(
            f"{table.encoding}, Trennzeichen {delimiter}, {plan.rows} Zeilen: "
            f"{len(plan.households)} Haushalte, {plan.person_count} Personen, "
            f"{plan.contact_count} Kontakte; {len(plan.problems)} fehlerhafte Zeilen, "
            f"{len(plan.duplicates)} mögliche Doppelungen.")
        self.preview_table.clear()
        self.preview_table.setColumnCount(len(table.header))
        self.preview_table.setHorizontalHeaderLabels(list(table.header))
        rows = table.rows[:PREVIEW_ROWS]
        self.preview_table.setRowCount(len(rows))
        self.preview_table.setVerticalHeaderLabels([str(r.line) for r in rows])
        for r, row in enumerate(rows):
            for c, cell in enumerate(row.cells[:len(table.header)]):
                self.preview_table.setItem(r, c, QTableWidgetItem(cell))
        self.problems.addItems([p.text() for p in plan.problems])
        self.duplicates.addItems([d.text() for d in plan.duplicates])
        self._update_buttons()

    def _update_buttons(self) -> None:
        ok = self.prepared is not None and self.prepared.plan.ok and bool(
            self.prepared.plan.households)
        self.import_button.setEnabled(ok)
        self.policy.setEnabled(self.prepared is not None and bool(self.prepared.plan.duplicates))

    # --- import ---------------------------------------------------------------------------

    def commit(self) -> None:
        if self.prepared is None:
            return
        policy = self.policy.currentData()
        result = self.ctx.run(importer.commit, self.prepared, policy)
        if result is None:
            return
        summary, _changes = result
        text = (f"Importiert: {summary.households} Haushalte, {summary.persons} Personen, "
                f"{summary.contacts} Kontakte.")
        if summary.skipped_duplicates:
            text += f" {summary.skipped_duplicates} Doppelungen übersprungen."
        self.ctx.messages.info(self, "Import", text)
        self.accept()


def trigger(ctx: UiContext, parent: QWidget | None) -> ImportDialog:
    dialog = ImportDialog(ctx, parent)
    dialog.open()
    return dialog
