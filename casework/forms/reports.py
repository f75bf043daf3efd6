"""Statistics reports as PDF: Jahresbericht Quartiersarbeit and Programm-Monitoring
Teilhabemanagement, with tables (small cells suppressed, LR-39) and bar charts drawn with
reportlab.graphics.

Takes a plain `casework.models.reports.Report` and a `Clock`; never opens the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import CONTENT_WIDTH, FONT, Letterhead, mm
from casework.models.directory.reporting import FundingLine
from casework.models.reports import NO_DATA, Report, ShownTable, suppress

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

BAR_COLOUR = "#3b6ea5"
MAX_CHART_BARS = 60


def render_report(
    report: Report,
    *,
    letterhead: Letterhead,
    clock: Clock,
    funding: FundingLine | None = None,
) -> bytes:
    """The report as PDF bytes (A4, letterhead, page numbers; the funders' credit line
    with their logos on every page when the profile has one)."""
    st = base.styles()
    story: list[Flowable] = [
        fl.para(report.title, st.title),
        fl.para(f"Berichtszeitraum {report.period}", st.subtitle),
    ]
    if report.key_figures:
        story.append(fl.key_value_table(list(report.key_figures), key_width=CONTENT_WIDTH * 0.45))
        story.append(fl.spacer(3))
    legends: set[str] = set()
    for section, tables in report.sections:
        story.append(fl.para(section, st.heading))
        for table in tables:
            shown = suppress(table, report.k)
            if shown.legend:
                legends.add(shown.legend)
            story += _table_flowables(shown)
    notes = [
        *report.remarks,
        f"Kleine Fallzahlen: Werte unter {report.k} werden nicht ausgewiesen.",  # LR-39
        *sorted(legends),
    ]
    story.append(fl.keep_together([fl.para("Hinweise", st.heading), fl.bullets(notes, st.small)]))
    return base.build_document(
        story,
        letterhead=letterhead,
        title=report.title,
        clock=clock,
        footer_note=f"Statistik ohne Personenbezug · k = {report.k}",
        subject=f"{report.title} {report.period}",
        bottom_band=funding_band(funding) if funding is not None else None,
    )


LOGO_HEIGHT = 9.0  # mm


def funding_band(funding: FundingLine) -> Flowable:
    """The credit line of the funders (source 000:1250-1267): logos that decode as PNG
    or JPEG, then the text, in one row above the footer."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Table

    st = base.styles()
    cells: list[Any] = []
    widths: list[float] = []
    for logo in funding.logos:
        data = logo.image()
        if data is None:
            continue
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
        height = mm(LOGO_HEIGHT)
        width = min(height * w / h if h else height, mm(30))
        cells.append(Image(io.BytesIO(data), width=width, height=height))
        widths.append(width + mm(2))
    text_width = CONTENT_WIDTH - sum(widths)
    cells.append(fl.para(funding.text, base.clone(st.small, fontSize=6.5, leading=8)))
    widths.append(text_width)
    band = Table([cells], colWidths=widths, hAlign="LEFT")
    band.setStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), mm(2)),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LINEABOVE", (0, 0), (-1, 0), 0.4, base.grey(0.6)),
    ])
    return band


def _table_flowables(shown: ShownTable) -> list[Flowable]:
    st = base.styles()
    out: list[Flowable] = [fl.para(shown.title, base.clone(st.body_bold, keepWithNext=1))]
    if not shown.available:
        out.append(fl.para(f"{NO_DATA}. {shown.note}".strip(), st.body))
        return out
    if not shown.rows:
        out.append(fl.para("Im Zeitraum keine Einträge.", st.body))
        return out
    header = [shown.row_header, *shown.columns]
    rows = [[label, *cells] for label, cells in shown.rows]
    n = len(shown.columns)
    first = CONTENT_WIDTH * (0.5 if n <= 3 else 0.3 if n <= 6 else 0.18 if n <= 10 else 0.14)
    rest = (CONTENT_WIDTH - first) / max(len(shown.columns), 1)
    out.append(
        _grid(header, rows, [first] + [rest] * n, size=6.5 if n > 10 else 7.0 if n >= 5 else None)
    )
    if shown.chart:
        chart = bar_chart(shown)
        if chart is not None:
            out.append(chart)
    if shown.note:
        out.append(fl.para(shown.note, st.small))
    return out


def _grid(
    header: list[str], rows: list[list[str]], widths: list[float], *, size: float | None
) -> Flowable:
    """A grid like `flowables.data_table`; wide tables are set smaller with less padding
    so German column headings ("abgeschlossen") are not broken inside words."""
    from reportlab.platypus import Table

    st = base.styles()
    head_style, cell_style = st.table_header, st.table
    if size is not None:
        head_style = base.clone(head_style, fontSize=size, leading=size * 1.23)
        cell_style = base.clone(cell_style, fontSize=size, leading=size * 1.23)
    numeric = base.clone(cell_style, alignment=2)  # right-aligned counts
    data = [[fl.para(h, head_style) for h in header]]
    data += [[fl.para(row[0], cell_style), *(fl.para(c, numeric) for c in row[1:])] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(fl.table_style(header=True))
    if size is not None:
        table.setStyle(
            [("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5)]
        )
    table.spaceBefore = 2
    table.spaceAfter = 6
    return table


def chart_series(shown: ShownTable) -> list[tuple[str, int | None]]:
    """(label, value) per body row: the row total if shown, else the first column.
    Suppressed values are None."""
    col = len(shown.columns) - 1 if shown.columns and shown.columns[-1] == "Summe" else 0
    series = []
    for (label, _cells), values in zip(shown.rows, shown.values, strict=True):
        if label == "Summe":
            continue
        series.append((label, values[col]))
    return series[:MAX_CHART_BARS]


def bar_chart(shown: ShownTable) -> Flowable | None:
    """A bar chart of `chart_series`: vertical for "bar", horizontal for "hbar"."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib.colors import HexColor

    series = chart_series(shown)
    if not series or all(not v for _, v in series):
        return None
    labels = [
        _short(label) if value is not None else f"{_short(label)} (verdeckt)"
        for label, value in series
    ]
    data = [[value or 0 for _, value in series]]
    top = max(data[0]) or 1
    horizontal = shown.chart == "hbar"
    height = mm(12) + (len(series) * mm(6.5) if horizontal else mm(52))
    drawing = Drawing(CONTENT_WIDTH, height, initialFontName=FONT, initialFontSize=7)
    chart: Any = HorizontalBarChart() if horizontal else VerticalBarChart()
    if horizontal:
        chart.x = mm(62)
        chart.width = CONTENT_WIDTH - mm(72)
        chart.y = mm(6)
        chart.height = height - mm(10)
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        # reportlab draws the first category at the bottom; readers expect table order
        data = [list(reversed(data[0]))]
        labels = list(reversed(labels))
    else:
        chart.x = mm(14)
        chart.width = CONTENT_WIDTH - mm(18)
        chart.y = mm(14)
        chart.height = height - mm(24)
        chart.categoryAxis.labels.angle = 45 if len(series) > 8 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(series) > 8 else "n"
        chart.categoryAxis.labels.dy = -2
    chart.data = data
    chart.categoryAxis.categoryNames = labels
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(top)
    chart.valueAxis.valueStep = _nice_max(top) / 5
    chart.valueAxis.labelTextFormat = lambda v: f"{int(v):,}".replace(",", ".")
    chart.bars[0].fillColor = HexColor(BAR_COLOUR)
    chart.bars[0].strokeColor = None
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    # labels just beyond the bar end, never on top of the bar
    chart.barLabels.boxAnchor = "w" if horizontal else "s"
    chart.barLabels.nudge = 0
    chart.barLabels.dx = 3 if horizontal else 0
    chart.barLabels.dy = 0 if horizontal else 2
    chart.barLabelFormat = _label_format
    drawing.add(chart)
    drawing.add(
        String(
            0,
            height - mm(3),
            f"Diagramm: {shown.title}",
            fontName=FONT,
            fontSize=7,
            fillColor=base.grey(0.3),
        )
    )
    return drawing


def _label_format(value: float) -> str:
    return f"{int(value):,}".replace(",", ".") if value else ""


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: int) -> float:
    """A round axis maximum ≥ value (1, 2, 2.5, 5 × 10^n), so steps of a fifth are even."""
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value * 1.05:
            return float(factor * magnitude)
    return float(10 * magnitude)
