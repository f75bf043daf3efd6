"""Teilhabemanagement rows ↔ domain dataclasses (tables of migration m0040)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from casework.models.teilhabe.clients import Assignment, Client, ClientDraft
from casework.models.teilhabe.eligibility import ClientState, Exclusion, ResidenceRecord, TmStatus
from casework.models.teilhabe.funding import (
    ExclusionFact,
)
from casework.models.teilhabe.intake import Intake
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    Measure,
    MeasureDraft,
    MeasureStatus,
    Outcome,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row
from casework.storage.households import person_from_row


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def client_values(d: ClientDraft) -> dict[str, Any]:
    return {
        "intake_on": d.intake_on.isoformat(),
        "exclusions": json.dumps(sorted(e.value for e in d.exclusions), ensure_ascii=False),
        "benefit_basis": d.benefit_basis,
        "age_exception": d.age_exception,
        "note": d.note,
    }


def _residence(db: Database, client_ids: list[str]) -> dict[str, list[ResidenceRecord]]:
    out: dict[str, list[ResidenceRecord]] = {cid: [] for cid in client_ids}
    for chunk_start in range(0, len(client_ids), 500):
        chunk = client_ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" for _ in chunk)
        for r in db.query(
            f"SELECT * FROM tm_residence WHERE deleted = 0 AND client_id IN ({marks}) "
            "ORDER BY valid_from, created_at",
            chunk,
        ):
            out[r["client_id"]].append(
                ResidenceRecord(
                    TmStatus(r["status"]),
                    date.fromisoformat(r["valid_from"]),
                    _d(r["valid_until"]),
                    r["note"],
                )
            )
    return out


def _client(r: Row, residence: list[ResidenceRecord]) -> Client:
    person = person_from_row(r)  # the SELECT aliases the person columns
    draft = ClientDraft(
        intake_on=date.fromisoformat(r["intake_on"]),
        exclusions=frozenset(Exclusion(e) for e in json.loads(r["exclusions"])),
        benefit_basis=r["benefit_basis"],
        age_exception=r["age_exception"],
        note=r["note"],
    )
    return Client(
        r["client_id"],
        person.id,
        person.household_id,
        person.display_name,
        person.data.birth,
        person.data.gender.value,
        draft,
        ClientState(r["state"]),
        r["worker_id"],
        tuple(residence),
        _d(r["closed_on"]),
    )


_SELECT = (
    "SELECT p.*, c.id AS client_id, c.worker_id, c.state, c.intake_on, c.exclusions, "
    "c.benefit_basis, c.age_exception, c.note, c.closed_on "
    "FROM tm_clients c JOIN persons p ON p.id = c.person_id "
    "WHERE c.deleted = 0 AND p.deleted = 0 AND c.programme = ? "
)


def clients(
    db: Database,
    programme: str,
    *,
    worker_id: str | None = None,
    state: ClientState | None = None,
    ids: list[str] | None = None,
) -> list[Client]:
    sql = _SELECT
    params: list[Any] = [programme]
    if worker_id is not None:
        sql += "AND c.worker_id = ? "
        params.append(worker_id)
    if state is not None:
        sql += "AND c.state = ? "
        params.append(state.value)
    if ids is not None:
        sql += f"AND c.id IN ({','.join('?' for _ in ids)}) "
        params.extend(ids)
    sql += "ORDER BY c.intake_on, c.created_at"
    rows = db.query(sql, params)
    residence = _residence(db, [r["client_id"] for r in rows])
    return [_client(r, residence[r["client_id"]]) for r in rows]


def get_client(db: Database, client_id: str) -> Client | None:
    row = db.query_one(
        "SELECT programme FROM tm_clients WHERE id = ? AND deleted = 0", (client_id,)
    )
    if row is None:
        return None
    found = clients(db, row["programme"], ids=[client_id])
    return found[0] if found else None


def client_for_person(db: Database, person_id: str, programme: str) -> str | None:
    value = db.scalar(
        "SELECT id FROM tm_clients WHERE person_id = ? AND programme = ? AND deleted = 0",
        (person_id, programme),
    )
    return None if value is None else str(value)


def insert_client(
    w: RecordWriter, person_id: str, household_id: str, programme: str, draft: ClientDraft
) -> str:
    values = {
        "person_id": person_id,
        "household_id": household_id,
        "programme": programme,
        "state": ClientState.WARTEND.value,
        "worker_id": None,
        **client_values(draft),
    }
    return w.insert("tm_clients", "tm_client", values, scope_id=household_id)


def update_client(w: RecordWriter, client: Client, draft: ClientDraft) -> bool:
    current = w.db.query_one("SELECT * FROM tm_clients WHERE id = ?", (client.id,))
    assert current is not None
    return w.update(
        "tm_clients",
        "tm_client",
        client.id,
        client_values(draft),
        scope_id=client.household_id,
        current=dict(current),
    )


def set_assignment(
    w: RecordWriter,
    client: Client,
    worker_id: str | None,
    state: ClientState,
    on: date,
    reason: str,
) -> None:
    """Change the responsible worker (or put back on the waiting list) and append the
    assignment history row."""
    w.update(
        "tm_clients",
        "tm_client",
        client.id,
        {"worker_id": worker_id, "state": state.value},
        scope_id=client.household_id,
    )
    w.insert(
        "tm_assignments",
        "tm_assignment",
        {
            "client_id": client.id,
            "from_worker_id": client.worker_id,
            "to_worker_id": worker_id,
            "assigned_on": on.isoformat(),
            "reason": reason,
        },
        scope_id=client.household_id,
    )


def close_client(w: RecordWriter, client: Client, on: date) -> None:
    w.update(
        "tm_clients",
        "tm_client",
        client.id,
        {"state": ClientState.ABGESCHLOSSEN.value, "closed_on": on.isoformat()},
        scope_id=client.household_id,
    )


def assignments(db: Database, client_id: str) -> list[Assignment]:
    rows = db.query(
        "SELECT a.created_at, a.assigned_on, a.reason, COALESCE(f.name, '') AS f, "
        "COALESCE(t.name, '') AS t, COALESCE(b.name, '') AS b FROM tm_assignments a "
        "LEFT JOIN workers f ON f.id = a.from_worker_id "
        "LEFT JOIN workers t ON t.id = a.to_worker_id "
        "LEFT JOIN workers b ON b.id = a.created_by "
        "WHERE a.client_id = ? AND a.deleted = 0 ORDER BY a.created_at, a.version",
        (client_id,),
    )
    return [
        Assignment(
            r["created_at"],
            date.fromisoformat(r["assigned_on"]),
            r["f"],
            r["t"],
            r["reason"],
            r["b"],
        )
        for r in rows
    ]


def insert_residence(w: RecordWriter, client: Client, record: ResidenceRecord) -> str:
    return w.insert(
        "tm_residence",
        "tm_residence",
        {
            "client_id": client.id,
            "status": record.status.value,
            "valid_from": record.valid_from.isoformat(),
            "valid_until": _iso(record.valid_until),
            "note": record.note,
        },
        scope_id=client.household_id,
    )


def insert_intake(
    w: RecordWriter,
    client: Client,
    questionnaire: str,
    version: str,
    on: date,
    answers: dict[str, Any],
    needs: dict[str, list[str]],
) -> str:
    return w.insert(
        "tm_intake",
        "tm_intake",
        {
            "client_id": client.id,
            "questionnaire": questionnaire,
            "questionnaire_version": version,
            "interviewed_on": on.isoformat(),
            "answers": json.dumps(answers, ensure_ascii=False, sort_keys=True),
            "needs": json.dumps(needs, ensure_ascii=False, sort_keys=True),
        },
        scope_id=client.household_id,
    )


def latest_intake(db: Database, client_id: str) -> Intake | None:
    r = db.query_one(
        "SELECT * FROM tm_intake WHERE client_id = ? AND deleted = 0 "
        "ORDER BY interviewed_on DESC, created_at DESC LIMIT 1",
        (client_id,),
    )
    if r is None:
        return None
    return Intake(
        r["id"],
        r["questionnaire"],
        r["questionnaire_version"],
        date.fromisoformat(r["interviewed_on"]),
        json.loads(r["answers"]),
        json.loads(r["needs"]),
    )


def measure_values(d: MeasureDraft) -> dict[str, Any]:
    return {
        "title": d.title,
        "baustein": d.baustein.number,
        "handlungsfeld": d.handlungsfeld.number,
        "provider": d.provider,
        "start_on": _iso(d.start_on),
        "end_on": _iso(d.end_on),
        "status": d.status.value,
        "outcome": d.outcome.value,
        "note": d.note,
        "statement_on": _iso(d.statement_on),
    }


def _measure(r: Row) -> Measure:
    return Measure(
        r["id"],
        r["client_id"],
        MeasureDraft(
            r["title"],
            Foerderbaustein.of(r["baustein"]),
            Handlungsfeld.of(r["handlungsfeld"]),
            r["provider"],
            _d(r["start_on"]),
            _d(r["end_on"]),
            MeasureStatus(r["status"]),
            Outcome(r["outcome"]),
            r["note"],
            _d(r["statement_on"]),
        ),
        r["updated_at"],
    )


def measures(db: Database, client_id: str) -> list[Measure]:
    return [
        _measure(r)
        for r in db.query(
            "SELECT * FROM tm_measures WHERE client_id = ? AND deleted = 0 "
            "ORDER BY COALESCE(start_on, '9999'), created_at",
            (client_id,),
        )
    ]


def get_measure(db: Database, measure_id: str) -> Measure | None:
    r = db.query_one("SELECT * FROM tm_measures WHERE id = ? AND deleted = 0", (measure_id,))
    return None if r is None else _measure(r)


def insert_measure(w: RecordWriter, client: Client, draft: MeasureDraft) -> str:
    return w.insert(
        "tm_measures",
        "tm_measure",
        {"client_id": client.id, **measure_values(draft)},
        scope_id=client.household_id,
    )


def update_measure(
    w: RecordWriter, measure: Measure, household_id: str, draft: MeasureDraft
) -> bool:
    current = w.db.query_one("SELECT * FROM tm_measures WHERE id = ?", (measure.id,))
    assert current is not None
    return w.update(
        "tm_measures",
        "tm_measure",
        measure.id,
        measure_values(draft),
        scope_id=household_id,
        current=dict(current),
    )


def active_counts(db: Database, programme: str) -> dict[str, int]:
    """Active clients per worker id."""
    return {
        r["worker_id"]: int(r["n"])
        for r in db.query(
            "SELECT worker_id, count(*) AS n FROM tm_clients WHERE deleted = 0 AND programme = ? "
            "AND state = 'aktiv' AND worker_id IS NOT NULL GROUP BY worker_id",
            (programme,),
        )
    }


# --------------------------------------------------------------------------- exclusion facts


def insert_exclusion_fact(w: RecordWriter, client: Client, fact: ExclusionFact) -> str:
    return w.insert(
        "tm_exclusion_facts",
        "tm_exclusion_fact",
        {
            "client_id": client.id,
            "exclusion": fact.exclusion.value,
            "present": 1 if fact.present else 0,
            "since": fact.since.isoformat(),
            "source": fact.source,
        },
        scope_id=client.household_id,
    )


def exclusion_facts(db: Database, client_id: str) -> list[ExclusionFact]:
    """Recorded facts, oldest first, with who recorded them (the worker's name)."""
    rows = db.query(
        "SELECT f.*, COALESCE(w.name, '') AS by_name FROM tm_exclusion_facts f "
        "LEFT JOIN workers w ON w.id = f.created_by "
        "WHERE f.client_id = ? AND f.deleted = 0 ORDER BY f.created_at, f.id",
        (client_id,),
    )
    return [
        ExclusionFact(
            Exclusion(r["exclusion"]),
            bool(r["present"]),
            date.fromisoformat(r["since"]),
            r["source"],
            date.fromisoformat(str(r["created_at"])[:10]),
            r["by_name"],
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- target counts


def insert_target_count(
    w: RecordWriter, programme: str, stichtag: date, duldung: int, gestattung: int, source: str
) -> str:
    return w.insert(
        "tm_target_counts",
        "tm_target_count",
        {
            "programme": programme,
            "stichtag": stichtag.isoformat(),
            "duldung": duldung,
            "gestattung": gestattung,
            "source": source,
        },
    )


def target_count_on(
    db: Database, programme: str, on: date
) -> tuple[date, int, int, str] | None:
    """The newest recorded count with a Stichtag on or before `on`."""
    r = db.query_one(
        "SELECT stichtag, duldung, gestattung, source FROM tm_target_counts "
        "WHERE deleted = 0 AND programme = ? AND stichtag <= ? "
        "ORDER BY stichtag DESC, created_at DESC LIMIT 1",
        (programme, on.isoformat()),
    )
    if r is None:
        return None
    return date.fromisoformat(r["stichtag"]), int(r["duldung"]), int(r["gestattung"]), r["source"]
