"""Contact facts kept on write for the Jahresbericht (m0045).

Two small tables, maintained by triggers on the contacts (`contact_rows` since migration
81) so that no write path can forget
them (services, corrections, deletion, sync apply, real deletion):

- `household_years` (household, local calendar year) → live contacts: which households
  were reached in a year, and whether they had a contact in an earlier one (new or
  continued), without scanning the year's contacts (~250,000 on a large vault).
- `contact_months` (local month "YYYY-MM", type) → live contacts: the contacts table of
  the report (by type and month, totals, home visits) from ~100 rows instead of a range
  scan over the year's contacts.

"Local" is Europe/Berlin, as in the report's windows, decided by comparing the stored UTC
text with the month's first instant, exactly as the report compares it: a local month
starts at 22:00 UTC on the last day of the month before for April to October (summer
time) and at 23:00 UTC otherwise. The report uses these tables only for windows whose
UTC bounds (computed from the time-zone database) are exactly these instants
(`storage.reports.facts_years`, `facts_months`); any other window, or a future change of
the time-zone rules, falls back to counting the contacts themselves.

A row whose count drops to zero is deleted, so a household purged for good leaves no row
(the purge also deletes by `household_id`). The bulk writer suspends the insert trigger
for a batch and adds the batch aggregated in Python (`bulk_contacts`, `local_month`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from casework.storage.db import Database

TRIGGERS = ("contacts_facts_ai", "contacts_facts_ad", "contacts_facts_au")
_INSERT_TRIGGER = TRIGGERS[0]

# The local months starting in summer time (their first instant is 22:00 UTC).
SUMMER_MONTHS = range(4, 11)


def month_sql(column: str) -> str:
    """SQL: the local month 'YYYY-MM' of a stored UTC timestamp ('…Z', microseconds)."""
    month = f"substr({column}, 1, 7)"
    following = f"date({month} || '-01', '+1 month')"
    starts = (f"date({month} || '-01', '+1 month', '-1 day') || "
              f"CASE WHEN CAST(substr({following}, 6, 2) AS INTEGER) BETWEEN "
              f"{SUMMER_MONTHS.start} AND {SUMMER_MONTHS.stop - 1} "
              "THEN 'T22:00:00.000000Z' ELSE 'T23:00:00.000000Z' END")
    # Only the last day of a UTC month from 22:00 on can belong to the next local month;
    # the cheap test first spares the date arithmetic for every other timestamp.
    late = f"substr({column}, 9, 2) >= '28' AND substr({column}, 12, 2) >= '22'"
    return (f"(CASE WHEN {late} AND {column} >= {starts} THEN substr({following}, 1, 7) "
            f"ELSE {month} END)")


def year_sql(column: str) -> str:
    """SQL: the local calendar year (integer) of a stored UTC timestamp."""
    return f"CAST(substr({month_sql(column)}, 1, 4) AS INTEGER)"


def month_start_utc(year: int, month: int) -> str:
    """The stored text of the first instant of a local month, as the tables assume it."""
    before = (date(year, month, 1) - timedelta(days=1)).isoformat()
    hour = 22 if month in SUMMER_MONTHS else 23
    return f"{before}T{hour}:00:00.000000Z"


def local_month(at: str) -> str:
    """`month_sql` in Python, for the bulk writer: the same text comparisons, so the same
    month for every stored timestamp (both are checked against the time-zone database
    in tests/reports/test_statistics_identity.py)."""
    if at[8:10] >= "28" and at[11:13] >= "22":
        first = date(int(at[:4]), int(at[5:7]), 1)
        following = (first + timedelta(days=32)).replace(day=1)
        hour = 22 if following.month in SUMMER_MONTHS else 23
        if at >= f"{(following - timedelta(days=1)).isoformat()}T{hour}:00:00.000000Z":
            return f"{following.year:04d}-{following.month:02d}"
    return at[:7]


def _household(prefix: str, keyed: bool) -> str:
    """SQL: the household id of the contact `prefix` (new/old): a column of `contacts`
    before migration 81, the household's integer key in `contact_rows` since."""
    if keyed:
        return f"(SELECT id FROM id_keys WHERE n = {prefix}.household)"
    return f"{prefix}.household_id"


def _add(prefix: str, where: str, keyed: bool = False) -> list[str]:
    """Statements adding the contact `prefix` (new/old) to both tables."""
    return [
        f"INSERT INTO household_years (household_id, year, contacts) "
        f"SELECT {_household(prefix, keyed)}, {year_sql(f'{prefix}.occurred_at')}, 1 "
        f"WHERE {where} "
        "ON CONFLICT (household_id, year) DO UPDATE SET contacts = contacts + 1;",
        f"INSERT INTO contact_months (month, type, contacts) "
        f"SELECT {month_sql(f'{prefix}.occurred_at')}, {prefix}.type, 1 WHERE {where} "
        "ON CONFLICT (month, type) DO UPDATE SET contacts = contacts + 1;",
    ]


def _remove(prefix: str, where: str, keyed: bool = False) -> list[str]:
    year = year_sql(f"{prefix}.occurred_at")
    month = month_sql(f"{prefix}.occurred_at")
    household = _household(prefix, keyed)
    return [
        f"UPDATE household_years SET contacts = contacts - 1 WHERE {where} "
        f"AND household_id = {household} AND year = {year};",
        f"DELETE FROM household_years WHERE {where} AND household_id = {household} "
        f"AND year = {year} AND contacts <= 0;",
        f"UPDATE contact_months SET contacts = contacts - 1 WHERE {where} "
        f"AND month = {month} AND type = {prefix}.type;",
        f"DELETE FROM contact_months WHERE {where} AND month = {month} "
        f"AND type = {prefix}.type AND contacts <= 0;",
    ]


def _trigger(name: str, event: str, when: str, body: list[str],
             table: str = "contacts") -> str:
    statements = "\n    ".join(body)
    return (f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {when} BEGIN\n"
            f"    {statements}\nEND;")


TABLES_SQL = """
CREATE TABLE household_years (
    household_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    PRIMARY KEY (household_id, year)
) WITHOUT ROWID;
CREATE INDEX household_years_year ON household_years(year, household_id);
CREATE TABLE contact_months (
    month TEXT NOT NULL,
    type TEXT NOT NULL,
    contacts INTEGER NOT NULL,
    PRIMARY KEY (month, type)
) WITHOUT ROWID;
"""

TRIGGERS_SQL = "\n".join((
    _trigger(TRIGGERS[0], "INSERT", "new.deleted = 0", _add("new", "1")),
    _trigger(TRIGGERS[1], "DELETE", "old.deleted = 0", _remove("old", "1")),
    _trigger(
        TRIGGERS[2], "UPDATE OF household_id, occurred_at, type, deleted",
        "old.household_id IS NOT new.household_id OR old.occurred_at IS NOT new.occurred_at "
        "OR old.type IS NOT new.type OR old.deleted IS NOT new.deleted",
        [*_remove("old", "old.deleted = 0"), *_add("new", "new.deleted = 0")]),
))

# The same triggers on the table of migration 81 (storage/contact_rows.py), whose
# household is an integer key; the tables keep the household's id.
ROW_TRIGGERS_SQL = "\n".join((
    _trigger(TRIGGERS[0], "INSERT", "new.deleted = 0", _add("new", "1", True), "contact_rows"),
    _trigger(TRIGGERS[1], "DELETE", "old.deleted = 0", _remove("old", "1", True),
             "contact_rows"),
    _trigger(
        TRIGGERS[2], "UPDATE OF household, occurred_at, type, deleted",
        "old.household IS NOT new.household OR old.occurred_at IS NOT new.occurred_at "
        "OR old.type IS NOT new.type OR old.deleted IS NOT new.deleted",
        [*_remove("old", "old.deleted = 0", True), *_add("new", "new.deleted = 0", True)],
        "contact_rows"),
))


def fill_all(db: Database) -> None:
    """Count every live contact into both tables, set-based, from covering indexes of
    the contacts rather than their rows (migration m0045)."""
    db.execute(
        f"INSERT INTO household_years (household_id, year, contacts) "
        f"SELECT household_id, {year_sql('occurred_at')}, count(*) FROM contacts "
        "WHERE deleted = 0 GROUP BY 1, 2")
    db.execute(
        f"INSERT INTO contact_months (month, type, contacts) "
        f"SELECT {month_sql('occurred_at')}, type, count(*) FROM contacts "
        "WHERE deleted = 0 GROUP BY 1, 2")


def install(db: Database) -> None:
    """Create the tables and triggers and count the existing contacts (migration m0045;
    the triggers on the table of the vault's schema, before or after migration 81)."""
    db.executescript(TABLES_SQL)
    fill_all(db)
    keyed = db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                      "AND name = 'contact_rows'")
    db.executescript(ROW_TRIGGERS_SQL if keyed else TRIGGERS_SQL)


def mismatches(db: Database) -> int:
    """Rows of the facts that differ from counting the contacts now (0 if they agree, or
    if the vault keeps no facts); for the vault check. Reads every contact once."""
    if not maintained(db):
        return 0
    year, month = year_sql("occurred_at"), month_sql("occurred_at")
    return int(db.scalar(
        "WITH y AS (SELECT household_id, "
        f"{year} AS year, count(*) AS contacts FROM contacts WHERE deleted = 0 GROUP BY 1, 2), "
        f"m AS (SELECT {month} AS month, type, count(*) AS contacts FROM contacts "
        " WHERE deleted = 0 GROUP BY 1, 2) "
        "SELECT (SELECT count(*) FROM (SELECT * FROM y EXCEPT SELECT * FROM household_years)) "
        " + (SELECT count(*) FROM (SELECT * FROM household_years EXCEPT SELECT * FROM y)) "
        " + (SELECT count(*) FROM (SELECT * FROM m EXCEPT SELECT * FROM contact_months)) "
        " + (SELECT count(*) FROM (SELECT * FROM contact_months EXCEPT SELECT * FROM m))"))


def maintained(db: Database) -> bool:
    """Whether this vault keeps the facts (tables and all three triggers present)."""
    marks = ",".join("?" for _ in TRIGGERS)
    return int(db.scalar(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
        TRIGGERS)) == len(TRIGGERS)


@dataclass(frozen=True, slots=True)
class ContactCounts:
    """Contacts counted as the facts keep them (`count_contacts`)."""

    years: dict[tuple[str, int], int]  # (household, year) → contacts
    months: dict[tuple[str, str], int]  # (month, type) → contacts


def add_contacts(db: Database, contacts: Iterable[tuple[str, str, str]]) -> None:
    """Count live contacts inserted while the insert trigger was suspended:
    (household_id, occurred_at as stored, type) each; aggregated here, so the tables get
    one upsert per household and year and per month and type, not one per contact."""
    add_counts(db, count_contacts(contacts))


def count_contacts(contacts: Iterable[tuple[str, str, str]]) -> ContactCounts:
    """`add_contacts`' counting, apart (the demo counts in its drawing process)."""
    rows = list(contacts)
    households, times, kinds = zip(*rows, strict=True) if rows else ((), (), ())
    return count_columns(households, times, kinds)


def count_columns(households: Sequence[str], times: Sequence[str], kinds: Sequence[str],
                  month_of: Mapping[str, str] | None = None) -> ContactCounts:
    """`count_contacts` for contacts column by column. `month_of`: stored time → its
    month (`local_month`), remembered across the batches of a load; by default each
    distinct time's month is computed once here."""
    # then counted in C (a batch of the demo: 25,000 contacts)
    if month_of is None:  # imported contacts share a few hundred times
        month_of = {at: local_month(at) for at in set(times)}
    of_contact = list(map(month_of.__getitem__, times))
    year_of = {month: int(month[:4]) for month in set(of_contact)}
    years = Counter(zip(households, map(year_of.__getitem__, of_contact), strict=True))
    months = Counter(zip(of_contact, kinds, strict=True))
    return ContactCounts(dict(years), dict(months))


def add_counts(db: Database, counts: ContactCounts) -> None:
    """Add `count_contacts`' counts to the facts."""
    years, months = counts.years, counts.months
    db.executemany(
        "INSERT INTO household_years (household_id, year, contacts) VALUES (?, ?, ?) "
        "ON CONFLICT (household_id, year) DO UPDATE SET contacts = contacts + excluded.contacts",
        [(h, y, n) for (h, y), n in years.items()])
    db.executemany(
        "INSERT INTO contact_months (month, type, contacts) VALUES (?, ?, ?) "
        "ON CONFLICT (month, type) DO UPDATE SET contacts = contacts + excluded.contacts",
        [(m, k, n) for (m, k), n in months.items()])


@contextmanager
def bulk_contacts(db: Database, contacts: Sequence[tuple[str, str, str]] | ContactCounts,
                  ) -> Iterator[None]:
    """For a bulk insert of live contacts inside the caller's transaction; `contacts`:
    (household_id, occurred_at as stored, type) of the rows the block inserts. The insert
    trigger is dropped for the block and recreated from its own stored definition, and
    the rows are counted once, aggregated (`add_contacts`; or come counted,
    `count_contacts`, by a caller that counts elsewhere). No other connection ever
    sees the table without the trigger (DDL is transactional; an error rolls it back with
    the caller's transaction)."""
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                        (_INSERT_TRIGGER,))
    if trigger is None:  # a vault without the facts (before m0045): nothing to keep
        yield
        return
    db.execute(f"DROP TRIGGER {_INSERT_TRIGGER}")
    yield
    add_counts(db, contacts if isinstance(contacts, ContactCounts)
               else count_contacts(contacts))
    db.execute(str(trigger))
