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
from dataclasses import replace
from datetime import date, timedelta

from casework.clock import local_today
from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.models.contacts import ContactType
from casework.models.directory.reporting import FundingLine, FundingLogo, FundingPeriod
from casework.models.households.person import Gender
from casework.models.ids import PersonId, WorkerId
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
from casework.services import (
    demo_kinderschutz,
    demo_stage,
    offers,
    persons,
    referrals,
    teilhabe,
)
from casework.services.consent import lifecycle as consent
from casework.services.demo_stage import Family, Stage
from casework.services.directory import vault_profile
from casework.services.session import Session
from casework.storage import crypto

# The Leitung of the demo team; its presence marks a vault that already has the team.
LEITUNG_NAME = "Dr. Petra Probe"
TEAM = "Team Süd"


# --------------------------------------------------------------------------- consent


def _given(stage: Stage, person: PersonId, days_ago: int, purposes: tuple[Selection, ...],
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


def _consents(stage: Stage, families: dict[str, Family]) -> None:
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


def _partner(stage: Stage, household_id: str, label: str) -> Recipient:
    choices = referrals.recipient_choices(stage.session, household_id)
    return next(p for p in choices.partners if p.label == label)


def _asd(stage: Stage, household_id: str) -> Recipient:
    return referrals.recipient_choices(stage.session, household_id).suggested[0]


def _referral(stage: Stage, family: Family, recipient: Recipient, reason: str,
              days_ago: int, offer: str = "") -> str:
    """A referral proposed `days_ago`, with the parent's signed consent to it."""
    detail = recipient.label if recipient.consent_recipient == "other" else ""
    _given(stage, family.parent, days_ago, (Selection("email", recipient.label),),
           (Selection(recipient.consent_recipient, detail),))
    stage.at(days_ago, 12)
    rid, _ = referrals.create(stage.session, ReferralDraft(
        family.id, (family.parent,), recipient, reason, offer=offer))
    return rid


def _referrals(stage: Stage, families: dict[str, Family]) -> None:
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


def _teilhabe(stage: Stage) -> None:
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
                s, first, last, demo_stage.born(stage, age, (number * 41) % 300),
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


def _teilhabe_funding(stage: Stage, clients: list[tuple[WorkerId | None, str]]) -> None:
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


def _offers(stage: Stage, families: dict[str, Family]) -> None:
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
    stage_clock = demo_stage.StageClock(real)
    owner = session.actor_id
    by_id = {w.id: w for w in _workers(session)}
    first = persons.authorize(session, leitung_passphrase, leitung)
    key = bytearray(first.key_buffer)
    first.wipe()
    own = persons.authorize(session, leitung_passphrase, owner)
    own_key = bytearray(own.key_buffer)
    own.wipe()
    stage = Stage(session, stage_clock, local_today(real), real.now(), owner, leitung,
                   by_id[colleague], teilhabe_workers, key, first.fingerprint, own_key,
                   own.fingerprint)
    session.clock = stage_clock
    session.vault.clock = stage_clock
    try:
        families: dict[str, Family] = {}
        for number, (name, street, district, plz, parent, kids) in enumerate(_FAMILIES):
            families[name] = demo_stage.family(stage, name, street, district, plz, parent, kids,
                                     since_days=200 + 37 * number)
        demo_stage.contact(stage, families["Kaya"], 12, ContactType.HAUSBESUCH,
                 "Amira wirkt müde, die Mutter ist mit drei Terminen am Tag überfordert.")
        demo_stage.contact(stage, families["Yılmaz"], 7, ContactType.SPRECHSTUNDE,
                 "Die Mutter bringt den Bescheid des Jobcenters mit.",
                 next_steps="Widerspruch gemeinsam formulieren", follow_up_in=0)
        demo_stage.contact(stage, families["Sommer"], 3, ContactType.TELEFONAT,
                 "Die Hebamme kommt nur noch alle zwei Wochen, Lina trinkt gut.",
                 next_steps="Kita-Anmeldung besprechen", follow_up_in=3)
        demo_stage.contact(stage, families["Brandt"], 1, ContactType.HAUSBESUCH,
                 "Ben hat einen Platz in der Hausaufgabenhilfe bekommen.",
                 next_steps="Einwilligung Ferienfreizeit abholen", follow_up_in=2)
        demo_kinderschutz.kinderschutz(stage, families)
        demo_kinderschutz.kinderschutz_last_year(stage, families)
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
