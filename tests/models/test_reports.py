"""Small-cell suppression (LR-39): primary, secondary, exemptions, CSV flattening."""

from __future__ import annotations

from casework.models.reports import Report, StatRow, StatTable, csv_rows, suppress


def _cells(table: StatTable, k: int = 5) -> dict[str, tuple[str, ...]]:
    return dict(suppress(table, k).rows)


def test_small_cells_are_marked_zero_and_large_stay() -> None:
    table = StatTable(
        "t",
        "T",
        "Zeile",
        ("Anzahl",),
        (
            StatRow("a", (0,)),
            StatRow("b", (1,)),
            StatRow("c", (4,)),
            StatRow("d", (5,)),
            StatRow("e", (1234,)),
        ),
    )
    shown = suppress(table, 5)
    assert dict(shown.rows) == {
        "a": ("0",),
        "b": ("< 5",),
        "c": ("< 5",),
        "d": ("5",),
        "e": ("1.234",),
    }
    assert shown.suppressed == 2
    assert "„< 5“" in shown.legend
    assert shown.values[1] == (None,)


def test_configurable_k() -> None:
    table = StatTable("t", "T", "Zeile", ("Anzahl",), (StatRow("a", (7,)),))
    assert _cells(table, 10)["a"] == ("< 10",)
    assert _cells(table, 5)["a"] == ("7",)


def test_secondary_suppression_protects_a_lone_cell_against_the_total() -> None:
    table = StatTable(
        "t",
        "T",
        "Zeile",
        ("w", "m"),
        (StatRow("a", (3, 20)), StatRow("b", (30, 40))),
        total_column=True,
        total_row=True,
    )
    cells = _cells(table)
    # a/w = 3 is hidden; a/m would reveal it via the row total 23 → hidden too;
    # column w then has a hidden pair → b/w … the total row is protected as well
    assert cells["a"][0] == "< 5"
    assert cells["a"][1] == "•"  # secondary: 20 is not small, but would reveal the 3
    assert cells["a"][2] == "23"
    # each line with a hidden cell has at least two hidden cells
    grid = [list(cells[r]) for r in ("a", "b", "Summe")]
    hidden = ("< 5", "•")
    for line in grid:
        assert sum(c in hidden for c in line) != 1
    for col in zip(*grid, strict=True):
        assert sum(c in hidden for c in col) != 1
    shown = suppress(table)
    assert "„•“: verdeckt" in shown.legend and "„< 5“" in shown.legend


def test_non_personal_and_exempt_columns_are_not_suppressed() -> None:
    events = StatTable("t", "T", "Monat", ("Kontakte",), (StatRow("Jan", (2,)),), personal=False)
    assert _cells(events)["Jan"] == ("2",)
    offers = StatTable(
        "o",
        "O",
        "Angebot",
        ("Termine", "Teilnahmen"),
        (StatRow("Nähtreff", (3, 3)),),
        exempt_columns=(0,),
    )
    assert _cells(offers)["Nähtreff"] == ("3", "< 5")


def test_csv_rows_carry_markers_and_missing_sources() -> None:
    report = Report(
        "R",
        "2026",
        (
            (
                "1 A",
                (
                    StatTable(
                        "t", "T", "Zeile", ("n",), (StatRow("x", (2,)), StatRow("y", (1500,)))
                    ),
                    StatTable("u", "U", "Zeile", (), (), available=False),
                ),
            ),
        ),
        k=5,
    )
    rows = csv_rows(report, 5)
    assert rows[0] == ["Abschnitt", "Tabelle", "Zeile", "Spalte", "Wert"]
    assert ["1 A", "T", "x", "n", "< 5"] in rows
    assert ["1 A", "T", "y", "n", "1500"] in rows
    assert ["1 A", "U", "", "", "keine Daten erfasst"] in rows
