"""Shared helpers for the § 8a tests (services, forms, CLI): a team of workers on one vault
and a procedure driven through the regular path. Holds no tests itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from casework.clock import BERLIN
from casework.models.contacts import NoteKind
from casework.models.households.person import HouseholdRole
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.actions import Measure, Mitteilung, SafetyPlan
from casework.models.kinderschutz.findings import (
    Assessment,
    Involvement,
    IsefConsultation,
    ModuleRating,
    Observation,
    Participant,
    Result,
)
from casework.models.kinderschutz.vocabulary import (
    Channel,
    InvolvementTarget,
    LegalBasis,
    Rating,
    ResultCategory,
    State,
)
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.services.persons import workers
from casework.services.session import Session
from tests.conftest import add_person, sign


@dataclass(frozen=True)
class Team:
    fk: WorkerId  # the vault owner "Lena Beispiel" (Fachkraft), case-leading
    fk2: WorkerId
    leitung: WorkerId
    leitung2: WorkerId
    isef: WorkerId  # internal insoweit erfahrene Fachkraft


def make_team(session: Session) -> Team:
    owner = session.actor_id
    fk2, _ = workers.create(session, WorkerDraft("Tom Zweitkraft", WorkerRole.FACHKRAFT))
    # The two Leitungen sign approvals: persons with their own key slots.
    leitung = add_person(session, "Dana Leitung", WorkerRole.LEITUNG)
    leitung2 = add_person(session, "Kai Vertretung", WorkerRole.LEITUNG)
    isef, _ = workers.create(session, WorkerDraft("Ina Kinderschutz", WorkerRole.FACHKRAFT))
    return Team(owner, fk2, leitung, leitung2, isef)


def child_ids(session: Session, household_id: HouseholdId) -> tuple[PersonId, ...]:
    return tuple(p.id for p in households.members(session, household_id)
                 if p.data.role is HouseholdRole.KIND)


def parent_ids(session: Session, household_id: HouseholdId) -> tuple[PersonId, ...]:
    return tuple(p.id for p in households.members(session, household_id)
                 if p.data.role is HouseholdRole.ELTERNTEIL)


def earlier(session: Session, hours: float = 1) -> datetime:
    return (session.clock.now() - timedelta(hours=hours)).astimezone(BERLIN)


def observe(session: Session, pid: str, text: str = "Lena kam am Montag ohne Jacke bei "
            "3 Grad in die Kita.", kind: NoteKind = NoteKind.FAKT, source: str = "",
            disputed: bool = False) -> str:
    eid, _ = ks.record_observation(session, pid, Observation(earlier(session, 2), kind, text,
                                                             source, disputed))
    return eid


def two_person_assessment(session: Session, team: Team, facts: tuple[str, ...],
                          summary: str = "Versorgung wiederholt unzureichend.") -> Assessment:
    return Assessment(
        earlier(session), (Participant("Lena Beispiel", "fallführende Fachkraft", team.fk),
                           Participant("Tom Zweitkraft", "Zweitkraft", team.fk2)),
        summary, instrument="Beispielbogen", instrument_version="1.0",
        ratings=(ModuleRating("Grundversorgung und Schutz", Rating.SCHLECHT),
                 ModuleRating("Erscheinungsbild Kind", Rating.AUSREICHEND)),
        resources="Großmutter unterstützt regelmäßig.", fact_ids=facts)


def isef_consultation(session: Session, team: Team | None = None) -> IsefConsultation:
    return IsefConsultation(
        session.clock.now().astimezone(BERLIN).date() - timedelta(days=1), "Ina Kinderschutz",
        "Beratungsstelle Kinderschutz (Beispiel)", True,
        "Schutzplan mit der Mutter vereinbaren, Überprüfung in 4 Wochen.",
        isef_worker_id=team.isef if team is not None else None)


def involve_both(session: Session, pid: str, household_id: HouseholdId) -> None:
    day = session.clock.now().astimezone(BERLIN).date() - timedelta(days=1)
    ks.record_involvement(session, pid, Involvement(
        InvolvementTarget.ELTERN, True, day, "Gespräch mit der Mutter über die Versorgung.",
        person_ids=parent_ids(session, household_id)))
    ks.record_involvement(session, pid, Involvement(
        InvolvementTarget.KIND, True, day, "Lena erzählt, dass sie oft friert.",
        person_ids=child_ids(session, household_id)))


def drive_to_s5(session: Session, team: Team, household_id: HouseholdId) -> tuple[str, str]:
    """Open a procedure and walk S0 → S5; returns (procedure id, fact id)."""
    pid, _ = ks.open_procedure(session, household_id, child_ids(session, household_id))
    fact = observe(session, pid)
    ks.transition(session, pid, State.S1)
    ks.transition(session, pid, State.S2)
    ks.record_assessment(session, pid, two_person_assessment(session, team, (fact,)))
    ks.transition(session, pid, State.S3)
    ks.record_isef(session, pid, isef_consultation(session, team))
    ks.transition(session, pid, State.S4)
    involve_both(session, pid, household_id)
    ks.transition(session, pid, State.S5)
    return pid, fact


def result(fact: str, category: ResultCategory = ResultCategory.LATENT,
           justification: str = "Latente Gefährdung durch unzureichende Versorgung.") -> Result:
    return Result(category, justification, (fact,))


def hand_over(session: Session, pid: str) -> None:
    """"An die Leitung geben" for the current result, as the acting worker (signed)."""
    ks.hand_over(session, pid, auth=sign(session))


def result_approved(session: Session, team: Team, pid: str) -> None:
    """Hand the current result over and let the Leitung approve it (the review gate)."""
    from casework.models.kinderschutz.review import ReviewKind
    from casework.services.kinderschutz import review

    hand_over(session, pid)
    me = session.actor_id
    session.act_as(team.leitung)
    item = next(v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.ERGEBNIS)
    review.approve(session, item.id, expected_hash=item.current_hash, auth=sign(session))
    session.act_as(me)


def plan(review: date) -> SafetyPlan:
    return SafetyPlan((Measure("Lena trägt in der Kita wetterfeste Kleidung.", "Mutter",
                               review - timedelta(days=7), "Rückmeldung der Kita",
                               "Information an das Jugendamt"),),
                      review, agreed_with="Mutter", agreed_on=review - timedelta(days=28))


def mitteilung(session: Session, **overrides: object) -> Mitteilung:
    values: dict[str, object] = {
        "informed_at": earlier(session, 0.5), "office": "Jugendamt – ASD Bezirk 6",
        "person": "ASD Bezirk 6 – Fachkraft", "channel": Channel.TELEFON,
        "content": "Schutzplan wurde nicht eingehalten; Gefährdung nicht anders abwendbar.",
        "legal_basis": LegalBasis.KKG_4_3,
        "prior_notice_on": session.clock.now().astimezone(BERLIN).date(),
    }
    values.update(overrides)
    return Mitteilung(**values)  # type: ignore[arg-type]
