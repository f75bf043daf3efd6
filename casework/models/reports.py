"""Statistics tables and small-cell suppression (LR-39: no direct identifiers; small cells
suppressed, § 64 Abs. 3 SGB VIII).

A report is a list of `StatTable`s of plain counts. `suppress(table, k)` turns it into a
`ShownTable` of display strings: every count 1 … k−1 becomes "< k" (primary suppression);
where a row or column with a shown total would then reveal a single hidden cell by
subtraction, the next-smallest cell of that line is hidden too (secondary suppression).
Zeros stay visible: "nobody" identifies nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from casework.errors import ValidationError

DEFAULT_K = 5
SECONDARY = "•"
# Small counts are suppressed (LR-39); the legend a reader sees carries no requirement id.
LEGEND = "„< {k}“: Wert zwischen 1 und {k_1}, nicht ausgewiesen (Schutz vor Reidentifizierung)."
LEGEND_SECONDARY = "„•“: verdeckt, weil sich sonst ein kleiner Wert aus der Summe errechnen ließe."
NO_DATA = "keine Daten erfasst"


@dataclass(frozen=True, slots=True)
class StatRow:
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StatTable:
    """Counts with row labels and column labels.

    `total_column`/`total_row`: whether the rendered table shows sums (computed here, so
    they are suppressed consistently). `available=False` means the data source does not
    exist in this vault; the table is shown as `NO_DATA` with `note` as explanation.
    `chart`: "bar" (vertical, per row, first value) / "hbar" / "" — a hint for the PDF.
    `personal`: counts of people/households (suppressed); False for counts that cannot
    identify anyone (e.g. number of sessions held), which are shown as they are.
    """

    key: str
    title: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[StatRow, ...]
    note: str = ""
    total_column: bool = False
    total_row: bool = False
    available: bool = True
    chart: str = ""
    personal: bool = True
    exempt_columns: tuple[int, ...] = ()  # e.g. "Termine": counts of events, not people

    def cell(self, row_label: str, column: str | None = None) -> int:
        col = 0 if column is None else self.columns.index(column)
        for row in self.rows:
            if row.label == row_label:
                return row.values[col]
        raise KeyError(row_label)

    def with_totals(self) -> tuple[tuple[str, ...], tuple[StatRow, ...]]:
        columns = self.columns + (("Summe",) if self.total_column else ())
        rows = [
            StatRow(r.label, r.values + ((sum(r.values),) if self.total_column else ()))
            for r in self.rows
        ]
        if self.total_row and rows:
            width = len(columns)
            rows.append(
                StatRow("Summe", tuple(sum(r.values[i] for r in rows) for i in range(width)))
            )
        return columns, tuple(rows)


@dataclass(frozen=True, slots=True)
class TextTable:
    """A table whose cells are already display text, for figures that are not plain
    counts (target, achieved, ratio; a share with its trend). Whoever builds it applies
    small-number suppression to the counts it shows (`shown_count`)."""

    key: str
    title: str
    row_header: str
    columns: tuple[str, ...]
    text_rows: tuple[tuple[str, tuple[str, ...]], ...]
    note: str = ""
    available: bool = True
    chart: str = ""

    @property
    def rows(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return self.text_rows


AnyTable = StatTable | TextTable


def shown_count(value: int, k: int) -> str:
    """A count of people or families as shown: 1 … k−1 become "< k" (LR-39)."""
    return marker(k) if 0 < value < k else _fmt(value)


@dataclass(frozen=True, slots=True)
class ShownTable:
    key: str
    title: str
    row_header: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    values: tuple[tuple[int | None, ...], ...]  # None = suppressed (for charts)
    note: str = ""
    available: bool = True
    chart: str = ""
    suppressed: int = 0
    legend: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    period: str
    sections: tuple[tuple[str, tuple[AnyTable, ...]], ...]
    remarks: tuple[str, ...] = ()
    k: int = DEFAULT_K
    key_figures: tuple[tuple[str, str], ...] = field(default=())


def check_k(k: int) -> None:
    """LR-39: five is the floor of small-number suppression for every report that leaves
    the statistics code (PDF, CSV, screen), not a default one may lower; a larger k
    suppresses more and is allowed. (`suppress` itself takes any k ≥ 1, so counting can be
    tested on hand-countable data.)"""
    if k < DEFAULT_K:
        raise ValidationError("Kleinste Fallzahl", f"muss mindestens {DEFAULT_K} sein; kleinere "
                              "Zahlen könnten einzelne Familien erkennbar machen.")


def marker(k: int) -> str:
    return f"< {k}"


def suppress(table: AnyTable, k: int = DEFAULT_K) -> ShownTable:
    """Display strings with primary and secondary small-cell suppression."""
    if k < 1:
        raise ValueError("k must be positive")
    if isinstance(table, TextTable):
        return ShownTable(
            table.key,
            table.title,
            table.row_header,
            table.columns,
            table.text_rows,
            tuple(tuple(None for _ in cells) for _label, cells in table.text_rows),
            table.note,
            table.available,
            "",
        )
    columns, rows = table.with_totals()
    grid = [list(r.values) for r in rows]
    exempt = set(table.exempt_columns)
    primary = [
        [table.personal and c not in exempt and 0 < v < k for c, v in enumerate(line)]
        for line in grid
    ]
    hidden = [list(line) for line in primary]
    if table.personal:
        _secondary(grid, hidden, table.total_column, table.total_row, exempt)

    def text(v: int, p: bool, h: bool) -> str:
        return marker(k) if p else SECONDARY if h else _fmt(v)

    shown_rows = tuple(
        (r.label, tuple(text(v, p, h) for v, p, h in zip(line, pline, hline, strict=True)))
        for r, line, pline, hline in zip(rows, grid, primary, hidden, strict=True)
    )
    values = tuple(
        tuple(None if h else v for v, h in zip(line, hline, strict=True))
        for line, hline in zip(grid, hidden, strict=True)
    )
    count = sum(sum(line) for line in hidden)
    secondary = count - sum(sum(line) for line in primary)
    legend = " ".join(
        part
        for part in (
            LEGEND.format(k=k, k_1=k - 1) if count - secondary else "",
            LEGEND_SECONDARY if secondary else "",
        )
        if part
    )
    return ShownTable(
        table.key,
        table.title,
        table.row_header,
        columns,
        shown_rows,
        values,
        table.note,
        table.available,
        table.chart,
        count,
        legend,
    )


def _fmt(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _secondary(
    grid: list[list[int]],
    hidden: list[list[bool]],
    total_column: bool,
    total_row: bool,
    exempt: set[int],
) -> None:
    """Hide a second cell wherever exactly one cell of a summed line is hidden, repeated
    until stable (a change in a row can create a lone hidden cell in a column)."""
    n_rows = len(grid)
    n_cols = len(grid[0]) if grid else 0
    lines: list[list[tuple[int, int]]] = []
    if total_column:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    if total_row:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols) if c not in exempt]
    changed = True
    while changed:
        changed = False
        for line in lines:
            cells = line
            lone = [rc for rc in cells if hidden[rc[0]][rc[1]]]
            if len(lone) != 1:
                continue
            candidates = [
                rc
                for rc in cells
                if not hidden[rc[0]][rc[1]] and grid[rc[0]][rc[1]] > 0 and rc[1] not in exempt
            ]
            if not candidates:
                continue
            r, c = min(candidates, key=lambda rc: (grid[rc[0]][rc[1]], rc))
            hidden[r][c] = True
            changed = True


def csv_rows(report: Report, k: int) -> list[list[str]]:
    """Flat rows Abschnitt;Tabelle;Zeile;Spalte;Wert for spreadsheet users."""
    out: list[list[str]] = [["Abschnitt", "Tabelle", "Zeile", "Spalte", "Wert"]]
    for section, tables in report.sections:
        for table in tables:
            if not table.available:
                out.append([section, table.title, "", "", NO_DATA])
                continue
            shown = suppress(table, k)
            for label, cells in shown.rows:
                for column, cell in zip(shown.columns, cells, strict=True):
                    out.append([section, table.title, label, column, plain_number(cell)])
    return out


_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def plain_number(text: str) -> str:
    """ "19.942" → "19942" for spreadsheets; other texts unchanged."""
    return text.replace(".", "") if _THOUSANDS.match(text) else text


def shown_sequence(tables: Sequence[AnyTable], k: int) -> list[ShownTable]:
    return [suppress(t, k) for t in tables]
