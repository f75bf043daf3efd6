"""Shared PDF infrastructure: fonts, styles, escaping, the A4 page template, atomic writes.

Every printable document (consent form, § 8a documentation, referral letter, reports,
Art. 15 disclosure …) is a list of reportlab flowables (building blocks in
`casework.forms.flowables`) handed to `build_document`, which adds the organisation's
letterhead, a footer with title, creation date and "Seite X von Y", and returns the PDF
bytes. Documents take plain data and a `Clock`; they never open the database
(ARCHITECTURE §7). `write_pdf_atomic` stores the bytes where the caller decides.

Rules for document authors:
- User text is never markup: build paragraphs with `flowables.para(text, style)` (escapes
  it) or `markup(template, **values)` + `flowables.rich` (escapes the values only).
- Check boxes are drawn (`flowables.checkbox_line`), never typed as ☐/☒ glyphs.
- PDF metadata stays neutral (document title, "Casework"); never put a person's name in a
  title, because viewers show it in window titles and "recent files" lists.

reportlab is imported inside functions only, so importing a form module is cheap.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework import resources
from casework.clock import BERLIN, Clock
from casework.errors import StorageFull, UserError

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable

    from casework.models.directory.profile import Organisation

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
PRODUCER = "Casework"

_MM = 72 / 25.4
PAGE_WIDTH = 210 * _MM  # A4 portrait, in points
PAGE_HEIGHT = 297 * _MM
MARGIN_LEFT = 20 * _MM
MARGIN_RIGHT = 18 * _MM
MARGIN_BOTTOM = 20 * _MM
HEADER_TOP = 12 * _MM  # distance of the letterhead's first baseline area from the top edge
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

_font_lock = threading.Lock()
_fonts_registered = False


def mm(value: float) -> float:
    """Millimetres to PDF points."""
    return value * _MM


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What the top of every page shows: the organisation, never a person."""

    name: str
    address_lines: tuple[str, ...] = ()
    contact_line: str = ""


def letterhead_from_organisation(organisation: Organisation) -> Letterhead:
    """The profile's letterhead: `letterhead_lines` as given (name, address, contact …),
    else built from name, address and phone/e-mail."""
    lines = tuple(line for line in organisation.letterhead_lines if line.strip())
    if lines:
        return Letterhead(
            name=lines[0], address_lines=lines[1:2], contact_line=" · ".join(lines[2:])
        )
    contact = " · ".join(
        part
        for part in (
            f"Tel. {organisation.phone}" if organisation.phone else "",
            organisation.email,
        )
        if part
    )
    address = tuple(line for line in organisation.address_lines if line != organisation.name)
    return Letterhead(name=organisation.name, address_lines=address, contact_line=contact)


@dataclass(frozen=True, slots=True)
class WindowAddress:
    """The DIN 5008 (Form B) address field of a letter for a window envelope: 85 × 45 mm,
    20 mm from the left and 45 mm from the top edge of page 1 — a 17.7 mm zone with the
    return line, then up to six address lines — and the information block at 125 mm
    (e.g. "Datum", "Ihr Schreiben vom"). Fold marks at 105 and 210 mm, punch mark at
    148.5 mm."""

    recipient_lines: tuple[str, ...]
    return_line: str = ""
    info: tuple[tuple[str, str], ...] = ()


ADDRESS_FIELD_TOP = 45 * _MM
ADDRESS_FIELD_BOTTOM = 90 * _MM
LETTER_TEXT_TOP = 98.5 * _MM  # first text line of page 1 below the address field


def format_date(value: date | None, blank: str = "") -> str:
    """German date "21.11.2026"; `blank` when there is none."""
    return value.strftime("%d.%m.%Y") if value is not None else blank


def format_datetime(value: datetime) -> str:
    """German local time "21.11.2026, 08:48 Uhr" (converted to Europe/Berlin)."""
    return value.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


# --------------------------------------------------------------------------- text


def escape(text: str) -> str:
    """Make user text safe for reportlab's paragraph markup (&, <, > shown literally)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_multiline(text: str) -> str:
    """`escape` plus line breaks kept as <br/>."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


def markup(template: str, /, **values: object) -> str:
    """Fill `template` (trusted markup with `{name}` fields) with escaped user values.

    `markup("<b>Name:</b> {name}", name=user_text)` — the tags of the template stay
    markup, the values never become markup.
    """
    return template.format(**{key: escape_multiline(str(v)) for key, v in values.items()})


# --------------------------------------------------------------------------- fonts


def register_fonts() -> None:
    """Register the embedded DejaVu fonts with reportlab (once per process)."""
    global _fonts_registered
    if _fonts_registered:
        return
    with _font_lock:
        if _fonts_registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        fonts = resources.files("fonts")
        for name in (FONT, FONT_BOLD):
            data = fonts.joinpath(f"{name}.ttf").read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        # <b> in paragraph markup maps to the bold face; there is no italic face, so
        # italics fall back to the upright ones instead of to Helvetica.
        addMapping(FONT, 0, 0, FONT)
        addMapping(FONT, 1, 0, FONT_BOLD)
        addMapping(FONT, 0, 1, FONT)
        addMapping(FONT, 1, 1, FONT_BOLD)
        _fonts_registered = True


# --------------------------------------------------------------------------- styles


@dataclass(frozen=True, slots=True)
class Styles:
    """The paragraph styles every document uses (reportlab `ParagraphStyle`s)."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    body_bold: ParagraphStyle
    small: ParagraphStyle
    footnote: ParagraphStyle
    table: ParagraphStyle
    table_header: ParagraphStyle


@functools.cache
def styles() -> Styles:
    """The shared styles (built once; do not mutate them — derive with `clone`)."""
    register_fonts()
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "cw-body",
        fontName=FONT,
        fontSize=9,
        leading=11.6,
        spaceAfter=3,
        allowWidows=0,
        allowOrphans=0,
        # Never break inside a token: a word, a date, a phone number (kept together by
        # `flowables.protect`) or an e-mail address; tables size their columns to the
        # longest token (`flowables.fit_widths`, `data_table`) (issue 19).
        splitLongWords=0,
    )
    return Styles(
        title=ParagraphStyle(
            "cw-title",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=14.5,
            leading=18,
            spaceBefore=0,
            spaceAfter=2,
        ),
        subtitle=ParagraphStyle(
            "cw-subtitle",
            parent=body,
            fontSize=8.5,
            leading=11,
            spaceAfter=6,
            textColor=HexColor("#333333"),
        ),
        heading=ParagraphStyle(
            "cw-heading",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=9.8,
            leading=12.5,
            spaceBefore=7,
            spaceAfter=3,
            keepWithNext=1,
        ),
        body=body,
        body_bold=ParagraphStyle("cw-body-bold", parent=body, fontName=FONT_BOLD),
        small=ParagraphStyle(
            "cw-small",
            parent=body,
            fontSize=7.3,
            leading=9.2,
            spaceAfter=1.5,
        ),
        footnote=ParagraphStyle(
            "cw-footnote",
            parent=body,
            fontSize=7.3,
            leading=9.2,
            spaceAfter=1.5,
            leftIndent=7,
            firstLineIndent=-7,
        ),
        table=ParagraphStyle("cw-table", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        table_header=ParagraphStyle(
            "cw-table-header",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=8.5,
            leading=10.5,
            spaceAfter=0,
        ),
    )


def clone(style: ParagraphStyle, **changes: Any) -> ParagraphStyle:
    """A variant of a shared style (e.g. `clone(styles().body, spaceBefore=6)`)."""
    from reportlab.lib.styles import ParagraphStyle

    name = f"{style.name}-{'-'.join(sorted(changes))}"
    return ParagraphStyle(name, parent=style, **changes)


# --------------------------------------------------------------------------- document


@dataclass(frozen=True, slots=True)
class _Footer:
    title: str
    created: str
    note: str


@functools.cache
def _numbered_canvas_class() -> type:
    """A canvas that knows the page total when it draws the footer ("Seite X von Y")."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        def __init__(self, *args: Any, footer: _Footer, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._cw_footer = footer
            self._cw_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._cw_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._cw_pages)
            for number, state in enumerate(self._cw_pages, start=1):
                self.__dict__.update(state)
                _draw_footer(self, self._cw_footer, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _draw_footer(canvas: Any, footer: _Footer, number: int, total: int) -> None:
    canvas.saveState()
    y_rule = MARGIN_BOTTOM - mm(6)
    canvas.setStrokeColor(grey(0.55))
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_LEFT, y_rule, PAGE_WIDTH - MARGIN_RIGHT, y_rule)
    canvas.setFillColor(grey(0.25))
    canvas.setFont(FONT, 7)
    y = y_rule - 9
    canvas.drawString(MARGIN_LEFT, y, footer.title)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN_RIGHT,
        y,
        f"Erstellt am {footer.created}   ·   Seite {number} von {total}",
    )
    if footer.note:
        canvas.setFont(FONT, 6.3)
        canvas.drawString(MARGIN_LEFT, y - 8, footer.note)
    canvas.restoreState()


def grey(level: float) -> Any:
    """A grey (0 = black, 1 = white) as a reportlab colour."""
    from reportlab.lib.colors import Color

    return Color(level, level, level)


def _letterhead_flowables(letterhead: Letterhead) -> list[Flowable]:
    # Plain paragraphs built here (not with flowables.para): flowables builds on this
    # module, never the other way round.
    from reportlab.platypus import Paragraph

    st = styles()
    name_style = clone(st.body_bold, fontSize=10.5, leading=13, spaceAfter=0)
    line_style = clone(st.small, spaceAfter=0, textColor=grey(0.25))
    lines = [(letterhead.name, name_style)]
    if letterhead.address_lines:
        lines.append((" · ".join(letterhead.address_lines), line_style))
    if letterhead.contact_line:
        lines.append((letterhead.contact_line, line_style))
    return [Paragraph(escape_multiline(text), style) for text, style in lines]


def build_document(
    story: Sequence[Flowable],
    *,
    letterhead: Letterhead,
    title: str,
    clock: Clock,
    footer_note: str = "",
    subject: str = "",
    window: WindowAddress | None = None,
    bottom_band: Flowable | None = None,
) -> bytes:
    """Lay out `story` on A4 pages and return the PDF bytes.

    Every page gets the letterhead at the top and a footer with `title`, the creation
    date (Europe/Berlin, from `clock`), the optional `footer_note` (e.g. a template
    version) and "Seite X von Y". `title` and `subject` go into the PDF metadata, so they
    must not contain personal data. The output is deterministic for the same input and
    clock (usable for hashes of the printed version). With `window` page 1 is a DIN 5008
    letter page: address field and information block, text below the field.
    `bottom_band` (e.g. the funders' credit line of a report) is drawn on every page just
    above the footer; the text area ends above it.
    """
    register_fonts()
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    created_at = clock.now()
    head = _letterhead_flowables(letterhead)
    head_heights = [f.wrap(CONTENT_WIDTH, PAGE_HEIGHT)[1] for f in head]
    header_height = sum(head_heights)
    rule_y = PAGE_HEIGHT - HEADER_TOP - header_height - mm(2)
    top_margin = PAGE_HEIGHT - rule_y + mm(6)
    band_height = bottom_band.wrap(CONTENT_WIDTH, PAGE_HEIGHT)[1] if bottom_band else 0.0
    bottom_margin = MARGIN_BOTTOM + (band_height + mm(3) if bottom_band else 0.0)

    def draw_page(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        if bottom_band is not None:
            bottom_band.drawOn(canvas, MARGIN_LEFT, MARGIN_BOTTOM)
        y = PAGE_HEIGHT - HEADER_TOP
        for flowable, height in zip(head, head_heights, strict=True):
            y -= height
            flowable.drawOn(canvas, MARGIN_LEFT, y)
        canvas.setStrokeColor(grey(0.55))
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_LEFT, rule_y, PAGE_WIDTH - MARGIN_RIGHT, rule_y)
        canvas.restoreState()

    footer = _Footer(title=title, created=format_datetime(created_at), note=footer_note)
    pdf_date = _pdf_date(created_at)
    canvas_class = _numbered_canvas_class()

    def make_canvas(*args: Any, **kwargs: Any) -> Any:
        canvas = canvas_class(*args, footer=footer, **kwargs)
        canvas.setDateFormatter(lambda *_ymdhms: pdf_date)
        return canvas

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        title=title,
        author=PRODUCER,
        subject=subject,
        creator=PRODUCER,
        producer=PRODUCER,
        keywords="",
        lang="de-DE",
        invariant=1,  # fixed document id; the dates come from `clock` (setDateFormatter)
        initialFontName=FONT,
        initialFontSize=9,
    )
    # No frame padding: flowables use exactly CONTENT_WIDTH, aligned with the letterhead.
    frame = Frame(
        MARGIN_LEFT,
        bottom_margin,
        CONTENT_WIDTH,
        PAGE_HEIGHT - top_margin - bottom_margin,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="content",
    )
    templates = [PageTemplate(id="page", frames=[frame], onPage=draw_page)]
    if window is not None:
        first_frame = Frame(
            MARGIN_LEFT, MARGIN_BOTTOM, CONTENT_WIDTH,
            PAGE_HEIGHT - LETTER_TEXT_TOP - MARGIN_BOTTOM,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="letter",
        )

        def draw_first(canvas: Any, doc: Any) -> None:
            draw_page(canvas, doc)
            _draw_window(canvas, window)

        templates.insert(0, PageTemplate(id="letter", frames=[first_frame],
                                         onPage=draw_first, autoNextPageTemplate="page"))
    doc.addPageTemplates(templates)
    doc.build(list(story), canvasmaker=make_canvas)
    return buffer.getvalue()


render = build_document
"""Alias of `build_document`."""


def _draw_window(canvas: Any, window: WindowAddress) -> None:
    left = mm(20)
    top = PAGE_HEIGHT - ADDRESS_FIELD_TOP
    canvas.saveState()
    if window.return_line:
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(grey(0.2))
        canvas.drawString(left, top - mm(13), window.return_line)
        canvas.setStrokeColor(grey(0.5))
        canvas.setLineWidth(0.3)
        canvas.line(left, top - mm(14), left + mm(85), top - mm(14))
    canvas.setFont(FONT, 10)
    canvas.setFillColor(grey(0))
    y = top - mm(17.7) - mm(4)
    for line in [line for line in window.recipient_lines if line.strip()][:6]:
        canvas.drawString(left, y, line)
        y -= mm(4.23)
    y = PAGE_HEIGHT - mm(50) - mm(3)
    for label, value in window.info:
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(grey(0.3))
        canvas.drawString(mm(125), y, label)
        canvas.setFont(FONT, 9)
        canvas.setFillColor(grey(0))
        canvas.drawString(mm(125), y - mm(3.8), value)
        y -= mm(9)
    canvas.setStrokeColor(grey(0.4))
    canvas.setLineWidth(0.4)
    for mark, length in ((105.0, 5.0), (148.5, 7.0), (210.0, 5.0)):
        canvas.line(mm(3), PAGE_HEIGHT - mm(mark), mm(3 + length), PAGE_HEIGHT - mm(mark))
    canvas.restoreState()


def _pdf_date(moment: datetime) -> str:
    """PDF date string "D:20261121084800+01'00'" of `moment` in Europe/Berlin."""
    local = moment.astimezone(BERLIN)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hh, mi = divmod(abs(minutes), 60)
    return local.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hh:02d}'{mi:02d}'"


# --------------------------------------------------------------------------- files


def write_pdf_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically: temp file in the same folder, fsync, rename.

    Either the complete file is there afterwards or nothing changed (an older file at
    `path` stays intact). Raises `UserError` (German, without the path, which may contain
    a name) when the folder is missing or not writable, `StorageFull` when the disk is
    full.
    """
    target = Path(path)
    folder = target.parent
    try:
        fd, temp_name = tempfile.mkstemp(prefix=".casework-", suffix=".pdf.part", dir=folder)
    except OSError as error:
        raise _write_error(error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise _write_error(error) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)
    return target


def _write_error(error: OSError) -> UserError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull()
    return UserError(
        "Die PDF-Datei konnte nicht geschrieben werden: Der Zielordner fehlt, ist "
        "schreibgeschützt oder der Name ist ungültig. Bitte einen anderen Speicherort wählen."
    )


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); harmless where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "CONTENT_WIDTH",
    "FONT",
    "FONT_BOLD",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "Letterhead",
    "Styles",
    "build_document",
    "clone",
    "escape",
    "escape_multiline",
    "format_date",
    "format_datetime",
    "grey",
    "letterhead_from_organisation",
    "markup",
    "mm",
    "register_fonts",
    "render",
    "styles",
    "write_pdf_atomic",
]
