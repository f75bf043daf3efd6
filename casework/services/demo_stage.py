"""The stage the demo's example cases are written on: a clock that stands at chosen past
moments, the people who act and sign, and the fictitious families with their first
contacts (used by `demo_showcase` and `demo_kinderschutz`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from casework.clock import BERLIN, Clock
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import AccessRoute, HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.persons.worker import Worker
from casework.services import contacts, persons
from casework.services.households import households
from casework.services.session import Session


class StageClock:
    """Stands at a chosen past moment while the showcase is written; otherwise real."""

    def __init__(self, real: Clock) -> None:
        self.real = real
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment if self.moment is not None else self.real.now()


@dataclass
class Stage:
    session: Session
    clock: StageClock
    today: date
    now: datetime
    lead: WorkerId  # the Fachkraft who leads the cases (the vault owner)
    leitung: WorkerId
    colleague: Worker
    teilhabe_workers: tuple[WorkerId, ...]
    leitung_key: bytearray  # her unwrapped signing key, wiped when the showcase is done
    fingerprint: str
    lead_key: bytearray  # the lead's signing key (she hands results to the Leitung)
    lead_fingerprint: str
    households: list[HouseholdId] = field(default_factory=list)

    def sign_lead(self) -> persons.Authorization:
        """The lead's authorization for one act (her passphrase is the Leitung's here)."""
        return persons.Authorization(self.lead, bytearray(self.lead_key),
                                     self.lead_fingerprint)

    def sign(self) -> persons.Authorization:
        """The Leitung's authorization for one act: her key was unwrapped once with her
        passphrase (one Argon2id run instead of one per approval)."""
        return persons.Authorization(self.leitung, bytearray(self.leitung_key),
                                     self.fingerprint)

    def at(self, days_ago: int, hour: int = 10, minute: int = 0) -> date:
        """Move the stage clock to `days_ago` days before today at hh:mm (local)."""
        day = self.today - timedelta(days=days_ago)
        moment = datetime.combine(day, time(hour, minute), BERLIN)
        latest = self.now - timedelta(minutes=30)
        if moment > latest:  # "today" but the hour has not come yet
            moment = latest.astimezone(BERLIN)
        self.clock.moment = moment.astimezone(UTC)
        return moment.date()

    def moment(self, days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour), BERLIN)

    def day(self, days: int) -> date:
        """A day relative to today (negative: in the past)."""
        return self.today + timedelta(days=days)

    @contextmanager
    def acting(self, worker_id: WorkerId) -> Iterator[None]:
        before = self.session.actor_id
        self.session.act_as(worker_id)
        try:
            yield
        finally:
            self.session.act_as(before)


def born(stage: Stage, years: int, days: int = 0) -> BirthInfo:
    """Born so that the person is `years` old today, `days` after that birthday."""
    birthday: date = stage.today - relativedelta(years=years) - timedelta(days=days)
    return BirthInfo(birth_date=birthday)


@dataclass(frozen=True)
class Family:
    id: HouseholdId
    parent: PersonId
    children: tuple[PersonId, ...]


def family(stage: Stage, name: str, street: str, district: str, plz: str, parent: str,
            kids: tuple[tuple[str, Gender, int, int], ...], *, since_days: int = 400,
            languages: tuple[str, ...] = ("Deutsch",),
            targets: frozenset[TargetGroup] = frozenset()) -> Family:
    s = stage.session
    youngest = min((stage.today - born(stage, age, days).birth_date).days  # type: ignore[operator]
                   for _, _, age, days in kids)
    stage.at(min(since_days, youngest - 10), 9)
    hid, _ = households.create(s, HouseholdDraft(
        name=name, street=street, plz=plz, city="Bottrop", district=district,
        languages=languages, target_groups=targets, access_route=AccessRoute.KOMM,
        assigned_worker_id=stage.lead))
    pid, _ = households.add_person(s, hid, PersonDraft(
        parent, name, born(stage, 34, 120), Gender.WEIBLICH, HouseholdRole.ELTERNTEIL,
        custody=True))
    children = []
    for first, gender, age, days in kids:
        cid, _ = households.add_person(s, hid, PersonDraft(
            first, name, born(stage, age, days), gender, HouseholdRole.KIND))
        children.append(cid)
    stage.households.append(hid)
    return Family(hid, pid, tuple(children))


def contact(stage: Stage, family: Family, days_ago: int, kind: ContactType, text: str,
             *, next_steps: str = "", follow_up_in: int | None = None, hour: int = 10) -> None:
    stage.at(days_ago, hour)
    occurred = stage.moment(days_ago, hour)
    occurred = min(occurred, stage.now - timedelta(minutes=30))
    follow_up = None if follow_up_in is None else stage.day(follow_up_in)
    contacts.log_contact(stage.session, family.id, ContactDraft(
        occurred_at=occurred, type=kind, duration_min=45,
        persons_present=(family.parent,), notes=(NoteEntry(NoteKind.BEOBACHTUNG, text),),
        next_steps=next_steps, follow_up=follow_up))
