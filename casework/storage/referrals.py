"""Referrals and their append-only steps (tables of migration m0033)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from casework.clock import from_utc_iso
from casework.models.consent import StatutoryBasis
from casework.models.referrals import (
    Recipient,
    RecipientKind,
    Referral,
    ReferralDraft,
    ReferralState,
    ReferralStep,
    ShareField,
    StatutoryTransfer,
)
from casework.storage.changelog import RecordWriter
from casework.storage.db import Database, Row


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def referral_values(d: ReferralDraft) -> dict[str, Any]:
    r = d.recipient
    return {"household_id": d.household_id, "person_ids": json.dumps(list(d.person_ids)),
            "recipient_type": r.kind.value, "recipient_label": r.label,
            "recipient_ref": r.ref, "recipient_contact": r.contact,
            "consent_recipient": r.consent_recipient, "reason": d.reason, "offer": d.offer,
            "purpose_key": d.purpose_key, "purpose_detail": d.purpose_detail,
            "share_fields": json.dumps(sorted(s.value for s in d.share), ensure_ascii=False),
            "note": d.note}


def insert_referral(w: RecordWriter, draft: ReferralDraft, referred_on: date) -> str:
    values = referral_values(draft)
    values.update(referred_on=referred_on.isoformat(),
                  state=ReferralState.VORGESCHLAGEN.value)
    return w.insert("referrals", "referral", values, scope_id=draft.household_id)


def update_referral(w: RecordWriter, referral_id: str, draft: ReferralDraft) -> bool:
    current = w.db.query_one("SELECT * FROM referrals WHERE id = ?", (referral_id,))
    assert current is not None
    return w.update("referrals", "referral", referral_id, referral_values(draft),
                    scope_id=draft.household_id, current=dict(current))


def set_state(w: RecordWriter, referral_id: str, household_id: str,
              state: ReferralState) -> None:
    """Refresh the derived-state cache (see the migration's docstring)."""
    current = w.db.query_one("SELECT state FROM referrals WHERE id = ?", (referral_id,))
    assert current is not None
    w.update("referrals", "referral", referral_id, {"state": state.value},
             scope_id=household_id, current=dict(current))


def insert_step(w: RecordWriter, referral_id: str, household_id: str, kind: str, on: date, *,
                text: str = "", feedback: str = "", follow_up_set: bool = False,
                follow_up_on: date | None = None,
                statutory: StatutoryTransfer | None = None,
                consent_refs: Sequence[tuple[str, str]] = (),
                sent_person_ids: Sequence[str] = (), attachment_id: str | None = None,
                content_hash: str = "") -> str:
    return w.insert("referral_steps", "referral_step", {
        "referral_id": referral_id, "household_id": household_id, "kind": kind,
        "on_date": on.isoformat(), "text": text, "feedback": feedback,
        "follow_up_set": int(follow_up_set), "follow_up_on": _iso(follow_up_on),
        "basis": statutory.basis.name if statutory else "",
        "informed_on": _iso(statutory.informed_on) if statutory else None,
        "not_informed_reason": statutory.not_informed_reason if statutory else "",
        "consent_refs": json.dumps([list(p) for p in consent_refs]),
        "sent_person_ids": json.dumps(list(sent_person_ids)),
        "attachment_id": attachment_id, "content_hash": content_hash,
    }, scope_id=household_id)


def _step(r: Row) -> ReferralStep:
    statutory = None
    if r["basis"]:
        statutory = StatutoryTransfer(StatutoryBasis[r["basis"]], _d(r["informed_on"]),
                                      r["not_informed_reason"])
    return ReferralStep(
        r["id"], r["kind"], date.fromisoformat(r["on_date"]), from_utc_iso(r["created_at"]),
        r["created_by"], r["by_name"] or "", r["text"], r["feedback"],
        bool(r["follow_up_set"]), _d(r["follow_up_on"]), statutory,
        tuple((str(p), str(c)) for p, c in json.loads(r["consent_refs"])),
        tuple(json.loads(r["sent_person_ids"])), r["attachment_id"] or None,
        r["content_hash"] or "")


def _referral(r: Row, steps: Iterable[ReferralStep]) -> Referral:
    recipient = Recipient(RecipientKind(r["recipient_type"]), r["recipient_label"],
                          r["recipient_ref"], r["recipient_contact"], r["consent_recipient"])
    draft = ReferralDraft(
        r["household_id"], tuple(json.loads(r["person_ids"])), recipient, r["reason"],
        r["offer"], r["purpose_key"], r["purpose_detail"],
        frozenset(ShareField(s) for s in json.loads(r["share_fields"])), r["note"])
    return Referral(r["id"], draft, date.fromisoformat(r["referred_on"]), r["created_by"],
                    tuple(steps))


def _load(db: Database, where: str, params: Sequence[Any]) -> list[Referral]:
    rows = db.query(f"SELECT * FROM referrals WHERE deleted = 0 AND {where} "
                    "ORDER BY referred_on DESC, created_at DESC", params)
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    steps: dict[str, list[ReferralStep]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" for _ in part)
        for s in db.query(
                "SELECT s.*, w.name AS by_name FROM referral_steps s "
                "LEFT JOIN workers w ON w.id = s.created_by "
                f"WHERE s.deleted = 0 AND s.referral_id IN ({marks}) "
                "ORDER BY s.version", part):
            steps[s["referral_id"]].append(_step(s))
    return [_referral(r, steps[r["id"]]) for r in rows]


def get_referral(db: Database, referral_id: str) -> Referral | None:
    found = _load(db, "id = ?", (referral_id,))
    return found[0] if found else None


def referrals_of_household(db: Database, household_id: str) -> list[Referral]:
    return _load(db, "household_id = ?", (household_id,))


def all_referrals(db: Database) -> list[Referral]:
    return _load(db, "1", ())


def referred_between(db: Database, first: date, last: date) -> list[Referral]:
    return _load(db, "referred_on BETWEEN ? AND ?", (first.isoformat(), last.isoformat()))


def household_names(db: Database, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    out: dict[str, str] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        marks = ",".join("?" for _ in part)
        for r in db.query(f"SELECT id, name FROM households WHERE id IN ({marks})",
                          part):
            out[str(r["id"])] = str(r["name"])
    return out
