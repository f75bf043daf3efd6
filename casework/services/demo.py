"""Fictitious demo data: German households with umlauts, children of all ages (including
unborn), contacts over several years with typed notes. Nothing here is a real person; the
names are common surnames and first names combined at random."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from casework.clock import BERLIN, local_today
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import (
    AccessRoute,
    HouseholdDraft,
    HouseholdStatus,
    TargetGroup,
)
from casework.models.households.person import (
    BirthInfo,
    Gender,
    HouseholdRole,
    PersonDraft,
    ResidenceStatus,
)
from casework.models.ids import PersonId, WorkerId, new_id, new_ids
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import demo_showcase, persons
from casework.services.persons import workers
from casework.services.session import Session
from casework.storage import bulk
from casework.storage import persons as worker_store

DEMO_PASSPHRASE = "Demo-Akte nur zum Ausprobieren"
DEMO_CACHE_KIB = 1024 * 1024  # only while demo data is written (bulk.page_cache)

SURNAMES = [
    "Müller", "Schäfer", "Schröder", "Krüger", "Kämmerer", "Möller", "Böhm", "Jäger", "Günther",
    "Groß", "Weiß", "Kühn", "Förster", "Schmitz", "Becker", "Hoffmann", "Wagner", "Neumann",
    "Zimmermann", "Hartmann", "Lehmann", "Krause", "Walter", "Fuchs", "Vogel", "Keller",
    "Winkler", "Lorenz", "Baumann", "Albrecht", "Sommer", "Brandt", "Kuhn", "Pohl", "Engel",
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Nowak", "Kowalski",
    "Wiśniewski", "Popescu", "Ionescu", "Haddad", "Ibrahim", "Hussein", "Rahimi", "Osei",
    "Mensah", "Petrović", "Jovanović", "Schulte-Böckmann", "Dörr", "Kämper", "Lüdtke", "Strauß",
]
FEMALE = ["Anna", "Lea", "Jana", "Sabine", "Özlem", "Ayşe", "Fatma", "Marta", "Zofia",
          "Elena", "Leonie", "Jürgina", "Mia", "Emilia", "Hannah", "Lina", "Amira", "Nour",
          "Ana", "Sophie", "Klara", "Maren", "Jolanthe", "Gülcan", "Chiara"]
MALE = ["Jonas", "Lukas", "Mehmet", "Ahmet", "Murat", "Piotr", "Andrei", "Karim", "Yusuf",
        "Ben", "Paul", "Felix", "Noah", "Elias", "Leon", "Jörg", "Björn", "Sören", "Malte",
        "Emre", "Omar", "Dragan", "Kofi", "Tim", "Henrik"]
STREETS = ["Lindenstraße", "Mühlenweg", "Kirchstraße", "Gärtnerstraße", "Schützenstraße",
           "Am Grünen Weg", "Brückenstraße", "Bergmannsglück", "Zechenstraße", "Hüttenweg",
           "Schlägelstraße", "Fröbelweg", "Rüsingstraße", "Lößweg", "Buschkämpchen",
           "Tüshausstraße", "Röttgersbank", "Am Köhlerhof", "Düppelstraße", "Prälatenweg"]
# Stadtteil → PLZ as in the example profile's district structure.
DISTRICTS = [("Batenbrock-Süd", "46236"), ("Batenbrock-Nord", "46238"), ("Welheim", "46238"),
             ("Boy", "46240"), ("Eigen-West", "46240"), ("Stadtmitte", "46236"),
             ("Altstadt", "46236"), ("Ebel", "46236"), ("Welheimer Mark", "46236"),
             ("Fuhlenbrock", "46242"), ("Vonderort-Lehmkuhle", "46242"),
             ("Kirchhellen", "46244"), ("Grafenwald", "46244"), ("Eigen-Süd", "46240")]
QUARTERS = ["Batenbrock-Südwest", "Prosper III", "Innenstadt", "Boy", ""]
LANGUAGES = ["Deutsch", "Türkisch", "Arabisch", "Polnisch", "Rumänisch", "Kurdisch",
             "Russisch", "Farsi", "Englisch", "Tigrinya"]
TOPICS = ["Schule", "Kita-Platz", "Gesundheit", "Wohnsituation", "Schulden", "Jobcenter",
          "Erziehungsfragen", "Sprachkurs", "Freizeit", "Ernährung", "Bildung und Teilhabe"]
SCHOOLS = ["Kita Regenbogen", "Kita Sonnenschein", "Grundschule am Park",
           "Gesamtschule Nord", "Realschule Süd", "Berufskolleg", "Gymnasium am Markt"]

_OPENINGS = [
    "Hausbesuch bei der Familie, die Mutter hat freundlich geöffnet.",
    "Die Familie kam in die offene Sprechstunde im Stadtteilbüro.",
    "Telefonat mit dem Vater wegen des Termins beim Jobcenter.",
    "Begleitung zur Schulanmeldung, Unterlagen waren vollständig.",
    "Gespräch beim Müttercafé, die Mutter wirkte erschöpft.",
    "Familientraining: Thema Tagesstruktur und Grenzen setzen.",
]
_MIDDLES = [
    "Die Wohnung ist feucht, im Kinderzimmer zeigt sich Schimmel an der Außenwand.",
    "Der älteste Sohn geht wieder regelmäßig zur Schule, die Lehrerin ist zufrieden.",
    "Die Familie hat Fragen zum Antrag auf Bildung und Teilhabe für die Klassenfahrt.",
    "Es gibt Mietrückstände, ein Termin bei der Schuldnerberatung wurde vereinbart.",
    "Die Tochter braucht einen Kita-Platz, die Anmeldung über das Portal läuft.",
    "Der Vater sucht Arbeit und möchte einen Deutschkurs auf B1-Niveau besuchen.",
    "Die Großmutter unterstützt bei der Betreuung, das entlastet die Mutter sehr.",
    "Das Baby entwickelt sich gut, die Familienhebamme kommt weiterhin wöchentlich.",
    "Die Kinder waren beim Sommerfest und haben beim Graffitiworkshop mitgemacht.",
    "Die Waschmaschine ist kaputt, wir klären eine Hilfe über den Verfügungsfonds.",
    "Die Mutter berichtet von Streit mit dem Nachbarn wegen Lärm im Treppenhaus.",
    "Zur Vorsorgeuntersuchung U9 wurde ein Termin beim Kinderarzt vereinbart.",
]
_RARE = ["Xylophonunterricht", "Zahnspangenberatung", "Quittungsbuch", "Kajakausflug"]
_CLOSINGS = [
    "Nächster Kontakt in zwei Wochen.",
    "Die Familie meldet sich bei Bedarf im Stadtteilbüro.",
    "Wir bleiben im Gespräch; Rückmeldung folgt nach den Ferien.",
    "Vereinbart: gemeinsamer Termin mit der Schulsozialarbeit.",
]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    households: int
    persons: int
    contacts: int
    showcase_households: int = 0  # the fixed example cases on top of `households`


def _note_text(rng: random.Random) -> str:
    parts = [rng.choice(_OPENINGS)]
    parts += rng.sample(_MIDDLES, k=rng.randint(1, 3))
    if rng.random() < 0.02:
        parts.append(f"Besprochen wurde auch das Thema {rng.choice(_RARE)}.")
    parts.append(rng.choice(_CLOSINGS))
    return " ".join(parts)


def _birth(rng: random.Random, today: date, min_age: int, max_age: int) -> BirthInfo:
    days = rng.randint(min_age * 365, max_age * 365 + 364)
    return BirthInfo(birth_date=today - timedelta(days=days))


def _schools_for(age: int) -> list[str]:
    if age < 6:
        return SCHOOLS[:2]  # Kitas
    if age < 10:
        return [SCHOOLS[2]]  # Grundschule
    if age < 16:
        return [SCHOOLS[3], SCHOOLS[4], SCHOOLS[6]]
    return [SCHOOLS[3], SCHOOLS[5], SCHOOLS[6]]  # incl. Berufskolleg


def _household(rng: random.Random, today: date, worker_ids: list[WorkerId],
               ) -> tuple[HouseholdDraft, list[PersonDraft]]:
    surname = rng.choice(SURNAMES)
    district, plz = rng.choice(DISTRICTS)
    members: list[PersonDraft] = []
    single = rng.random() < 0.35
    mother_first = rng.choice(FEMALE)
    members.append(PersonDraft(mother_first, surname, _birth(rng, today, 19, 48),
                               Gender.WEIBLICH, HouseholdRole.ELTERNTEIL, custody=True,
                               residence_status=rng.choice(list(ResidenceStatus))
                               if rng.random() < 0.3 else None))
    if not single:
        members.append(PersonDraft(rng.choice(MALE), surname, _birth(rng, today, 21, 55),
                                   Gender.MAENNLICH, HouseholdRole.ELTERNTEIL, custody=True))
    for _ in range(rng.choices([0, 1, 2, 3, 4, 5], [1, 5, 6, 4, 2, 1])[0]):
        gender = rng.choice([Gender.WEIBLICH, Gender.MAENNLICH, Gender.WEIBLICH,
                             Gender.MAENNLICH, Gender.DIVERS])
        first = rng.choice(FEMALE if gender is Gender.WEIBLICH else MALE)
        roll = rng.random()
        if roll < 0.05:
            members.append(PersonDraft(first, surname, BirthInfo(
                due_date=today + timedelta(days=rng.randint(10, 250))), Gender.KEINE_ANGABE,
                HouseholdRole.KIND))
            continue
        birth = _birth(rng, today, 0, 17)
        if roll > 0.97:
            birth = BirthInfo(birth_year=today.year - rng.randint(1, 17))
        age = birth.age_years(today) or 0
        school = rng.choice(_schools_for(age))
        members.append(PersonDraft(first, surname, birth, gender, HouseholdRole.KIND,
                                   school=school))
    target = frozenset(rng.sample(list(TargetGroup), k=rng.randint(0, 3)))
    if single:
        target |= {TargetGroup.ALLEINERZIEHEND}
    languages = ("Deutsch",) if rng.random() < 0.5 else tuple(
        dict.fromkeys([rng.choice(LANGUAGES), "Deutsch"]))
    draft = HouseholdDraft(
        name=surname,
        street=f"{rng.choice(STREETS)} {rng.randint(1, 140)}",
        plz=plz,
        city="Bottrop",
        district=district,
        quarter=rng.choice(QUARTERS),
        languages=languages,
        interpreter_needed=len(languages) > 1 and rng.random() < 0.4,
        target_groups=target,
        access_route=rng.choice(list(AccessRoute)),
        resources=rng.choice(["Großeltern in der Nähe", "engagierte Nachbarin",
                              "Sportverein", ""]),
        risks=rng.choice(["Mietrückstände", "beengte Wohnung", "Isolation", ""]),
        assigned_worker_id=rng.choice(worker_ids),
        status=rng.choices(list(HouseholdStatus), [8, 1, 1])[0],
    )
    return draft, members


# Enum members and cumulative weights once, not per contact (a million of them): the same
# random sequence as `rng.choices(list(E), weights)`.
_NOTE_KINDS = list(NoteKind)
_NOTE_KIND_WEIGHTS = list(accumulate([6, 4, 2, 1, 1]))
_CONTACT_TYPES = list(ContactType)
_CONTACT_TYPE_WEIGHTS = list(accumulate([5, 4, 4, 2, 2, 2, 2, 1]))
_NEXT_STEPS = ["", "Unterlagen mitbringen", "Termin Jobcenter begleiten"]
_DURATIONS = [10, 15, 30, 45, 60, 90, 120]


def _contacts(rng: random.Random, hid: str, person_ids: list[PersonId], now: datetime,
              count: int) -> list[tuple[str, str, ContactDraft]]:
    years = 4
    result = []
    ids = iter(new_ids(count))
    third_party = NoteKind.AUSSAGE_DRITTER
    for _ in range(count):
        moment = now - timedelta(minutes=rng.randint(60, years * 365 * 24 * 60))
        local = moment.astimezone(BERLIN).replace(hour=rng.randint(8, 17),
                                                  minute=rng.choice([0, 15, 30, 45]))
        moment = min(local, now)
        kind = rng.choices(_NOTE_KINDS, cum_weights=_NOTE_KIND_WEIGHTS)[0]
        note = NoteEntry(kind, _note_text(rng),
                         source="Schulsozialarbeit" if kind is third_party else "",
                         disputed=rng.random() < 0.01)
        follow_up = None
        if rng.random() < 0.15:
            follow_up = moment.date() + timedelta(days=rng.randint(3, 30))
        present = tuple(rng.sample(person_ids, k=min(len(person_ids), rng.randint(1, 2))))
        result.append((next(ids), hid, ContactDraft(
            occurred_at=moment,
            type=rng.choices(_CONTACT_TYPES, cum_weights=_CONTACT_TYPE_WEIGHTS)[0],
            duration_min=rng.choice(_DURATIONS), persons_present=present,
            topics=tuple(rng.sample(TOPICS, k=rng.randint(0, 2))), notes=(note,),
            next_steps=rng.choice(_NEXT_STEPS), follow_up=follow_up)))
    return result


def _team(session: Session, passphrase: str | None) -> dict[str, Any]:
    """The demo team besides the vault owner (a Fachkraft): a second Fachkraft, a
    part-time one, the Leitung and two Teilhabemanager with small programme shares (one
    near, one over capacity in the showcase). The Leitung signs her approvals, so she is
    added as a person with her own key (passphrase: the vault's, public for the demo)
    when the owner's passphrase is known; the others are worker profiles."""
    made: dict[str, WorkerId] = {}
    for key, name, role, fte in (("colleague", "Mehmet Beispiel", WorkerRole.FACHKRAFT, 1.0),
                                 ("part_time", "Jonas Muster", WorkerRole.FACHKRAFT, 0.5),
                                 ("leitung", demo_showcase.LEITUNG_NAME, WorkerRole.LEITUNG,
                                  1.0),
                                 ("tm_near", "Samira Test", WorkerRole.TEILHABEMANAGEMENT, 0.2),
                                 ("tm_over", "Yusuf Probe", WorkerRole.TEILHABEMANAGEMENT,
                                  0.1)):
        if role is WorkerRole.LEITUNG and passphrase is not None:
            made[key], _ = persons.add_person(
                session, persons.authorize(session, passphrase), name, (role,), passphrase,
                team_name=demo_showcase.TEAM, fte=fte)
            continue
        made[key], _ = workers.create(session, WorkerDraft(name, role, demo_showcase.TEAM,
                                                            fte))
    return {"leitung": made["leitung"], "colleague": made["colleague"],
            "teilhabe_workers": (made["tm_near"], made["tm_over"])}


def fill(session: Session, families: int, *, seed: int = 1, contacts_per_family: float = 12,
         progress: Callable[[int, int], None] | None = None, batch: int = 500,
         showcase: bool = True, passphrase: str = DEMO_PASSPHRASE) -> DemoSummary:
    """Add `families` fictitious households with members and contacts to the vault.

    A vault without the demo team gets the team (via the worker service); with `showcase`
    (the default) then also the fixed example cases of `demo_showcase` (§ 8a, consents,
    referrals, Teilhabe, offers), dated relative to today; their households come on top of
    `families`. `passphrase` is the owner's (the demo Leitung gets the same one)."""
    rng = random.Random(seed)
    today = local_today(session.clock)
    now = session.clock.now()
    writer = session.writer()
    # A vault without the demo team gets it (and, with `showcase`, the example cases).
    team = (None if demo_showcase.has_team(session)
            else _team(session, passphrase if showcase else None))
    worker_ids = [WorkerId(w.id) for w in worker_store.list_workers(session.db)
                  if w.data.role in (WorkerRole.FACHKRAFT, WorkerRole.LEITUNG)]
    totals = [0, 0, 0]
    done = 0
    # Segments of the note index are merged once at the end (optimize_search); a large
    # page cache while the (fictitious) bulk data is written.
    with bulk.page_cache(session.db, DEMO_CACHE_KIB), bulk.deferred_index_merging(writer):
        while done < families:
            size = min(batch, families - done)
            households, persons, all_contacts = [], [], []
            for _ in range(size):
                hid = new_id()
                draft, members = _household(rng, today, worker_ids)
                households.append((hid, draft))
                pids = []
                for member in members:
                    pid = PersonId(new_id())
                    pids.append(pid)
                    persons.append((pid, hid, member))
                born = [p for p, m in zip(pids, members, strict=True) if not m.birth.unborn]
                n = max(0, round(rng.gauss(contacts_per_family, contacts_per_family / 3)))
                all_contacts += _contacts(rng, hid, born, now, n)
            all_contacts.sort(key=lambda c: c[2].occurred_at)
            # Follow-ups of past months were dealt with; of the last six weeks a realistic
            # backlog stays open (Heute must not open on years-old items).
            settled, recent = today - timedelta(days=42), today - timedelta(days=14)
            done_ids = frozenset(
                cid for i, (cid, _, c) in enumerate(all_contacts)
                if c.follow_up is not None and (c.follow_up < settled or (
                    c.follow_up < recent and i % 8 != 0)))
            with session.db.transaction():
                bulk.insert_batch(writer, households, persons, all_contacts,
                                  done_follow_ups=done_ids)
            totals[0] += len(households)
            totals[1] += len(persons)
            totals[2] += len(all_contacts)
            done += size
            if progress is not None:
                progress(done, families)
    extra = 0
    if team is not None and showcase:
        extra = demo_showcase.add(session, leitung_passphrase=passphrase, **team)
    with session.db.transaction():
        bulk.refresh_all_household_stats(writer)
        bulk.optimize_search(writer)
    from casework.services import demo_lifecycle

    demo_lifecycle.add(session)  # appointments, a hand-over, a closed case, goals
    from casework.services import demo_vetting

    demo_vetting.add(session)  # the § 72a register (Leitung/Admin only)
    session.audit("demo.fill", detail=f"households={totals[0]}")
    return DemoSummary(totals[0], totals[1], totals[2], showcase_households=extra)


