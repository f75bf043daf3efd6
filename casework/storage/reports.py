"""Aggregate SQL for the reports (Jahresbericht, Programm-Monitoring).

Everything is counted in SQL (GROUP BY over covering indexes, m0042); no contact row is
ever loaded into Python, and no query returns a name, an exact birth date or an address
(LR-39). Windows of whole local months or years read the contact facts kept on write
(storage/report_facts.py, m0045) instead of the contacts; any other window counts the
contacts themselves, with the same result. Tables of other feature areas (referrals,
§ 8a, consents) are discovered at run time: where a vault lacks them, the functions
return None and the report says "keine Daten erfasst".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlcipher3

from casework.storage import report_facts
from casework.storage.db import Database, Row, raise_translated

Counts = dict[tuple[str, ...], int]


@dataclass(frozen=True, slots=True)
class Window:
    """A report period: local dates and their UTC ISO bounds [start, end)."""

    first: date
    last: date
    start_utc: str
    end_utc: str


def columns(db: Database, table: str) -> set[str]:
    if not table.replace("_", "").isalnum():
        raise ValueError(table)
    return {str(r["name"]) for r in db.query(f"PRAGMA table_info({table})")}


def has_table(db: Database, table: str) -> bool:
    return (
        db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        is not None
    )


def as_counts(rows: Sequence[Row]) -> Counts:
    """Rows (key columns…, count) → {(keys as text): count}."""
    out: Counts = {}
    for r in rows:
        values: list[Any] = list(r)
        keys, n = values[:-1], values[-1]
        out[tuple("" if k is None else str(k) for k in keys)] = int(n)
    return out


# --------------------------------------------------------------------------- facts


def _month_key(start_utc: str) -> str | None:
    """The local month 'YYYY-MM' whose first instant, as the contact facts assume it, is
    exactly `start_utc` (a window bound from the time-zone database); None if it is no
    such instant (a window starting mid-month, or time-zone rules the facts do not
    follow)."""
    try:
        shifted = date.fromisoformat(start_utc[:10]) + timedelta(days=1)
    except ValueError:
        return None
    if shifted.day != 1 or report_facts.month_start_utc(shifted.year, shifted.month) != start_utc:
        return None
    return f"{shifted.year:04d}-{shifted.month:02d}"


def facts_months(db: Database, w: Window) -> tuple[str, str] | None:
    """(first month, month after the last) as 'YYYY-MM' if the window covers whole local
    months and the vault keeps the contact facts; else None."""
    first, after = _month_key(w.start_utc), _month_key(w.end_utc)
    if first is None or after is None or not report_facts.maintained(db):
        return None
    return first, after


def facts_years(db: Database, w: Window) -> tuple[int, int] | None:
    """(first, last) local calendar year if the window covers whole years and the vault
    keeps the contact facts; else None."""
    months = facts_months(db, w)
    if months is None or not (months[0].endswith("-01") and months[1].endswith("-01")):
        return None
    return int(months[0][:4]), int(months[1][:4]) - 1


# --------------------------------------------------------------------------- families


# Households with a contact in the period: one index seek per household
# (contacts_household), which scales with households, not with contacts. The counts
# read the contacts' table, not the view `contacts` (storage/contact_rows.py): the view
# would look up the keys of every row counted.
_REACHED = (
    "SELECT h.id AS hid, h.access_route, h.target_groups FROM households h "
    "WHERE h.deleted = 0 "
    "AND EXISTS (SELECT 1 FROM id_keys k JOIN contact_rows c ON c.household = k.n "
    "WHERE k.id = h.id "
    "AND c.deleted = 0 AND c.occurred_at >= :start AND c.occurred_at < :end)"
)


# The same from the facts, for windows of whole local years (`facts_years`).
_REACHED_BY_FACTS = (
    "h.deleted = 0 AND EXISTS (SELECT 1 FROM household_years y WHERE y.household_id = h.id "
    "AND y.year BETWEEN :first AND :last)")
_NEW_BY_FACTS = ("NOT EXISTS (SELECT 1 FROM household_years p WHERE p.household_id = h.id "
                 "AND p.year < :first)")


def _fill_reached(db: Database, w: Window) -> None:
    """The reached households of the window (id, access route, new?) in a temporary
    table, computed once per window: the correlated EXISTS / NOT EXISTS per household
    cost ~0.4 s on 20,000 households and both the household and the person figures need
    them. The target groups are copied along, so the criteria table reads no household
    row again."""
    def state() -> str:
        # Window + every write on this connection (total_changes) + commits of others
        # (data_version): any change of the data makes the cached set stale.
        return (f"{w.start_utc}|{w.end_utc}|{db.scalar('SELECT total_changes()')}|"
                f"{db.pragma('data_version')}")

    with db.transaction():
        db.execute("CREATE TEMP TABLE IF NOT EXISTS report_reached (hid TEXT PRIMARY KEY, "
                   "access_route TEXT, target_groups TEXT, new INTEGER NOT NULL)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS report_reached_window (key TEXT)")
        if db.scalar("SELECT key FROM temp.report_reached_window") == state():
            return
        db.execute("DELETE FROM temp.report_reached")
        db.execute("DELETE FROM temp.report_reached_window")
        years = facts_years(db, w)
        if years is not None:
            db.execute(
                "INSERT INTO temp.report_reached (hid, access_route, target_groups, new) "
                f"SELECT h.id, h.access_route, h.target_groups, {_NEW_BY_FACTS} "
                f"FROM households h WHERE {_REACHED_BY_FACTS}",
                {"first": years[0], "last": years[1]})
        else:
            db.execute(
                f"INSERT INTO temp.report_reached (hid, access_route, target_groups, new) "
                f"SELECT r.hid, r.access_route, r.target_groups, NOT EXISTS (SELECT 1 FROM "
                f"id_keys k JOIN contact_rows p ON p.household = k.n WHERE k.id = r.hid "
                f"AND p.deleted = 0 "
                f"AND p.occurred_at < :start) FROM ({_REACHED}) r",
                {"start": w.start_utc, "end": w.end_utc})
        # The key is written last; its own one-row insert is counted in advance.
        key = state().split("|")
        key[2] = str(int(key[2]) + 1)
        db.execute("INSERT INTO temp.report_reached_window (key) VALUES (?)", ("|".join(key),))


def households_reached(db: Database, w: Window) -> Counts:
    """("1" if new else "0", access route) → households with a contact in the period;
    new = no contact before the period."""
    _fill_reached(db, w)
    return as_counts(db.query(
        "SELECT new, COALESCE(access_route, 'nicht erfasst'), count(*) "
        "FROM temp.report_reached GROUP BY 1, 2"))


def reached_flags(db: Database, w: Window) -> Counts:
    """`households_reached` for a comparison period (the previous year of the
    Kennzahlen): for whole years straight from the facts, leaving the cached set of the
    report's own period in place; for other windows as `households_reached`."""
    years = facts_years(db, w)
    if years is None:
        return households_reached(db, w)
    return as_counts(db.query(
        f"SELECT {_NEW_BY_FACTS}, COALESCE(h.access_route, 'nicht erfasst'), count(*) "
        f"FROM households h WHERE {_REACHED_BY_FACTS} GROUP BY 1, 2",
        {"first": years[0], "last": years[1]}))


AGE_BANDS = (
    "ungeboren",
    "0–2",
    "3–5",
    "6–9",
    "10–13",
    "14–17",
    "18–26",
    "27–44",
    "45–64",
    "65+",
    "unbekannt",
)

# Age in completed years on :on (year-only birth: the lower bound, like BirthInfo).
_AGES = """
SELECT p.gender, p.due_date, f.new,
 CASE WHEN p.birth_date IS NOT NULL THEN
   CAST(substr(:on, 1, 4) AS INTEGER) - CAST(substr(p.birth_date, 1, 4) AS INTEGER)
   - (substr(:on, 6, 5) < substr(p.birth_date, 6, 5))
  WHEN p.birth_year IS NOT NULL THEN CAST(substr(:on, 1, 4) AS INTEGER) - p.birth_year - 1
 END AS a
FROM f JOIN persons p ON p.household_id = f.hid AND p.deleted = 0
WHERE (p.birth_date IS NULL OR p.birth_date <= :on)
 AND (p.birth_year IS NULL OR p.birth_year <= CAST(substr(:on, 1, 4) AS INTEGER))
 AND (p.birth_date IS NOT NULL OR p.birth_year IS NOT NULL OR p.due_date IS NULL
      OR p.due_date <= date(:on, '+280 days'))"""

_BAND = """
CASE WHEN a IS NULL AND due_date IS NOT NULL THEN 'ungeboren'
 WHEN a IS NULL THEN 'unbekannt' WHEN a < 3 THEN '0–2' WHEN a < 6 THEN '3–5'
 WHEN a < 10 THEN '6–9' WHEN a < 14 THEN '10–13' WHEN a < 18 THEN '14–17'
 WHEN a < 27 THEN '18–26' WHEN a < 45 THEN '27–44' WHEN a < 65 THEN '45–64' ELSE '65+' END"""


def persons_reached(db: Database, w: Window) -> Counts:
    """(age band at the end of the period, gender, "1" if the household is new) → members
    of reached households (born by then, or expected within 280 days: families count
    from −9 months). Grouped in SQL: the reference for `reached_person_rows`, which the
    Jahresbericht uses because this grouping is slow on a large vault."""
    _fill_reached(db, w)
    return as_counts(
        db.query(
            f"WITH f AS (SELECT hid, new FROM temp.report_reached), ages AS ({_AGES}) "
            f"SELECT {_BAND} AS band, gender, new, count(*) FROM ages GROUP BY 1, 2, 3",
            {"on": w.last.isoformat()},
        )
    )


def reached_person_rows(db: Database, w: Window) -> list[tuple[int | None, int, str, int]]:
    """(age in completed years at the end of the period or None, 1 if a due date is known,
    gender, 1 if the household is new) for every member of a reached household that
    `persons_reached` counts (same rules), one row per person, not grouped: the caller
    bands and counts. On a large vault SQLite's GROUP BY sorted ~70,000 rows in a
    temporary B-tree, and the band CASE re-evaluated the age expression once per branch;
    every string it allocated costs an mlock pair under SQLCipher's memory security. Here
    the age is computed once, from bound parameters, and only integers and the gender
    come back."""
    _fill_reached(db, w)
    on = w.last.isoformat()
    params = {"on": on, "year": w.last.year, "md": on[5:10],
              "due_by": (w.last + timedelta(days=280)).isoformat()}
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no Row object per person
    try:
        return list(cursor.execute(
            "SELECT CASE WHEN p.birth_date IS NOT NULL THEN "
            " :year - CAST(substr(p.birth_date, 1, 4) AS INTEGER) "
            " - (:md < substr(p.birth_date, 6, 5)) "
            " WHEN p.birth_year IS NOT NULL THEN :year - p.birth_year - 1 END, "
            " p.due_date IS NOT NULL, p.gender, f.new "
            "FROM temp.report_reached f "
            "JOIN persons p ON p.household_id = f.hid AND p.deleted = 0 "
            "WHERE (p.birth_date IS NULL OR p.birth_date <= :on) "
            " AND (p.birth_year IS NULL OR p.birth_year <= :year) "
            " AND (p.birth_date IS NOT NULL OR p.birth_year IS NOT NULL OR p.due_date IS NULL "
            "      OR p.due_date <= :due_by)",
            params,
        ))
    except sqlcipher3.Error as error:
        raise_translated(error)
        raise
    finally:
        cursor.close()


def contacts_by_type_month(
    db: Database, months: Sequence[tuple[str, str, str]], known_types: Sequence[str] = ()
) -> Counts:
    """(type, month label) → contacts; `months` = (label, start UTC, end UTC), so local
    month boundaries (Europe/Berlin) are exact.

    One covering-index range scan per month that counts the `known_types` with
    conditional sums: a GROUP BY would sort every contact of the period in a temporary
    B-tree, which costs seconds with SQLCipher's memory security on. Only contacts of
    other (legacy) types are grouped, and only when there are any. Whole local months
    are read from the contact facts instead (`_months_by_facts`)."""
    by_facts = _months_by_facts(db, months)
    if by_facts is not None:
        return by_facts
    out: Counts = {}
    sums = "".join(", SUM(type = ?)" for _ in known_types)
    for label, start, end in months:
        row = db.query_one(
            f"SELECT count(*){sums} FROM contact_rows WHERE deleted = 0 "  # sums: fixed text
            "AND occurred_at >= ? AND occurred_at < ?",
            (*known_types, start, end),
        )
        assert row is not None
        values = [int(v or 0) for v in tuple(row)]
        for kind, n in zip(known_types, values[1:], strict=True):
            if n:
                out[(kind, label)] = n
        if values[0] > sum(values[1:]):
            marks = ",".join("?" for _ in known_types) or "''"
            for r in db.query(
                "SELECT type, count(*) FROM contact_rows WHERE deleted = 0 AND occurred_at >= ? "
                f"AND occurred_at < ? AND type NOT IN ({marks}) GROUP BY type",
                (start, end, *known_types),
            ):
                out[(str(r[0]), label)] = int(r[1])
    return out


def _months_by_facts(db: Database, months: Sequence[tuple[str, str, str]]) -> Counts | None:
    """(type, month label) → contacts from `contact_months`, if every month of the list
    is a whole local month and the vault keeps the facts; else None."""
    labels: dict[str, str] = {}
    for label, start, end in months:
        key, after = _month_key(start), _month_key(end)
        if key is None or after is None or after != _next_month(key):
            return None
        labels[key] = label
    if not labels or not report_facts.maintained(db):
        return None
    out: Counts = {}
    for r in db.query("SELECT month, type, contacts FROM contact_months "
                      "WHERE month >= ? AND month <= ?", (min(labels), max(labels))):
        shown = labels.get(str(r[0]))
        if shown is not None and int(r[2]):
            out[(str(r[1]), shown)] = int(r[2])
    return out


def _next_month(key: str) -> str:
    year, month = int(key[:4]), int(key[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


# --------------------------------------------------------------------------- offers


def offer_attendance(db: Database, w: Window) -> list[tuple[str, int, int, int]]:
    """Per offer kind: (kind, offers, sessions held, attendances) in the period."""
    rows = db.query(
        "SELECT o.kind, count(DISTINCT o.id) AS offers, count(DISTINCT s.id) AS sessions, "
        "COALESCE((SELECT SUM(a.count) FROM offer_attendance a JOIN offer_sessions s2 "
        "  ON s2.id = a.session_id AND s2.deleted = 0 JOIN offers o2 ON o2.id = s2.offer_id "
        "  WHERE a.deleted = 0 AND o2.deleted = 0 AND o2.kind = o.kind "
        "  AND s2.held_on BETWEEN :first AND :last), 0) AS attendance "
        "FROM offers o JOIN offer_sessions s ON s.offer_id = o.id AND s.deleted = 0 "
        "WHERE o.deleted = 0 AND s.held_on BETWEEN :first AND :last GROUP BY o.kind "
        "ORDER BY o.kind",
        {"first": w.first.isoformat(), "last": w.last.isoformat()},
    )
    return [(r["kind"], int(r["offers"]), int(r["sessions"]), int(r["attendance"])) for r in rows]


def attendance_by_group(db: Database, w: Window) -> Counts:
    """(age group, gender) → attendances (headcounts and named) in the period."""
    return as_counts(
        db.query(
            "SELECT a.age_group, a.gender, SUM(a.count) FROM offer_attendance a "
            "JOIN offer_sessions s ON s.id = a.session_id AND s.deleted = 0 "
            "JOIN offers o ON o.id = s.offer_id AND o.deleted = 0 "
            "WHERE a.deleted = 0 AND s.held_on BETWEEN ? AND ? GROUP BY 1, 2",
            (w.first.isoformat(), w.last.isoformat()),
        )
    )


def family_training(db: Database, w: Window) -> tuple[int, int, int]:
    """(families with a Familientraining session in the period, of them completed by the
    end of the period, sessions held with families in the period)."""
    row = db.query_one(
        "WITH fam AS ("
        " SELECT o.id AS oid, o.household_id AS hid, s.id AS sid, s.held_on "
        " FROM offers o JOIN offer_sessions s ON s.offer_id = o.id AND s.deleted = 0 "
        " WHERE o.deleted = 0 AND o.kind = 'Familientraining' AND o.household_id IS NOT NULL"
        " UNION SELECT o.id, a.household_id, s.id, s.held_on "
        " FROM offers o JOIN offer_sessions s ON s.offer_id = o.id AND s.deleted = 0 "
        " JOIN offer_attendance a ON a.session_id = s.id AND a.deleted = 0 "
        " WHERE o.deleted = 0 AND o.kind = 'Familientraining' AND a.household_id IS NOT NULL),"
        " per AS (SELECT fam.hid, fam.oid, "
        "  SUM(fam.held_on BETWEEN :first AND :last) AS in_period, "
        "  SUM(fam.held_on <= :last) AS upto, COALESCE(o.sessions_planned, 10) AS planned "
        "  FROM fam JOIN offers o ON o.id = fam.oid GROUP BY fam.hid, fam.oid) "
        "SELECT count(DISTINCT CASE WHEN in_period > 0 THEN hid END) AS families, "
        " count(DISTINCT CASE WHEN in_period > 0 AND upto >= planned THEN hid END) AS done, "
        " COALESCE(SUM(in_period), 0) AS sessions FROM per",
        {"first": w.first.isoformat(), "last": w.last.isoformat()},
    )
    assert row is not None
    return int(row["families"]), int(row["done"]), int(row["sessions"])


# --------------------------------------------------------------------------- other areas


def consents(db: Database, w: Window) -> Counts | None:
    """(event kind) → consents obtained (signed/oral/scan) and withdrawals in the period,
    or None if this vault has no consent tables."""
    if not has_table(db, "consent_events"):
        return None
    cols = columns(db, "consent_events")
    day = "on_date" if "on_date" in cols else "substr(created_at, 1, 10)"
    total = "total" if "total" in cols else "1"
    rows = db.query(
        f"SELECT CASE WHEN kind IN ('signed', 'oral', 'scan') THEN 'erteilt' "
        f" WHEN kind = 'withdrawn' AND {total} THEN 'vollständig widerrufen' "
        " WHEN kind = 'withdrawn' THEN 'teilweise widerrufen' "
        " WHEN kind = 'refused' THEN 'abgelehnt' END AS k, count(DISTINCT consent_id) "
        f"FROM consent_events WHERE deleted = 0 AND {day} BETWEEN ? AND ? "
        "AND kind IN ('signed', 'oral', 'scan', 'withdrawn', 'refused') GROUP BY k",
        (w.first.isoformat(), w.last.isoformat()),
    )
    return as_counts(rows)


def first_existing(db: Database, candidates: Sequence[str]) -> str | None:
    for name in candidates:
        if has_table(db, name):
            return name
    return None


REFERRAL_TABLES = ("referrals", "vermittlungen")
REFERRAL_RECIPIENT = ("recipient_kind", "recipient_type", "recipient", "partner_name", "to_kind")
REFERRAL_OUTCOME = ("outcome", "result", "status", "state")
REFERRAL_DATE = ("referred_on", "on_date", "sent_on", "created_at")


def referrals(db: Database, w: Window) -> Counts | None:
    """(recipient, outcome) → referrals in the period; None without a referral table."""
    table = first_existing(db, REFERRAL_TABLES)
    if table is None:
        return None
    cols = columns(db, table)
    recipient = next((c for c in REFERRAL_RECIPIENT if c in cols), None)
    outcome = next((c for c in REFERRAL_OUTCOME if c in cols), None)
    day = next((c for c in REFERRAL_DATE if c in cols), None)
    if recipient is None or day is None:
        return None
    outcome_sql = outcome or "'nicht erfasst'"
    deleted = "AND deleted = 0" if "deleted" in cols else ""
    return as_counts(
        db.query(
            f"SELECT COALESCE(NULLIF({recipient}, ''), 'nicht erfasst'), "
            f"COALESCE(NULLIF({outcome_sql}, ''), 'offen'), count(*) FROM {table} "
            f"WHERE substr({day}, 1, 10) BETWEEN ? AND ? {deleted} GROUP BY 1, 2",
            (w.first.isoformat(), w.last.isoformat()),
        )
    )


# --------------------------------------------------------------------------- targets


def reached_target_groups(db: Database, w: Window) -> list[str]:
    """The target-group criteria (JSON list) of every household reached in the period."""
    _fill_reached(db, w)
    return [
        str(r[0] or "[]")
        for r in db.query(
            "SELECT target_groups FROM temp.report_reached")
    ]


def referral_totals(db: Database, w: Window) -> tuple[int, int] | None:
    """(referrals proposed in the period, households with at least one), or None."""
    if not has_table(db, "referrals"):
        return None
    row = db.query_one(
        "SELECT count(*) AS n, count(DISTINCT household_id) AS h FROM referrals "
        "WHERE deleted = 0 AND referred_on BETWEEN ? AND ?",
        (w.first.isoformat(), w.last.isoformat()),
    )
    assert row is not None
    return int(row["n"]), int(row["h"])


def course_participation(db: Database, w: Window) -> tuple[int, int]:
    """(households with a named attendance at a group offer in the period, distinct
    (household, offer) pairs); the home-based Familientraining is not a course."""
    row = db.query_one(
        "SELECT count(DISTINCT a.household_id) AS h, "
        " count(DISTINCT a.household_id || '|' || o.id) AS pairs "
        "FROM offer_attendance a JOIN offer_sessions s ON s.id = a.session_id AND s.deleted = 0 "
        "JOIN offers o ON o.id = s.offer_id AND o.deleted = 0 "
        "WHERE a.deleted = 0 AND a.household_id IS NOT NULL AND o.kind <> 'Familientraining' "
        "AND s.held_on BETWEEN ? AND ?",
        (w.first.isoformat(), w.last.isoformat()),
    )
    assert row is not None
    return int(row["h"]), int(row["pairs"])


def contacts_of_type(db: Database, w: Window, kind: str) -> int:
    months = facts_months(db, w)
    if months is not None:
        return int(db.scalar(
            "SELECT COALESCE(SUM(contacts), 0) FROM contact_months "
            "WHERE month >= ? AND month < ? AND type = ?", (*months, kind)))
    return int(
        db.scalar(
            "SELECT count(*) FROM contact_rows WHERE deleted = 0 AND type = ? "
            "AND occurred_at >= ? AND occurred_at < ?",
            (kind, w.start_utc, w.end_utc),
        )
        or 0
    )


def contacts_total(db: Database, w: Window) -> int:
    months = facts_months(db, w)
    if months is not None:
        return int(db.scalar(
            "SELECT COALESCE(SUM(contacts), 0) FROM contact_months "
            "WHERE month >= ? AND month < ?", months))
    return int(
        db.scalar(
            "SELECT count(*) FROM contact_rows WHERE deleted = 0 "
            "AND occurred_at >= ? AND occurred_at < ?",
            (w.start_utc, w.end_utc),
        )
        or 0
    )
