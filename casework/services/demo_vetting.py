"""Demo examples of the § 72a register (issue 21): fictitious persons of the Träger with
every state the Leitung meets — cleared, renewal due soon, inspection missing before a
holiday camp, a minor volunteer turning 18, a volunteer without contact to children, an
activity that ended (deletion due) and a current certificate requested after concrete
indications. Written through the services (change log and audit hold); once per vault."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from casework.clock import local_today
from casework.models.vetting.register import (
    ActivityDraft,
    InspectionDraft,
    MemberDraft,
)
from casework.models.vetting.scheme import Answers, Engagement
from casework.services import vetting
from casework.services.session import Session

MARKER = "demo_vetting"

_GROUP_WORK = (("trust", "mittel"), ("power", "mittel"), ("age_gap", "hoch"),
               ("control", "mittel"), ("setting", "mittel"), ("frequency", "hoch"))


def add(session: Session) -> int:
    """Add the examples (only for a Leitung/Admin, once per vault); returns the number of
    persons added."""
    if session.vault.meta(MARKER) == "1" or not vetting.can_maintain(session):
        return 0
    today = local_today(session.clock)
    count = _add(session, today)
    with session.db.transaction():
        session.vault.set_meta(MARKER, "1")
    return count


def _ago(today: date, **kwargs: int) -> date:
    moment: date = today - relativedelta(**kwargs)
    return moment


def _ahead(today: date, **kwargs: int) -> date:
    moment: date = today + relativedelta(**kwargs)
    return moment


def _person(session: Session, name: str, engagement: Engagement,
            adult_on: date | None = None) -> str:
    member_id, _ = vetting.add_member(session, MemberDraft(name, engagement, adult_on))
    return member_id


def _activity(session: Session, member_id: str, title: str, starts: date,
              answers: Answers, ends: date | None = None) -> None:
    vetting.add_activity(session, ActivityDraft(member_id, title, starts, answers, ends))


def _inspect(session: Session, member_id: str, certificate: date, inspected: date) -> None:
    vetting.record_inspection(session, InspectionDraft(member_id, inspected, certificate, False))


def _add(session: Session, today: date) -> int:
    group = Answers(True, _GROUP_WORK, ("regular_group_lead",))
    # Paid staff, certificate from almost five years ago: renewal due soon.
    anna = _person(session, "Anna Hauptmann", Engagement.HAUPTAMTLICH)
    _activity(session, anna, "Quartiersarbeit mit Familien", _ago(today, years=5), group)
    certificate = _ago(today, years=5, days=-40)
    _inspect(session, anna, certificate, certificate + relativedelta(days=10))
    # A volunteer with regular homework help: inspected last year, cleared.
    jonas = _person(session, "Jonas Ehrenfeld", Engagement.EHRENAMTLICH)
    _activity(session, jonas, "Hausaufgabenhilfe", _ago(today, months=14),
              Answers(True, (*_GROUP_WORK, ("closeness", "gering")), ()))
    _inspect(session, jonas, _ago(today, months=14, days=20), _ago(today, months=14))
    # A minor volunteer reading to children: waiver for minors, turns 18 soon.
    mira = _person(session, "Mira Sommer", Engagement.EHRENAMTLICH,
                   adult_on=_ahead(today, days=45))
    _activity(session, mira, "Vorlesepatin", _ago(today, months=5), group)
    # A freelancer leading a holiday camp with overnight stays: inspection missing.
    tobias = _person(session, "Tobias Brandt", Engagement.HONORAR)
    _activity(session, tobias, "Ferienfreizeit (mit Übernachtung)", _ahead(today, days=20),
              Answers(True, (("span", "hoch"),), ("overnight", "multi_day_lead")),
              _ahead(today, days=27))
    # A volunteer of the Erzählcafé for adults: no contact to children.
    sabine = _person(session, "Sabine Alt", Engagement.EHRENAMTLICH)
    _activity(session, sabine, "Erzählcafé", _ago(today, years=1), Answers(False))
    # Side-job sports coach whose activity ended four months ago: records to delete.
    klaus = _person(session, "Klaus Ende", Engagement.NEBENAMTLICH)
    _activity(session, klaus, "Sport-AG", _ago(today, years=2), group,
              _ago(today, months=4))
    _inspect(session, klaus, _ago(today, years=2, days=20), _ago(today, years=2))
    # Concrete indications: a current certificate was requested a few days ago.
    peter = _person(session, "Peter Prüfer", Engagement.EHRENAMTLICH)
    _activity(session, peter, "Fußballtraining", _ago(today, years=1), group)
    _inspect(session, peter, _ago(today, years=1, days=30), _ago(today, years=1, days=5))
    vetting.record_indication(session, peter, _ago(today, days=4))
    return 7
