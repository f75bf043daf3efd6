"""A document a person asked for: print it, open it in the system viewer, or save it.

Every screen hands its PDF through `save_pdf`. It first asks what to do
(`choose_document_action`: Drucken / Öffnen / Speichern unter), then where (printer or
file), and only then `produce`s the PDF, so cancelling changes nothing (no print is
logged, no state moves). Tests patch the seams `choose_document_action`,
`choose_pdf_target`, `choose_printer` and `open_url`.

Printing: PySide6-Essentials has no QtPdf, so the reportlab PDF is rasterised page by
page with pypdfium2 (PDFium, the renderer of Chromium; wheels for Windows, macOS and
Linux, no system packages) at the printer's resolution (capped at 300 dpi) and painted
1:1 onto a `QPrinter`; the system print dialog chooses the printer.

Opening needs a plaintext file: it is written 0600 into a private 0700 folder
(`opened_folder`) that is wiped at lock, at quit and at the next start. The first time,
the person is told that an opened document leaves the encrypted vault.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QUrl
from PySide6.QtGui import QCursor, QDesktopServices, QImage, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget

from casework.errors import UserError
from casework.ui.context import UiContext

PDF_FILTER = "PDF-Dokument (*.pdf)"
PRINT, OPEN, SAVE = "print", "open", "save"
MAX_PRINT_DPI = 300  # A4 at 300 dpi is 2480 x 3508 pixels, 35 MB per page in memory
OPEN_NOTICE = (
    "Zum Öffnen legt Casework eine unverschlüsselte Kopie des Dokuments in einem "
    "privaten Ordner ab, den nur Ihr Benutzerkonto lesen kann. Casework löscht sie beim "
    "Sperren, beim Beenden und beim nächsten Start. Das Anzeigeprogramm kann sich das "
    "Dokument merken (zuletzt geöffnet); speichern Sie es dort nicht an anderer Stelle.\n\n"
    "Dokument jetzt öffnen?"
)

# Tests point this at a temporary folder; None: the per-user default below.
folder_override: Path | None = None


def document_name(title: str) -> str:
    """"Hilfeplan speichern" → "Hilfeplan" (the dialog titles callers pass)."""
    name = re.sub(r"(\s+als PDF)?\s+speichern(\s+unter)?\s*$", "", title.strip())
    return name or "Dokument"


# --- seams -------------------------------------------------------------------------------

def action_box(parent: QWidget | None,
               title: str) -> tuple[QMessageBox, dict[str, QPushButton]]:
    """The question "drucken, öffnen oder speichern?" and its buttons by action."""
    name = document_name(title)
    box = QMessageBox(QMessageBox.Icon.Question, name,
                      f"„{name}“ drucken, öffnen oder als PDF speichern?",
                      QMessageBox.StandardButton.NoButton, parent)
    buttons: dict[str, QPushButton] = {
        PRINT: box.addButton("&Drucken …", QMessageBox.ButtonRole.AcceptRole),
        OPEN: box.addButton("Ö&ffnen", QMessageBox.ButtonRole.ActionRole),
        SAVE: box.addButton("&Speichern unter …", QMessageBox.ButtonRole.ActionRole),
    }
    cancel = box.addButton("Abbrechen", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(buttons[PRINT])
    box.setEscapeButton(cancel)
    box.setAccessibleName(name)
    return box, buttons


def choose_document_action(parent: QWidget | None, title: str) -> str:
    """PRINT, OPEN or SAVE; '' if cancelled (Escape). Drucken is the default."""
    box, buttons = action_box(parent, title)
    box.exec()
    clicked = box.clickedButton()
    return next((action for action, button in buttons.items() if button is clicked), "")


def choose_pdf_target(parent: QWidget | None, title: str, suggested: str) -> str:
    """Where to save a PDF; '' if cancelled. The suggested name holds no personal data."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, PDF_FILTER)
    return path


def choose_printer(parent: QWidget | None, title: str) -> QPrinter | None:
    """The system print dialog; None if cancelled. The job name is the document's kind
    (it shows in print queues), never a name."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setDocName(document_name(title))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"{document_name(title)} drucken")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer


def open_url(url: QUrl) -> bool:
    """Hand a local file to the system viewer."""
    return QDesktopServices.openUrl(url)


# --- the one entry point ----------------------------------------------------------------

def save_pdf(ctx: UiContext, parent: QWidget | None, title: str, suggested: str,
             produce: Callable[[], bytes | None]) -> Path | None:
    """Ask what to do and where, then `produce` the PDF (None: it was refused and
    reported), then print it, open it or write it atomically, and confirm in the status
    bar. Returns the written file (saved or opened copy); None if cancelled, refused or
    printed. A `UserError` on the way is reported."""
    action = choose_document_action(parent, title)
    try:
        if action == PRINT:
            printer = choose_printer(parent, title)
            if printer is None:
                return None
            pdf = produce()
            if pdf is None:
                return None
            pages = print_pdf(pdf, printer)
            ctx.confirm("Dokument an den Drucker gegeben." if pages == 1
                        else f"Dokument an den Drucker gegeben ({pages} Seiten).")
            return None
        if action == OPEN:
            if not _open_notice_accepted(ctx, parent):
                return None
            pdf = produce()
            if pdf is None:
                return None
            path = write_opened(pdf, suggested)
            if not open_url(QUrl.fromLocalFile(str(path))):
                path.unlink(missing_ok=True)  # nobody will show it: no plaintext stays
                raise UserError("Kein Programm zum Anzeigen von PDF-Dokumenten gefunden. "
                                "Bitte „Speichern unter“ wählen.")
            ctx.confirm("Dokument geöffnet (unverschlüsselte Kopie bis zum Sperren).")
            return path
        if action == SAVE:
            target = choose_pdf_target(parent, title, suggested)
            if not target:
                return None
            pdf = produce()
            if pdf is None:
                return None
            from casework.forms.base import write_pdf_atomic  # not needed to start the app

            written = write_pdf_atomic(target, pdf)
            ctx.confirm("Dokument gespeichert.")
            return written
    except UserError as error:
        ctx.report(error)
    return None


def _open_notice_accepted(ctx: UiContext, parent: QWidget | None) -> bool:
    if ctx.settings.open_notice_seen:
        return True
    if not ctx.messages.confirm(parent, "Dokument öffnen", OPEN_NOTICE):
        return False
    ctx.settings.open_notice_seen = True
    return True


# --- printing ----------------------------------------------------------------------------

def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Paint every page of `pdf` onto `printer`, 1:1 on the full page; the page count.
    Raises `UserError` when the printer cannot start or the PDF cannot be read."""
    import pypdfium2  # loaded only when printing

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError:
        raise UserError("Das Dokument konnte nicht für den Druck aufbereitet werden.") from None
    printer.setFullPage(True)  # the PDF brings its own margins
    painter = QPainter()
    pages = 0
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        if not painter.begin(printer):
            raise UserError("Der Drucker ist nicht bereit. Bitte Drucker prüfen und "
                            "erneut versuchen.")
        try:
            dpi = min(printer.resolution(), MAX_PRINT_DPI)
            for index in range(len(document)):
                page = document[index]
                if index:
                    printer.newPage()
                image = _render(page, dpi)
                target = _target_rect(printer, page.get_size())
                painter.drawImage(target, image)
                page.close()
                pages += 1
        finally:
            painter.end()
    finally:
        document.close()
        if isinstance(app, QApplication):
            app.restoreOverrideCursor()
    return pages


def _render(page: object, dpi: int) -> QImage:
    bitmap = page.render(scale=dpi / 72, rev_byteorder=True, prefer_bgrx=True)  # type: ignore[attr-defined]
    image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                   QImage.Format.Format_RGBX8888)
    return image.copy()  # own the pixels before the bitmap goes


def _target_rect(printer: QPrinter, size_pt: tuple[float, float]) -> QRect:
    """The page's place on the printer page in device pixels: 1:1 when the paper fits,
    else scaled down to fit, centred."""
    dpi = printer.resolution()
    paper = printer.pageLayout().fullRectPixels(dpi)
    width, height = size_pt[0] * dpi / 72, size_pt[1] * dpi / 72
    scale = min(1.0, paper.width() / width, paper.height() / height)
    width, height = width * scale, height * scale
    left = (paper.width() - width) / 2
    top = (paper.height() - height) / 2
    return QRect(round(left), round(top), round(width), round(height))


# --- opening -----------------------------------------------------------------------------

def opened_folder() -> Path:
    """Where opened documents live: the per-user runtime folder (a RAM disk on Linux)
    when there is one, else the user's temp folder; tests set `folder_override`."""
    if folder_override is not None:
        return folder_override
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path(tempfile.gettempdir())
    owner = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return base / f"casework-geoeffnet-{owner}"


def _private_folder() -> Path:
    folder = opened_folder()
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=False)
    info = os.lstat(folder)
    foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
    if not stat.S_ISDIR(info.st_mode) or foreign:
        raise UserError("Der Ordner für geöffnete Dokumente ist nicht sicher; "
                        "das Dokument wurde nicht geöffnet.")
    os.chmod(folder, 0o700)
    return folder


def write_opened(pdf: bytes, suggested: str) -> Path:
    """Write `pdf` 0600 under a fresh name into the private folder."""
    try:
        folder = _private_folder()
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(suggested).stem) or "Dokument"
        path = folder / f"{stem}-{secrets.token_hex(4)}.pdf"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pdf)
    except OSError:
        raise UserError("Das Dokument konnte nicht zum Öffnen abgelegt werden.") from None
    return path


def wipe_opened() -> None:
    """Delete every opened document (lock, quit, start). A file the viewer still holds
    (Windows) stays until the next wipe."""
    folder = opened_folder()
    if not folder.is_dir() or folder.is_symlink():
        return
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
