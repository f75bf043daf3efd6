"""Building blocks for documents: paragraphs of user text, drawn check boxes, fill-in and
signature lines, tables. All set in the embedded font; user text is always escaped.

    from casework.forms import base, flowables as fl
    story = [fl.para(title, base.styles().title), fl.checkbox_line("Foto", True), ...]
    pdf = base.build_document(story, letterhead=..., title=..., clock=clock)

reportlab is imported inside the functions (cheap module import).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from casework.forms.base import (
    CONTENT_WIDTH,
    FONT,
    FONT_BOLD,
    escape,
    escape_multiline,
    grey,
    mm,
    styles,
)

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable


def para(text: str, style: ParagraphStyle | None = None) -> Flowable:
    """A paragraph of plain (user) text: markup characters are shown literally; phone
    numbers are kept on one line."""
    return rich(escape_multiline(protect(text)), style)


def rich(markup_text: str, style: ParagraphStyle | None = None) -> Flowable:
    """A paragraph of TRUSTED markup (our own constant texts, or `markup(...)` output)."""
    from reportlab.platypus import Paragraph

    return Paragraph(markup_text, style or styles().body)


def spacer(height_mm: float) -> Flowable:
    from reportlab.platypus import Spacer

    return Spacer(1, mm(height_mm))


def keep_together(flowables: Sequence[Flowable]) -> Flowable:
    from reportlab.platypus import KeepTogether

    return KeepTogether(list(flowables))


def bullets(items: Sequence[str], style: ParagraphStyle | None = None) -> Flowable:
    """A bulleted list of plain-text items (escaped)."""
    from reportlab.platypus import ListFlowable, ListItem

    st = style or styles().body
    return ListFlowable(
        [ListItem(para(item, st), leftIndent=11) for item in items],
        bulletType="bullet",
        start="•",
        leftIndent=11,
        bulletFontName=FONT,
        bulletFontSize=st.fontSize,
    )


def checkbox(checked: bool, size: float = 8.0) -> Flowable:
    """A drawn check box (square, with a cross when `checked`); renders in any viewer."""
    from reportlab.graphics.shapes import Drawing, Line, Rect
    from reportlab.lib.colors import black

    drawing = Drawing(size, size, initialFontName=FONT, initialFontSize=8)
    drawing.add(
        Rect(0.4, 0.4, size - 0.8, size - 0.8, strokeWidth=0.7, strokeColor=black, fillColor=None)
    )
    if checked:
        inset = 1.8
        for x1, y1, x2, y2 in (
            (inset, inset, size - inset, size - inset),
            (inset, size - inset, size - inset, inset),
        ):
            drawing.add(Line(x1, y1, x2, y2, strokeWidth=1.1, strokeColor=black))
    return drawing


def checkbox_line(
    label: str,
    checked: bool,
    *,
    detail_label: str = "",
    detail: str = "",
    write_line: bool | None = None,
    note: str = "",
    width: float | None = None,
    label_is_markup: bool = False,
) -> Flowable:
    """One "☐ label [detail_label ____]" line.

    - `label`/`detail`/`note` are plain text (escaped) unless `label_is_markup`.
    - A fill-in line is drawn after the label when `detail_label` is set (or
      `write_line=True`); the `detail` text, if any, is printed on it.
    - `note` is a small remark under the label (e.g. an age rule).
    """
    st = styles()
    width = width or CONTENT_WIDTH
    label_markup = label if label_is_markup else escape(label)
    if detail_label:
        label_markup += " " + escape(detail_label)
    if note:
        label_markup += f'<br/><font size="7.3">{escape(note)}</font>'
    box_col = 13.0
    wants_line = write_line if write_line is not None else bool(detail_label)
    if wants_line:
        line_width = max(width * 0.42, 60.0)
        cells = [[checkbox(checked), rich(label_markup, st.table), para(detail, st.table)]]
        widths = [box_col, width - box_col - line_width, line_width]
    else:
        cells = [[checkbox(checked), rich(label_markup, st.table)]]
        widths = [box_col, width - box_col]
    table = layout_table(cells, colWidths=widths)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (0, 0), 2.6),  # align the box with the first text line
    ]
    if wants_line:
        commands += [
            ("VALIGN", (2, 0), (2, 0), "BOTTOM"),
            ("LINEBELOW", (2, 0), (2, 0), 0.5, grey(0.35)),
            ("LEFTPADDING", (2, 0), (2, 0), 2),
        ]
    table.setStyle(commands)
    return table


def field_line(
    fields: Sequence[tuple[str, str]],
    *,
    width: float | None = None,
    label_width: float | None = None,
) -> Flowable:
    """Labelled fill-in lines side by side: `[("Name:", value), ("Geburtsdatum:", "")]`.

    Each value is printed on its line (plain text); an empty value leaves the line blank
    for handwriting.
    """
    st = styles()
    width = width or CONTENT_WIDTH
    gap = 10.0
    n = max(len(fields), 1)
    per_field = (width - gap * (n - 1)) / n
    cells: list[Flowable | str] = []
    widths: list[float] = []
    for index, (label, value) in enumerate(fields):
        if index:
            cells.append("")
            widths.append(gap)
        lw = label_width or min(max(_text_width(label, st.table) + 4, 30.0), per_field * 0.6)
        cells += [para(label, st.table), para(value, st.table)]
        widths += [lw, per_field - lw]
    table = layout_table([cells], colWidths=widths)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for index in range(len(fields)):
        col = 3 * index + 1
        commands.append(("LINEBELOW", (col, 0), (col, 0), 0.5, grey(0.35)))
        commands.append(("LEFTPADDING", (col, 0), (col, 0), 2))
    table.setStyle(commands)
    table.spaceAfter = 4
    return table


def signature_row(
    labels: Sequence[str] = ("Ort, Datum", "Unterschrift"),
    values: Sequence[str] = (),
    *,
    widths: Sequence[float] | None = None,
    height_mm: float = 11,
) -> Flowable:
    """Signature lines side by side with their captions underneath.

    `values` are printed on the lines (e.g. a pre-filled "Bottrop, 21.11.2026"); a line
    without value is left empty for handwriting. Default widths: with two lines the first
    ("Ort, Datum") takes 35 %, otherwise equal parts.
    """
    st = styles()
    n = len(labels)
    gap = 12.0
    usable = CONTENT_WIDTH - gap * (n - 1)
    if widths is None:
        widths = [usable * 0.35, usable * 0.65] if n == 2 else [usable / n] * n
    vals = list(values) + [""] * (n - len(values))
    top: list[Flowable | str] = []
    bottom: list[Flowable | str] = []
    col_widths: list[float] = []
    for index, (label, value) in enumerate(zip(labels, vals, strict=False)):
        if index:
            top.append("")
            bottom.append("")
            col_widths.append(gap)
        top.append(para(value, st.table))
        bottom.append(para(label, st.small))
        col_widths.append(widths[index])
    table = layout_table([top, bottom], colWidths=col_widths, rowHeights=[mm(height_mm), None])
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, 1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 1.5),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 0),
        ("TOPPADDING", (0, 1), (-1, 1), 1),
    ]
    for index in range(n):
        col = 2 * index
        commands.append(("LINEBELOW", (col, 0), (col, 0), 0.6, grey(0.1)))
    table.setStyle(commands)
    table.spaceAfter = 4
    return table


def rtl_visual(text: str) -> str:
    """A short right-to-left text (a language name) shaped and in display order, for use
    inside a left-to-right line."""
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


def rtl_para(text: str, style: ParagraphStyle | None = None) -> Flowable:
    """A right-to-left paragraph (Arabic): letters shaped (arabic-reshaper), lines broken
    in logical order and each line reordered for display (python-bidi), set flush right.
    reportlab itself neither shapes nor reorders."""
    import arabic_reshaper
    from bidi.algorithm import get_display
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Flowable as _Flowable

    st = style or styles().body
    font, size, leading = st.fontName, st.fontSize, st.leading
    shaped = arabic_reshaper.reshape(" ".join(text.split()))

    class _Rtl(_Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
            lines: list[str] = []
            current: list[str] = []
            for word in shaped.split(" "):
                trial = " ".join([*current, word])
                if current and stringWidth(trial, font, size) > avail_width:
                    lines.append(" ".join(current))
                    current = [word]
                else:
                    current.append(word)
            if current:
                lines.append(" ".join(current))
            self.lines = [get_display(line) for line in lines]
            self.width = avail_width
            self.height = len(self.lines) * leading + (st.spaceAfter or 0)
            return self.width, self.height

        def draw(self) -> None:
            canvas = self.canv
            canvas.setFont(font, size)
            y = self.height - (st.spaceAfter or 0) - size
            for line in self.lines:
                canvas.drawRightString(self.width, y, line)
                y -= leading

    return _Rtl()


def signature_block(signers: Sequence[tuple[str, str]], *,
                    title: str = "Unterschriften") -> Flowable:
    """One signature line per person who made the decision: (name, what they did) →
    "Ort, Datum" and "Unterschrift – Name (what)". Kept together on one page."""
    st = styles()
    parts: list[Flowable] = [para(title, st.heading)]
    for name, role in signers:
        caption = f"Unterschrift – {name}" + (f" ({role})" if role else "")
        parts.append(signature_row(("Ort, Datum", caption)))
    return keep_together(parts)


def data_table(
    header: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    col_widths: Sequence[float] | None = None,
    repeat_header: bool = True,
) -> Flowable:
    """A grid table of plain-text cells (escaped, wrapped), header row bold on light grey.

    Splits across pages and repeats the header there.
    """
    from reportlab.platypus import Table

    st = styles()
    data: list[list[Flowable]] = []
    if header is not None:
        data.append([para(h, st.table_header) for h in header])
    data += [[para(cell, st.table) for cell in row] for row in rows]
    widths = _ensure_token_widths(col_widths, rows, header or ())
    table = Table(
        data,
        colWidths=list(widths) if widths else None,
        repeatRows=1 if (header is not None and repeat_header) else 0,
        hAlign="LEFT",
    )
    table.setStyle(table_style(header=header is not None))
    table.spaceBefore = 2
    table.spaceAfter = 6
    return table


def _ensure_token_widths(col_widths: Sequence[float] | None, rows: Sequence[Sequence[str]],
                         header: Sequence[str]) -> tuple[float, ...] | None:
    """The given widths, widened where a column is narrower than its longest unbreakable
    token (the extra space is taken from the columns with the most room to spare)."""
    if not col_widths:
        return None
    widths = list(col_widths)
    minimum = _minimum_widths(rows, header, len(widths))
    for index, need in enumerate(minimum):
        missing = need - widths[index]
        if missing <= 0:
            continue
        donors = sorted(range(len(widths)), key=lambda i: widths[i] - minimum[i], reverse=True)
        for donor in donors:
            if donor == index or missing <= 0:
                continue
            give = min(missing, max(0.0, widths[donor] - minimum[donor]))
            widths[donor] -= give
            widths[index] += give
            missing -= give
    return tuple(widths)


def _minimum_widths(rows: Sequence[Sequence[str]], header: Sequence[str],
                    count: int) -> list[float]:
    st = styles()
    pad = 8.0
    minimum = [0.0] * count
    for row, style in [(tuple(header), st.table_header)] + [(tuple(r), st.table)
                                                            for r in rows]:
        for index, cell in enumerate(row[:count]):
            for token in _tokens(str(cell)):
                minimum[index] = max(minimum[index], _text_width(token, style) + pad)
    return minimum


def fit_widths(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = (),
    *,
    flexible: int = -1,
    total: float = CONTENT_WIDTH,
) -> tuple[float, ...]:
    """Column widths that fit their content: every fixed column is as wide as its
    longest cell (capped at a third of the table), at least as wide as its longest
    unbreakable token (word, date, phone number, e-mail) and its header's longest word;
    the `flexible` column (index) takes the rest."""
    st = styles()
    count = max([len(header)] + [len(r) for r in rows])
    flexible %= count
    pad = 8.0
    minimum = [0.0] * count
    natural = [0.0] * count
    for row in [tuple(header), *rows]:
        style = st.table_header if row is tuple(header) else st.table
        for index, cell in enumerate(row):
            for line in str(cell).split("\n"):
                natural[index] = max(natural[index], _text_width(line, style) + pad)
                for token in _tokens(line):
                    minimum[index] = max(minimum[index], _text_width(token, style) + pad)
    widths = [max(minimum[i], min(natural[i], total / 3)) for i in range(count)]
    # The flexible column wants a fair share; fixed columns give back what they hold
    # beyond their longest token, proportionally, until everything fits.
    flex_want = max(minimum[flexible], min(natural[flexible], total * 0.3))
    fixed = [i for i in range(count) if i != flexible]
    excess = sum(widths[i] for i in fixed) + flex_want - total
    slack = sum(widths[i] - minimum[i] for i in fixed)
    if excess > 0 and slack > 0:
        share = min(1.0, excess / slack)
        for i in fixed:
            widths[i] -= (widths[i] - minimum[i]) * share
    widths[flexible] = max(total - sum(widths[i] for i in fixed), minimum[flexible])
    return tuple(widths)


def _tokens(line: str) -> list[str]:
    """Unbreakable tokens of a line (see `protect`): words, and phone numbers as a whole."""
    return protect(line).replace("\u00a0", "~").split()


def protect(text: str) -> str:
    """Keep phone numbers together: their inner spaces become non-breaking."""
    return _PHONE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


_PHONE = re.compile(r"(?<![\w.])(?:\+\d{2}[ ]?)?\(?0?\d{2,5}\)?(?:[ /-]\d{2,}){1,4}")


def key_value_table(
    pairs: Sequence[tuple[str, str]],
    *,
    key_width: float | None = None,
) -> Flowable:
    """Two columns "Feld | Wert" without grid (plain text), for addresses and headers."""
    st = styles()
    kw = key_width or min(max([CONTENT_WIDTH * 0.2] + [
        _text_width(k, st.table_header) + 8 for k, _v in pairs]), CONTENT_WIDTH * 0.4)
    table = layout_table(
        [[para(k, st.table_header), para(v, st.table)] for k, v in pairs],
        colWidths=[kw, CONTENT_WIDTH - kw],
    )
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return table


def layout_table(data: Sequence[Sequence[Any]], **kwargs: Any) -> Any:
    """A borderless, left-aligned reportlab `Table` set in the document font (reportlab's
    default cell font is Helvetica, which is not embedded); style it with `setStyle`."""
    from reportlab.platypus import Table

    kwargs.setdefault("hAlign", "LEFT")
    table = Table([list(row) for row in data], **kwargs)
    table.setStyle([("FONTNAME", (0, 0), (-1, -1), FONT)])
    return table


def table_style(*, header: bool = True) -> Any:
    """The shared grid `TableStyle` (thin grey grid, padded cells, optional header row)."""
    from reportlab.platypus import TableStyle

    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, grey(0.6)),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), grey(0.9)),
            ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ]
    return TableStyle(commands)


def _text_width(text: str, style: ParagraphStyle) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, style.fontName, style.fontSize))


__all__ = [
    "bullets",
    "checkbox",
    "checkbox_line",
    "data_table",
    "field_line",
    "fit_widths",
    "keep_together",
    "key_value_table",
    "layout_table",
    "para",
    "protect",
    "rich",
    "rtl_para",
    "rtl_visual",
    "signature_block",
    "signature_row",
    "spacer",
    "table_style",
]
