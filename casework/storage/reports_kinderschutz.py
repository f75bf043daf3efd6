"""Aggregate SQL of the § 8a figures: results per year for the Jahresbericht and the
procedures of a year for the Jahresauswertung Kinderschutz (counts and states only; no
names, no ids leave these functions). None where a vault has no § 8a tables."""

from __future__ import annotations

from casework.storage.db import Database
from casework.storage.reports import Counts, Window, as_counts, columns, has_table


def kinderschutz_results(db: Database, w: Window) -> Counts | None:
    """(result category, acute flag) → § 8a procedures whose latest Ergebnis was recorded in
    the period; procedures opened in the period without a result count as 'ohne Ergebnis'.
    None if the vault has no § 8a tables (counts only, LR-39)."""
    if not (has_table(db, "ks_procedures") and has_table(db, "ks_entries")):
        return None
    needed = {"id", "acute", "opened_at", "deleted"}
    if not needed <= columns(db, "ks_procedures") or not {
        "procedure_id",
        "kind",
        "payload",
        "seq",
        "created_at",
    } <= columns(db, "ks_entries"):
        return None
    return as_counts(
        db.query(
            "WITH last AS (SELECT e.procedure_id, json_extract(e.payload, '$.category') AS cat, "
            "  e.created_at FROM ks_entries e WHERE e.kind = 'result' AND e.deleted = 0 "
            "  AND e.seq = (SELECT max(x.seq) FROM ks_entries x WHERE x.procedure_id = "
            "  e.procedure_id AND x.kind = 'result' AND x.deleted = 0)) "
            "SELECT COALESCE(l.cat, 'ohne Ergebnis') AS cat, p.acute, count(*) "
            "FROM ks_procedures p LEFT JOIN last l ON l.procedure_id = p.id "
            "WHERE p.deleted = 0 AND ((l.created_at >= :start AND l.created_at < :end) OR "
            " (l.procedure_id IS NULL AND p.opened_at >= :start AND p.opened_at < :end)) "
            "GROUP BY 1, 2",
            {"start": w.start_utc, "end": w.end_utc},
        )
    )


def kinderschutz_procedures(
    db: Database, w: Window
) -> list[tuple[str, bool, str, str | None, bool, str | None]] | None:
    """Per § 8a procedure opened in the period, as known at its end: (opened_at UTC, acute,
    states reached "S1,S2,…", closed_at UTC or None, Jugendamt informed, latest result
    category). No names, no ids leave this function. None without § 8a tables."""
    if not (has_table(db, "ks_procedures") and has_table(db, "ks_entries")
            and has_table(db, "ks_transitions")):
        return None
    rows = db.query(
        "SELECT p.opened_at, p.acute, "
        " (SELECT group_concat(t.to_state) FROM ks_transitions t WHERE t.procedure_id = p.id "
        "  AND t.deleted = 0 AND t.at < :end) AS states, "
        " (SELECT min(t.at) FROM ks_transitions t WHERE t.procedure_id = p.id "
        "  AND t.deleted = 0 AND t.to_state = 'S9' AND t.at < :end) AS closed_at, "
        " EXISTS (SELECT 1 FROM ks_entries e WHERE e.procedure_id = p.id AND e.deleted = 0 "
        "  AND e.kind = 'mitteilung' AND e.created_at < :end) AS informed, "
        " EXISTS (SELECT 1 FROM ks_entries e WHERE e.procedure_id = p.id AND e.deleted = 0 "
        "  AND e.kind = 'acute' AND e.created_at < :end) AS acute_entry, "
        " (SELECT json_extract(e.payload, '$.category') FROM ks_entries e "
        "  WHERE e.procedure_id = p.id AND e.deleted = 0 AND e.kind = 'result' "
        "  AND e.created_at < :end ORDER BY e.seq DESC LIMIT 1) AS category "
        "FROM ks_procedures p WHERE p.deleted = 0 AND p.opened_at >= :start "
        "AND p.opened_at < :end",
        {"start": w.start_utc, "end": w.end_utc},
    )
    return [
        (
            str(r["opened_at"]),
            bool(r["acute"]) or bool(r["acute_entry"]),
            str(r["states"] or ""),
            None if r["closed_at"] is None else str(r["closed_at"]),
            bool(r["informed"]),
            None if r["category"] is None else str(r["category"]),
        )
        for r in rows
    ]
