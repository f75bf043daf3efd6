"""A fixed, small set of fictitious cases that makes every screen of the demo vault show
something: § 8a procedures in several states (one waiting for the Leitung), consents
(given, withdrawn, renewal due at 16, printed and not yet signed), referrals in every
state, Teilhabe caseloads near and over capacity with a waiting list, and group offers
with attendance.

Everything is created through the same services the app uses, so every rule, the change
log and the audit log hold. Dates are relative to the session clock's today: a stage
clock steps through the past moments at which each thing "happened". The set does not
grow with the number of demo families (the benchmark fills 20,000 households).
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from casework.clock import BERLIN, Clock, local_today
from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.directory.reporting import FundingLine, FundingLogo, FundingPeriod
from casework.models.households.household import AccessRoute, HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, PersonId, WorkerId
from casework.models.kinderschutz.actions import Measure, Mitteilung, Note, SafetyPlan
from casework.models.kinderschutz.findings import (
    Assessment,
    Involvement,
    IsefConsultation,
    ModuleRating,
    Observation,
    Participant,
    Result,
)
from casework.models.kinderschutz.review import QUEUE_STATUSES, ReviewKind
from casework.models.kinderschutz.vocabulary import (
    Channel,
    InvolvementTarget,
    LegalBasis,
    Rating,
    ResultCategory,
    State,
)
from casework.models.offers import AgeGroup, AttendeeGender, Headcount, OfferDraft, OfferKind
from casework.models.offers import SessionDraft as OfferSessionDraft
from casework.models.persons.worker import Worker
from casework.models.referrals import Recipient, ReferralDraft
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import PROGRAMME, Exclusion, ResidenceRecord, TmStatus
from casework.models.teilhabe.funding import (
    ExclusionFact,
)
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
    Outcome,
)
from casework.services import contacts, offers, persons, referrals, teilhabe
from casework.services.consent import lifecycle as consent
from casework.services.directory import vault_profile
from casework.services.households import households
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.storage import crypto

# The Leitung of the demo team; its presence marks a vault that already has the team.
LEITUNG_NAME = "Dr. Petra Probe"
TEAM = "Team Süd"


class _StageClock:
    """Stands at a chosen past moment while the showcase is written; otherwise real."""

    def __init__(self, real: Clock) -> None:
        self.real = real
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment if self.moment is not None else self.real.now()


@dataclass
class _Stage:
    session: Session
    clock: _StageClock
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


# --------------------------------------------------------------------------- households


def _born(stage: _Stage, years: int, days: int = 0) -> BirthInfo:
    """Born so that the person is `years` old today, `days` after that birthday."""
    birthday: date = stage.today - relativedelta(years=years) - timedelta(days=days)
    return BirthInfo(birth_date=birthday)


@dataclass(frozen=True)
class _Family:
    id: HouseholdId
    parent: PersonId
    children: tuple[PersonId, ...]


def _family(stage: _Stage, name: str, street: str, district: str, plz: str, parent: str,
            kids: tuple[tuple[str, Gender, int, int], ...], *, since_days: int = 400,
            languages: tuple[str, ...] = ("Deutsch",),
            targets: frozenset[TargetGroup] = frozenset()) -> _Family:
    s = stage.session
    youngest = min((stage.today - _born(stage, age, days).birth_date).days  # type: ignore[operator]
                   for _, _, age, days in kids)
    stage.at(min(since_days, youngest - 10), 9)
    hid, _ = households.create(s, HouseholdDraft(
        name=name, street=street, plz=plz, city="Bottrop", district=district,
        languages=languages, target_groups=targets, access_route=AccessRoute.KOMM,
        assigned_worker_id=stage.lead))
    pid, _ = households.add_person(s, hid, PersonDraft(
        parent, name, _born(stage, 34, 120), Gender.WEIBLICH, HouseholdRole.ELTERNTEIL,
        custody=True))
    children = []
    for first, gender, age, days in kids:
        cid, _ = households.add_person(s, hid, PersonDraft(
            first, name, _born(stage, age, days), gender, HouseholdRole.KIND))
        children.append(cid)
    stage.households.append(hid)
    return _Family(hid, pid, tuple(children))


def _contact(stage: _Stage, family: _Family, days_ago: int, kind: ContactType, text: str,
             *, next_steps: str = "", follow_up_in: int | None = None, hour: int = 10) -> None:
    stage.at(days_ago, hour)
    occurred = stage.moment(days_ago, hour)
    occurred = min(occurred, stage.now - timedelta(minutes=30))
    follow_up = None if follow_up_in is None else stage.day(follow_up_in)
    contacts.log_contact(stage.session, family.id, ContactDraft(
        occurred_at=occurred, type=kind, duration_min=45,
        persons_present=(family.parent,), notes=(NoteEntry(NoteKind.BEOBACHTUNG, text),),
        next_steps=next_steps, follow_up=follow_up))


# --------------------------------------------------------------------------- § 8a


def _observe(stage: _Stage, pid: str, days_ago: int, text: str,
             kind: NoteKind = NoteKind.FAKT, source: str = "") -> str:
    stage.at(days_ago, 11)
    eid, _ = ks.record_observation(stage.session, pid, Observation(
        stage.moment(days_ago, 9), kind, text, source))
    return eid


def _assess(stage: _Stage, pid: str, days_ago: int, facts: tuple[str, ...],
            summary: str) -> None:
    stage.at(days_ago, 14)
    me = stage.session.actor
    ks.record_assessment(stage.session, pid, Assessment(
        stage.moment(days_ago, 13),
        (Participant(me.name, "fallführende Fachkraft", me.id),
         Participant(stage.colleague.name, "Zweitkraft", stage.colleague.id)),
        summary, instrument="Beispielbogen", instrument_version="1.0",
        ratings=(ModuleRating("Grundversorgung und Schutz", Rating.SCHLECHT),
                 ModuleRating("Erscheinungsbild Kind", Rating.AUSREICHEND)),
        resources="Die Großmutter unterstützt regelmäßig.", fact_ids=facts))


def _isef(stage: _Stage, pid: str, days_ago: int) -> None:
    stage.at(days_ago, 15)
    ks.record_isef(stage.session, pid, IsefConsultation(
        stage.day(-days_ago), "Frau Beispiel-Rat (iseF)",
        "Beratungsstelle Kinderschutz (Beispiel)", True,
        "Mit der Mutter einen Schutzplan vereinbaren, Überprüfung in vier Wochen."))


def _involve(stage: _Stage, family: _Family, pid: str, days_ago: int,
             child_text: str) -> None:
    stage.at(days_ago, 16)
    on = stage.day(-days_ago)
    ks.record_involvement(stage.session, pid, Involvement(
        InvolvementTarget.ELTERN, True, on, "Gespräch mit der Mutter über die Versorgung.",
        person_ids=(family.parent,)))
    ks.record_involvement(stage.session, pid, Involvement(
        InvolvementTarget.KIND, True, on, child_text,
        person_ids=family.children[:1]))


def _approve_all(stage: _Stage, pid: str, days_ago: int) -> None:
    stage.at(days_ago, 17)
    with stage.acting(stage.leitung):
        for view in review.items_for(stage.session, pid):
            if view.status in QUEUE_STATUSES:
                review.approve(stage.session, view.id, expected_hash=view.current_hash,
                               auth=stage.sign())


def _to_result(stage: _Stage, family: _Family, start: int, text: str,
               category: ResultCategory, justification: str,
               child_text: str = "Das Kind erzählt offen vom Alltag zu Hause.") -> str:
    """Open a procedure `start` days ago and walk it to a recorded result (S5)."""
    s = stage.session
    stage.at(start, 10)
    pid, _ = ks.open_procedure(s, family.id, family.children[:1])
    fact = _observe(stage, pid, start, text)
    stage.at(start, 12)
    ks.transition(s, pid, State.S1)
    _approve_all(stage, pid, start)
    stage.at(start - 1, 9)
    ks.transition(s, pid, State.S2)
    _assess(stage, pid, start - 1, (fact,), "Versorgung wiederholt unzureichend.")
    stage.at(start - 2, 9)
    ks.transition(s, pid, State.S3)
    _isef(stage, pid, start - 3)
    stage.at(start - 4, 9)
    ks.transition(s, pid, State.S4)
    _involve(stage, family, pid, start - 5, child_text)
    stage.at(start - 6, 9)
    ks.transition(s, pid, State.S5)
    ks.record_result(s, pid, Result(category, justification, (fact,)))
    ks.hand_over(s, pid, auth=stage.sign_lead())  # "An die Leitung geben"
    return pid


def _kinderschutz(stage: _Stage, families: dict[str, _Family]) -> None:
    s = stage.session
    # 1. Result recorded, waiting for the Leitung's approval (her Heute queue).
    _to_result(stage, families["Kaya"], 12,
               "Amira kam in dieser Woche dreimal ohne Frühstück und ohne Jacke in die Kita.",
               ResultCategory.HILFEBEDARF,
               "Keine Gefährdung, aber die Mutter braucht Unterstützung bei der Tagesstruktur.")

    # 2. Schutzplan in force, its review due in a few days.
    neumann = families["Neumann"]
    pid = _to_result(stage, neumann, 40,
                     "Paul berichtet, dass er abends oft allein ist und nichts zu essen hat.",
                     ResultCategory.LATENT,
                     "Latente Gefährdung durch unzureichende Versorgung am Abend.")
    _approve_all(stage, pid, 34)
    stage.at(33, 9)
    ks.transition(s, pid, State.S6)
    ks.save_plan(s, pid, SafetyPlan(
        (Measure("Paul isst montags bis freitags in der Offenen Ganztagsschule zu Abend.",
                 "Mutter", stage.day(2), "Rückmeldung der OGS", "Information an das Jugendamt"),
         Measure("Die Mutter nimmt die Erziehungsberatung in Anspruch.", "Mutter",
                 stage.day(9), "Bestätigung der Beratungsstelle",
                 "erneute Gefährdungseinschätzung")),
        stage.day(4), agreed_with="Mutter", agreed_on=stage.day(-33)))

    # 2b. A result the Leitung returned with a comment: back with the Fachkraft.
    sommer = families["Sommer"]
    pid = _to_result(stage, sommer, 9,
                     "Lina hat seit Wochen einen wunden Po; die Windeln werden selten "
                     "gewechselt.", ResultCategory.HILFEBEDARF,
                     "Keine Gefährdung; die Mutter braucht Unterstützung bei der Pflege.",
                     child_text="Lina wurde beim Hausbesuch gesehen und wirkte zufrieden.")
    stage.at(2, 15)
    with stage.acting(stage.leitung):
        item = next(v for v in review.items_for(s, pid) if v.item.kind is ReviewKind.ERGEBNIS)
        review.return_item(s, item.id, "Bitte die Einschätzung der Familienhebamme "
                                       "ergänzen.", expected_hash=item.current_hash,
                           auth=stage.sign())

    # 3. Gefährdungseinschätzung done, the iseF consultation is overdue (the one red item).
    petrovic = families["Petrović"]
    stage.at(14, 10)
    pid, _ = ks.open_procedure(s, petrovic.id, petrovic.children)
    fact = _observe(stage, pid, 14, "Die Nachbarin berichtet von lautem Streit und einem "
                                    "weinenden Kleinkind in der Nacht.",
                    NoteKind.AUSSAGE_DRITTER, source="Nachbarin")
    stage.at(14, 12)
    ks.transition(s, pid, State.S1)
    _approve_all(stage, pid, 14)
    stage.at(13, 9)
    ks.transition(s, pid, State.S2)
    _assess(stage, pid, 13, (fact,), "Hinweise ernst nehmen; Versorgung des Kleinkinds "
                                     "klären.")

    # 4. Closed three months ago: no endangerment, no further need.
    lorenz = families["Lorenz"]
    pid = _to_result(stage, lorenz, 110,
                     "Jonas hatte einen großen Bluterguss am Arm; er sagt, er sei vom "
                     "Klettergerüst gefallen.", ResultCategory.KEIN_BEDARF,
                     "Der Sturz ist von der Schule bestätigt; keine Gefährdung, kein Bedarf.")
    _approve_all(stage, pid, 102)
    stage.at(100, 10)
    ks.close(s, pid, "Keine Kindeswohlgefährdung; Familie wird weiter im Quartier begleitet.",
             "Regelfrist")
    _approve_all(stage, pid, 99)

    # 5. The Jugendamt was informed; cooperation after the report.
    haddad = families["Haddad"]
    pid = _to_result(stage, haddad, 60,
                     "Noor hat Striemen am Rücken und sagt, der Onkel habe sie geschlagen.",
                     ResultCategory.AKUT, "Akute Gefährdung: körperliche Gewalt im Haushalt.")
    _approve_all(stage, pid, 54)
    stage.at(53, 10)
    ks.transition(s, pid, State.S7)
    ks.record_mitteilung(s, pid, Mitteilung(
        stage.moment(53, 10), "Jugendamt – ASD Bezirk 6", "ASD Bezirk 6 – Fachkraft",
        Channel.TELEFON, "Körperliche Gewalt gegen Noor; Schutz nicht anders sicherzustellen.",
        LegalBasis.KKG_4_3, prior_notice_on=stage.day(-53), meeting_on=stage.day(-53),
        meeting_participants="Mutter, Fachkraft ASD Bezirk 6, fallführende Fachkraft",
        responsibilities="ASD: Schutzkonzept und Hilfeplanung; Stadtteilbüro: begleitet die "
                         "Mutter zu den Terminen und hält Kontakt zur Kita."))
    _approve_all(stage, pid, 53)
    stage.at(52, 10)
    ks.transition(s, pid, State.S8)
    stage.at(45, 11)
    ks.add_note(s, pid, Note("Das Jugendamt hat eine Hilfe zur Erziehung eingeleitet; der "
                             "Onkel ist ausgezogen."))

    # 6. Just noticed something: Wahrnehmung, nothing decided yet.
    vogel = families["Vogel"]
    stage.at(1, 16)
    pid, _ = ks.open_procedure(s, vogel.id, vogel.children)
    _observe(stage, pid, 1, "Mia wirkte heute in der Kita sehr müde und zog sich zurück.",
             NoteKind.BEOBACHTUNG)


def _kinderschutz_last_year(stage: _Stage, families: dict[str, _Family]) -> None:
    """Closed procedures of the previous year, so the yearly § 8a evaluation for the
    Jugendamt has two years to show (opened about a year ago, closed after days to months)."""
    cases = (
        ("Haddad", 345, ResultCategory.HILFEBEDARF, 12,
         "Karim kommt seit Wochen ohne Schulsachen und sagt, zu Hause sei es laut."),
        ("Vogel", 360, ResultCategory.KEIN_BEDARF, 9,
         "Mia hatte einen Bluterguss an der Stirn; die Kita hat den Sturz gesehen."),
        ("Schäfer", 380, ResultCategory.HILFEBEDARF, 40,
         "Felix schläft in der Schule ein und erzählt von nächtlichem Streit."),
        ("Brandt", 400, ResultCategory.KEIN_BEDARF, 6,
         "Ben war zwei Tage allein zu Hause, die Mutter lag im Krankenhaus."),
        ("Yılmaz", 420, ResultCategory.HILFEBEDARF, 95,
         "Elif ist oft krank in der Kita; die Mutter wirkt erschöpft."),
    )
    s = stage.session
    for name, start, category, days, text in cases:
        pid = _to_result(stage, families[name], start, text, category,
                         "Nach Gespräch und Einschätzung: " + category.value + ".")
        _approve_all(stage, pid, start - 6)
        if category is ResultCategory.HILFEBEDARF:
            # Help agreed in a plan, reviewed, then closed.
            stage.at(start - 7, 9)
            ks.transition(s, pid, State.S6)
            ks.save_plan(s, pid, SafetyPlan(
                (Measure("Die Familie nimmt die Erziehungsberatung in Anspruch.", "Mutter",
                         stage.day(-(start - days)), "Bestätigung der Beratungsstelle",
                         "erneute Gefährdungseinschätzung"),),
                stage.day(-(start - days)), agreed_with="Mutter",
                agreed_on=stage.day(-(start - 7))))
            stage.at(start - days, 9)
            ks.transition(s, pid, State.S6B)
            _assess(stage, pid, start - days, (), "Die Hilfe wirkt; keine Gefährdung.")
            _approve_all(stage, pid, start - days)
        stage.at(start - days, 15)
        ks.close(s, pid, "Verfahren abgeschlossen; die Familie wird weiter im Quartier "
                 "begleitet.", "Regelfrist")
        _approve_all(stage, pid, start - days)


# --------------------------------------------------------------------------- consent


def _given(stage: _Stage, person: PersonId, days_ago: int, purposes: tuple[Selection, ...],
           recipients: tuple[Selection, ...], *, guardians: tuple[PersonId, ...] = ()) -> str:
    stage.at(days_ago, 10)
    cid, _ = consent.prepare(stage.session, ConsentDraft(
        person, purposes, recipients,
        Capacity.GUARDIAN if guardians else Capacity.SELF, guardian_ids=guardians))
    consent.print_form(stage.session, cid)
    stage.at(days_ago, 11)
    consent.record_signature(stage.session, cid, signed_on=stage.day(-days_ago),
                             place="Stadtteilbüro")
    return cid


def _consents(stage: _Stage, families: dict[str, _Family]) -> None:
    s = stage.session
    schaefer = families["Schäfer"]
    # Given by the mother for her son when he was 15; he turned 16 three weeks ago.
    _given(stage, schaefer.children[0], 300, (Selection("photo"), Selection("event",
                                                                             "Sommerfest")),
           (Selection("traeger", "Stadtteilbüro Batenbrock"),), guardians=(schaefer.parent,))
    # Withdrawn ten days ago, in writing.
    brandt = families["Brandt"]
    cid = _given(stage, brandt.parent, 240, (Selection("photo"), Selection("digital",
                                                                            "Elterncafé")),
                 (Selection("traeger", "Stadtteilbüro Batenbrock"),))
    stage.at(10, 14)
    consent.withdraw(s, cid, total=True, received_on=stage.day(-10), via="schriftlich",
                     note="Die Mutter möchte keine Fotos mehr veröffentlicht haben.")
    # Printed two days ago, the signed form is not back yet.
    stage.at(2, 10)
    cid, _ = consent.prepare(s, ConsentDraft(
        brandt.children[0], (Selection("event", "Ferienfreizeit"),),
        (Selection("traeger", "Stadtteilbüro Batenbrock"),), Capacity.GUARDIAN,
        guardian_ids=(brandt.parent,)))
    consent.print_form(s, cid)


# --------------------------------------------------------------------------- referrals


def _partner(stage: _Stage, household_id: str, label: str) -> Recipient:
    choices = referrals.recipient_choices(stage.session, household_id)
    return next(p for p in choices.partners if p.label == label)


def _asd(stage: _Stage, household_id: str) -> Recipient:
    return referrals.recipient_choices(stage.session, household_id).suggested[0]


def _referral(stage: _Stage, family: _Family, recipient: Recipient, reason: str,
              days_ago: int, offer: str = "") -> str:
    """A referral proposed `days_ago`, with the parent's signed consent to it."""
    detail = recipient.label if recipient.consent_recipient == "other" else ""
    _given(stage, family.parent, days_ago, (Selection("email", recipient.label),),
           (Selection(recipient.consent_recipient, detail),))
    stage.at(days_ago, 12)
    rid, _ = referrals.create(stage.session, ReferralDraft(
        family.id, (family.parent,), recipient, reason, offer=offer))
    return rid


def _referrals(stage: _Stage, families: dict[str, _Family]) -> None:
    s = stage.session
    yilmaz, schaefer, kaya = families["Yılmaz"], families["Schäfer"], families["Kaya"]
    brandt, sommer = families["Brandt"], families["Sommer"]
    fbs = "Kath. Familienbildungsstätte"
    # vorgeschlagen
    _referral(stage, kaya, _partner(stage, kaya.id, fbs), "Die Mutter wünscht sich einen "
              "Elternkurs zur Tagesstruktur.", 3, offer="Elternkurs „Starke Eltern“")
    # mit Einverständnis der Familie, Wiedervorlage in fünf Tagen
    rid = _referral(stage, schaefer, _partner(stage, schaefer.id, fbs),
                    "Unterstützung beim Übergang des Sohnes in die Ausbildung.", 6)
    stage.at(2, 11)
    referrals.agree(s, rid, note="Die Mutter ist einverstanden.", follow_up_on=stage.day(5))
    # übermittelt; the Wiedervorlage (14 days after sending) was two days ago
    rid = _referral(stage, yilmaz, _asd(stage, yilmaz.id),
                    "Die Familie braucht Unterstützung bei Erziehungsfragen.", 20)
    stage.at(18, 10)
    referrals.agree(s, rid)
    stage.at(16, 10)
    referrals.send(s, rid)
    # angenommen
    rid = _referral(stage, sommer, _asd(stage, sommer.id),
                    "Die Mutter möchte eine Erziehungsbeistandschaft beantragen.", 45)
    stage.at(44, 10)
    referrals.agree(s, rid)
    stage.at(42, 10)
    referrals.send(s, rid)
    stage.at(30, 10)
    referrals.accept(s, rid, note="Erstgespräch im ASD vereinbart.",
                     follow_up_on=stage.day(12))
    # abgelehnt
    rid = _referral(stage, brandt, _partner(stage, brandt.id, fbs),
                    "Die Familie sucht eine Mutter-Kind-Gruppe am Vormittag.", 80)
    stage.at(79, 10)
    referrals.agree(s, rid)
    stage.at(78, 10)
    referrals.send(s, rid)
    stage.at(70, 10)
    referrals.reject(s, rid, "Die Gruppe ist voll, Warteliste bis zum Sommer.",
                     follow_up_on=stage.day(4))  # look for another group
    # abgeschlossen
    rid = _referral(stage, yilmaz, _partner(stage, yilmaz.id, fbs),
                    "Deutschkurs mit Kinderbetreuung für die Mutter.", 150)
    stage.at(149, 10)
    referrals.agree(s, rid)
    stage.at(148, 10)
    referrals.send(s, rid)
    stage.at(140, 10)
    referrals.accept(s, rid)
    stage.at(50, 10)
    referrals.close(s, rid, "Kurs erfolgreich abgeschlossen (Niveau A2).",
                    feedback="Die Kursleitung lobt die regelmäßige Teilnahme.")
    # zurückgezogen
    rid = _referral(stage, sommer, _partner(stage, sommer.id, fbs),
                    "Anmeldung zum Babymassagekurs.", 35)
    stage.at(25, 10)
    referrals.withdraw(s, rid, "Die Familie hat selbst einen Kurs gefunden.")


# --------------------------------------------------------------------------- Teilhabe

_CLIENT_FIRST = ["Amanuel", "Rahel", "Yonas", "Senait", "Ahmad", "Mariam", "Bilal", "Zainab",
                 "Dawit", "Lidya", "Omid", "Parisa", "Samuel", "Hana", "Tesfay", "Aylin",
                 "Idris", "Selam", "Kian", "Nasrin"]
_CLIENT_LAST = ["Haile", "Tesfaye", "Rahimi", "Karimi", "Osei", "Mensah", "Yusufi",
                "Abebe", "Hosseini", "Nuri", "Bekele", "Sadiq", "Amini", "Gebre"]


def _teilhabe(stage: _Stage) -> None:
    s = stage.session
    near, over = stage.teilhabe_workers
    capacity_near = teilhabe.capacity_of(s, near).places
    capacity_over = teilhabe.capacity_of(s, over).places
    plan = [(near, capacity_near - 1), (over, capacity_over + 1), (None, 3)]
    number = 0
    clients: list[tuple[WorkerId | None, str]] = []
    for worker, count in plan:
        for _ in range(count):
            first = _CLIENT_FIRST[number % len(_CLIENT_FIRST)]
            last = _CLIENT_LAST[(number * 5) % len(_CLIENT_LAST)]
            age = 18 + (number * 7) % 9
            days_ago = 20 + number * 9
            stage.at(days_ago, 10)
            status = TmStatus.GESTATTUNG if number % 3 else TmStatus.DULDUNG
            until = stage.day(40 + (number * 37) % 300) if status is TmStatus.DULDUNG else None
            cid, _ = teilhabe.enrol_new_person(
                s, first, last, _born(stage, age, (number * 41) % 300),
                Gender.MAENNLICH if number % 2 == 0 else Gender.WEIBLICH,
                ClientDraft(stage.day(-days_ago), benefit_basis="AsylbLG"),
                ResidenceRecord(status, stage.day(-days_ago - 200), until),
                district="Batenbrock-Süd" if number % 2 else "Boy")
            if worker is not None:
                with stage.acting(stage.leitung):
                    teilhabe.assign(s, cid, worker, "Vertretung für eine erkrankte Kollegin",
                                    allow_over_capacity=True, auth=stage.sign())
            clients.append((worker, cid))
            number += 1
    _teilhabe_funding(stage, clients)


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A plain PNG (a placeholder logo for the demo's funding line)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b""
    for y in range(height):
        line = bytearray()
        for x in range(width):
            border = x < 3 or y < 3 or x >= width - 3 or y >= height - 3
            stripe = (x // 12) % 2 == 0 and height // 3 < y < 2 * height // 3
            line += bytes((255, 255, 255) if border or stripe else colour)
        rows += b"\x00" + bytes(line)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _teilhabe_funding(stage: _Stage, clients: list[tuple[WorkerId | None, str]]) -> None:
    """The funding rules in the demo: a Folgebewilligung until the end of this year in the
    vault's profile (with a funding line and a placeholder logo), the Ausländerbehörde's
    count on the Stichtag, measures (one Baustein 5 project, one running past the funding
    period) and a person excluded from funding (recorded with its source)."""
    s = stage.session
    year_end = date(stage.today.year, 12, 31)
    with stage.acting(stage.leitung):
        profile = vault_profile.active_profile(s)
        reporting = replace(
            profile.reporting,
            funding_periods=(FundingPeriod(PROGRAMME, date(2022, 7, 1), year_end),),
            funding_line=FundingLine(
                (profile.reporting.funding_line.text if profile.reporting.funding_line
                 else "Gefördert aus Mitteln des Landes Nordrhein-Westfalen"),
                (FundingLogo("Logo des Trägers (Beispiel)",
                             base64.b64encode(_png(150, 48, (59, 110, 165))).decode()),)),
        )
        vault_profile.save_profile(s, replace(profile, reporting=reporting), auth=stage.sign())
        stage.at(5, 9)
        stichtag = min(date(stage.today.year, 7, 1), stage.day(-30))
        teilhabe.record_target_count(s, stichtag, 100, 98,
                                     "Ausländerbehörde, Auszug zum Stichtag (Beispielzahl)")
    assigned = [cid for worker, cid in clients if worker is not None]
    stage.at(1, 11)
    teilhabe.add_measure(s, assigned[0], MeasureDraft(
        "Coaching: Ämter und Anträge", Foerderbaustein.B1, Handlungsfeld.HF3,
        "Teilhabemanagement", stage.day(-60), stage.day(120), MeasureStatus.LAUFEND))
    teilhabe.add_measure(s, assigned[1], MeasureDraft(
        "Werkstattprojekt Fahrradwerkstatt", Foerderbaustein.B5, Handlungsfeld.HF4,
        "Jugendwerkstatt (Beispiel)", stage.day(-30), stage.day(10), MeasureStatus.LAUFEND,
        statement_on=stage.day(-45)))
    teilhabe.add_measure(s, assigned[2], MeasureDraft(
        "Deutschkurs B1 berufsbegleitend", Foerderbaustein.B2, Handlungsfeld.HF2,
        "VHS (Beispiel)", stage.day(-200), stage.day(-20), MeasureStatus.ABGESCHLOSSEN,
        Outcome.AUSBILDUNG))
    teilhabe.add_measure(s, assigned[3], MeasureDraft(
        "Vorbereitungskurs Hauptschulabschluss 10 A", Foerderbaustein.B3, Handlungsfeld.HF2,
        "Berufskolleg (Beispiel)", stage.day(-10), year_end + timedelta(days=90),
        MeasureStatus.LAUFEND))
    # In the caseload of the Teilhabemanagerin: she sees why no measure can be booked.
    teilhabe.record_exclusion(s, assigned[4], ExclusionFact(
        Exclusion.LANDESAUFNAHME, True, stage.day(-25),
        "Zuweisungsbescheid der Bezirksregierung (Beispiel)"))


# --------------------------------------------------------------------------- offers


def _offers(stage: _Stage, families: dict[str, _Family]) -> None:
    s = stage.session
    stage.at(120, 9)
    cafe, _ = offers.create_offer(s, OfferDraft(
        "Müttercafé im Stadtteilbüro", OfferKind.MUETTERCAFE,
        "Offenes Frühstück für Mütter mit kleinen Kindern", "Mütter mit Kindern unter 6",
        "Stadtteilbüro Batenbrock", stage.day(-120), None, None, 2.0))
    for week in range(8, 0, -1):
        days_ago = week * 7 - 1
        stage.at(days_ago, 12)
        offers.record_session(s, cafe, OfferSessionDraft(
            stage.day(-days_ago), 2.0,
            (Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 6 + week % 4),
             Headcount(AgeGroup.U6, AttendeeGender.WEIBLICH, 3 + week % 2),
             Headcount(AgeGroup.U6, AttendeeGender.MAENNLICH, 2 + week % 3))))
    stage.at(90, 9)
    sprach, _ = offers.create_offer(s, OfferDraft(
        "Sprachcafé am Donnerstag", OfferKind.SPRACHCAFE, "Deutsch sprechen in lockerer Runde",
        "Erwachsene", "Stadtteilbüro Batenbrock", stage.day(-90), None, None, 1.5))
    named = (families["Yılmaz"].parent, families["Haddad"].parent)
    for week in (5, 4, 3, 2, 1):
        days_ago = week * 7 - 2
        stage.at(days_ago, 17)
        offers.record_session(s, sprach, OfferSessionDraft(
            stage.day(-days_ago), 1.5,
            (Headcount(AgeGroup.U65, AttendeeGender.MAENNLICH, 2 + week % 2),
             Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 1)),
            participants=named if week % 2 else named[:1], consent_confirmed=True))
    neumann = families["Neumann"]
    stage.at(28, 9)
    training, _ = offers.create_offer(s, OfferDraft(
        "Familientraining Neumann", OfferKind.FAMILIENTRAINING,
        "Tagesstruktur und Abendessen", "Familie", "bei der Familie zu Hause",
        stage.day(-28), stage.day(60), 8, 1.5, household_id=neumann.id))
    for days_ago in (21, 14, 7):
        stage.at(days_ago, 16)
        offers.record_session(s, training, OfferSessionDraft(
            stage.day(-days_ago), 1.5, note="Gemeinsam den Wochenplan besprochen."))


# --------------------------------------------------------------------------- entry point

_FAMILIES: tuple[tuple[str, str, str, str, str, tuple[tuple[str, Gender, int, int], ...]],
                 ...] = (
    ("Kaya", "Zechenstraße 14", "Batenbrock-Süd", "46236", "Özlem",
     (("Amira", Gender.WEIBLICH, 4, 30), ("Emre", Gender.MAENNLICH, 7, 200))),
    ("Neumann", "Lindenstraße 3", "Boy", "46240", "Sabine",
     (("Paul", Gender.MAENNLICH, 9, 100),)),
    ("Petrović", "Hüttenweg 22", "Welheim", "46238", "Ana",
     (("Luka", Gender.MAENNLICH, 2, 50),)),
    ("Lorenz", "Mühlenweg 8", "Eigen-West", "46240", "Jana",
     (("Jonas", Gender.MAENNLICH, 12, 10),)),
    ("Haddad", "Kirchstraße 41", "Stadtmitte", "46236", "Fatma",
     (("Noor", Gender.WEIBLICH, 6, 80), ("Karim", Gender.MAENNLICH, 14, 5))),
    ("Vogel", "Fröbelweg 5", "Batenbrock-Nord", "46238", "Lea",
     (("Mia", Gender.WEIBLICH, 5, 160),)),
    ("Schäfer", "Gärtnerstraße 12", "Batenbrock-Süd", "46236", "Marta",
     (("Felix", Gender.MAENNLICH, 16, 21), ("Klara", Gender.WEIBLICH, 11, 60))),
    ("Brandt", "Am Grünen Weg 7", "Boy", "46240", "Leonie",
     (("Ben", Gender.MAENNLICH, 8, 90),)),
    ("Yılmaz", "Schützenstraße 30", "Batenbrock-Süd", "46236", "Ayşe",
     (("Elif", Gender.WEIBLICH, 3, 40), ("Can", Gender.MAENNLICH, 10, 70))),
    ("Sommer", "Brückenstraße 2", "Fuhlenbrock", "46242", "Hannah",
     (("Lina", Gender.WEIBLICH, 1, 20),)),
)


def has_team(session: Session) -> bool:
    return any(w.name == LEITUNG_NAME for w in _workers(session))


def _workers(session: Session) -> list[Worker]:
    from casework.services.persons import workers

    return workers.all_workers(session)


def add(session: Session, *, leitung: WorkerId, colleague: WorkerId,
        teilhabe_workers: tuple[WorkerId, WorkerId], leitung_passphrase: str) -> int:
    """Add the showcase; returns the number of households it created. The Leitung
    (a person with her own key and `leitung_passphrase`) signs her approvals."""
    real = session.clock
    stage_clock = _StageClock(real)
    owner = session.actor_id
    by_id = {w.id: w for w in _workers(session)}
    first = persons.authorize(session, leitung_passphrase, leitung)
    key = bytearray(first.key_buffer)
    first.wipe()
    own = persons.authorize(session, leitung_passphrase, owner)
    own_key = bytearray(own.key_buffer)
    own.wipe()
    stage = _Stage(session, stage_clock, local_today(real), real.now(), owner, leitung,
                   by_id[colleague], teilhabe_workers, key, first.fingerprint, own_key,
                   own.fingerprint)
    session.clock = stage_clock
    session.vault.clock = stage_clock
    try:
        families: dict[str, _Family] = {}
        for number, (name, street, district, plz, parent, kids) in enumerate(_FAMILIES):
            families[name] = _family(stage, name, street, district, plz, parent, kids,
                                     since_days=200 + 37 * number)
        _contact(stage, families["Kaya"], 12, ContactType.HAUSBESUCH,
                 "Amira wirkt müde, die Mutter ist mit drei Terminen am Tag überfordert.")
        _contact(stage, families["Yılmaz"], 7, ContactType.SPRECHSTUNDE,
                 "Die Mutter bringt den Bescheid des Jobcenters mit.",
                 next_steps="Widerspruch gemeinsam formulieren", follow_up_in=0)
        _contact(stage, families["Sommer"], 3, ContactType.TELEFONAT,
                 "Die Hebamme kommt nur noch alle zwei Wochen, Lina trinkt gut.",
                 next_steps="Kita-Anmeldung besprechen", follow_up_in=3)
        _contact(stage, families["Brandt"], 1, ContactType.HAUSBESUCH,
                 "Ben hat einen Platz in der Hausaufgabenhilfe bekommen.",
                 next_steps="Einwilligung Ferienfreizeit abholen", follow_up_in=2)
        _kinderschutz(stage, families)
        _kinderschutz_last_year(stage, families)
        _consents(stage, families)
        _referrals(stage, families)
        _teilhabe(stage)
        _offers(stage, families)
    finally:
        crypto.wipe(key)
        crypto.wipe(own_key)
        session.clock = real
        session.vault.clock = real
        if session.actor_id != owner:
            session.act_as(owner)
    return len(stage.households) + sum(1 for _ in teilhabe.all_clients(session))
