"""Hilfeplan: goals agreed with the family (SMART: what, measured by, by when, who does
what), progress and review entries (append-only), reviews due on Heute, minutes of a
Hilfeplangespräch that note which goals are not SMART yet, and the plain-language
Hilfeplan PDF for the family to sign.

Access log: `hilfeplan.print` (household id; no content).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from casework.clock import local_today
from casework.errors import NotFound, ValidationError
from casework.forms import hilfeplan as form
from casework.models.changes import Changes
from casework.models.goals import (
    MAX_TEXT,
    EntryKind,
    Goal,
    GoalDraft,
    GoalState,
    HilfeplanMeeting,
    smart_gaps,
    validated_entry,
)
from casework.models.households.household import HouseholdStatus
from casework.models.households.person import HouseholdRole
from casework.services.directory import vault_profile as directory
from casework.services.households import restriction as case_lifecycle
from casework.services.session import Session
from casework.storage import goals as store
from casework.storage import households as household_store
from casework.storage import persons as worker_store

KIND = "goal"


def get(session: Session, goal_id: str) -> Goal:
    found = store.get_goal(session.db, goal_id)
    if found is None:
        raise NotFound("Das Ziel")
    return found


def for_household(session: Session, household_id: str) -> list[Goal]:
    return store.goals_of(session.db, household_id)


def _members(session: Session, household_id: str) -> set[str]:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    case_lifecycle.require_unrestricted(session, household_id)
    if household.data.status is HouseholdStatus.ABGESCHLOSSEN:
        raise ValidationError("Ziel", "Der Fall ist abgeschlossen.")
    return {p.id for p in household_store.persons_of(session.db, household_id)}


def create(session: Session, draft: GoalDraft) -> tuple[str, Changes]:
    today = local_today(session.clock)
    with session.db.transaction():
        clean = draft.validated(_members(session, draft.household_id), today)
        gid = store.insert_goal(session.writer(), clean)
    return gid, Changes.of(KIND, gid) | Changes.of("household", draft.household_id)


def update(session: Session, goal_id: str, draft: GoalDraft) -> Changes:
    """Sharpen an open goal (the change log keeps every earlier wording)."""
    today = local_today(session.clock)
    with session.db.transaction():
        goal = get(session, goal_id)
        if not goal.is_open:
            raise ValidationError("Ziel", f"ist „{goal.state.value}“ und wird nicht mehr "
                                          "geändert.")
        draft = replace(draft, household_id=goal.data.household_id)
        clean = draft.validated(_members(session, goal.data.household_id), today)
        changed = store.update_goal(session.writer(), goal_id, clean)
    return Changes.of(KIND, goal_id) if changed else Changes()


def add_entry(session: Session, goal_id: str, kind: EntryKind, text: str = "", *,
              rating: int | None = None, state: GoalState | None = None,
              next_review_on: date | None = None, on: date | None = None) -> Changes:
    """A progress note, a review (optionally with the next review date) or the goal's
    closing with its result; append-only."""
    today = local_today(session.clock)
    day = on or today
    clean, rating, state = validated_entry(kind, text, rating, state, next_review_on, day,
                                           today)
    with session.db.transaction():
        goal = get(session, goal_id)
        if not goal.is_open:
            raise ValidationError("Ziel", f"ist bereits „{goal.state.value}“.")
        w = session.writer()
        eid = store.insert_entry(w, goal, kind, day, clean, rating, state, next_review_on)
        if state is not None:
            store.set_state(w, goal, state)
    return Changes.of(KIND, goal_id) | Changes.of("goal_entry", eid)


def open_for_closure(session: Session, household_id: str) -> list[str]:
    """Closure warning: goals still open."""
    count = sum(1 for g in for_household(session, household_id) if g.is_open)
    if not count:
        return []
    return ["1 offenes Ziel im Hilfeplan." if count == 1
            else f"{count} offene Ziele im Hilfeplan."]


@dataclass(frozen=True, slots=True)
class ReviewDue:
    goal: Goal
    household_name: str
    due_on: date


def reviews_due(session: Session, on: date | None = None, *,
                mine_only: bool = False) -> list[ReviewDue]:
    """Open goals whose review is due on `on` (default today) or overdue (Heute)."""
    day = on or local_today(session.clock)
    out = []
    for goal, name, worker in store.open_goals_of_running_households(session.db):
        due = goal.next_review
        if due is None or due > day:
            continue
        if mine_only and worker != session.actor_id:
            continue
        out.append(ReviewDue(goal, name, due))
    seen = case_lifecycle.visible_household_ids(session, [r.goal.data.household_id
                                                          for r in out])
    out = [r for r in out if r.goal.data.household_id in seen]
    out.sort(key=lambda r: (r.due_on, r.household_name))
    return out


# --------------------------------------------------------------------------- meetings


def record_meeting(session: Session, household_id: str, participants: str, notes: str, *,
                   on: date | None = None) -> tuple[str, Changes]:
    """Minutes of a Hilfeplangespräch; notes which open goals are not SMART yet."""
    today = local_today(session.clock)
    day = on or today
    if day > today:
        raise ValidationError("Datum", "liegt in der Zukunft.")
    who = participants.strip()
    if not who:
        raise ValidationError("Teilnehmende", "bitte angeben.")
    text = notes.strip()
    if len(text) > 4 * MAX_TEXT or len(who) > MAX_TEXT:
        raise ValidationError("Protokoll", "ist zu lang.")
    with session.db.transaction():
        _members(session, household_id)
        not_smart = [(g.data.what, smart_gaps(g.data))
                     for g in for_household(session, household_id)
                     if g.is_open and smart_gaps(g.data)]
        mid = store.insert_meeting(session.writer(), household_id, day, who, text, not_smart)
    return mid, Changes.of("hilfeplan_meeting", mid) | Changes.of("household", household_id)


def meetings(session: Session, household_id: str) -> list[HilfeplanMeeting]:
    return store.meetings_of(session.db, household_id)


# --------------------------------------------------------------------------- printing


def _progress_text(goal: Goal) -> str:
    rating = goal.last_rating
    last = next((e for e in reversed(goal.entries) if e.text), None)
    parts = []
    if rating is not None:
        parts.append(f"{rating} von 10")
    if last is not None:
        parts.append(f"{last.on:%d.%m.%Y}: {last.text}")
    return " – ".join(parts)


def hilfeplan_data(session: Session, household_id: str) -> form.HilfeplanData:
    household = household_store.get_household(session.db, household_id)
    if household is None:
        raise NotFound("Der Haushalt")
    persons = household_store.persons_of(session.db, household_id)
    first: dict[str, str] = {p.id: p.data.first_name for p in persons}
    goals = [g for g in for_household(session, household_id) if g.is_open]
    plan_goals = tuple(form.PlanGoal(
        g.data.what, g.data.measure,
        f"bis {g.data.due_on:%d.%m.%Y}" if g.data.due_on else "",
        g.data.responsibilities, ", ".join(first[p] for p in g.data.person_ids if p in first),
        tuple(gap.split(": ", 1)[-1] for gap in g.gaps),  # the family's words, no jargon
        _progress_text(g)) for g in goals)
    minutes = store.meetings_of(session.db, household_id)
    reviews = [d for d in (g.next_review for g in goals) if d is not None]
    worker_id = household.data.assigned_worker_id or session.actor_id
    worker = worker_store.get_worker(session.db, worker_id)
    signers = tuple(p.display_name for p in persons
                    if p.data.custody or (p.data.role is HouseholdRole.KIND
                                          and (p.data.birth.age_years(local_today(
                                              session.clock)) or 0) >= 14))
    prof = directory.active_profile(session)
    return form.HilfeplanData(
        organisation=prof.organisation, family_name=household.name,
        on=minutes[0].on if minutes else local_today(session.clock),
        worker=worker.name if worker is not None else "",
        participants=minutes[0].participants if minutes else "",
        goals=plan_goals, next_talk=min(reviews) if reviews else None, signers=signers,
        place=prof.city)


def print_hilfeplan(session: Session, household_id: str) -> bytes:
    data = hilfeplan_data(session, household_id)
    pdf = form.render_hilfeplan(data, session.clock)
    session.audit("hilfeplan.print", "household", household_id)
    return pdf
