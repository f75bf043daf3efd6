"""The Jahresbericht's person, household and target-group figures equal the plain SQL
grouping they replaced (persons are now banded and counted in Python, target groups come
from the reached-households table, the reached set is grouped once per report), on a
small demo vault plus the edge cases of the age rules."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.clock import BERLIN, FixedClock, from_utc_iso, to_utc_iso
from casework.models.contacts import ContactDraft, ContactType, CorrectionDraft, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, new_id
from casework.models.reports import Report, StatTable
from casework.reports import jahresbericht
from casework.reports.period import window
from casework.services import contacts, contacts_corrections, demo
from casework.services import session as session_service
from casework.services.households import households
from casework.services.session import Session
from casework.storage import bulk, report_facts
from casework.storage import reports as q
from casework.storage.db import Database
from casework.storage.privacy import purge as purge_store
from casework.storage.reports import AGE_BANDS, Counts, Window
from tests.conftest import NOW
from tests.reports.facts_check import assert_facts_match, month_of, stored

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
    assert sum(grouped.values()) > 250  # a real sample, not an empty vault
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


# --------------------------------------------------------------------------- contact facts
# Whole years and months are read from the facts kept on write (m0045); every figure must
# equal counting the contacts themselves, whatever wrote them.

YEAR = window(date(2025, 1, 1), date(2025, 12, 31))


def _plain_reached(db: Database, w: Window) -> Counts:
    """("1" if new, access route) → households, straight from the contacts."""
    return _counts_of(db.query(
        "SELECT NOT EXISTS (SELECT 1 FROM contacts p WHERE p.household_id = h.id "
        " AND p.deleted = 0 AND p.occurred_at < :start), "
        " COALESCE(h.access_route, 'nicht erfasst'), count(*) FROM households h "
        "WHERE h.deleted = 0 AND EXISTS (SELECT 1 FROM contacts c WHERE c.household_id = h.id "
        " AND c.deleted = 0 AND c.occurred_at >= :start AND c.occurred_at < :end) "
        "GROUP BY 1, 2", {"start": w.start_utc, "end": w.end_utc}))


def _counts_of(rows: list[Any]) -> Counts:
    return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}


def _plain_contacts(db: Database, w: Window) -> Counts:
    """(type, local month 'YYYY-MM') → contacts, from the contacts and the time-zone data."""
    out: Counts = {}
    for at, kind in db.query(
            "SELECT occurred_at, type FROM contacts WHERE deleted = 0 "
            "AND occurred_at >= ? AND occurred_at < ?", (w.start_utc, w.end_utc)):
        local = from_utc_iso(str(at)).astimezone(BERLIN)
        key = (str(kind), f"{local.year:04d}-{local.month:02d}")
        out[key] = out.get(key, 0) + 1
    return out


def _without_facts(session: Session, monkeypatch: pytest.MonkeyPatch,
                   first: date, last: date) -> Report:
    """The report as counted from the contacts (the facts treated as absent)."""
    session.vault.set_meta("report_test", str(first))  # no cached reached set
    with monkeypatch.context() as patched:
        patched.setattr(report_facts, "maintained", lambda db: False)
        return jahresbericht.build(session, first, last, k=1)


def _assert_report_matches_the_contacts(session: Session, monkeypatch: pytest.MonkeyPatch,
                                        first: date, last: date) -> None:
    db = session.db
    w = window(first, last)
    session.vault.set_meta("report_test", "facts")
    with_facts = jahresbericht.build(session, first, last, k=1)
    assert with_facts == _without_facts(session, monkeypatch, first, last)
    # … and both equal plain SQL over the contacts.
    flags = _plain_reached(db, w)
    households_table = _values(_table(with_facts, "haushalte"))
    assert households_table["neu"] == (sum(n for k, n in flags.items() if k[0] == "1"),)
    assert households_table["fortgeführt"] == (sum(n for k, n in flags.items() if k[0] == "0"),)
    routes = _values(_table(with_facts, "zugangswege"))
    for route, n in routes.items():
        assert n == (sum(v for k, v in flags.items() if k[1] == route),), route
    plain = _plain_contacts(db, w)
    by_type = _values(_table(with_facts, "kontakte_art"))
    for kind, (n,) in by_type.items():
        assert n == sum(v for k, v in plain.items() if k[0] == kind), kind
    assert sum(n for (n,) in _values(_table(with_facts, "kontakte_monat")).values()) == sum(
        plain.values())
    if first.day == 1 and last.month == 12 and last.day == 31:
        assert q.facts_years(db, w) == (first.year, last.year)  # the facts were used


def test_year_figures_from_the_facts_equal_counting_the_contacts(
        demo_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_facts_match(demo_session.db)  # written by the bulk writer (demo data)
    for first, last in ((date(2025, 1, 1), date(2025, 12, 31)),
                        (date(2024, 1, 1), date(2025, 12, 31)),
                        (FIRST, LAST),  # whole months: contacts from the facts
                        (date(2025, 2, 10), date(2025, 11, 20))):  # counted from contacts
        _assert_report_matches_the_contacts(demo_session, monkeypatch, first, last)
    assert sum(_plain_reached(demo_session.db, YEAR).values()) >= 20
    # The Kennzahlen's previous year (read from the facts without the cached set).
    for year in (2024, 2025, 2026):
        w = window(date(year, 1, 1), date(year, 12, 31))
        assert q.reached_flags(demo_session.db, w) == _plain_reached(demo_session.db, w)
        assert q.contacts_total(demo_session.db, w) == sum(
            _plain_contacts(demo_session.db, w).values())
        assert q.contacts_of_type(demo_session.db, w, "Hausbesuch") == sum(
            n for (kind, _m), n in _plain_contacts(demo_session.db, w).items()
            if kind == "Hausbesuch")


def _contact(at: datetime, kind: ContactType = ContactType.HAUSBESUCH) -> ContactDraft:
    return ContactDraft(occurred_at=at, type=kind, duration_min=30,
                        notes=(NoteEntry(NoteKind.BEOBACHTUNG, "Randfall"),))


def _month_starts() -> list[datetime]:
    """The first instant (UTC) of every local month of 2025 and of January 2026: 23:00 UTC
    the day before in winter, 22:00 in summer time (April to October)."""
    return [datetime(2025 + m // 12, m % 12 + 1, 1, tzinfo=BERLIN).astimezone(UTC)
            for m in range(13)]


def _local_month(at: datetime) -> str:
    local = at.astimezone(BERLIN)
    return f"{local.year:04d}-{local.month:02d}"


# A contact on each local month boundary and one on the last instant before it.
EDGES = tuple((at, _local_month(at)) for start in _month_starts()
              for at in (start, start - timedelta(microseconds=1)))


def test_the_month_boundaries_are_the_time_zone_database_s() -> None:
    starts = _month_starts()
    assert {at.hour for at in starts} == {22, 23}  # summer and winter time both covered
    for start in starts:
        local = start.astimezone(BERLIN)
        key = q._month_key(to_utc_iso(start))  # the facts' rule recognises it
        assert key == f"{local.year:04d}-{local.month:02d}"


def test_the_facts_follow_every_write(demo_session: Session,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = demo_session.db
    hids = [str(r[0]) for r in db.query("SELECT id FROM households ORDER BY id")]
    # Logged one by one (the service), on the local month boundaries.
    logged = [contacts.log_contact(demo_session, HouseholdId(hids[i % 3]), _contact(at))[0]
              for i, (at, _month) in enumerate(EDGES)]
    assert [month_of(db, c) for c in logged] == [m for _at, m in EDGES]
    assert_facts_match(db)
    # A household whose only contact is this one: new in 2025, gone again when moved.
    lone = HouseholdId(households.create(demo_session, HouseholdDraft(
        name="Randfall", street="Weg 1", plz="46236", city="Bottrop",
        district="Batenbrock-Süd"))[0])
    cid = contacts.log_contact(demo_session, lone,
                               _contact(datetime(2025, 6, 1, 10, tzinfo=UTC)))[0]
    assert q.reached_flags(db, YEAR).get(("1", "nicht erfasst"), 0) >= 1
    # Corrected date (into the next year) and type.
    contacts_corrections.correct(demo_session, cid, CorrectionDraft(
        (NoteEntry(NoteKind.BEOBACHTUNG, "Randfall"),), "Datum verwechselt",
        occurred_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), type=ContactType.TELEFONAT))
    assert month_of(db, cid) == "2026-01"
    assert (lone, 2025) not in stored(db)[0] and stored(db)[0][(lone, 2026)] == 1
    assert_facts_match(db)
    _assert_report_matches_the_contacts(demo_session, monkeypatch, YEAR.first, YEAR.last)
    # Deleted (tombstone, as a synced deletion or a correction of the record does).
    with db.transaction():
        demo_session.writer().tombstone("contacts", "contact", logged[2], scope_id=hids[2])
    assert_facts_match(db)
    # Real deletion of a household at the end of retention: no row of it is left.
    purge_store.purge_household(db, hids[0])
    assert not [k for k in stored(db)[0] if k[0] == hids[0]]
    assert_facts_match(db)
    _assert_report_matches_the_contacts(demo_session, monkeypatch, YEAR.first, YEAR.last)


def test_bulk_written_contacts_are_counted_like_single_ones(demo_session: Session) -> None:
    db = demo_session.db
    hids = [str(r[0]) for r in db.query("SELECT id FROM households ORDER BY id LIMIT 4")]
    rows = [(str(new_id()), hids[i % 4], _contact(at, list(ContactType)[i % len(ContactType)]))
            for i, (at, _month) in enumerate(EDGES * 3)]
    with db.transaction():
        bulk.insert_batch(demo_session.writer(), [], [], rows)
    assert [month_of(db, cid) for cid, _h, _d in rows[:len(EDGES)]] == [m for _a, m in EDGES]
    assert report_facts.maintained(db)  # the insert trigger is back
    assert_facts_match(db)


def test_a_migrated_vault_has_the_same_facts_as_one_built_fresh(
        demo_session: Session, tmp_path: Path) -> None:
    db = demo_session.db
    fresh = assert_facts_match(db)
    folder = demo_session.vault.folder
    with db.transaction():  # the vault as it was before m0045
        for name in report_facts.TRIGGERS:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE household_years")
        db.execute("DROP TABLE contact_months")
        db.execute("DELETE FROM schema_migrations WHERE version = 45")
    demo_session.close()
    reopened = session_service.unlock(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW))
    try:
        assert report_facts.maintained(reopened.db)
        assert assert_facts_match(reopened.db) == fresh
    finally:
        reopened.close()


def test_windows_the_facts_do_not_fit_are_counted_from_the_contacts(
        demo_session: Session) -> None:
    db = demo_session.db
    assert q.facts_years(db, YEAR) == (2025, 2025)
    # If April began at 23:00 UTC (no summer time) the facts' months would not fit.
    assert q.facts_months(db, Window(date(2025, 4, 1), date(2025, 4, 30),
                                     "2025-03-31T23:00:00.000000Z",
                                     "2025-04-30T22:00:00.000000Z")) is None
    assert q.facts_years(db, Window(date(2025, 1, 1), date(2025, 12, 31),
                                    "2024-12-31T22:00:00.000000Z", YEAR.end_utc)) is None
    assert q.facts_months(db, window(date(2025, 1, 2), date(2025, 12, 31))) is None
    assert q.facts_years(db, window(date(2025, 2, 1), date(2026, 1, 31))) is None
    assert q.facts_months(db, window(date(2025, 2, 1), date(2026, 1, 31))) == (
        "2025-02", "2026-02")


def test_the_vault_check_names_facts_that_differ_from_the_contacts(
        demo_session: Session) -> None:
    db = demo_session.db
    assert session_service.check(demo_session).ok
    with db.transaction():  # as if a path had written contacts behind the triggers' back
        assert db.execute(
            "UPDATE household_years SET contacts = contacts + 1 WHERE (household_id, year) = "
            "(SELECT household_id, year FROM household_years LIMIT 1)") == 1
    problems = session_service.check(demo_session).problems
    assert any("Berichtszahlen" in p for p in problems)


def test_an_art_15_answer_leaves_the_facts_out(demo_session: Session) -> None:
    """The facts are counters derived from the contacts (which an answer lists itself);
    without the skip they would appear as a section of household rows."""
    from casework.services.privacy import disclosure_answer
    from casework.storage.privacy import retention

    db = demo_session.db
    hid, pid = (str(v) for v in tuple(db.query(
        "SELECT p.household_id, p.id FROM persons p JOIN household_years y "
        "ON y.household_id = p.household_id LIMIT 1")[0]))
    unskipped = retention.records_mentioning(db, {pid}, hid, frozenset())
    assert "household_years" in {*unskipped.about, *unskipped.others}
    found = retention.records_mentioning(db, {pid}, hid, disclosure_answer._SKIP_TABLES)
    assert "household_years" not in found.about and "household_years" not in found.others


def test_the_bulk_writer_s_month_rule_equals_the_triggers_and_the_time_zone_database(
        demo_session: Session) -> None:
    """`report_facts.local_month` (Python, bulk writer) and `month_sql` (triggers) on the
    last two hours of every month of 2020–2030 and on the boundary instants."""
    moments = [start + timedelta(minutes=minutes) for start in (
        datetime(year, month, 1, tzinfo=UTC) - timedelta(hours=2)
        for year in range(2020, 2031) for month in range(1, 13))
        for minutes in (0, 1, 59, 60, 61, 119)]
    moments += [at for at, _month in EDGES]
    for at in moments:
        text = to_utc_iso(at)
        expected = _local_month(at)
        assert report_facts.local_month(text) == expected, text
        assert demo_session.db.scalar(
            f"SELECT {report_facts.month_sql(':at')}", {"at": text}) == expected, text
