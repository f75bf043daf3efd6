"""Review of the iseF extract's redaction before export (issue 19): the worker sees every
replaced span and every suspicious remaining span, ticks what else must go and can type
more words; the extract is then built with those words marked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from casework.services.kinderschutz import documents as ks_documents
from casework.ui.context import UiContext
from casework.ui.widgets import named


class RedactionReviewDialog(QDialog):
    """Rows: "ersetzt" (original → placeholder) and "prüfen" (word, reason, context) with
    a check box "schwärzen"; a field for further words; "Neu prüfen" re-runs the
    redaction with everything marked so far."""

    def __init__(self, ctx: UiContext, procedure_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Schwärzung prüfen – iseF-Auszug")
        self._ctx = ctx
        self._procedure_id = procedure_id
        self._marked: list[str] = []
        layout = QVBoxLayout(self)
        self.limits = QLabel()
        self.limits.setWordWrap(True)
        layout.addWidget(self.limits)
        self.table = named(QTableWidget(0, 4), "review_table")
        self.table.setHorizontalHeaderLabels(["Art", "Text", "Ersetzt durch / Grund",
                                              "Schwärzen"])
        self.table.horizontalHeader().setStretchLastSection(False)
        layout.addWidget(self.table)
        layout.addWidget(QLabel("Weitere Wörter schwärzen (durch Komma getrennt):"))
        self.extra = named(QLineEdit(), "extra_words")
        layout.addWidget(self.extra)
        self.recheck = named(QPushButton("Neu prüfen"), "recheck")
        self.recheck.clicked.connect(self.refresh)
        layout.addWidget(self.recheck)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("Auszug erstellen",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Abbrechen", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 520)
        self.refresh()

    def marked(self) -> list[str]:
        """Everything marked: ticked suspects and typed words (without duplicates)."""
        words = list(self._marked)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 3)
            text = self.table.item(row, 1)
            if item is not None and text is not None \
                    and item.checkState() == Qt.CheckState.Checked:
                words.append(text.text())
        words += [w.strip() for w in self.extra.text().split(",") if w.strip()]
        return list(dict.fromkeys(words))

    def refresh(self) -> None:
        self._marked = self.marked()
        self.extra.clear()
        session = self._ctx.require_session()
        review = ks_documents.isef_review(session, self._procedure_id, marked=self._marked)
        self.limits.setText(review.limits)
        rows = [("ersetzt", original, f"{replacement} ({category})", False)
                for original, replacement, category in review.replaced]
        rows += [("prüfen", word, f"{why}: „{context}“", True)
                 for word, why, context in review.suspects]
        self.table.setRowCount(len(rows))
        for index, (kind, text, detail, checkable) in enumerate(rows):
            for column, value in enumerate((kind, text, detail)):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(index, column, item)
            box = QTableWidgetItem("")
            if checkable:
                box.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                box.setCheckState(Qt.CheckState.Unchecked)
            else:
                box.setFlags(Qt.ItemFlag.NoItemFlags)
            self.table.setItem(index, 3, box)
        self.table.resizeColumnsToContents()


def review_isef(ctx: UiContext, parent: QWidget | None, procedure_id: str) -> list[str] | None:
    """Show the review; the marked words, or None when cancelled. Tests patch this."""
    dialog = RedactionReviewDialog(ctx, procedure_id, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.marked()
