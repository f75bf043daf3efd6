"""Every document action offers Drucken, Öffnen and Speichern unter
(casework.ui.documents). Printing goes into a real PDF-file QPrinter whose output is
read back; opening writes a private plaintext copy that lock, quit and start wipe."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader
from PySide6.QtCore import QUrl
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from casework.services.session import Session
from casework.ui import documents
from casework.ui.consent import dialogs as consent_dialogs
from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow
from tests.ui.conftest import MessageLog


@pytest.fixture
def attached(ctx: UiContext, session: Session) -> UiContext:
    ctx.attach(session)
    return ctx


def _ink(pdf: bytes) -> list[float]:
    """Share of dark pixels per page, rendered at 36 dpi."""
    shares: list[float] = []
    document = pypdfium2.PdfDocument(pdf)
    for index in range(len(document)):
        bitmap = document[index].render(scale=0.5, grayscale=True)
        data = bytes(bitmap.buffer)
        shares.append(sum(1 for value in data if value < 128) / len(data))
    document.close()
    return shares


def test_print_paints_every_page_onto_the_printer(
        attached: UiContext, document_choice: list[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    produced: list[bytes] = []
    out = tmp_path / "drucker.pdf"

    def printer(_parent: object, title: str) -> QPrinter:
        assert title == "Blankoformular als PDF speichern"
        device = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        device.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        device.setOutputFileName(str(out))
        device.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        return device

    monkeypatch.setattr(documents, "choose_printer", printer)
    monkeypatch.setattr(documents, "choose_pdf_target",
                        lambda *_a: pytest.fail("printing must not ask for a file"))
    original = consent_dialogs.service.blank_form

    def blank(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        produced.append(result[0] if isinstance(result, tuple) else result)
        return result

    monkeypatch.setattr(consent_dialogs.service, "blank_form", blank)
    document_choice.append(documents.PRINT)

    assert consent_dialogs.print_blank(attached, None) is None
    source = produced[0]
    printed = out.read_bytes()
    source_pages = PdfReader(io.BytesIO(source)).pages
    printed_pages = PdfReader(io.BytesIO(printed)).pages
    assert len(printed_pages) == len(source_pages) >= 1
    width, height = float(printed_pages[0].mediabox.width), float(printed_pages[0].mediabox.height)
    assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4
    # The printed pages carry the form's ink in about the same amount, page by page.
    for want, got in zip(_ink(source), _ink(printed), strict=True):
        assert want > 0.002
        assert abs(want - got) < want * 0.5 + 0.002
    assert attached.last_confirmation.startswith("Dokument an den Drucker gegeben")


def test_print_cancelled_in_the_dialog_produces_nothing(
        attached: UiContext, document_choice: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "choose_printer", lambda *_a: None)
    document_choice.append(documents.PRINT)
    calls: list[int] = []
    assert documents.save_pdf(attached, None, "Hilfeplan speichern", "Hilfeplan.pdf",
                              lambda: calls.append(1) or b"") is None
    assert calls == []
    assert attached.last_confirmation == ""


def test_open_writes_a_private_copy_and_lock_wipes_it(
        qtbot: QtBot, unlocked: MainWindow, document_choice: list[str],
        message_log: MessageLog, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = unlocked.ctx
    opened: list[QUrl] = []
    monkeypatch.setattr(documents, "open_url", lambda url: opened.append(url) or True)
    document_choice.append(documents.OPEN)

    path = consent_dialogs.print_blank(ctx, unlocked)
    assert path is not None and opened == [QUrl.fromLocalFile(str(path))]
    assert path.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.parent == documents.opened_folder()
    # told once, before the first copy left the vault
    notices = [text for kind, title, text in message_log.shown if title == "Dokument öffnen"]
    assert len(notices) == 1 and "unverschlüsselte Kopie" in notices[0]
    assert "Sperren" in unlocked.statusBar().currentMessage() or \
        "geöffnet" in unlocked.statusBar().currentMessage()

    second = consent_dialogs.print_blank(ctx, unlocked)
    assert second is not None and second != path
    assert len([1 for _k, title, _t in message_log.shown if title == "Dokument öffnen"]) == 1

    unlocked.lock()
    assert not path.exists() and not second.exists()
    assert not documents.opened_folder().exists()


def test_open_declined_leaves_nothing(attached: UiContext, document_choice: list[str],
                                      message_log: MessageLog) -> None:
    message_log.confirm_answer = False
    document_choice.append(documents.OPEN)
    assert consent_dialogs.print_blank(attached, None) is None
    assert not documents.opened_folder().exists()
    assert not attached.settings.open_notice_seen


def test_start_and_quit_wipe_left_over_copies(qtbot: QtBot, ctx: UiContext) -> None:
    left = documents.write_opened(b"%PDF-1.4 old", "Einwilligung.pdf")
    assert left.exists()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert not left.exists()  # a crash left it; the next start removed it
    again = documents.write_opened(b"%PDF-1.4 new", "Einwilligung.pdf")
    window.close()
    assert not again.exists()


def test_save_as_still_saves(attached: UiContext, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "blanko.pdf"
    monkeypatch.setattr(documents, "choose_pdf_target", lambda *_a: str(target))
    assert consent_dialogs.print_blank(attached, None) == target
    assert "Einwilligung" in PdfReader(target).pages[0].extract_text()
    assert attached.last_confirmation == "Dokument gespeichert."


def test_document_name_from_the_dialog_title() -> None:
    assert documents.document_name("Einwilligung als PDF speichern") == "Einwilligung"
    assert documents.document_name("Übermittlungsbogen speichern") == "Übermittlungsbogen"
    assert documents.document_name("Blatt speichern unter") == "Blatt"


def test_open_without_a_viewer_leaves_no_copy(attached: UiContext, document_choice: list[str],
                                              message_log: MessageLog,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "open_url", lambda _url: False)
    document_choice.append(documents.OPEN)
    assert consent_dialogs.print_blank(attached, None) is None
    assert "Kein Programm" in message_log.texts("error")[-1]
    assert list(documents.opened_folder().iterdir()) == []
