"""Teilhabemanagement use cases: enrol clients, residence documents, intake interview,
measures, caseload with capacity = FTE × programme key, waiting list and reassignment
(sources-reference §4.6)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from casework import resources
from casework.clock import local_today
from casework.errors import NotFound, PermissionDenied, UserError, ValidationError
from casework.models.changes import Changes
from casework.models.households.household import HouseholdDraft
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.persons.worker import Worker, WorkerRole
from casework.models.teilhabe.clients import (
    Assignment,
    Capacity,
    Client,
    ClientDraft,
    fair_assignment,
)
from casework.models.teilhabe.eligibility import (
    PROGRAMME,
    ClientState,
    Eligibility,
    EligibilityResult,
    ResidenceRecord,
    TmStatus,
)
from casework.models.teilhabe.funding import (
    ExclusionFact,
    TargetCheck,
    funding_block,
    funding_warnings,
    target_group_check,
)
from casework.models.teilhabe.intake import Intake, Questionnaire, parse_questionnaire
from casework.models.teilhabe.measures import Measure, MeasureDraft, MeasureStatus
from casework.services import persons
from casework.services.directory import vault_profile
from casework.services.directory.shipped import load_profile
from casework.services.persons import Authorization
from casework.services.session import Session
from casework.storage import households as household_store
from casework.storage import persons as worker_store
from casework.storage import teilhabe as store

DEFAULT_CLIENTS_PER_FTE = 100
DEFAULT_WARN_ABOVE = 0.9
LEAD_ROLES = (WorkerRole.LEITUNG, WorkerRole.ADMIN)


def load_questionnaire(name: str = "default") -> Questionnaire:
    if not name.replace("-", "").replace("_", "").isalnum():
        raise UserError("Ungültiger Name des Fragenkatalogs.")
    resource = resources.files("questionnaires", f"{name}.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Der Fragenkatalog „{name}“ ist nicht vorhanden.") from None
    return parse_questionnaire(data)


def programme_key(session: Session, programme: str = PROGRAMME) -> tuple[int, float]:
    """(clients_per_fte, warn_above) from the vault's profile, defaults 100 / 0.9."""
    try:
        key = load_profile(session.profile_name).programme_key(programme)
    except UserError:
        key = None
    if key is None:
        return DEFAULT_CLIENTS_PER_FTE, DEFAULT_WARN_ABOVE
    return key.clients_per_fte, key.warn_above


def _client(session: Session, client_id: str) -> Client:
    client = store.get_client(session.db, client_id)
    if client is None:
        raise NotFound("Die Klientin / der Klient")
    return client


def _is_lead(session: Session) -> bool:
    return session.actor.data.role in LEAD_ROLES


# --------------------------------------------------------------------------- clients


def enrol(
    session: Session,
    person_id: str,
    draft: ClientDraft,
    residence: ResidenceRecord | None = None,
    programme: str = PROGRAMME,
) -> tuple[str, Changes]:
    """Take an existing person into the programme (on the waiting list)."""
    clean = draft.validated(local_today(session.clock))
    record = residence.validated() if residence else None
    with session.db.transaction():
        person = household_store.get_person(session.db, person_id)
        if person is None:
            raise NotFound("Die Person")
        if store.client_for_person(session.db, person_id, programme) is not None:
            raise ValidationError("Person", f"ist bereits im Programm {programme}.")
        w = session.writer()
        cid = store.insert_client(w, person_id, person.household_id, programme, clean)
        if record is not None:
            client = store.get_client(session.db, cid)
            assert client is not None
            store.insert_residence(w, client, record)
    return cid, Changes.of("tm_client", cid) | Changes.of("household", person.household_id)


def enrol_new_person(
    session: Session,
    first_name: str,
    last_name: str,
    birth: BirthInfo,
    gender: Gender,
    draft: ClientDraft,
    residence: ResidenceRecord | None = None,
    *,
    district: str = "",
    programme: str = PROGRAMME,
) -> tuple[str, Changes]:
    """A young adult on their own: a one-person household, the person, the client."""
    today = local_today(session.clock)
    person = PersonDraft(first_name, last_name, birth, gender, HouseholdRole.SONSTIGE).validated(
        today
    )
    household = HouseholdDraft(
        name=person.last_name or person.first_name, district=district
    ).validated()
    with session.db.transaction():
        w = session.writer()
        hid = household_store.insert_household(w, household)
        pid = household_store.insert_person(w, hid, person)
        cid, changes = enrol(session, pid, draft, residence, programme)
    return cid, changes | Changes.of("person", pid)


def update_client(session: Session, client_id: str, draft: ClientDraft) -> Changes:
    clean = draft.validated(local_today(session.clock))
    with session.db.transaction():
        client = _client(session, client_id)
        changed = store.update_client(session.writer(), client, clean)
    return Changes.of("tm_client", client_id) if changed else Changes()


def add_residence(session: Session, client_id: str, record: ResidenceRecord) -> Changes:
    """Append a residence document (a status change is a new record, never an edit)."""
    clean = record.validated()
    with session.db.transaction():
        client = _client(session, client_id)
        store.insert_residence(session.writer(), client, clean)
    return Changes.of("tm_client", client_id)


def get(session: Session, client_id: str) -> Client:
    return _client(session, client_id)


def eligibility(session: Session, client_id: str, on: date | None = None) -> EligibilityResult:
    return _client(session, client_id).eligibility(on or local_today(session.clock))


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    client: Client
    eligibility: EligibilityResult
    worker_name: str


def caseload(
    session: Session,
    worker_id: str | None = None,
    *,
    on: date | None = None,
    include_closed: bool = False,
    programme: str = PROGRAMME,
) -> list[CaseloadRow]:
    """The clients of one worker (default: the acting worker) with eligibility today."""
    day = on or local_today(session.clock)
    wid = worker_id or session.actor_id
    names: dict[str, str] = {w.id: w.name for w in worker_store.list_workers(session.db)}
    rows = [
        c
        for c in store.clients(session.db, programme, worker_id=wid)
        if include_closed or c.state is not ClientState.ABGESCHLOSSEN
    ]
    return [CaseloadRow(c, c.eligibility(day), names.get(c.worker_id or "", "")) for c in rows]


def waiting_list(
    session: Session, *, on: date | None = None, programme: str = PROGRAMME
) -> list[CaseloadRow]:
    """Waiting clients in order of intake date (first come, first served)."""
    day = on or local_today(session.clock)
    rows = store.clients(session.db, programme, state=ClientState.WARTEND)
    return [CaseloadRow(c, c.eligibility(day), "") for c in rows]


def all_clients(
    session: Session, *, on: date | None = None, programme: str = PROGRAMME
) -> list[CaseloadRow]:
    day = on or local_today(session.clock)
    names: dict[str, str] = {w.id: w.name for w in worker_store.list_workers(session.db)}
    return [
        CaseloadRow(c, c.eligibility(day), names.get(c.worker_id or "", ""))
        for c in store.clients(session.db, programme)
    ]


# --------------------------------------------------------------------------- caseload


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    worker: Worker
    programme: str
    capacity: Capacity


def dashboard(session: Session, programme: str = PROGRAMME) -> list[WorkerLoad]:
    """Utilisation per worker in the programme: Teilhabemanagement staff, plus anyone
    who currently holds clients in it."""
    per_fte, warn = programme_key(session, programme)
    counts = store.active_counts(session.db, programme)
    loads = []
    for worker in worker_store.list_workers(session.db):
        if worker.data.role is not WorkerRole.TEILHABEMANAGEMENT and worker.id not in counts:
            continue
        loads.append(
            WorkerLoad(
                worker,
                programme,
                Capacity(worker.data.fte, per_fte, warn, counts.get(worker.id, 0)),
            )
        )
    return loads


def capacity_of(session: Session, worker_id: str, programme: str = PROGRAMME) -> Capacity:
    worker = worker_store.get_worker(session.db, worker_id)
    if worker is None:
        raise NotFound("Die Mitarbeiterin / der Mitarbeiter")
    per_fte, warn = programme_key(session, programme)
    return Capacity(
        worker.data.fte, per_fte, warn, store.active_counts(session.db, programme).get(worker_id, 0)
    )


def assign(
    session: Session,
    client_id: str,
    worker_id: str,
    reason: str = "",
    *,
    allow_over_capacity: bool = False,
    auth: Authorization | None = None,
) -> Changes:
    """Assign a waiting client or reassign an active one (Leitung; a Teilhabemanagerin
    may take a waiting client herself). Recorded in the assignment history."""
    reason = reason.strip()
    with session.db.transaction():
        client = _client(session, client_id)
        if client.state is ClientState.ABGESCHLOSSEN:
            raise ValidationError(
                "Klient/in", "ist abgeschlossen und kann nicht zugewiesen werden."
            )
        if client.worker_id == worker_id:
            return Changes()
        self_take = (
            worker_id == session.actor_id
            and client.state is ClientState.WARTEND
            and session.actor.data.role is WorkerRole.TEILHABEMANAGEMENT
        )
        if not (_is_lead(session) or self_take):
            raise PermissionDenied("Zuweisen und Umverteilen ist der Leitung vorbehalten.")
        if client.worker_id is not None and not reason:
            raise ValidationError("Grund", "bitte für die Umverteilung einen Grund angeben.")
        capacity = capacity_of(session, worker_id)
        over = capacity.active + 1 > capacity.places
        # Reassignment and caseload override are reserved acts (issue 15): the Leitung
        # confirms with her passphrase and signs what she decides.
        reserved = client.worker_id is not None or (over and allow_over_capacity)
        if reserved:
            if auth is None:
                raise PermissionDenied("Umverteilen und Zuweisen über die Kapazität muss die "
                                       "Leitung mit ihrer Passphrase bestätigen.")
            persons.check_auth(session, auth, LEAD_ROLES)
        if over and allow_over_capacity and not reason:
            # Source 000:296-308: the key is 1:100 per full-time post; going beyond it is
            # a decision that must be justified in writing.
            raise ValidationError(
                "Begründung",
                f"über den Schlüssel hinaus ({capacity.text()}) nur mit schriftlicher "
                "Begründung zuweisen.",
            )
        if over and not allow_over_capacity:
            raise ValidationError(
                "Zuständig",
                f"die Kapazität ist erreicht ({capacity.text()}). Bitte "
                "ausdrücklich über die Kapazität hinaus zuweisen oder andere Fachkraft wählen.",
            )
        store.set_assignment(
            session.writer(),
            client,
            worker_id,
            ClientState.AKTIV,
            local_today(session.clock),
            reason,
        )
        if reserved and auth is not None:
            persons.sign_act(session, auth, "teilhabe.reassign" if client.worker_id else
                             "teilhabe.over_capacity", "tm_client", client_id,
                             {"client_id": client_id, "from": client.worker_id,
                              "to": worker_id, "reason": reason,
                              "over_capacity": over}, allowed=LEAD_ROLES)
    return Changes.of("tm_client", client_id) | Changes.of("worker", worker_id)


def to_waiting_list(session: Session, client_id: str, reason: str) -> Changes:
    session.require_role(*LEAD_ROLES)
    if not reason.strip():
        raise ValidationError("Grund", "bitte angeben.")
    with session.db.transaction():
        client = _client(session, client_id)
        store.set_assignment(
            session.writer(),
            client,
            None,
            ClientState.WARTEND,
            local_today(session.clock),
            reason.strip(),
        )
    return Changes.of("tm_client", client_id)


def close(session: Session, client_id: str, on: date | None = None) -> Changes:
    day = on or local_today(session.clock)
    with session.db.transaction():
        client = _client(session, client_id)
        if not (_is_lead(session) or client.worker_id == session.actor_id):
            raise PermissionDenied(
                "Nur die zuständige Fachkraft oder die Leitung kann abschließen."
            )
        store.close_client(session.writer(), client, day)
    return Changes.of("tm_client", client_id)


def distribute_waiting(session: Session, programme: str = PROGRAMME) -> Changes:
    """Fill free places from the waiting list, in intake order, fairly across workers."""
    session.require_role(*LEAD_ROLES)
    loads: dict[str, Capacity] = {
        load.worker.id: load.capacity
        for load in dashboard(session, programme)
        if load.worker.data.role is WorkerRole.TEILHABEMANAGEMENT
    }
    waiting = [
        row.client.id
        for row in waiting_list(session, programme=programme)
        if row.eligibility.verdict is not Eligibility.NEIN
    ]
    changes = Changes()
    with session.db.transaction():
        for client_id, worker_id in fair_assignment(waiting, loads):
            changes |= assign(session, client_id, worker_id, "Verteilung der Warteliste")
    return changes


def assignment_history(session: Session, client_id: str) -> list[Assignment]:
    return store.assignments(session.db, client_id)


# --------------------------------------------------------------------------- intake, measures


def record_intake(
    session: Session,
    client_id: str,
    answers: dict[str, Any],
    on: date | None = None,
    questionnaire: Questionnaire | None = None,
) -> Changes:
    """Store the answers of an Erstgespräch (new row each time) with the derived needs."""
    q = questionnaire or load_questionnaire()
    day = on or local_today(session.clock)
    if day > local_today(session.clock):
        raise ValidationError("Datum des Erstgesprächs", "liegt in der Zukunft.")
    clean = q.validate_answers(answers)
    needs = {hf.value: list(items) for hf, items in q.needs(clean).items()}
    with session.db.transaction():
        client = _client(session, client_id)
        store.insert_intake(session.writer(), client, q.key, q.version, day, clean, needs)
    return Changes.of("tm_client", client_id)


def intake(session: Session, client_id: str) -> Intake | None:
    return store.latest_intake(session.db, client_id)


def _check_statement(session: Session, draft: MeasureDraft) -> None:
    if draft.statement_on is not None and draft.statement_on > local_today(session.clock):
        raise ValidationError("Stellungnahme der Kommune", "liegt in der Zukunft.")


def add_measure(session: Session, client_id: str, draft: MeasureDraft) -> tuple[str, Changes]:
    """Book a measure. Refused for a person excluded from funding (the reason names the
    exclusion; nothing is written)."""
    clean = draft.validated()
    _check_statement(session, clean)
    with session.db.transaction():
        client = _client(session, client_id)
        block = funding_block(client.data.exclusions)
        if block:
            raise ValidationError("Maßnahme", block)
        mid = store.insert_measure(session.writer(), client, clean)
    return mid, Changes.of("tm_measure", mid) | Changes.of("tm_client", client_id)


def update_measure(session: Session, measure_id: str, draft: MeasureDraft) -> Changes:
    """Change a measure; for a person excluded from funding only ending it is possible."""
    clean = draft.validated()
    _check_statement(session, clean)
    with session.db.transaction():
        measure = store.get_measure(session.db, measure_id)
        if measure is None:
            raise NotFound("Die Maßnahme")
        client = _client(session, measure.client_id)
        block = funding_block(client.data.exclusions)
        if block and clean.status in (MeasureStatus.GEPLANT, MeasureStatus.LAUFEND):
            raise ValidationError("Maßnahme", block)
        changed = store.update_measure(session.writer(), measure, client.household_id, clean)
    if not changed:
        return Changes()
    return Changes.of("tm_measure", measure_id) | Changes.of("tm_client", measure.client_id)


def measures(session: Session, client_id: str) -> list[Measure]:
    return store.measures(session.db, client_id)


def funding_period_last(session: Session, programme: str = PROGRAMME) -> date | None:
    """Last day of the programme's funding period from the vault's profile (None: none)."""
    try:
        period = vault_profile.active_profile(session).reporting.funding_period(programme)
    except UserError:
        return None
    return period.last if period else None


def measure_warnings(
    session: Session, draft: MeasureDraft, programme: str = PROGRAMME
) -> tuple[str, ...]:
    """Warnings to show before booking: the measure runs past the funding period."""
    return funding_warnings(draft, funding_period_last(session, programme))


# --------------------------------------------------------------------------- exclusions


def record_exclusion(session: Session, client_id: str, fact: ExclusionFact) -> Changes:
    """Record that an exclusion from funding applies (or no longer applies) since a day,
    with what it rests on. Appended, never overwritten; the client's current set follows."""
    clean = fact.validated(local_today(session.clock))
    with session.db.transaction():
        client = _client(session, client_id)
        current = set(client.data.exclusions)
        if clean.present:
            current.add(clean.exclusion)
        else:
            current.discard(clean.exclusion)
        w = session.writer()
        store.insert_exclusion_fact(w, client, clean)
        store.update_client(
            w,
            client,
            ClientDraft(
                client.data.intake_on,
                frozenset(current),
                client.data.benefit_basis,
                client.data.age_exception,
                client.data.note,
            ),
        )
    return Changes.of("tm_client", client_id)


def exclusion_facts(session: Session, client_id: str) -> list[ExclusionFact]:
    return store.exclusion_facts(session.db, client_id)


# --------------------------------------------------------------------------- target group


@dataclass(frozen=True, slots=True)
class EnrolmentCheck:
    check: TargetCheck
    youth_contact: str  # the Jugendamt's umA service from the profile, if a minor


def check_enrolment(session: Session, birth: BirthInfo, status: TmStatus | None) -> EnrolmentCheck:
    """The target-group check before an enrolment, with whom to turn to for a minor."""
    check = target_group_check(birth, status, local_today(session.clock))
    contact = ""
    if check.youth_welfare:
        try:
            profile = vault_profile.active_profile(session)
        except UserError:
            profile = None
        functions = profile.asd.special_functions if profile is not None else ()
        for function in functions:
            if "umA" in function.name or "minderjährig" in function.name:
                contact = f"{function.name}: {function.contact_role}, Tel. {function.phone}"
                break
        if not contact and profile is not None:
            contact = f"{profile.asd.office_name}, Tel. {profile.asd.office_phone}"
    return EnrolmentCheck(check, contact)


def waiting_position(session: Session, client_id: str) -> tuple[int, int] | None:
    """(place, length) of a client on the waiting list, or None if not waiting."""
    ids = [row.client.id for row in waiting_list(session)]
    if client_id not in ids:
        return None
    return ids.index(client_id) + 1, len(ids)


def record_target_count(
    session: Session,
    stichtag: date,
    duldung: int,
    gestattung: int,
    source: str,
    programme: str = PROGRAMME,
) -> Changes:
    """The Ausländerbehörde's count of the target group on a Stichtag (Leitung/Admin);
    the monitoring report derives the funding basis from it."""
    session.require_role(*LEAD_ROLES)
    if stichtag > local_today(session.clock):
        raise ValidationError("Stichtag", "liegt in der Zukunft.")
    for label, value in (("Duldung", duldung), ("Gestattung", gestattung)):
        if value < 0 or value > 1_000_000:
            raise ValidationError(label, "muss eine Anzahl ab 0 sein.")
    source = source.strip()
    if not source:
        raise ValidationError("Quelle", "bitte angeben (z. B. Ausländerbehörde, Auszug vom …).")
    with session.db.transaction():
        rid = store.insert_target_count(
            session.writer(), programme, stichtag, duldung, gestattung, source
        )
    return Changes.of("tm_target_count", rid)


def target_count(
    session: Session, on: date, programme: str = PROGRAMME
) -> tuple[date, int, int, str] | None:
    return store.target_count_on(session.db, programme, on)
