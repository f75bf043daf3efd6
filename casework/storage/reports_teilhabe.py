"""Aggregate SQL of the Programm-Monitoring Teilhabemanagement: caseload, residence,
measures, transitions, needs and staffing of one programme (counts and age inputs only;
the report assembly in `casework/reports/monitoring.py` bands and counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from casework.storage.db import Database
from casework.storage.reports import Counts, Window, as_counts


def tm_clients_rows(
    db: Database, programme: str
) -> list[tuple[str, str, str | None, int | None, str, str, str]]:
    """Per client, only what eligibility needs, without names or addresses:
    (client id, birth_date, birth_year, gender, state, exclusions JSON, age exception).
    The birth date never leaves the report assembly (only age bands are shown)."""
    rows = db.query(
        "SELECT c.id, p.birth_date, p.birth_year, p.gender, c.state, c.exclusions, "
        "c.age_exception FROM tm_clients c JOIN persons p ON p.id = c.person_id "
        "WHERE c.deleted = 0 AND p.deleted = 0 AND c.programme = ?",
        (programme,),
    )
    return [(r[0], r[3], r[1], r[2], r[4], r[5], r[6]) for r in rows]


def tm_residence_rows(db: Database, programme: str) -> list[tuple[str, str, str, str | None]]:
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.query(
            "SELECT t.client_id, t.status, t.valid_from, t.valid_until FROM tm_residence t "
            "JOIN tm_clients c ON c.id = t.client_id AND c.deleted = 0 AND c.programme = ? "
            "WHERE t.deleted = 0",
            (programme,),
        )
    ]


def tm_measures(db: Database, programme: str, w: Window) -> Counts:
    """(baustein, handlungsfeld, status, outcome) → measures active in the period
    (started on/before its end and not ended before its start)."""
    return as_counts(
        db.query(
            "SELECT m.baustein, m.handlungsfeld, m.status, m.outcome, count(*) "
            "FROM tm_measures m JOIN tm_clients c ON c.id = m.client_id AND c.deleted = 0 "
            "AND c.programme = ? WHERE m.deleted = 0 "
            "AND (m.start_on IS NULL OR m.start_on <= ?) AND (m.end_on IS NULL OR m.end_on >= ?) "
            "GROUP BY 1, 2, 3, 4",
            (programme, w.last.isoformat(), w.first.isoformat()),
        )
    )


def tm_transitions(db: Database, programme: str, w: Window, outcomes: Sequence[str]) -> Counts:
    """(outcome) → clients with a measure ending in the period with that outcome."""
    marks = ",".join("?" for _ in outcomes)
    return as_counts(
        db.query(
            f"SELECT m.outcome, count(DISTINCT m.client_id) FROM tm_measures m "
            "JOIN tm_clients c ON c.id = m.client_id AND c.deleted = 0 AND c.programme = ? "
            f"WHERE m.deleted = 0 AND m.outcome IN ({marks}) AND m.end_on BETWEEN ? AND ? "
            "GROUP BY 1",
            (programme, *outcomes, w.first.isoformat(), w.last.isoformat()),
        )
    )


def tm_needs(db: Database, programme: str, last: date) -> list[str]:
    """The needs JSON of each client's latest intake up to `last`."""
    return [
        str(r[0])
        for r in db.query(
            "SELECT i.needs FROM tm_intake i JOIN tm_clients c ON c.id = i.client_id "
            "AND c.deleted = 0 AND c.programme = ? WHERE i.deleted = 0 AND i.interviewed_on <= ? "
            "AND NOT EXISTS (SELECT 1 FROM tm_intake j WHERE j.client_id = i.client_id "
            " AND j.deleted = 0 AND j.interviewed_on <= ? AND (j.interviewed_on > i.interviewed_on"
            " OR (j.interviewed_on = i.interviewed_on AND j.created_at > i.created_at)))",
            (programme, last.isoformat(), last.isoformat()),
        )
    ]


def tm_staffing(db: Database, programme: str) -> tuple[float, int, int]:
    """(FTE of Teilhabemanagement staff, active clients, waiting clients)."""
    fte = db.scalar(
        "SELECT COALESCE(SUM(fte), 0) FROM workers WHERE deleted = 0 "
        "AND role = 'Teilhabemanagement'"
    )
    row = db.query_one(
        "SELECT COALESCE(SUM(state = 'aktiv'), 0) AS a, COALESCE(SUM(state = 'wartend'), 0) "
        "AS w FROM tm_clients WHERE deleted = 0 AND programme = ?",
        (programme,),
    )
    assert row is not None
    return float(fte or 0), int(row["a"]), int(row["w"])
