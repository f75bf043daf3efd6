"""What is due across features, for the Heute screen: overdue § 8a steps (first, they are
the most urgent), the Leitung's review queue, entries the Leitung returned, referral
follow-ups and consents to renew at 16, hand-overs offered to me and closures waiting for
the Leitung. Each item says when, for whom and what."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from casework.clock import BERLIN, local_today
from casework.models.kinderschutz.review import ReviewStatus
from casework.models.persons.worker import WorkerRole
from casework.services import goals, milestones, referrals_reading, vetting
from casework.services.consent import lifecycle as consent
from casework.services.households import lifecycle as case
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.storage import households as household_store

# Sort order: child protection before everything else.
KINDERSCHUTZ, REVIEW, REFERRAL, CONSENT = 0, 1, 2, 3
VETTING_SCREEN = "fuehrungszeugnisse"
STAFF = 4  # § 72a register (Leitung/Admin): certificates due, records to delete

# How far Heute looks ahead (days): what is due within it shows under "diese Woche" or
# "demnächst", so a Schutzplan measure due in 9 days is not hidden until its day.
HORIZON_DAYS = 14

# Groups of the Heute list, in display order.
OVERDUE, TODAY, WEEK, SOON, UNDATED = ("überfällig", "heute", "diese Woche", "demnächst",
                                       "ohne Datum")
GROUPS = (OVERDUE, TODAY, WEEK, SOON, UNDATED)


def group_of(due: date | None, overdue: bool, today: date) -> str:
    """Which Heute group an item falls into: overdue, today, within 7 days, later."""
    if overdue or (due is not None and due < today):
        return OVERDUE
    if due is None:
        return UNDATED
    if due == today:
        return TODAY
    if due <= today + timedelta(days=7):
        return WEEK
    return SOON


@dataclass(frozen=True, slots=True)
class AgendaItem:
    rank: int
    area: str  # German area label ("Kinderschutz", "Vermittlung", …)
    due: date | None
    overdue: bool
    household_id: str
    household_name: str
    text: str
    group: str = OVERDUE  # one of GROUPS (set by `items`)
    procedure_id: str = ""  # a § 8a step: the procedure it belongs to
    screen: str = ""  # an item without a family opens this screen (registry key)


def items(session: Session, on: date | None = None, *, mine_only: bool = False,
          horizon_days: int = HORIZON_DAYS) -> list[AgendaItem]:
    """Everything due up to `horizon_days` ahead (and everything overdue), grouped into
    überfällig / heute / diese Woche / demnächst; within a group child protection first,
    then by date."""
    day = on or local_today(session.clock)
    horizon = day + timedelta(days=horizon_days)
    until = datetime.combine(horizon + timedelta(days=1), time.min, BERLIN)
    out: list[AgendaItem] = []
    for step in ks_deadlines.due_until(session, until, mine_only=mine_only):
        local = step.due_at.astimezone(BERLIN)
        out.append(AgendaItem(KINDERSCHUTZ, "Kinderschutz § 8a", local.date(), step.overdue,
                              step.household_id, step.household_name,
                              f"{step.label} (fällig {local:%d.%m.%Y %H:%M})",
                              procedure_id=step.procedure_id))
    if session.has_role(WorkerRole.LEITUNG):
        for view in review.queue(session):
            out.append(AgendaItem(REVIEW, "Freigabe Leitung", review.arrived_at(view).astimezone(
                BERLIN).date(), False, view.item.household_id, view.household_name,
                f"{view.label} – {view.status.value} (von {view.author_name})"))
    for view in review.returned(session, mine_only=True):
        comment = view.last_decision.comment if view.last_decision else ""
        out.append(AgendaItem(REVIEW, "Zurückgegeben", None, False, view.item.household_id,
                              view.household_name,
                              f"{view.label}: {comment}" if comment else view.label))
    for view in review.waiting(session):  # results not yet handed to the Leitung
        if view.status is ReviewStatus.IN_ARBEIT:
            out.append(AgendaItem(REVIEW, "An die Leitung geben", None, False,
                                  view.item.household_id, view.household_name,
                                  f"{view.label}: noch an die Leitung geben",
                                  procedure_id=view.item.procedure_id))
    for offer in case.handovers_to_me(session):
        out.append(AgendaItem(REVIEW, "Übergabe an mich", offer.created_at.astimezone(
            BERLIN).date(), False, offer.household_id, offer.household_name,
            f"von {offer.from_name or 'niemand'}: annehmen oder ablehnen – „{offer.note}“"))
    for request in case.closure_requests(session):
        out.append(AgendaItem(REVIEW, "Abschluss freigeben", request.request.on, False,
                              request.household_id, request.household_name,
                              f"{request.request.reason.value if request.request.reason else ''}"
                              f" (beantragt von {request.request.by_name})"))
    for due in goals.reviews_due(session, horizon, mine_only=mine_only):
        out.append(AgendaItem(REFERRAL, "Hilfeplan", due.due_on, due.due_on < day,
                              due.goal.data.household_id, due.household_name,
                              f"Überprüfung des Ziels: {due.goal.data.what}"))
    for milestone in milestones.due(session, day, mine_only=mine_only):
        out.append(AgendaItem(REFERRAL, milestone.kind.value, milestone.on,
                              milestone.overdue(day), milestone.household_id,
                              milestone.household_name,
                              f"{milestone.subject}: {milestone.what_follows}"))
    for follow_up in referrals_reading.follow_ups_due(session, horizon):
        out.append(AgendaItem(REFERRAL, "Vermittlung", follow_up.due_on,
                              follow_up.due_on < day, follow_up.household_id,
                              follow_up.household_name,
                              f"{follow_up.recipient} – {follow_up.state}"))
    for row in consent.renewals_due(session, day):
        out.append(AgendaItem(CONSENT, "Einwilligung erneuern", row.consent.renewal_on,
                              False, row.consent.household_id, row.household_name,
                              f"{row.person_name} ist 16: selbst einwilligen lassen "
                              f"({row.purposes})"))
    staff_due = vetting.due(session, day)
    if staff_due:  # one line for the whole register; the screen lists each person
        late = sum(1 for d in staff_due if d.overdue(day))
        listed = "; ".join(f"{d.kind.value}: {d.member_name}" for d in staff_due[:3])
        more = f"; … und {len(staff_due) - 3} weitere" if len(staff_due) > 3 else ""
        count = f"{len(staff_due)} fällig" + (f", {late} überfällig" if late else "")
        out.append(AgendaItem(STAFF, "Führungszeugnisse", staff_due[0].on, bool(late), "", "",
                              f"{count} – {listed}{more}", screen=VETTING_SCREEN))
    # Families with the same surname stay apart (issue 18): every item is named by the
    # household label, looked up for all items at once.
    labels = household_store.household_labels(
        session.db, sorted({i.household_id for i in out if i.household_id}))
    # Hand-overs, approvals and returned entries have no deadline: they are to do now.
    grouped = [replace(i, household_name=labels.get(i.household_id, i.household_name),
                       group=TODAY if i.rank == REVIEW else group_of(i.due, i.overdue, day))
               for i in out]
    # newest overdue first (today's misses before last year's); ahead: soonest first
    grouped.sort(key=lambda i: (GROUPS.index(i.group), i.rank,
                                -(i.due or day).toordinal() if i.group == OVERDUE
                                else (i.due or day).toordinal(), i.household_name))
    return grouped
