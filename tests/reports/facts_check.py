"""The contact facts of a vault (m0045) against a recount of its contacts in Python, with
the local year and month taken from the time-zone database (not from the SQL rule the
triggers use). Imported by the report and hub tests as `tests.reports.facts_check`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from casework.clock import BERLIN, from_utc_iso
from casework.storage.db import Database

Facts = tuple[dict[tuple[str, int], int], dict[tuple[str, str], int]]


def recount(db: Database) -> Facts:
    years: Counter[tuple[str, int]] = Counter()
    months: Counter[tuple[str, str]] = Counter()
    for hid, at, kind in db.query(
            "SELECT household_id, occurred_at, type FROM contacts WHERE deleted = 0"):
        local = from_utc_iso(str(at)).astimezone(BERLIN)
        years[(str(hid), local.year)] += 1
        months[(f"{local.year:04d}-{local.month:02d}", str(kind))] += 1
    return dict(years), dict(months)


def stored(db: Database) -> Facts:
    years = {(str(r[0]), int(r[1])): int(r[2]) for r in db.query(
        "SELECT household_id, year, contacts FROM household_years")}
    months = {(str(r[0]), str(r[1])): int(r[2]) for r in db.query(
        "SELECT month, type, contacts FROM contact_months")}
    return years, months


def assert_facts_match(db: Database) -> Facts:
    """The stored facts equal the recount (no row at zero, none missing); returns them."""
    facts = stored(db)
    expected = recount(db)
    assert facts[0] == expected[0]
    assert facts[1] == expected[1]
    assert sum(facts[0].values()) == sum(facts[1].values()) == int(db.scalar(
        "SELECT count(*) FROM contacts WHERE deleted = 0"))
    return facts


def month_of(db: Database, contact_id: Any) -> str:
    """The local month the facts' rule gives a stored contact (for the boundary tests)."""
    from casework.storage.report_facts import month_sql

    return str(db.scalar(f"SELECT {month_sql('occurred_at')} FROM contacts WHERE id = ?",  # noqa: S608
                         (contact_id,)))
