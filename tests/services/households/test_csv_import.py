"""CSV import into a real vault: preview, all-or-nothing commit, duplicates, fuzzing."""

from __future__ import annotations

import gc
import weakref
from concurrent.futures import CancelledError
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.errors import UserError, ValidationError
from casework.models.households.csv_cells import Once, birth
from casework.models.households.csv_columns import default_mapping
from casework.models.households.csv_file import read_table
from casework.models.households.csv_import import (
    DuplicatePolicy,
    birth_dates,
    identity_key,
    plan_import,
)
from casework.services import contacts
from casework.services import session as session_service
from casework.services.households import csv_import as importer
from casework.services.households import households
from casework.services.session import Session
from casework.storage import contacts as contact_store
from tests.conftest import add_family

GOOD = (
    "Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Rolle;Sorgeberechtigt;Straße;PLZ;Ort;"
    "Kontaktdatum;Kontaktart;Notiz\n"
    "A1;Anna;Schmidt;04.05.1988;Elternteil;ja;Hauptstraße 3;46236;Bottrop;"
    "02.11.2026;Hausbesuch;Erstbesuch\n"
    "A1;Emil;Schmidt;01.03.2019;Kind;nein;Hauptstraße 3;46236;Bottrop;;;\n"
    "A2;Tim;Kaya;12.12.1990;Elternteil;ja;Am Markt 1;46236;Bottrop;;;\n"
)


def _count(session: Session) -> tuple[int, int]:
    persons = int(session.db.scalar("SELECT count(*) FROM persons WHERE deleted = 0"))
    return households.count(session), persons


def test_import_creates_households_persons_and_contacts(session: Session) -> None:
    summary, changes = importer.import_bytes(session, GOOD.encode("cp1252"))
    assert (summary.households, summary.persons, summary.contacts) == (2, 3, 1)
    assert _count(session) == (2, 3)
    ids = households.list_ids(session, search="Schmidt")
    assert len(ids) == 1 and changes.ids("household") >= set(ids)
    members = households.members(session, ids[0])
    assert sorted(p.data.first_name for p in members) == ["Anna", "Emil"]
    assert contacts.count(session, ids[0]) == 1
    actions = [r[0] for r in session.db.query("SELECT action FROM audit_log")]
    assert "import.csv" in actions


def test_one_bad_row_imports_nothing(session: Session) -> None:
    bad = GOOD + "A3;Ida;Neu;32.01.2000;;;;;;;;\n"
    prepared = importer.preview(session, bad.encode())
    assert [p.text() for p in prepared.plan.problems] == [
        "Zeile 5: Geburtsdatum: kein gültiges Datum."]
    with pytest.raises(ValidationError, match="nichts importiert"):
        importer.commit(session, prepared)
    assert _count(session) == (0, 0)


def test_duplicates_against_the_vault_are_flagged_and_refused_by_default(
        session: Session) -> None:
    add_family(session, "Müller")  # Ayşe Müller *04.05.1988, Lena Müller *01.03.2019
    data = (b"Vorname;Nachname;Geburtsdatum\n"
            b"Ayse;Mueller;04.05.1988\n"
            b"Neu;Person;01.01.2001\n")
    prepared = importer.preview(session, data)
    assert [d.text() for d in prepared.plan.duplicates] == [
        "Zeile 2: eine Person mit gleichem Namen und Geburtsdatum ist bereits in der Akte."]
    with pytest.raises(UserError, match="Doppelung"):
        importer.commit(session, prepared)
    assert _count(session) == (1, 2)

    summary, _ = importer.commit(session, prepared, DuplicatePolicy.SKIP)
    assert (summary.households, summary.persons, summary.skipped_duplicates) == (1, 1, 1)
    assert _count(session) == (2, 3)


def test_duplicates_can_be_imported_as_separate_persons(session: Session) -> None:
    data = (b"Haushalt;Vorname;Nachname;Geburtsdatum\n"
            b"1;Lena;Schmidt;01.03.2019\n"
            b"2;Lena;Schmidt;01.03.2019\n")
    summary, _ = importer.commit(session, importer.preview(session, data),
                                 DuplicatePolicy.IMPORT)
    assert summary.persons == 2 and _count(session) == (2, 2)


def test_a_failure_during_the_commit_rolls_everything_back(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # The last step of the commit fails after every row was written in the transaction.
    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise UserError("Der Datenträger ist voll.")

    monkeypatch.setattr(Session, "audit", failing)  # the audit entry is written last
    with pytest.raises(UserError):
        importer.import_bytes(session, GOOD.encode())
    assert _count(session) == (0, 0)
    assert session.db.scalar("SELECT count(*) FROM changelog WHERE entity = 'household'") == 0
    assert session.db.scalar("SELECT count(*) FROM contacts") == 0


def test_mapping_file_maps_unusual_headers(session: Session) -> None:
    data = b"Kind;Familie;Geb\nEmil;Schmidt;01.03.2019\n"
    summary, _ = importer.import_bytes(
        session, data, mapping_json='{"Vorname": "Kind", "Nachname": "Familie", '
                                    '"Geburtsdatum": "Geb"}')
    assert summary.persons == 1


# --------------------------------------------------------------------------- fuzzing

_FUZZ = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])

_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "ja", "nein", "w", "m", "Kind", "31.02.2019", "01.01.2010", "2015",
                     "46236", "4623", '"', ";", "\n", "Hausbesuch", "01.01.2030 25:61"]),
)
_rows = st.lists(st.lists(_cell, min_size=0, max_size=14), min_size=0, max_size=8)


def _attempt(session: Session, data: bytes) -> None:
    before = _count(session)
    try:
        prepared = importer.preview(session, data)
        summary, _ = importer.commit(session, prepared, DuplicatePolicy.IMPORT)
    except (ValidationError, UserError):
        assert _count(session) == before  # never half-imported
        return
    after = _count(session)
    assert after == (before[0] + summary.households, before[1] + summary.persons)


@_FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_or_half_import(session: Session, data: bytes) -> None:
    _attempt(session, data)


@_FUZZ
@given(rows=_rows, delimiter=st.sampled_from([";", ","]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_malformed_rows_never_crash_or_half_import(session: Session, rows: list[list[str]],
                                                   delimiter: str, encoding: str) -> None:
    header = delimiter.join(["Haushalt-Nr.", "Vorname", "Nachname", "Geburtsdatum",
                             "Geschlecht", "Rolle", "Sorgeberechtigt", "Straße", "PLZ",
                             "Kontaktdatum", "Kontaktart", "Notiz"])
    text = header + "\n" + "\n".join(delimiter.join(r) for r in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _attempt(session, data)


def test_cancelling_between_batches_rolls_back_what_was_written(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 1)  # one household per batch
    prepared = importer.preview(session, GOOD.encode())
    seen: list[tuple[int, int]] = []
    with pytest.raises(importer.ImportCancelled, match="nichts importiert"):
        importer.commit(session, prepared, progress=lambda d, t: seen.append((d, t)),
                        cancelled=lambda: len(seen) == 1)  # after the first batch
    assert seen == [(1, 3)]
    assert _count(session) == (0, 0)
    assert session.db.scalar("SELECT count(*) FROM changelog WHERE entity = 'person'") == 0
    summary, _ = importer.commit(session, prepared, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3, 3) and _count(session) == (2, 3)
    assert summary.household_ids and set(households.list_ids(session)) == set(
        summary.household_ids)
    # the member count kept in bulk equals what the per-row trigger would have kept
    counts = sorted(r[0] for r in session.db.query("SELECT member_count FROM households"))
    assert counts == [1, 2]


# --------------------------------------------------------------------------- the app's check


def test_the_background_check_flags_vault_duplicates_and_wipes_its_key(
        session: Session) -> None:
    add_family(session, "Müller")  # Ayşe Müller *04.05.1988, Lena Müller *01.03.2019
    key = session_service.background_key(session)
    seen: list[tuple[int, int]] = []
    prepared = importer.check_in_background(
        key, session.clock, session.actor_id,
        b"Vorname;Nachname;Geburtsdatum\nAyse;Mueller;04.05.1988\nNeu;Person;01.01.2001\n",
        progress=lambda done, total: seen.append((done, total)))
    assert [d.text() for d in prepared.plan.duplicates] == [
        "Zeile 2: eine Person mit gleichem Namen und Geburtsdatum ist bereits in der Akte."]
    assert seen == [(0, 2), (2, 2)]
    assert not any(key.data_key)  # its connection is closed and the key copy wiped
    # a new mapping is checked again against the vault: here the birth date column
    # only becomes known with it
    data = b"Vorname;Name;Geburt\nLena;Mueller;2019-03-01\n"
    unmapped = importer.check_in_background(session_service.background_key(session),
                                            session.clock, session.actor_id, data)
    assert not unmapped.plan.duplicates
    mapped = importer.check_in_background(
        session_service.background_key(session), session.clock, session.actor_id, data,
        mapping={"first_name": 0, "last_name": 1, "birth_date": 2})
    assert [d.line for d in mapped.plan.duplicates] == [2]


def test_the_vault_is_asked_only_for_the_files_birth_dates(session: Session) -> None:
    add_family(session, "Müller")
    table = read_table(b"Vorname;Nachname;Geburtsdatum\nX;Y;01.03.2019\nZ;Y;1990\nQ;Y;x\n")
    mapping = default_mapping(table.header)
    assert birth_dates(table, mapping) == {"2019-03-01"}
    assert importer.known_persons(session, table, mapping) == {
        identity_key("Lena", "Müller", date(2019, 3, 1))}
    # the check reads each birth cell once for this and the plan: the same answers
    births = Once(birth)
    assert birth_dates(table, mapping, births) == {"2019-03-01"}
    assert plan_import(table, mapping, session.clock.now(), births=births) == plan_import(
        table, mapping, session.clock.now())


def test_a_check_stopped_at_its_progress_stops_with_cancelled_error(session: Session) -> None:
    answers = iter([False, True])  # go on before the start, stop at the first rows
    with pytest.raises(CancelledError):
        importer.check_in_background(session_service.background_key(session), session.clock,
                                     session.actor_id, GOOD.encode(),
                                     cancelled=lambda: next(answers))


def test_a_background_check_stopped_before_it_starts_opens_nothing(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    real_open = session_service.open_background

    def counting_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(session_service, "open_background", counting_open)
    key = session_service.background_key(session)
    with pytest.raises(CancelledError):
        importer.check_in_background(key, session.clock, session.actor_id, GOOD.encode(),
                                     cancelled=lambda: True)
    assert not opened and not any(key.data_key)


@pytest.mark.parametrize("batch", [importer.BATCH, 1])
def test_imported_households_show_their_last_contact_in_the_list(
        session: Session, monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """The list's last-contact and follow-up columns of imported households (written
    with the household rows, before their contacts; with `batch` 1 each in a batch of
    its own) equal what a recount from the contacts gives, and a household without
    contacts has none."""
    from casework.clock import BERLIN, from_utc_iso

    monkeypatch.setattr(importer, "BATCH", batch)
    data = GOOD.replace("A1;Emil;Schmidt;01.03.2019;Kind;nein;Hauptstraße 3;46236;Bottrop;;;",
                        "A1;Emil;Schmidt;01.03.2019;Kind;nein;Hauptstraße 3;46236;Bottrop;"
                        "20.11.2026;Telefonat;Rückruf")
    summary, _ = importer.import_bytes(session, data.encode())
    rows = {r.name: r for r in households.list_rows(session, list(summary.household_ids))}
    assert rows["Schmidt"].last_contact_at is not None
    assert from_utc_iso(rows["Schmidt"].last_contact_at).astimezone(BERLIN).date() == date(
        2026, 11, 20)
    assert rows["Kaya"].last_contact_at is None
    written = session.db.query("SELECT id, last_contact_at, open_followups FROM households "
                               "ORDER BY id")
    with session.db.transaction():
        contact_store.refresh_household_stats_many(session.db, list(summary.household_ids))
    assert session.db.query("SELECT id, last_contact_at, open_followups FROM households "
                            "ORDER BY id") == written


class _Cyclic:
    """A reference cycle that becomes garbage: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_checked_plan_is_out_of_the_collectors_walks_until_it_is_let_go(
        session: Session) -> None:
    """After a large check, collections must not walk the plan (each walk of a
    100,000-row plan held every thread, the GUI's too, for 0.15–0.3 s); once the plan is
    let go, nothing frozen with it stays uncollectable (no memory kept across imports)."""
    rows = "".join(f"H{n // 3};Kind{n};Müller;01.03.2019;Hauptstraße 3;02.11.2026;Besuch\n"
                   for n in range(300))
    data = ("Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Straße;Kontaktdatum;Notiz\n"
            + rows).encode()
    gc.collect()
    assert gc.get_freeze_count() == 0
    gc.disable()  # a cycle left as garbage while the check runs (the GUI thread's, say)
    try:
        garbage = _Cyclic()
        left = weakref.ref(garbage)
        del garbage
        first = importer.preview(session, data)
        second = importer.check_in_background(session_service.background_key(session),
                                              session.clock, session.actor_id, data)
    finally:
        gc.enable()
    walked = {id(o) for o in gc.get_objects()}
    for plan in (first.plan, second.plan):
        assert len(plan.households) == 100 and plan.person_count == 300
        assert not walked & {id(plan), id(plan.households[0]),
                             id(plan.households[-1].persons[-1].draft)}
    del plan
    assert len(first.table.rows) == importer.SAMPLE_ROWS  # the rest is in the plan
    gc.collect()
    assert left() is not None  # frozen with the plans …
    del first
    gc.collect()
    assert left() is not None and gc.get_freeze_count()  # … while one of them lives
    del second
    gc.collect()
    assert left() is None and gc.get_freeze_count() == 0
