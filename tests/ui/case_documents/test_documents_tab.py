"""Family tab "Dokumente" with real widgets: add by file chooser and by drop, the image
shown from memory, PDFs without Qt PDF get an honest note, no plaintext written (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage

from casework.models.documents import DocumentCategory, DocumentDraft
from casework.models.ids import HouseholdId
from casework.services import documents
from casework.services.session import Session
from casework.ui.case_documents import family_tab as tab_module
from casework.ui.case_documents import viewer as viewer_module
from casework.ui.context import UiContext
from tests.ui.conftest import MessageLog


def png_bytes(tmp_path: Path) -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("steelblue"))
    path = tmp_path / "foto.png"
    assert image.save(str(path))
    return path.read_bytes()


def make_tab(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
             family: HouseholdId) -> tab_module.DokumenteTab:
    ctx.attach(session)
    tab = tab_module.create(ctx, family)
    assert isinstance(tab, tab_module.DokumenteTab)
    qtbot.addWidget(tab)
    return tab


def test_add_by_chooser_and_view_image(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                       family: HouseholdId, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       message_log: MessageLog) -> None:
    source = tmp_path / "Zeugnis Lena.png"
    source.write_bytes(png_bytes(tmp_path))
    monkeypatch.setattr(tab_module, "choose_files", lambda _p: [str(source)])
    tab = make_tab(qtbot, ctx, session, family)
    assert not tab.empty.isHidden()
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, tab_module.DocumentDialog)
    assert dialog.title.text() == "Zeugnis Lena"
    dialog.category.setCurrentIndex(dialog.category.findData(DocumentCategory.FOTO.value))
    dialog.on.setText("32.13.2026")
    dialog.accept()
    assert "gültiges Datum" in dialog.form.error_text("Datum") or \
        "TT.MM.JJJJ" in dialog.form.error_text("Datum")
    dialog.on.setText("01.11.2026")
    dialog.accept()
    assert dialog.result() == 1
    assert tab.model.rowCount() == 1 and tab.model.rows[0][0][1] == "Foto"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    tab.view.selectRow(0)
    qtbot.mouseClick(tab.view_button, Qt.MouseButton.LeftButton)
    viewer = tab.dialog
    assert isinstance(viewer, viewer_module.DocumentViewer)
    qtbot.addWidget(viewer)
    assert viewer.kind == "image" and viewer.image_size == (40, 30)
    assert "Lena" not in viewer.windowTitle()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written
    assert message_log.texts("error") == []


def test_drop_files_and_pdf_note(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                                 family: HouseholdId, tmp_path: Path) -> None:
    pdf = tmp_path / "Bescheid.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% Bescheid\n")
    tab = make_tab(qtbot, ctx, session, family)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(pdf))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tab.dropEvent(event)
    dialog = tab.dialog
    assert isinstance(dialog, tab_module.DocumentDialog)
    dialog.accept()
    assert tab.model.rowCount() == 1
    doc = documents.for_household(session, family)[0]
    if not viewer_module.pdf_support():
        viewer = viewer_module.DocumentViewer(doc, documents.content(session, doc.id))
        qtbot.addWidget(viewer)
        assert viewer.kind == "text" and "Qt PDF" in viewer.message


def test_remove_asks_first(qtbot, ctx: UiContext, session: Session,  # type: ignore[no-untyped-def]
                           family: HouseholdId, message_log: MessageLog) -> None:
    documents.add(session, DocumentDraft(family, DocumentCategory.BRIEF, "Brief Schule"),
                  b"%PDF-1.4\n")
    tab = make_tab(qtbot, ctx, session, family)
    tab.view.selectRow(0)
    message_log.confirm_answer = False
    tab.remove()
    assert tab.model.rowCount() == 1
    message_log.confirm_answer = True
    tab.remove()
    assert tab.model.rowCount() == 0
