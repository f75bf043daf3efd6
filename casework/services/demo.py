"""Fictitious demo data: German households with umlauts, children of all ages (including
unborn), contacts over several years with typed notes. Nothing here is a real person; the
names are common surnames and first names combined at random."""

from __future__ import annotations

import logging
import math
import random
import threading
from bisect import bisect
from collections.abc import Callable, Generator, Sequence
from contextlib import ExitStack, closing, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate, permutations
from typing import TYPE_CHECKING, Any

from casework.clock import BERLIN, local_today
from casework.models.contacts import ContactType, NoteKind
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
from casework.models.ids import PersonId, WorkerId, new_ids
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.text import index_texts
from casework.services import demo_worker
from casework.storage import bulk, bulk_load

if TYPE_CHECKING:
    from casework.services.session import Session

# The services the team and the example cases are made with are imported where they are
# used: the drawing process (`demo_worker`) imports this module and needs none of them.


log = logging.getLogger(__name__)

DEMO_PASSPHRASE = "Demo-Akte nur zum Ausprobieren"
DEMO_CACHE_KIB = 2 * 1024 * 1024  # only while demo data is written (bulk_load.page_cache)

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


def _birth(rng: random.Random, today: date, min_age: int, max_age: int) -> BirthInfo:
    days = rng.randint(min_age * 365, max_age * 365 + 364)
    return BirthInfo(birth_date=today - timedelta(days=days))


@lru_cache(maxsize=65_536)
def _age(birth: BirthInfo, today: date) -> int:
    """`birth.age_years(today)` (0 if unknown), once per distinct birth: 80,000 drawn
    births fall on a few thousand days, and the date arithmetic was a twentieth of the
    drawing."""
    return birth.age_years(today) or 0


def _schools_for(age: int) -> list[str]:
    if age < 6:
        return SCHOOLS[:2]  # Kitas
    if age < 10:
        return [SCHOOLS[2]]  # Grundschule
    if age < 16:
        return [SCHOOLS[3], SCHOOLS[4], SCHOOLS[6]]
    return [SCHOOLS[3], SCHOOLS[5], SCHOOLS[6]]  # incl. Berufskolleg


# Drawn from per household, prepared once (20,000 households); the cumulative weights are
# what `rng.choices` computes from the weights, so the draws are the same.
_RESIDENCE = list(ResidenceStatus)
_CHILDREN, _CHILDREN_WEIGHTS = [0, 1, 2, 3, 4, 5], list(accumulate([1, 5, 6, 4, 2, 1]))
_CHILD_GENDERS = [Gender.WEIBLICH, Gender.MAENNLICH, Gender.WEIBLICH, Gender.MAENNLICH,
                  Gender.DIVERS]
_TARGET_GROUPS = list(TargetGroup)
_ACCESS_ROUTES = list(AccessRoute)
_RESOURCES = ["Großeltern in der Nähe", "engagierte Nachbarin", "Sportverein", ""]
_RISKS = ["Mietrückstände", "beengte Wohnung", "Isolation", ""]
_STATUSES, _STATUS_WEIGHTS = list(HouseholdStatus), list(accumulate([8, 1, 1]))


def _household(rng: random.Random, today: date, worker_ids: list[WorkerId],
               ) -> tuple[HouseholdDraft, list[PersonDraft]]:
    surname = rng.choice(SURNAMES)
    district, plz = rng.choice(DISTRICTS)
    members: list[PersonDraft] = []
    single = rng.random() < 0.35
    mother_first = rng.choice(FEMALE)
    members.append(PersonDraft(mother_first, surname, _birth(rng, today, 19, 48),
                               Gender.WEIBLICH, HouseholdRole.ELTERNTEIL, custody=True,
                               residence_status=rng.choice(_RESIDENCE)
                               if rng.random() < 0.3 else None))
    if not single:
        members.append(PersonDraft(rng.choice(MALE), surname, _birth(rng, today, 21, 55),
                                   Gender.MAENNLICH, HouseholdRole.ELTERNTEIL, custody=True))
    for _ in range(rng.choices(_CHILDREN, cum_weights=_CHILDREN_WEIGHTS)[0]):
        gender = rng.choice(_CHILD_GENDERS)
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
        age = _age(birth, today)
        school = rng.choice(_schools_for(age))
        members.append(PersonDraft(first, surname, birth, gender, HouseholdRole.KIND,
                                   school=school))
    target = frozenset(rng.sample(_TARGET_GROUPS, k=rng.randint(0, 3)))
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
        access_route=rng.choice(_ACCESS_ROUTES),
        resources=rng.choice(_RESOURCES),
        risks=rng.choice(_RISKS),
        assigned_worker_id=rng.choice(worker_ids),
        status=rng.choices(_STATUSES, cum_weights=_STATUS_WEIGHTS)[0],
    )
    return draft, members


# Everything a contact is drawn from, prepared once (a million contacts): one
# `rng.random()` per choice instead of the library's `randint`/`sample`/`choices`, which
# cost several Python calls each.
_NOTE_KINDS = list(NoteKind)
_NOTE_KIND_WEIGHTS = list(accumulate([6, 4, 2, 1, 1]))
_CONTACT_TYPES = list(ContactType)
_CONTACT_TYPE_WEIGHTS = list(accumulate([5, 4, 4, 2, 2, 2, 2, 1]))
_NEXT_STEPS = ["", "Unterlagen mitbringen", "Termin Jobcenter begleiten"]
_DURATIONS = [10, 15, 30, 45, 60, 90, 120]
_YEARS = 4
_SLOTS = [(hour, minute) for hour in range(8, 18) for minute in (0, 15, 30, 45)]
# 1 to 3 different middle sentences in any order: every ordered choice, by count
_MIDDLE_RUNS = [[" ".join(run) for run in permutations(_MIDDLES, k)] for k in (1, 2, 3)]
_RARE_SENTENCES = [f"Besprochen wurde auch das Thema {word}." for word in _RARE]


class _NoteTexts:
    """Note texts composed from the sentences above, with their search-index form
    composed from the sentences' folded forms (folding works word by word, so the
    pieces' forms joined are the text's form): demo notes are folded once per sentence,
    not once per note. Only for these fictitious templates, never for a person's text."""

    def __init__(self) -> None:
        self.index: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        # the drawn sentences' positions → the text (a million draws, ~40,000 texts)
        self._texts: bulk.Memo[str] = bulk.Memo(self._compose)

    def _fold(self, piece: str) -> str:
        folded = self._folded.get(piece)
        if folded is None:
            folded = self._folded[piece] = index_texts([piece])[0]
        return folded

    def draw(self, r: Callable[[], float], n: int) -> list[str]:
        """`n` texts: an opening, 1 to 3 middle sentences, rarely a rare one, a closing."""
        middles = [int(r() * 3) for _ in range(n)]
        openings = [int(r() * len(_OPENINGS)) for _ in range(n)]
        runs = [int(r() * _RUN_COUNTS[m]) for m in middles]
        rare = [int(r() * len(_RARE_SENTENCES)) + 1 if r() < 0.02 else 0 for _ in range(n)]
        closings = [int(r() * len(_CLOSINGS)) for _ in range(n)]
        return list(map(self._texts.__getitem__,
                        zip(middles, openings, runs, rare, closings, strict=True)))

    def _compose(self, key: tuple[int, int, int, int, int]) -> str:
        middles, opening, run, rare, closing = key
        pieces = [_OPENINGS[opening], _MIDDLE_RUNS[middles][run]]
        if rare:
            pieces.append(_RARE_SENTENCES[rare - 1])
        pieces.append(_CLOSINGS[closing])
        text = " ".join(pieces)
        if text not in self.index:
            self.index[text] = " ".join(self._fold(p) for p in pieces)
        return text


_RUN_COUNTS = [len(runs) for runs in _MIDDLE_RUNS]


_TOPIC_CHOICES = 3 * len(TOPICS) * (len(TOPICS) - 1)  # how many, first, second


def _topics(key: int) -> tuple[str, ...]:
    """0, 1 or 2 different topics in random order (as `rng.sample` would pick), from one
    number below `_TOPIC_CHOICES`."""
    count, rest = divmod(key, len(TOPICS) * (len(TOPICS) - 1))
    first, second = divmod(rest, len(TOPICS) - 1)
    if count == 0:
        return ()
    if count == 1:
        return (TOPICS[first],)
    return (TOPICS[first], TOPICS[second + (second >= first)])


class _Moments(bulk.Memo[tuple[datetime, date]]):
    """Contact times: a day of the last four years, a quarter hour between 8 and 18
    o'clock local time, never after now, by their rank in time (0: the first quarter
    hour four years ago); each distinct time built once, as (UTC, local day)."""

    COUNT = _YEARS * 365 * len(_SLOTS)

    def __init__(self, today: date, now: datetime) -> None:
        super().__init__(self._time)
        self.today = today
        self.now = now

    def _time(self, rank: int) -> tuple[datetime, date]:
        days, slot = divmod(rank, len(_SLOTS))
        day = self.today - timedelta(days=_YEARS * 365 - 1 - days)
        hour, minute = _SLOTS[slot]
        moment = min(datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN),
                     self.now)
        # in UTC, as stored: converting from local time costs more than the rest
        return moment.astimezone(UTC), moment.astimezone(BERLIN).date()


_FOLLOW_UP_DAYS = [timedelta(days=3 + k) for k in range(28)]


def _present(people: Sequence[str], two: bool, u: float, v: float) -> tuple[str, ...]:
    """1 or 2 different persons present (none if the household has no born member)."""
    n = len(people)
    if n == 0:
        return ()
    first = int(u * n)
    if not two or n == 1:
        return (people[first],)
    second = int(v * (n - 1))
    return (people[first], people[second + (second >= first)])


def _contacts(rng: random.Random, households: Sequence[tuple[str, Sequence[str], int]],
              moments: _Moments, notes: _NoteTexts, ids: Sequence[str],
              today: date) -> bulk.ContactColumns:
    """The contacts of a batch's households ((id, born members, how many contacts)) in
    time order, numbered with `ids` (ascending) in that order. Drawn column by column,
    a million contacts without a Python call per contact and field: first each
    contact's time and household, sorted, then every other field, which is drawn
    independently of the time and so can be drawn in time order. Follow-ups of past
    months were dealt with; of the last six weeks a realistic backlog stays open (Heute
    must not open on years-old items). The same seed gives the same contacts."""
    r = rng.random
    width = max(1, len(households))
    # time rank and household in one number: sorting plain numbers is the cheapest sort
    order = []
    for h, (_, _, count) in enumerate(households):
        order += [int(r() * _Moments.COUNT) * width + h for _ in range(count)]
    order.sort()
    n = len(order)
    if len(ids) != n:
        raise ValueError("one id per contact")
    hids = [households[o % width][0] for o in order]
    when = list(map(moments.__getitem__, [o // width for o in order]))
    kinds = [_NOTE_KINDS[bisect(_NOTE_KIND_WEIGHTS, r() * _NOTE_KIND_WEIGHTS[-1])]
             for _ in range(n)]
    third_party = NoteKind.AUSSAGE_DRITTER
    follow_ups = [day + _FOLLOW_UP_DAYS[int(r() * 28)] if r() < 0.15 else None
                  for _, day in when]
    settled, recent = today - timedelta(days=42), today - timedelta(days=14)
    return bulk.ContactColumns(
        ids=list(ids),
        household_ids=hids,
        occurred_at=[moment for moment, _ in when],
        type=[_CONTACT_TYPES[bisect(_CONTACT_TYPE_WEIGHTS, r() * _CONTACT_TYPE_WEIGHTS[-1])]
              for _ in range(n)],
        duration_min=[_DURATIONS[int(r() * len(_DURATIONS))] for _ in range(n)],
        persons_present=list(map(_present, [households[o % width][1] for o in order],
                                 [r() < 0.5 for _ in range(n)], [r() for _ in range(n)],
                                 [r() for _ in range(n)])),
        topics=list(map(_TOPICS_BUILT.__getitem__,
                        [int(r() * _TOPIC_CHOICES) for _ in range(n)])),
        note_kind=kinds,
        note_text=notes.draw(r, n),
        note_source=["Schulsozialarbeit" if kind is third_party else "" for kind in kinds],
        note_disputed=[r() < 0.01 for _ in range(n)],
        next_steps=[_NEXT_STEPS[int(r() * len(_NEXT_STEPS))] for _ in range(n)],
        follow_up=follow_ups,
        follow_up_done=[f is not None and (f < settled or (f < recent and i % 8 != 0))
                        for i, f in enumerate(follow_ups)])


_TOPICS_BUILT: bulk.Memo[tuple[str, ...]] = bulk.Memo(_topics)


def _team(session: Session, passphrase: str | None) -> dict[str, Any]:
    """The demo team besides the vault owner (a Fachkraft): a second Fachkraft, a
    part-time one, the Leitung and two Teilhabemanager with small programme shares (one
    near, one over capacity in the showcase). The Leitung signs her approvals, so she is
    added as a person with her own key (passphrase: the vault's, public for the demo)
    when the owner's passphrase is known; the others are worker profiles."""
    from casework.services import demo_showcase, persons
    from casework.services.persons import workers

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
         showcase: bool = True, passphrase: str = DEMO_PASSPHRASE,
         worker: bool | None = None) -> DemoSummary:
    """Add `families` fictitious households with members and contacts to the vault.

    A vault without the demo team gets the team (via the worker service); with `showcase`
    (the default) then also the fixed example cases of `demo_showcase` (§ 8a, consents,
    referrals, Teilhabe, offers), dated relative to today; their households come on top of
    `families`. `passphrase` is the owner's (the demo Leitung gets the same one).
    `worker`: draw the households and contacts in a second process (`demo_worker`) while
    this one writes; by default from `WORKER_FROM_CONTACTS` expected contacts on. The
    vault is the same either way."""
    if not math.isfinite(contacts_per_family) or contacts_per_family < 0 or families < 0:
        raise ValueError("families and contacts per family: numbers from 0")
    # A large page cache for the whole fill: with the default one, the end (ANALYZE, the
    # note index's merge) read and decrypted most of a large vault again. Large enough
    # for the whole fill of a million contacts (1.1 GB): its one transaction then
    # spills no page before the commit, and the indexes built at its end sort in
    # memory (3.3 instead of 4.3 s with half of it). SQLite takes only the pages used.
    with bulk_load.gc_paused(), bulk_load.demo_sync(session.db), \
            bulk_load.page_cache(session.db, DEMO_CACHE_KIB):
        return _fill(session, families, seed, contacts_per_family, progress, batch, showcase,
                     passphrase, worker)


_Drawn = demo_worker.Drawn


class _Draws:
    """The random part of a fill, batch by batch: the same calls of one random source in
    the same order wherever it runs (this process or `demo_worker`), so the same seed
    gives the same vault. The contacts come checked and encoded (`ContactColumns.encode`,
    against the fill's start `now`); the database's keys are added by the writer."""

    def __init__(self, seed: int, today: date, now: datetime, worker_ids: list[WorkerId],
                 contacts_per_family: float) -> None:
        self.rng = random.Random(seed)
        self.today, self.now = today, now
        self.worker_ids = worker_ids
        self.contacts_per_family = contacts_per_family
        self.moments, self.notes = _Moments(today, now), _NoteTexts()
        self.encodings = bulk.Encodings()  # times and texts repeat across batches

    def batch(self, size: int) -> _Drawn:
        """`size` households with their members and contacts."""
        rng, today, per_family = self.rng, self.today, self.contacts_per_family
        drafts = [_household(rng, today, self.worker_ids) for _ in range(size)]
        # Ids in ascending order as the rows are written (they are random within one
        # millisecond): every id index gets its entries appended, not scattered.
        hids = sorted(new_ids(size))
        pids = iter(sorted(new_ids(sum(len(members) for _, members in drafts))))
        households: list[bulk.HouseholdRow] = []
        persons: list[bulk.PersonRow] = []
        drawing: list[tuple[str, Sequence[str], int]] = []
        for hid, (draft, members) in zip(hids, drafts, strict=True):
            households.append((hid, draft))
            born = []
            for member in members:
                pid = PersonId(next(pids))
                persons.append((pid, hid, member))
                if not member.birth.unborn:
                    born.append(pid)
            n = max(0, round(rng.gauss(per_family, per_family / 3)))
            drawing.append((hid, born, n))
        contacts = _contacts(rng, drawing, self.moments, self.notes,
                             sorted(new_ids(sum(n for _, _, n in drawing))), today)
        encoded = contacts.encode(self.now, self.encodings, self.notes.index)
        last, open_follow_ups = bulk.people_stats(encoded, set(hids))
        return bulk.encode_people(households, persons, last, open_follow_ups), encoded


def _sizes(families: int, batch: int) -> list[int]:
    return [min(batch, families - done) for done in range(0, families, max(1, batch))]


# From about this many contacts on, a second process draws the batches while this one
# writes them (`demo_worker`); below it, starting the process costs more than it saves.
WORKER_FROM_CONTACTS = 50_000


def _drawn_here(seed: int, today: date, now: datetime, worker_ids: list[WorkerId],
                contacts_per_family: float, sizes: list[int]) -> Generator[_Drawn, None, None]:
    draws = _Draws(seed, today, now, worker_ids, contacts_per_family)
    for size in sizes:
        yield draws.batch(size)


def _write(session: Session, batches: Generator[_Drawn, None, None], families: int,
           expected: float, progress: Callable[[int, int], None] | None,
           written: Callable[[], None] = lambda: None) -> list[int]:
    """Write the drawn batches (about `expected` contacts); returns the numbers of
    households, persons, contacts written. `written`: called when the last batch is
    written, before the indexes are built and the transaction commits."""
    writer = session.writer()
    totals = [0, 0, 0]
    done = 0
    db = session.db
    # Into a vault with fewer contacts than are coming, the plain indexes are built
    # after the rows (bulk_load.indexes_deferred); into a large one, they are kept.
    few = bulk_load.contacts_held(db) <= expected
    # Fictitious data only, written in one transaction: a failed or interrupted fill
    # leaves nothing of it, and every page is written once, not once per batch (a
    # batch's contacts spread over four years, so each commit rewrote most pages of the
    # time indexes). Segments of the note index are merged once, at the end of the
    # transaction (optimize_search).
    with bulk_load.deferred_index_merging(writer), bulk_load.rollback_journal(db), \
            db.transaction():
        with bulk_load.indexes_deferred(db) if few else nullcontext(), closing(batches):
            for people, contacts in batches:
                bulk.write_batch(writer, people, contacts)
                totals = [totals[0] + len(people.households),
                          totals[1] + len(people.persons), totals[2] + len(contacts)]
                done += len(people.households)
                if progress is not None:
                    progress(done, families)
            written()
        # in the same transaction: the note index's segments as loaded are never
        # written to the file, only the merged ones
        bulk_load.optimize_search(writer)
    return totals


def _drawn_both(drawing: demo_worker.Drawing, seed: int, today: date, now: datetime,
                worker_ids: list[WorkerId], contacts_per_family: float, sizes: list[int],
                ) -> Generator[_Drawn, None, None]:
    """The first batch drawn here while the worker's interpreter starts (it draws the
    same batch only to get its random source to the same place), the others there."""
    rest = drawing.batches(seed, today, now, worker_ids, contacts_per_family, sizes, skip=1)
    with closing(rest):
        if sizes:
            yield _Draws(seed, today, now, worker_ids, contacts_per_family).batch(sizes[0])
        yield from rest


class _ShowcaseAhead:
    """What the example cases need that needs no database, done on a second thread
    while the load's indexes are built and its transaction commits (SQLite gives the
    interpreter lock free for those seconds): their modules imported and the blank
    consent form rendered, whose hash every consent records. A failure here is left to
    the example cases themselves, which do the same again and report it."""

    def __init__(self, profile_name: str) -> None:
        self._thread = threading.Thread(target=self._run, args=(profile_name,),
                                        name="casework-demo-ahead", daemon=True)

    @staticmethod
    def _run(profile_name: str) -> None:
        try:
            from casework.services import demo_lifecycle, demo_showcase, demo_vetting
            from casework.services.consent import lifecycle

            del demo_lifecycle, demo_showcase, demo_vetting
            lifecycle.blank_form_hash(profile_name)
        except Exception:  # done again, and reported, by the example cases
            log.debug("preparing the example cases ahead failed", exc_info=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()


def _fill(session: Session, families: int, seed: int, contacts_per_family: float,
          progress: Callable[[int, int], None] | None, batch: int, showcase: bool,
          passphrase: str, worker: bool | None) -> DemoSummary:
    from casework.services import demo_showcase
    from casework.storage import persons as worker_store

    today = local_today(session.clock)
    now = session.clock.now()
    if worker is None:
        worker = demo_worker.available() and families * contacts_per_family >= \
            WORKER_FROM_CONTACTS
    with ExitStack() as stack:
        # started first: its interpreter starts while the team is made
        drawing = stack.enter_context(demo_worker.Drawing(_Draws)) if worker else None
        # A vault without the demo team gets it (and, with `showcase`, the example cases).
        team = (None if demo_showcase.has_team(session)
                else _team(session, passphrase if showcase else None))
        worker_ids = [WorkerId(w.id) for w in worker_store.list_workers(session.db)
                      if w.data.role in (WorkerRole.FACHKRAFT, WorkerRole.LEITUNG)]
        sizes = _sizes(families, batch)
        batches = (_drawn_both(drawing, seed, today, now, worker_ids, contacts_per_family,
                               sizes) if drawing is not None else
                   _drawn_here(seed, today, now, worker_ids, contacts_per_family, sizes))
        ahead = _ShowcaseAhead(session.profile_name) if team is not None and showcase \
            else None
        totals = _write(session, batches, families, families * contacts_per_family,
                        progress, ahead.start if ahead is not None else lambda: None)
        if ahead is not None:
            ahead.join()
    extra = 0
    if team is not None and showcase:
        extra = demo_showcase.add(session, leitung_passphrase=passphrase, **team)
    from casework.services import demo_lifecycle

    demo_lifecycle.add(session)  # appointments, a hand-over, a closed case, goals
    from casework.services import demo_vetting

    demo_vetting.add(session)  # the § 72a register (Leitung/Admin only)
    session.audit("demo.fill", detail=f"households={totals[0]}")
    return DemoSummary(totals[0], totals[1], totals[2], showcase_households=extra)


