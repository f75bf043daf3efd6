"""The Jahresbericht's person, household and target-group figures equal the plain SQL
grouping they replaced (persons are now banded and counted in Python, target groups come
from the reached-households table, the reached set is grouped once per report), on a
small demo vault plus the edge cases of the age rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.models.households.household import TargetGroup
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.reports import Report, StatTable
from casework.reports import jahresbericht
from casework.reports.period import window
from casework.services import demo
from casework.services import session as session_service
from casework.services.households import households
from casework.services.session import Session
from casework.storage import reports as q
from casework.storage.reports import AGE_BANDS, Counts
from tests.conftest import NOW

# A year ending nine months before NOW, so a due date 280 days after its end can be
# entered (at most ten months ahead).
FIRST, LAST = date(2025, 3, 1), date(2026, 2, 28)


@pytest.fixture(scope="module")
def _demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 demo households, plus members on the edges of the age rules in reached ones."""
    folder = tmp_path_factory.mktemp("statistics") / "vault"
    session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                     owner_name="Lena Beispiel", memory_security=False)
    try:
        demo.fill(session, 150, contacts_per_family=3, showcase=False)
        reached = _reached_ids(session)
        edges = [
            BirthInfo(due_date=LAST + timedelta(days=280)),  # unborn, counted (−9 months)
            BirthInfo(due_date=LAST + timedelta(days=281)),  # expected too late: not counted
            BirthInfo(birth_year=LAST.year),  # year only, born this year: age "−1" → 0–2
            BirthInfo(birth_year=LAST.year - 3),  # year only: lower bound 2 → 0–2
            BirthInfo(birth_date=LAST),  # born on the last day: counted, 0–2
            BirthInfo(birth_date=date(LAST.year - 18, LAST.month, LAST.day)),  # 18 on the last day
            BirthInfo(birth_date=date(LAST.year - 65, 1, 1)),  # 65+
            BirthInfo(),  # nothing known: unbekannt
        ]
        for i, birth in enumerate(edges):
            households.add_person(session, reached[i % len(reached)], PersonDraft(
                f"Rand{i}", "Test", birth, list(Gender)[i % len(Gender)],
                HouseholdRole.KIND))
    finally:
        session.close()
    return folder


def _reached_ids(session: Session) -> list[str]:
    q.households_reached(session.db, window(FIRST, LAST))
    return [str(r[0]) for r in session.db.query("SELECT hid FROM temp.report_reached")]


@pytest.fixture
def demo_session(_demo_vault: Path, tmp_path: Path) -> Iterator[Session]:
    target = tmp_path / "vault"
    shutil.copytree(_demo_vault, target)
    s = session_service.unlock(target, demo.DEMO_PASSPHRASE, FixedClock(NOW))
    yield s
    if s.is_open:
        s.close()


def _table(report: Report, key: str) -> StatTable:
    for _section, tables in report.sections:
        for t in tables:
            if t.key == key:
                return t
    raise KeyError(key)


def _values(table: StatTable) -> dict[str, tuple[int, ...]]:
    return {row.label: tuple(row.values) for row in table.rows}


def test_person_figures_equal_the_sql_grouping(demo_session: Session) -> None:
    report = jahresbericht.build(demo_session, FIRST, LAST, k=1)
    # The reference: the former statistics, grouped and counted in SQL.
    grouped = q.persons_reached(demo_session.db, window(FIRST, LAST))
    assert sum(grouped.values()) > 300  # a real sample, not an empty vault
    by_cell: Counts = {}
    for (band, gender, _new), n in grouped.items():
        by_cell[(band, gender)] = by_cell.get((band, gender), 0) + n
    persons = _values(_table(report, "personen"))
    genders = [g.value for g in Gender]
    for band in AGE_BANDS:
        expected = tuple(by_cell.get((band, g), 0) for g in genders)
        assert persons.get(band, (0,) * len(genders)) == expected, band
    assert sum(sum(v) for v in persons.values()) == sum(grouped.values())
    # The edge cases landed where the SQL puts them.
    for band in ("ungeboren", "0–2", "65+", "unbekannt"):
        assert sum(persons[band]) == sum(by_cell.get((band, g), 0) for g in genders) > 0
    new = _values(_table(report, "personen_neu"))
    assert new["in neuen Haushalten"] == (sum(n for k, n in grouped.items() if k[2] == "1"),)
    assert new["in fortgeführten Haushalten"] == (
        sum(n for k, n in grouped.items() if k[2] == "0"),)


def test_household_and_target_group_figures_equal_the_sql(demo_session: Session) -> None:
    report = jahresbericht.build(demo_session, FIRST, LAST, k=1)
    db = demo_session.db
    flags = q.households_reached(db, window(FIRST, LAST))
    households_table = _values(_table(report, "haushalte"))
    assert households_table["neu"] == (sum(n for k, n in flags.items() if k[0] == "1"),)
    assert households_table["fortgeführt"] == (sum(n for k, n in flags.items() if k[0] == "0"),)
    routes = _values(_table(report, "zugangswege"))
    for route, n in routes.items():
        assert n == (sum(v for k, v in flags.items() if k[1] == route),), route
    # Target groups read straight from the households table, as before the copy.
    texts = [str(r[0] or "[]") for r in db.query(
        "SELECT h.target_groups FROM households h WHERE h.deleted = 0 AND h.id IN "
        "(SELECT hid FROM temp.report_reached)")]
    assert len(texts) >= 20
    criteria = _values(_table(report, "zielgruppenkriterien"))
    assert criteria["Haushalte insgesamt (jeder einmal gezählt)"] == (len(texts),)
    for group in TargetGroup:
        assert criteria[group.value] == (sum(group.value in json.loads(t) for t in texts),)
    assert sum(criteria[g.value][0] for g in TargetGroup) > 0
    assert criteria["ohne erfasstes Kriterium"] == (sum(
        not any(v in TargetGroup._value2member_map_ for v in json.loads(t)) for t in texts),)
    # The Ziele section counts the same reached households as section 3.
    assert report.key_figures[1][1] == str(sum(flags.values()))
