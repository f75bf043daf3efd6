"""The bulk writer's column path (demo data, issue 23) against its plain path: the same
demo contacts written as `ContactColumns` and as drafts leave the same rows, search
entries, report facts and change log; the columns are refused where a draft's validation
would refuse or change a contact; the same seed gives the same demo vault."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from casework.clock import BERLIN, FixedClock, local_today
from casework.errors import ValidationError
from casework.models.contacts import ContactType, NoteKind
from casework.models.ids import PersonId, new_ids
from casework.services import demo
from casework.services import session as session_service
from casework.services.session import Session
from casework.storage import bulk
from casework.storage import contacts as contact_store
from tests.storage.test_bulk_writer import _snapshot


def _drawn_batch(session: Session, seed: int, families: int, contacts_each: int,
                 ) -> tuple[list[Any], list[Any], bulk.ContactColumns, dict[str, str]]:
    """A demo batch as `demo` draws it: households, persons, contacts as columns."""
    rng = random.Random(seed)
    today, now = local_today(session.clock), session.clock.now()
    moments, notes = demo._Moments(today, now), demo._NoteTexts()
    households, persons, drawing = [], [], []
    for hid in sorted(new_ids(families)):
        draft, members = demo._household(rng, today, [session.actor_id])
        households.append((hid, draft))
        born = []
        for member, pid in zip(members, sorted(new_ids(len(members))), strict=True):
            persons.append((pid, hid, member))
            if not member.birth.unborn:
                born.append(PersonId(pid))
        drawing.append((hid, born, contacts_each))
    columns = demo._contacts(rng, drawing, moments, notes,
                             sorted(new_ids(families * contacts_each)), today)
    return households, persons, columns, notes.index


def _renumbered(households: list[Any], persons: list[Any], columns: bulk.ContactColumns,
                ) -> tuple[list[Any], list[Any], bulk.ContactColumns, dict[str, str]]:
    """The same batch under new ids (to write it a second time into the same vault)."""
    ids = {old: new for old, new in zip(
        [h for h, _ in households] + [p for p, _, _ in persons] + list(columns.ids),
        sorted(new_ids(len(households))) + sorted(new_ids(len(persons)))
        + sorted(new_ids(len(columns.ids))), strict=True)}
    return ([(ids[h], d) for h, d in households],
            [(ids[p], ids[h], d) for p, h, d in persons],
            replace(columns, ids=[ids[c] for c in columns.ids],
                    household_ids=[ids[h] for h in columns.household_ids],
                    persons_present=[tuple(ids[p] for p in present)
                                     for present in columns.persons_present]), ids)


def _facts(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    return {t: [tuple(r) for r in session.db.query(f"SELECT * FROM {t} ORDER BY 1, 2")]  # noqa: S608
            for t in ("household_years", "contact_months")}


def test_columns_leave_the_same_rows_search_facts_and_change_log_as_drafts(session) -> None:
    households, persons, columns, forms = _drawn_batch(session, seed=5, families=6,
                                                       contacts_each=9)
    assert any(f is not None for f in columns.follow_up)
    assert any(columns.follow_up_done) and not all(columns.follow_up_done)
    assert NoteKind.AUSSAGE_DRITTER in columns.note_kind
    plain_households, plain_persons, plain, ids = _renumbered(households, persons, columns)
    w = session.writer()
    before = _facts(session)
    with session.db.transaction():
        bulk.insert_batch(w, households, persons, columns, index_forms=forms)
    after_columns = _facts(session)
    with session.db.transaction():
        bulk.insert_batch(w, plain_households, plain_persons, plain.rows(),
                          done_follow_ups=plain.done())
    after_plain = _facts(session)

    def of(hid: str) -> tuple[str, list[str], list[str]]:
        return (hid, [p for p, h, _ in persons if h == hid],
                [c for c, h in zip(columns.ids, columns.household_ids, strict=True)
                 if h == hid])

    for hid, _ in households:
        hid, pids, cids = of(hid)
        in_columns = _snapshot(session, hid, pids, cids)
        as_drafts = _snapshot(session, ids[hid], [ids[p] for p in pids], [ids[c] for c in cids])
        assert in_columns == as_drafts
        assert len(in_columns["contacts"]) == len(cids) > 0
        assert len(in_columns["pushed"]) == 1 + len(pids) + len(cids)  # the log is complete
    # the report facts: the same counts added by both (months and types; years by household)
    assert _added(before, after_columns)["contact_months"] == _added(
        after_columns, after_plain)["contact_months"]
    years = _added(before, after_columns)["household_years"]
    assert sorted((ids[h], y, n) for h, y, n in years) == sorted(
        _added(after_columns, after_plain)["household_years"])
    # every note is found by its words, whichever way it was written
    said = {c for c, t in zip(columns.ids, columns.note_text, strict=True)
            if "Sprechstunde" in t}
    found = {h.contact_id for h in contact_store.search_notes(session.db, "Sprechstunde",
                                                              limit=10_000)}
    assert said and found == said | {ids[c] for c in said}


def _added(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]],
           ) -> dict[str, list[tuple[Any, ...]]]:
    """Per facts table: (key..., count added) of the rows that grew."""
    out = {}
    for table in before:
        old = {r[:-1]: r[-1] for r in before[table]}
        out[table] = sorted((*key, n - old.get(key, 0)) for r in after[table]
                            for key, n in [(r[:-1], r[-1])] if n != old.get(key, 0))
    return out


NOW = datetime(2027, 3, 16, 9, 30, tzinfo=BERLIN)
_BASE = bulk.ContactColumns(
    ids=["c1", "c2"], household_ids=["h", "h"],
    occurred_at=[NOW - timedelta(days=3), NOW - timedelta(days=1)],
    type=[ContactType.HAUSBESUCH, ContactType.TELEFONAT], duration_min=[30, 10],
    persons_present=[("p1",), ("p1", "p2")], topics=[("Schule",), ()],
    note_kind=[NoteKind.FAKT, NoteKind.AUSSAGE_DRITTER], note_text=["Besuch.", "Anruf."],
    note_source=["", "Schule"], note_disputed=[False, True], next_steps=["", "Termin"],
    follow_up=[None, date(2027, 3, 20)], follow_up_done=[False, False])


@pytest.mark.parametrize(("change", "error", "plain"), [
    ({"occurred_at": [NOW - timedelta(days=3), NOW + timedelta(hours=1)]}, ValidationError,
     "refuses"),
    ({"occurred_at": [NOW - timedelta(days=3), datetime(2027, 3, 1, 10, 0)]},
     ValidationError, "refuses"),  # without a time zone
    ({"duration_min": [30, 1441]}, ValidationError, "refuses"),
    ({"duration_min": [-5, 10]}, ValidationError, "refuses"),
    ({"follow_up": [None, date(2027, 3, 14)]}, ValidationError, "refuses"),  # before it
    ({"note_text": ["Besuch.", ""]}, ValidationError, "refuses"),
    ({"note_source": ["", ""]}, ValidationError, "refuses"),  # Aussage Dritter, no source
    ({"note_text": ["Besuch. ", "Anruf."]}, ValueError, "changes"),  # it would strip it
    ({"next_steps": ["", " Termin"]}, ValueError, "changes"),
    ({"note_source": ["", "Schule "]}, ValueError, "changes"),
    ({"topics": [("Schule", ""), ()]}, ValueError, "changes"),  # it would drop the empty one
    ({"persons_present": [("p1", "p1"), ()]}, ValueError, "changes"),  # … the second p1
    ({"type": [ContactType.HAUSBESUCH, "Telefonat"]}, ValueError, None),  # not the enum
    ({"note_kind": [NoteKind.FAKT, ContactType.BERATUNG]}, ValueError, None),
    ({"topics": [("Schule",)]}, ValueError, None),  # a column of another length
])
def test_columns_are_refused_where_a_drafts_validation_would_refuse_or_change_them(
        change: dict[str, Any], error: type[Exception], plain: str | None) -> None:
    columns = replace(_BASE, **change)
    with pytest.raises(error):
        columns.check(NOW, bulk.Encodings())
    if plain == "refuses":
        with pytest.raises(ValidationError):
            for _, _, draft in columns.rows():
                draft.validated(NOW)
    elif plain == "changes":
        assert [d.validated(NOW) for _, _, d in columns.rows()] != [
            d for _, _, d in columns.rows()]


def test_the_base_columns_are_what_validated_drafts_are() -> None:
    rows = _BASE.rows()
    assert [d.validated(NOW) for _, _, d in rows] == [d for _, _, d in rows]


def _content(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    session = session_service.unlock(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW))
    try:
        db = session.db
        return {
            "households": [tuple(r) for r in db.query(
                "SELECT name, street, plz, district, languages, target_groups, status, "
                "member_count, adult_first_names, last_contact_at, open_followups "
                "FROM households ORDER BY rowid")],
            "persons": [tuple(r) for r in db.query(
                "SELECT first_name, last_name, birth_date, birth_year, due_date, gender, role, "
                "school FROM persons ORDER BY rowid")],
            "contacts": [tuple(r) for r in db.query(
                "SELECT occurred_at, type, duration_min, topics, next_steps, follow_up, "
                "follow_up_done, n.kind, n.source, n.text, n.disputed FROM contact_rows c "
                "JOIN contact_notes n ON n.contact = c.rid ORDER BY c.rid")],
        }
    finally:
        session.close()


def test_the_same_seed_gives_the_same_demo_vault(tmp_path: Path) -> None:
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        session = session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                         owner_name="Lena Beispiel", memory_security=False)
        try:
            demo.fill(session, 12, seed=7, contacts_per_family=6, showcase=False, batch=5)
        finally:
            session.close()
        folders.append(folder)
    first, second = _content(folders[0]), _content(folders[1])
    assert first == second
    assert len(first["households"]) == 12 and len(first["contacts"]) > 40
    times = [c[0] for c in first["contacts"]]
    assert max(times) <= NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
