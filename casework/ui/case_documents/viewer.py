"""Showing a document inside the app, from decrypted bytes in memory: images through
QImage, PDFs through Qt PDF when it is installed (PySide6-Addons; PySide6-Essentials has
no QtPdf). Nothing is written to disk; "Speichern unter …" is the worker's explicit
export to a place of their choice."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.models.documents import Document, MediaKind
from casework.ui.widgets import named

PDF_MISSING = ("Für die PDF-Vorschau fehlt Qt PDF (PySide6-Addons). Das Dokument ist "
               "sicher abgelegt; über „Speichern unter …“ kann es an einem Ort Ihrer Wahl "
               "gespeichert werden.")
OTHER = ("Diese Dateiart kann Casework nicht anzeigen. Über „Speichern unter …“ kann sie "
         "an einem Ort Ihrer Wahl gespeichert werden.")


def pdf_support() -> bool:
    try:
        import PySide6.QtPdf
        import PySide6.QtPdfWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def image_from_bytes(data: bytes) -> QImage:
    image = QImage()
    image.loadFromData(QByteArray(data))
    return image


class DocumentViewer(QDialog):
    def __init__(self, document: Document, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The window title names the kind of document only, never a person.
        self.setWindowTitle(f"Dokument – {document.data.category.value}")
        named(self, "Dokumentansicht")
        self.kind = "text"
        self._keep: list[Any] = []  # buffers the PDF view reads from
        layout = QVBoxLayout(self)
        caption = QLabel(document.data.title, self)
        caption.setWordWrap(True)
        layout.addWidget(caption)
        content = self._content(document, data)
        layout.addWidget(content, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 650)

    def _content(self, document: Document, data: bytes) -> QWidget:
        if document.media.is_image:
            image = image_from_bytes(data)
            if not image.isNull():
                self.kind = "image"
                label = QLabel(self)
                named(label, "Bild")
                label.setPixmap(QPixmap.fromImage(image))
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                area = QScrollArea(self)
                area.setWidget(label)
                area.setWidgetResizable(True)
                self.image_size = (image.width(), image.height())
                return area
        if document.media is MediaKind.PDF and pdf_support():
            return self._pdf(data)
        note = QLabel(PDF_MISSING if document.media is MediaKind.PDF else OTHER, self)
        note.setWordWrap(True)
        named(note, "Hinweis")
        self.message = note.text()
        return note

    def _pdf(self, data: bytes) -> QWidget:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        pdf = QPdfDocument(self)
        pdf.load(buffer)
        view = QPdfView(self)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setDocument(pdf)
        self._keep += [buffer, pdf]
        self.kind = "pdf"
        return view
