"""What is due across features, for the Heute screen: overdue § 8a steps (first, they are
the most urgent), the Leitung's review queue, entries the Leitung returned, referral
follow-ups and consents to renew at 16, hand-overs offered to me and closures waiting for
the Leitung. Each item says when, for whom and what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.clock import BERLIN, local_today
from casework.models.persons.worker import WorkerRole
from casework.services import goals, milestones, referrals, vetting
from casework.services.consent import lifecycle as consent
from casework.services.households import lifecycle as case
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.kinderschutz import review
from casework.services.session import Session

# Sort order: child protection before everything else.
KINDERSCHUTZ, REVIEW, REFERRAL, CONSENT = 0, 1, 2, 3
VETTING_SCREEN = "fuehrungszeugnisse"
STAFF = 4  # § 72a register (Leitung/Admin): certificates due, records to delete


@dataclass(frozen=True, slots=True)
class AgendaItem:
    rank: int
    area: str  # German area label ("Kinderschutz", "Vermittlung", …)
    due: date | None
    overdue: bool
    household_id: str
    household_name: str
    text: str
    screen: str = ""  # an item without a family opens this screen (registry key)


def items(session: Session, on: date | None = None, *, mine_only: bool = False
          ) -> list[AgendaItem]:
    day = on or local_today(session.clock)
    out: list[AgendaItem] = []
    for step in kinderschutz.overdue(session, mine_only=mine_only):
        local = step.due_at.astimezone(BERLIN)
        out.append(AgendaItem(KINDERSCHUTZ, "Kinderschutz § 8a", local.date(), True,
                              step.household_id, step.household_name,
                              f"{step.label} (fällig {local:%d.%m.%Y %H:%M})"))
    if session.has_role(WorkerRole.LEITUNG):
        for view in review.queue(session):
            out.append(AgendaItem(REVIEW, "Freigabe Leitung", view.item.created_at.astimezone(
                BERLIN).date(), False, view.item.household_id, view.household_name,
                f"{view.label} – {view.status.value} (von {view.author_name})"))
    for view in review.returned(session, mine_only=True):
        comment = view.last_decision.comment if view.last_decision else ""
        out.append(AgendaItem(REVIEW, "Zurückgegeben", None, False, view.item.household_id,
                              view.household_name,
                              f"{view.label}: {comment}" if comment else view.label))
    for offer in case.handovers_to_me(session):
        out.append(AgendaItem(REVIEW, "Übergabe an mich", offer.created_at.astimezone(
            BERLIN).date(), False, offer.household_id, offer.household_name,
            f"von {offer.from_name or 'niemand'}: annehmen oder ablehnen – „{offer.note}“"))
    for request in case.closure_requests(session):
        out.append(AgendaItem(REVIEW, "Abschluss freigeben", request.request.on, False,
                              request.household_id, request.household_name,
                              f"{request.request.reason.value if request.request.reason else ''}"
                              f" (beantragt von {request.request.by_name})"))
    for due in goals.reviews_due(session, day, mine_only=mine_only):
        out.append(AgendaItem(REFERRAL, "Hilfeplan", due.due_on, due.due_on < day,
                              due.goal.data.household_id, due.household_name,
                              f"Überprüfung des Ziels: {due.goal.data.what}"))
    for milestone in milestones.due(session, day, mine_only=mine_only):
        out.append(AgendaItem(REFERRAL, milestone.kind.value, milestone.on,
                              milestone.overdue(day), milestone.household_id,
                              milestone.household_name,
                              f"{milestone.subject}: {milestone.what_follows}"))
    for follow_up in referrals.follow_ups_due(session, day):
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
    out.sort(key=lambda i: (i.rank, i.due or day, i.household_name))
    return out
