"""§ 8a deadlines: the vault's deadline profile (per local Vereinbarung, Leitung/Admin) and
the open steps of procedures with their deadlines, for the procedure view, Heute and the
Leitung's queue."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casework import resources
from casework.clock import BERLIN
from casework.errors import NotFound, UserError
from casework.models.changes import Changes
from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.deadlines import (
    DeadlineProfile,
    DueStep,
    InformationPolicy,
    deadline_profile_to_data,
    parse_deadline_profile,
)
from casework.models.kinderschutz.deadlines import (
    due_steps as compute_due_steps,
)
from casework.models.kinderschutz.procedure import ProcedureFile
from casework.models.persons.worker import WorkerRole
from casework.services.directory.shipped import holidays_for, load_profile
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import kinderschutz as store

_META_DEADLINES = "kinderschutz.deadline_profile"
DEFAULT_DEADLINE_PROFILE = "beispiel"


def _file(session: Session, procedure_id: str) -> ProcedureFile:
    file = store.load_file(session.db, procedure_id)
    if file is None:
        raise NotFound("Das § 8a-Verfahren")
    return file


def _shipped_deadline_profile(name: str) -> DeadlineProfile:
    folder = resources.files("deadlines")
    entry = folder.joinpath(f"{name}.json")
    if not name.replace("-", "").isalnum() or not entry.is_file():
        raise UserError(f"Das Fristenprofil „{name}“ gibt es nicht.")
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"Fristenprofil {name}.json: kein gültiges JSON "
                        f"(Zeile {error.lineno}).") from None
    return parse_deadline_profile(data)


def load_deadline_profile(name: str = DEFAULT_DEADLINE_PROFILE) -> DeadlineProfile:
    """A shipped deadline profile (`resources/deadlines/<name>.json`)."""
    return _shipped_deadline_profile(name)


def deadline_profile(session: Session) -> DeadlineProfile:
    """The vault's deadline profile: its own configuration if set, else the shipped
    example profile (non-binding example values, LR-13)."""
    stored = session.vault.meta(_META_DEADLINES)
    if stored:
        return parse_deadline_profile(json.loads(stored))
    return load_deadline_profile()


def set_deadline_profile(session: Session, data: Mapping[str, Any]) -> Changes:
    """Configure the deadlines per local Vereinbarung (Leitung/Admin). Logged (LR-13)."""
    session.require_role(WorkerRole.LEITUNG, WorkerRole.ADMIN)
    profile = parse_deadline_profile(data)
    text = json.dumps(deadline_profile_to_data(profile), ensure_ascii=False, sort_keys=True)
    with session.db.transaction():
        session.vault.set_meta(_META_DEADLINES, text)
        session.writer().log_only("ks_deadline_profile", profile.name, "update",
                                  deadline_profile_to_data(profile))
        session.audit("kinderschutz.deadline_profile.change", "ks_deadline_profile",
                      profile.name)
    return Changes.of("kinderschutz_deadlines", profile.name)


def set_information_policy(session: Session, policy: InformationPolicy,
                           working_days: int = 0) -> Changes:
    """Choose when the Jugendamt is informed (the local cooperation agreement decides):
    "unverzüglich" once weighty indications are known (a reminder due after
    `working_days`, 0 = the same working day), or at the later step. Leitung/Admin."""
    data = deadline_profile_to_data(deadline_profile(session))
    data["jugendamt_information"] = InformationPolicy(policy).value
    data["jugendamt_information_working_days"] = working_days
    return set_deadline_profile(session, data)


def due_steps(session: Session, procedure_id: str) -> list[DueStep]:
    """Open steps of one procedure with their deadlines (soonest first)."""
    file = _file(session, procedure_id)
    return compute_due_steps(file, deadline_profile(session), session.clock.now(),
                             holidays_for(load_profile(session.profile_name).holiday_subdivision),
                             review.acknowledged_kinds(session, procedure_id))


@dataclass(frozen=True, slots=True)
class OverdueStep:
    """An overdue step for Heute and the Leitung's queue."""

    procedure_id: str
    household_id: HouseholdId
    household_name: str
    lead_worker_id: WorkerId
    key: str
    label: str
    due_at: datetime  # Europe/Berlin
    overdue: bool = True


def overdue(session: Session, *, mine_only: bool = False) -> list[OverdueStep]:
    """Overdue steps of all open procedures at the session clock's "now", most overdue
    first. With `mine_only`, only procedures the acting worker leads."""
    return [s for s in due_until(session, None, mine_only=mine_only) if s.overdue]


def due_until(session: Session, until: datetime | None, *,
              mine_only: bool = False) -> list[OverdueStep]:
    """Open steps of all open procedures due before `until` (None: only overdue ones),
    overdue included and marked, soonest first: Schutzplan measures and reviews, the
    acute follow-ups, the deadline profile's steps (Heute looks ahead with it)."""
    profile = deadline_profile(session)
    holidays = holidays_for(load_profile(session.profile_name).holiday_subdivision)
    now = session.clock.now()
    out: list[OverdueStep] = []
    files = [_file(session, pid) for pid in store.open_procedure_ids(session.db)]
    files = [f for f in files if not mine_only or f.procedure.lead_worker_id == session.actor_id]
    # household labels for all procedures at once (same-surname families, issue 18)
    labels = household_store.household_labels(
        session.db, sorted({f.procedure.household_id for f in files}))
    for file in files:
        pid = file.procedure.id
        name = labels.get(file.procedure.household_id, "")
        for step in compute_due_steps(file, profile, now, holidays,
                                      review.acknowledged_kinds(session, pid)):
            if step.overdue or (until is not None and step.due_at < until):
                out.append(OverdueStep(pid, file.procedure.household_id, name,
                                       file.procedure.lead_worker_id, step.key, step.label,
                                       step.due_at.astimezone(BERLIN), step.overdue))
    out.sort(key=lambda s: s.due_at)
    return out


