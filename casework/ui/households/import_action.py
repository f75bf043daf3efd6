"""Akte → "Import…": existing lists (CSV from Excel) with preview, column mapping,
every bad row listed, duplicates flagged, and an all-or-nothing import.

Checking the file and importing run on the app's worker thread (`ui/tasks.py`): 100,000
rows take seconds. The check reads the vault's persons (for duplicates) on its own
connection, shows how many rows it has checked and stops on „Abbrechen“, on a new
mapping, on closing the dialog or on locking. The import uses its own connection to the
vault and one transaction, shows progress and can be cancelled between two batches
(„Abbrechen“, closing the dialog, or locking the vault); a cancelled import leaves
nothing behind. The dialog stays window-modal meanwhile, so nothing else writes to the
vault on the GUI thread.
"""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.errors import UserError
from casework.models.households.csv_columns import FIELDS
from casework.models.households.csv_import import DuplicatePolicy
from casework.services import session as session_service
from casework.services.households import csv_import as importer
from casework.services.session import UnwrappedKey
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
    progress_changed = Signal(int, int)  # from the worker thread, queued to this one

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: bytes | None = None
        self.prepared: importer.ImportPreview | None = None
        self._updating = False
        self._planning = 0  # the newest check of the file; older results are dropped
        self._planning_pending = 0
        self._checking: threading.Event | None = None  # set to stop the running check
        self._cancel: threading.Event | None = None  # set while an import runs
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
        for rows in (self.problems, self.duplicates):
            # one line each: the list lays out only what is visible (100,000 lines of a
            # file checked against itself took 1.3 s on the GUI thread, now 0.1 s)
            rows.setUniformItemSizes(True)
        self.policy = QComboBox(self)
        named(self.policy, "Umgang mit Doppelungen")
        for text, value in POLICIES:
            self.policy.addItem(text, value)
        self.import_button = QPushButton("&Importieren", self)
        named(self.import_button, "Importieren")
        self.import_button.clicked.connect(self.commit)
        self.close_button = QPushButton("Schließen", self)
        self.close_button.clicked.connect(self.reject)
        self.progress = QProgressBar(self)
        named(self.progress, "Fortschritt des Imports")
        self.progress.hide()
        self.cancel_button = QPushButton("&Abbrechen", self)
        named(self.cancel_button, "Import abbrechen")
        self.cancel_button.clicked.connect(self.cancel_import)
        self.cancel_button.hide()
        self.progress_changed.connect(self._show_progress)

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
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self._update_buttons()

    # --- loading --------------------------------------------------------------------------

    def pick_file(self) -> None:
        path = choose_csv_file(self)
        if path:
            self.load(Path(path))

    @property
    def busy(self) -> bool:
        """A check of the file or an import is running on the worker thread."""
        return bool(self._planning_pending) or self._cancel is not None

    def load(self, path: Path) -> None:
        try:
            self.data = importer.read_file(path)
        except UserError as error:
            self.data = self.prepared = None
            self.ctx.report(error)
            self._show()
            return
        self.prepared = None
        self._plan(None)

    def _plan(self, mapping: dict[str, int] | None) -> None:
        """Check the file (parse, validate every row, look for the same persons in the
        vault) on the worker thread, which reads the vault on its own connection."""
        assert self.data is not None
        if self._checking is not None:
            self._checking.set()  # its result would be dropped anyway
        self._planning += 1
        generation = self._planning
        self._planning_pending += 1
        cancel = self._checking = threading.Event()
        session = self.ctx.require_session()
        key = session_service.background_key(session)
        self.summary.setText("Die Datei wird geprüft …")
        self.progress.setRange(0, 0)
        self._update_buttons()
        self.ctx.tasks.submit(importer.check_in_background, key, self.ctx.clock,
                              session.actor_id, self.data, mapping=mapping,
                              progress=self.progress_changed.emit,
                              cancelled=cancel.is_set, cancel=cancel, owner=self,
                              on_done=lambda result: self._planned(generation, result, mapping),
                              on_error=lambda error: self._plan_failed(generation, error,
                                                                       mapping, key))

    def _planned(self, generation: int, prepared: importer.ImportPreview,
                 mapping: dict[str, int] | None) -> None:
        self._planning_pending -= 1
        if generation != self._planning:
            return
        self._checking = None
        self.prepared = prepared
        if mapping is None:
            self._fill_mapping()
        self._show()

    def _plan_failed(self, generation: int, error: BaseException,
                     mapping: dict[str, int] | None, key: UnwrappedKey) -> None:
        self._planning_pending -= 1
        key.wipe()  # a check cancelled before it started never opened (and wiped) it
        cancelled = isinstance(error, CancelledError)
        if not cancelled and not isinstance(error, UserError):
            raise error
        if generation != self._planning:
            return
        self._checking = None
        self.prepared = None
        if cancelled:
            self.summary.setText("Prüfung abgebrochen: bitte die Datei erneut wählen.")
            self.problems.clear()
            self.duplicates.clear()
            self._update_buttons()
            return
        assert isinstance(error, UserError)
        if mapping is None:  # the file itself cannot be read
            self.data = None
            self.ctx.report(error)
            self._show()
            return
        self.summary.setText(error.message)
        self.problems.clear()
        self.duplicates.clear()
        self._update_buttons()

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
        self._plan(self.current_mapping())

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
        importing = self._cancel is not None
        checking = self._checking is not None
        ok = self.prepared is not None and self.prepared.plan.ok and bool(
            self.prepared.plan.households)
        self.import_button.setEnabled(ok and not importing and not checking)
        self.policy.setEnabled(not importing and self.prepared is not None
                               and bool(self.prepared.plan.duplicates))
        self.choose.setEnabled(not importing)
        self.mapping.setEnabled(not importing)
        self.close_button.setEnabled(not importing)
        self.cancel_button.setVisible(importing or checking)
        self.progress.setVisible(importing or checking)

    # --- import ---------------------------------------------------------------------------

    def commit(self) -> None:
        if self.prepared is None or self._cancel is not None:
            return
        session = self.ctx.require_session()
        policy = self.policy.currentData()
        self._cancel = threading.Event()
        self.progress.setRange(0, 0)
        self.summary.setText("Import läuft …")
        self._update_buttons()
        self.ctx.tasks.submit(importer.commit_in_background,
                              session_service.background_key(session), self.ctx.clock,
                              session.actor_id, self.prepared, policy,
                              progress=self.progress_changed.emit,
                              cancelled=self._cancel.is_set, cancel=self._cancel,
                              on_done=self._imported, on_error=self._import_failed)

    def cancel_import(self) -> None:
        """„Abbrechen“: stops the import, or else the check of the file."""
        if self._cancel is not None:
            self._cancel.set()
            self.summary.setText("Import wird abgebrochen …")
        elif self._checking is not None:
            self._checking.set()
            self.summary.setText("Prüfung wird abgebrochen …")

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _imported(self, summary: importer.ImportSummary) -> None:
        self._cancel = None
        self._update_buttons()
        session = self.ctx.session
        if session is None or not session.is_open:
            return  # locked meanwhile; the import is in the vault
        self.ctx.changed.emit(importer.after_background_import(session, summary))
        text = (f"Importiert: {summary.households} Haushalte, {summary.persons} Personen, "
                f"{summary.contacts} Kontakte.")
        if summary.skipped_duplicates:
            text += f" {summary.skipped_duplicates} Doppelungen übersprungen."
        self.ctx.messages.info(self, "Import", text)
        self.accept()

    def _import_failed(self, error: BaseException) -> None:
        self._cancel = None
        self._update_buttons()
        if isinstance(error, (importer.ImportCancelled, CancelledError)):
            self.summary.setText(importer.ImportCancelled().message)
            return
        if not isinstance(error, UserError):
            raise error
        self.summary.setText(error.message)
        if self.ctx.is_unlocked:
            self.ctx.report(error)

    def reject(self) -> None:
        # Esc, „Schließen“ or closing from outside (locking closes every window) while the
        # import runs: cancel it; the dialog closes once the import has rolled back.
        if self._cancel is not None:
            self.cancel_import()
            return
        if self._checking is not None:
            self._checking.set()  # nothing written yet: close at once
        super().reject()

    def done(self, result: int) -> None:
        # Closed (imported, „Schließen“, Esc, locking): the dialog stays a hidden child of
        # the window, so it lets go of the file and its plan here (a few hundred MB for
        # 100,000 rows, kept out of the garbage collector's walks while held); a check
        # still running is dropped when it ends.
        self._planning += 1
        self.data = self.prepared = None
        super().done(result)


def trigger(ctx: UiContext, parent: QWidget | None) -> ImportDialog:
    dialog = ImportDialog(ctx, parent)
    dialog.open()
    return dialog
