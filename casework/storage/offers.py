"""Group offers, sessions and attendance rows (tables of migration m0041)."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.models.offers import (
    Offer,
    OfferDraft,
    OfferKind,
    OfferSession,
    SessionDraft,
    TrainingProgress,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def offer_values(d: OfferDraft) -> dict[str, Any]:
    return {
        "title": d.title,
        "kind": d.kind.value,
        "description": d.description,
        "target_group": d.target_group,
        "location": d.location,
        "start_on": d.start_on.isoformat() if d.start_on else None,
        "end_on": d.end_on.isoformat() if d.end_on else None,
        "sessions_planned": d.sessions_planned,
        "session_hours": d.session_hours,
        "household_id": d.household_id,
    }


def _offer(r: Row) -> Offer:
    return Offer(
        r["id"],
        OfferDraft(
            r["title"],
            OfferKind(r["kind"]),
            r["description"],
            r["target_group"],
            r["location"],
            _d(r["start_on"]),
            _d(r["end_on"]),
            r["sessions_planned"],
            r["session_hours"],
            r["household_id"],
        ),
        int(r["held"]),
    )


_OFFER_SELECT = (
    "SELECT o.*, (SELECT count(*) FROM offer_sessions s WHERE s.offer_id = o.id "
    "AND s.deleted = 0) AS held FROM offers o WHERE o.deleted = 0 "
)


def list_offers(
    db: Database, *, kind: OfferKind | None = None, household_id: str | None = None
) -> list[Offer]:
    sql = _OFFER_SELECT
    params: list[Any] = []
    if kind is not None:
        sql += "AND o.kind = ? "
        params.append(kind.value)
    if household_id is not None:
        sql += (
            "AND (o.household_id = ? OR o.id IN (SELECT offer_id FROM offer_attendance "
            "WHERE household_id = ? AND deleted = 0)) "
        )
        params += [household_id, household_id]
    sql += "ORDER BY o.kind, o.title, o.created_at"
    return [_offer(r) for r in db.query(sql, params)]


def get_offer(db: Database, offer_id: str) -> Offer | None:
    r = db.query_one(_OFFER_SELECT + "AND o.id = ?", (offer_id,))
    return None if r is None else _offer(r)


def insert_offer(w: RecordWriter, draft: OfferDraft) -> str:
    return w.insert("offers", "offer", offer_values(draft), scope_id=draft.household_id)


def update_offer(w: RecordWriter, offer: Offer, draft: OfferDraft) -> bool:
    current = w.db.query_one("SELECT * FROM offers WHERE id = ?", (offer.id,))
    assert current is not None
    return w.update(
        "offers",
        "offer",
        offer.id,
        offer_values(draft),
        scope_id=draft.household_id,
        current=dict(current),
    )


def insert_session(
    w: RecordWriter, offer: Offer, draft: SessionDraft, named: list[tuple[str, str, str, str, str]]
) -> str:
    """`named`: (person_id, household_id, age_group, gender, consent_basis) per named
    participant, already checked by the service."""
    sid = w.insert(
        "offer_sessions",
        "offer_session",
        {
            "offer_id": offer.id,
            "held_on": draft.held_on.isoformat(),
            "hours": draft.hours,
            "note": draft.note,
        },
        scope_id=offer.data.household_id,
    )
    for hc in draft.headcounts:
        w.insert(
            "offer_attendance",
            "offer_attendance",
            {
                "session_id": sid,
                "offer_id": offer.id,
                "age_group": hc.age_group.value,
                "gender": hc.gender.value,
                "count": hc.count,
                "person_id": None,
                "household_id": None,
                "consent_basis": "",
            },
        )
    for person_id, household_id, group, gender, basis in named:
        w.insert(
            "offer_attendance",
            "offer_attendance",
            {
                "session_id": sid,
                "offer_id": offer.id,
                "age_group": group,
                "gender": gender,
                "count": 1,
                "person_id": person_id,
                "household_id": household_id,
                "consent_basis": basis,
            },
            scope_id=household_id,
        )
    return sid


def sessions(db: Database, offer_id: str) -> list[OfferSession]:
    rows = db.query(
        "SELECT s.id, s.offer_id, s.held_on, s.hours, "
        "COALESCE(SUM(a.count), 0) AS total, "
        "COALESCE(SUM(CASE WHEN a.person_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS named "
        "FROM offer_sessions s LEFT JOIN offer_attendance a ON a.session_id = s.id "
        "AND a.deleted = 0 WHERE s.offer_id = ? AND s.deleted = 0 "
        "GROUP BY s.id ORDER BY s.held_on, s.created_at",
        (offer_id,),
    )
    return [
        OfferSession(
            r["id"],
            r["offer_id"],
            date.fromisoformat(r["held_on"]),
            r["hours"],
            int(r["total"]),
            int(r["named"]),
        )
        for r in rows
    ]


def named_participants(db: Database, session_id: str) -> list[str]:
    return [
        r[0]
        for r in db.query(
            "SELECT person_id FROM offer_attendance WHERE session_id = ? AND deleted = 0 "
            "AND person_id IS NOT NULL ORDER BY created_at",
            (session_id,),
        )
    ]


def training_progress(db: Database, household_id: str | None = None) -> list[TrainingProgress]:
    """Familientraining per family: distinct sessions held with the family (offer bound
    to the household, or the household attended by name) of the planned sessions."""
    sql = (
        "WITH fam AS ("
        " SELECT o.id AS offer_id, o.household_id AS hid, s.id AS sid, "
        "  COALESCE(s.hours, o.session_hours, 0) AS hours "
        " FROM offers o JOIN offer_sessions s ON s.offer_id = o.id AND s.deleted = 0 "
        " WHERE o.deleted = 0 AND o.kind = 'Familientraining' AND o.household_id IS NOT NULL "
        " UNION "
        " SELECT o.id, a.household_id, s.id, COALESCE(s.hours, o.session_hours, 0) "
        " FROM offers o JOIN offer_sessions s ON s.offer_id = o.id AND s.deleted = 0 "
        " JOIN offer_attendance a ON a.session_id = s.id AND a.deleted = 0 "
        " WHERE o.deleted = 0 AND o.kind = 'Familientraining' AND a.household_id IS NOT NULL) "
        "SELECT fam.hid, fam.offer_id, count(DISTINCT fam.sid) AS held, "
        " SUM(fam.hours) AS hours, COALESCE(o.sessions_planned, 10) AS planned "
        "FROM fam JOIN offers o ON o.id = fam.offer_id "
    )
    params: list[Any] = []
    if household_id is not None:
        sql += "WHERE fam.hid = ? "
        params.append(household_id)
    sql += "GROUP BY fam.hid, fam.offer_id ORDER BY fam.hid"
    return [
        TrainingProgress(
            r["hid"], r["offer_id"], int(r["held"]), int(r["planned"]), float(r["hours"] or 0)
        )
        for r in db.query(sql, params)
    ]
