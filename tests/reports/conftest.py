"""A small, hand-countable vault for the report tests (period: calendar year 2025).

Households (contacts in local time, Europe/Berlin):
- "Altkontakt": 15.12.2024 Hausbesuch, 10.03.2025 Hausbesuch → reached, continuing;
  access Komm; mother 1988-05-04 (w), child 2019-03-01 (w).
- "Neujahr": 01.01.2025 00:30 Telefonat (UTC still 2024!) → reached, new, January;
  access Bring; one man born 1970-06-30.
- "Silvester": 31.12.2025 23:30 Hausbesuch (in), 01.01.2026 00:10 Beratung (out) →
  reached, new, December; no access route; woman born 2000-12-31 (turns 25 on the last day).
- "Vorjahr": only 2024 → not reached.
Offers: Müttercafé 01.03.2025 (6 w 27–64, 2 m 0–5) and 01.04.2025 (6 w 27–64);
Familientraining bound to "Altkontakt": 10 sessions in 2025.
Teilhabemanagement: worker 0.5 VZÄ; clients Duldung ×2 (one assigned), Gestattung ×1
(assigned), Aufenthaltserlaubnis ×1 (waiting); one measure Baustein 1 / HF 4 ended
30.06.2025 with Übergang in Ausbildung.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from casework.clock import BERLIN
from casework.models.contacts import ContactDraft, ContactType
from casework.models.households.household import AccessRoute, HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.offers import (
    AgeGroup,
    AttendeeGender,
    Headcount,
    OfferDraft,
    OfferKind,
    SessionDraft,
)
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.teilhabe.clients import ClientDraft
from casework.models.teilhabe.eligibility import ResidenceRecord, TmStatus
from casework.models.teilhabe.measures import (
    Foerderbaustein,
    Handlungsfeld,
    MeasureDraft,
    MeasureStatus,
    Outcome,
)
from casework.services import contacts, offers
from casework.services import session as session_service
from casework.services import teilhabe as tm
from casework.services.households import households
from casework.services.persons import workers
from casework.services.session import Session
from tests.conftest import NOW, PASSPHRASE


@dataclass
class Fixture:
    folder: Path
    session: Session


def _household(
    session: Session,
    name: str,
    route: AccessRoute | None,
    people: list[tuple[str, date, Gender]],
    visits: list[tuple[datetime, ContactType]],
) -> str:
    hid, _ = households.create(
        session,
        HouseholdDraft(
            name=name, street="Gärtnerstraße 12", plz="46236", city="Bottrop", access_route=route
        ),
    )
    for first, born, gender in people:
        households.add_person(
            session,
            hid,
            PersonDraft(first, name, BirthInfo(born), gender, HouseholdRole.ELTERNTEIL),
        )
    for when, kind in visits:
        contacts.log_contact(session, hid, ContactDraft(when, kind))
    return hid


def _at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def build(session: Session) -> None:
    alt = _household(
        session,
        "Altkontakt",
        AccessRoute.KOMM,
        [("Ayşe", date(1988, 5, 4), Gender.WEIBLICH), ("Lena", date(2019, 3, 1), Gender.WEIBLICH)],
        [(_at(2024, 12, 15), ContactType.HAUSBESUCH), (_at(2025, 3, 10), ContactType.HAUSBESUCH)],
    )
    _household(
        session,
        "Neujahr",
        AccessRoute.BRING,
        [("Jörg", date(1970, 6, 30), Gender.MAENNLICH)],
        [(_at(2025, 1, 1, 0, 30), ContactType.TELEFONAT)],
    )
    _household(
        session,
        "Silvester",
        None,
        [("Maren", date(2000, 12, 31), Gender.WEIBLICH)],
        [
            (_at(2025, 12, 31, 23, 30), ContactType.HAUSBESUCH),
            (_at(2026, 1, 1, 0, 10), ContactType.BERATUNG),
        ],
    )
    _household(
        session,
        "Vorjahr",
        AccessRoute.HOL,
        [("Kofi", date(1990, 1, 1), Gender.MAENNLICH)],
        [(_at(2024, 6, 1), ContactType.SPRECHSTUNDE)],
    )
    cafe, _ = offers.create_offer(session, OfferDraft("Müttercafé", OfferKind.MUETTERCAFE))
    offers.record_session(
        session,
        cafe,
        SessionDraft(
            date(2025, 3, 1),
            2.0,
            (
                Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 6),
                Headcount(AgeGroup.U6, AttendeeGender.MAENNLICH, 2),
            ),
        ),
    )
    offers.record_session(
        session,
        cafe,
        SessionDraft(date(2025, 4, 1), 2.0, (Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 6),)),
    )
    training, _ = offers.create_offer(
        session, OfferDraft("Familientraining", OfferKind.FAMILIENTRAINING, household_id=alt)
    )
    for month in range(1, 11):
        offers.record_session(
            session,
            training,
            SessionDraft(
                date(2025, month, 5),
                headcounts=(Headcount(AgeGroup.U65, AttendeeGender.WEIBLICH, 1),),
            ),
        )

    samira, _ = workers.create(
        session, WorkerDraft("Samira Test", WorkerRole.TEILHABEMANAGEMENT, fte=0.5)
    )
    lead, _ = workers.create(session, WorkerDraft("Dr. Petra Probe", WorkerRole.LEITUNG))
    ids = []
    for first, born, status, gender in (
        ("Yonas", date(2001, 4, 2), TmStatus.DULDUNG, Gender.MAENNLICH),
        ("Samir", date(2003, 8, 9), TmStatus.DULDUNG, Gender.MAENNLICH),
        ("Hewan", date(1999, 1, 20), TmStatus.GESTATTUNG, Gender.WEIBLICH),
        ("Ali", date(2000, 2, 2), TmStatus.AUFENTHALTSERLAUBNIS, Gender.MAENNLICH),
    ):
        cid, _ = tm.enrol_new_person(
            session,
            first,
            "Klient",
            BirthInfo(born),
            gender,
            ClientDraft(date(2025, 2, 1)),
            ResidenceRecord(status, date(2024, 6, 1)),
        )
        ids.append(cid)
    session.act_as(lead)
    tm.assign(session, ids[0], samira)
    tm.assign(session, ids[2], samira)
    tm.add_measure(
        session,
        ids[0],
        MeasureDraft(
            "Bewerbungscoaching",
            Foerderbaustein.B1,
            Handlungsfeld.HF4,
            "Träger",
            date(2025, 2, 1),
            date(2025, 6, 30),
            MeasureStatus.ABGESCHLOSSEN,
            Outcome.AUSBILDUNG,
        ),
    )
    tm.record_intake(
        session, ids[0], {"language_level": "A2", "wish": ["Ausbildung"]}, on=date(2025, 2, 3)
    )


@pytest.fixture(scope="session")
def _report_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from casework.clock import FixedClock

    folder = tmp_path_factory.mktemp("reports") / "vault"
    session = session_service.create(
        folder, PASSPHRASE, FixedClock(NOW), owner_name="Lena Beispiel"
    )
    try:
        build(session)
    finally:
        session.close()
    return folder


@pytest.fixture
def report_vault(_report_vault: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "vault"
    shutil.copytree(_report_vault, target)
    return target


@pytest.fixture
def report_session(report_vault: Path, clock) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    s = session_service.unlock(report_vault, PASSPHRASE, clock)
    yield s
    if s.is_open:
        s.close()
