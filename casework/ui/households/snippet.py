"""The "Fundstelle in Notizen" column: a piece of the matching note with the words that
matched in bold, so a person sees why a family was found (issue 18).

The snippet comes from the decrypted note in memory and is drawn straight from it; it is
never written anywhere else."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from casework.models.text import fold_words

_WORD = re.compile(r"\w+")


def highlighted(text: str, folded_query: list[str]) -> str:
    """HTML of `text` with every word whose folded form starts with a query word in bold."""
    queries = tuple(q for q in folded_query if q)
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        folded = fold_words(match.group())
        if queries and folded and folded[0].startswith(queries):
            out.append(escape(text[last:match.start()]))
            out.append(f"<b>{escape(match.group())}</b>")
            last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def around_match(text: str, folded_query: list[str], before: int = 14,
                 width: int = 72) -> str:
    """A shorter piece of `text` that starts shortly before the first matching word."""
    queries = tuple(q for q in folded_query if q)
    start = 0
    for match in _WORD.finditer(text):
        folded = fold_words(match.group())
        if queries and folded and folded[0].startswith(queries):
            start = max(0, match.start() - before)
            break
    piece = text[start:start + width].strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + width < len(text) and not piece.endswith("…") else ""
    return prefix + piece + suffix


class SnippetDelegate(QStyledItemDelegate):
    """Draws the cell's text as rich text with the matched words in bold."""

    def __init__(self, query_role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.query_role = query_role

    def _document(self, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(2)
        words = index.data(self.query_role) or []
        document.setHtml(highlighted(str(index.data() or ""), list(words)))
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        options = QStyleOptionViewItem(option)
        self.initStyleOption(options, index)
        text = options.text
        options.text = ""
        widget = options.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, options, painter, widget)
        if not text:
            return
        document = self._document(option, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(options.state & QStyle.StateFlag.State_Selected)
        role = (QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        context.palette.setColor(QPalette.ColorRole.Text,
                                 options.palette.color(role))
        rect = options.rect
        painter.save()
        painter.translate(rect.left(), rect.top())
        clip = QRectF(0, 0, rect.width(), rect.height())
        painter.setClipRect(clip)
        context.clip = clip
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        return QSize(int(self._document(option, index).idealWidth()), base.height())
