"""Saving a document a person asked for: the one "save as PDF" dialog and the atomic
write, for every screen. The target is asked for first, so cancelling changes nothing
(no print is logged, no state moves); tests patch `choose_pdf_target`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from casework.errors import UserError
from casework.forms.base import write_pdf_atomic
from casework.ui.context import UiContext

PDF_FILTER = "PDF-Dokument (*.pdf)"


def choose_pdf_target(parent: QWidget | None, title: str, suggested: str) -> str:
    """Where to save a PDF; '' if cancelled. The suggested name holds no personal data."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, PDF_FILTER)
    return path


def save_pdf(ctx: UiContext, parent: QWidget | None, title: str, suggested: str,
             produce: Callable[[], bytes | None]) -> Path | None:
    """Ask where to save, then `produce` the PDF (None: it was refused and reported),
    then write it atomically. A `UserError` on the way is reported; None then."""
    target = choose_pdf_target(parent, title, suggested)
    if not target:
        return None
    try:
        pdf = produce()
        if pdf is None:
            return None
        return write_pdf_atomic(target, pdf)
    except UserError as error:
        ctx.report(error)
        return None
