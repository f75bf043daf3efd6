"""The bulk writer (CSV import, demo) against the per-row path, the change log that keeps a
contact's note text once (m0006), the family list's first names on the household row
(m0007), and both migrations on a vault in the shape the previous release wrote (issue 23)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from casework.clock import BERLIN, to_utc_iso
from casework.errors import StorageFull
from casework.models.contacts import (
    ContactDraft,
    ContactType,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
)
from casework.models.households.household import HouseholdDraft, TargetGroup
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import ContactId, new_ids
from casework.models.text import index_texts
from casework.services import contacts_corrections, demo
from casework.services import session as session_service
from casework.services.households import households
from casework.storage import bulk, bulk_columns, changelog, hub_outbox
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.db import _fold_for_index
from tests.conftest import PASSPHRASE
from tests.storage.log_format import contacts_before_keys, log_as_one_table

HOUSEHOLD = HouseholdDraft(name="Gärtner", street="Gärtnerstraße 5", plz="46236", city="Bottrop",
                           district="Ebel", languages=("Deutsch", "Türkisch"),
                           interpreter_needed=True,
                           target_groups=frozenset({TargetGroup.ARMUT}))
PERSONS = (
    PersonDraft("Sabine", "Gärtner", BirthInfo(birth_date=date(1985, 3, 1)), Gender.WEIBLICH,
                HouseholdRole.ELTERNTEIL, custody=True),
    PersonDraft("Lea", "Gärtner", BirthInfo(birth_date=date(2019, 5, 2)), Gender.WEIBLICH,
                HouseholdRole.KIND, school="Kita Regenbogen"),
    PersonDraft("", "Gärtner", BirthInfo(birth_year=1990), Gender.MAENNLICH,
                HouseholdRole.ELTERNTEIL),
    PersonDraft("Thomas", "Gärtner", BirthInfo(), Gender.MAENNLICH, HouseholdRole.SONSTIGE),
)


def _contacts(now: Any) -> tuple[ContactDraft, ...]:
    return (
        ContactDraft(now - timedelta(days=9), ContactType.HAUSBESUCH, 45,
                     topics=("Schule", "Wohnsituation"), next_steps='Termin "Jugendamt"',
                     follow_up=(now + timedelta(days=3)).date(),
                     notes=(NoteEntry(NoteKind.FAKT, "Schimmel im Kinderzimmer, Außenwand."),
                            NoteEntry(NoteKind.AUSSAGE_DRITTER, "Lehrerin: Lea fehlt oft.",
                                      "Schule", True))),
        ContactDraft(now - timedelta(days=2), ContactType.TELEFONAT, 10,
                     notes=(NoteEntry(NoteKind.FAKT, "Kajakausflug der Familie geplant."),)),
    )


def _per_row(session) -> tuple[str, list[str], list[str]]:  # type: ignore[no-untyped-def]
    w = session.writer()
    with session.db.transaction():
        hid = household_store.insert_household(w, HOUSEHOLD)
        pids = [household_store.insert_person(w, hid, p) for p in PERSONS]
        cids = [contact_store.insert_contact(w, hid, replace(c, persons_present=(pids[0],)))
                for c in _contacts(session.clock.now())]
    return hid, pids, cids


def _bulk(session) -> tuple[str, list[str], list[str]]:  # type: ignore[no-untyped-def]
    hid, *ids = new_ids(1 + len(PERSONS) + 2)
    pids, cids = ids[:len(PERSONS)], ids[len(PERSONS):]
    with session.db.transaction():
        bulk.insert_batch(session.writer(), [(hid, HOUSEHOLD)],
                          [(pid, hid, p) for pid, p in zip(pids, PERSONS, strict=True)],
                          [(cid, hid, replace(c, persons_present=(pids[0],)))
                           for cid, c in zip(cids, _contacts(session.clock.now()), strict=True)])
    return hid, pids, cids  # last contact and open follow-ups written by the bulk writer


_BOOKKEEPING = {"id", "created_at", "updated_at", "version", "rowid"}


def _snapshot(session, hid: str, pids: list[str], cids: list[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everything a user or the hub sees of one household, its ids replaced by their
    position so the two paths can be compared."""
    db = session.db
    names = {hid: "H", **{p: f"P{i}" for i, p in enumerate(pids)},
             **{c: f"C{i}" for i, c in enumerate(cids)}}

    def anonymous(value: Any) -> Any:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        for real, name in names.items():
            text = text.replace(real, name)
        return json.loads(text)

    def rows(sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [anonymous({k: r[k] for k in r.keys()  # noqa: SIM118 - a Row, not a dict
                           if k not in _BOOKKEEPING}) for r in db.query(sql, params)]

    device = session.vault.device_id
    with db.transaction():
        hub_outbox.catch_up_local(db, device)
    pushed = [anonymous({"entity": c.entity, "entity_id": c.entity_id, "op": c.op,
                         "scope": c.scope_id, "fields": c.fields})
              for c in hub_outbox.outbox(db, device, 10_000) if c.scope_id == hid]
    return {
        "household": rows("SELECT * FROM households WHERE id = ?", (hid,)),
        "search": rows("SELECT household_id, text FROM household_search WHERE household_id = ?",
                       (hid,)),
        "persons": rows("SELECT * FROM persons WHERE household_id = ? ORDER BY rowid", (hid,)),
        "contacts": [
            {k: v for k, v in r.items() if k != "created_at"} for r in rows(
                "SELECT * FROM contacts WHERE household_id = ? ORDER BY occurred_at", (hid,))],
        "notes": sorted(rows("SELECT c.id AS contact_id, n.seq, n.kind, n.source, n.text, "
                             "n.disputed FROM contact_notes n JOIN contact_rows c "
                             "ON c.rid = n.contact WHERE c.id IN (SELECT id FROM contacts "
                             "WHERE household_id = ?)", (hid,)),
                        key=lambda n: (n["contact_id"], n["seq"])),
        "list": anonymous(list(households.list_rows(session, [hid])[0])),
        "history": [anonymous((e.entity, e.entity_id, e.op, e.fields))
                    for e in changelog.history(db, scope_id=hid)],
        "pushed": pushed,
        "found_by_note": [anonymous(h.household_id) for h in contact_store.search_notes(
            db, "kinderzimmer außenwand") if h.household_id == hid],
        "found_by_name": hid in household_store.list_household_ids(db, search="Gartner Sab"),
    }


def test_bulk_writer_leaves_the_same_rows_search_and_change_log_as_the_per_row_path(
        session) -> None:
    per_row = _snapshot(session, *_per_row(session))
    in_bulk = _snapshot(session, *_bulk(session))
    assert per_row == in_bulk
    # and what they agree on is complete: every field of a contact reaches the hub, with
    # the notes' text, and the list names the adults (an adult without a first name too)
    contact = next(c for c in per_row["pushed"] if c["entity"] == "contact")["fields"]
    assert contact["topics"] == json.dumps(["Schule", "Wohnsituation"], ensure_ascii=False)
    assert contact["next_steps"] == 'Termin "Jugendamt"' and contact["follow_up"]
    assert [n["text"] for n in contact["notes"]] == ["Schimmel im Kinderzimmer, Außenwand.",
                                                    "Lehrerin: Lea fehlt oft."]
    assert contact["notes"][1] == {"disputed": True, "kind": NoteKind.AUSSAGE_DRITTER.value,
                                   "source": "Schule", "text": "Lehrerin: Lea fehlt oft."}
    assert per_row["list"][9] == ["Sabine", "", "Thomas"]  # not children
    assert per_row["found_by_note"] == ["H"] and per_row["found_by_name"]


def test_the_change_log_keeps_a_notes_text_once_and_the_original_after_a_correction(
        session) -> None:
    hid, _pids, cids = _per_row(session)
    db = session.db
    stored = db.scalar("SELECT fields FROM changelog WHERE entity_id = ? AND op = 'insert'",
                       (cids[1],))
    assert stored == changelog.CONTACT_IN_ROW  # a reference to the row (m0008)
    contacts_corrections.correct(session, ContactId(cids[1]), CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Kanuausflug der Familie geplant."),), "Verhört"))
    # the contact shows the corrected wording, the log of its insert the original one
    assert contact_store.get_contact(db, cids[1]).data.notes[0].text.startswith("Kanu")
    [insert] = [e for e in changelog.history(db, entity_ids=[cids[1]]) if e.op == "insert"]
    assert insert.fields["notes"][0]["text"] == "Kajakausflug der Familie geplant."
    assert "Kajakausflug" in db.scalar(
        "SELECT fields FROM changelog WHERE entity_id = ? AND op = 'insert'", (cids[1],))
    # … which is also what the hub gets for it
    device = session.vault.device_id
    with db.transaction():
        hub_outbox.catch_up_local(db, device)
    [pushed] = [c for c in hub_outbox.outbox(db, device, 1000)
                if c.entity_id == cids[1] and c.op == "insert"]
    assert pushed.fields["notes"][0]["text"] == "Kajakausflug der Familie geplant."
    assert households.list_rows(session, [hid])[0].adults == ("Sabine", "", "Thomas")


def test_first_names_on_the_household_row_follow_every_change_of_its_persons(
        session, family) -> None:
    def adults() -> tuple[str, ...]:
        return households.list_rows(session, [family])[0].adults

    assert adults() == ("Ayşe",)
    households.add_person(session, family, PersonDraft(
        "Murat", "Müller", BirthInfo(), Gender.MAENNLICH, HouseholdRole.ELTERNTEIL))
    assert adults() == ("Ayşe", "Murat")
    murat = next(p for p in households.members(session, family) if p.data.first_name == "Murat")
    households.update_person(session, murat.id, replace(murat.data, first_name="Mehmet"))
    assert adults() == ("Ayşe", "Mehmet")
    households.update_person(session, murat.id, replace(murat.data, role=HouseholdRole.KIND))
    assert adults() == ("Ayşe",)
    households.update_person(session, murat.id, murat.data)
    households.remove_person(session, murat.id)
    assert adults() == ("Ayşe",)


def _as_previous_release_wrote_it(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Turn this vault back into what the release before m0006/m0007/m0008 wrote: contact
    inserts logged with all their values and their notes' text, no first names on the
    household row. Returns the logged fields by change id."""
    db = session.db
    old: dict[str, str] = {}
    for r in db.query("SELECT change_id, entity_id, fields FROM changelog "
                      "WHERE entity = 'contact' AND op = 'insert'"):
        fields = changelog.expand_fields(db, "contact", "insert", r["entity_id"],
                                         json.loads(r["fields"]))
        old[r["change_id"]] = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    contacts_before_keys(db)
    with db.transaction():
        log_as_one_table(db)
        db.executemany("UPDATE changelog SET fields = ? WHERE change_id = ?",
                       [(fields, change_id) for change_id, fields in old.items()])
        for trigger in ("persons_adult_names_ai", "persons_adult_names_ad",
                        "persons_adult_names_au"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("ALTER TABLE households DROP COLUMN adult_first_names")
        db.execute("DELETE FROM schema_migrations WHERE version IN (6, 7, 8)")
    return old


def test_the_migrations_convert_a_vault_of_the_previous_release(
        session, vault_dir, clock) -> None:
    hid, _pids, cids = _per_row(session)
    contacts_corrections.correct(session, ContactId(cids[0]), CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Feuchtigkeit im Kinderzimmer."),), "Präziser"))
    old = _as_previous_release_wrote_it(session)
    session.close()

    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        db = reopened.db
        logged = {r[0]: r[1] for r in db.query(
            "SELECT change_id, fields FROM changelog WHERE entity = 'contact' "
            "AND op = 'insert'")}
        # the uncorrected contact's row refers to its row; the corrected one keeps the
        # original text (contact_notes holds the correction)
        assert sum(f == changelog.CONTACT_IN_ROW for f in logged.values()) == 1
        assert any("Schimmel im Kinderzimmer" in f for f in logged.values())
        # the hub gets exactly what the previous release would have pushed
        device = reopened.vault.device_id
        with db.transaction():
            hub_outbox.catch_up_local(db, device)
        pushed = {c.change_id: c.fields for c in hub_outbox.outbox(db, device, 10_000)
                  if c.entity == "contact" and c.op == "insert"}
        assert pushed == {cid: json.loads(f) for cid, f in old.items()}
        # the family list names the adults again, and new persons keep it up to date
        assert households.list_rows(reopened, [hid])[0].adults == ("Sabine", "", "Thomas")
        assert contact_store.get_contact(db, cids[1]).data.notes[0].text.startswith("Kajak")
    finally:
        reopened.close()


def test_a_batch_folds_its_notes_as_the_index_trigger_folds_each_note() -> None:
    # The bulk writer feeds the note index itself (the trigger calls casework_fold per
    # note); word by word, once per batch, and from the demo's folded sentences.
    rng = random.Random(11)
    alphabet = [chr(c) for c in range(0x09, 0x3000)] + ["\U0001D167", "\U0001F600", "ẞ",
                                                       "\x1f", " ", "ae", "ss", "\u00a0"]
    batch = ["Müller Straße Łódź Yılmaz Ærø Œuvre ﬁx ǰ x̧ ą́", "", " ", "Mü\u00a0ller",
             "a\U0001D167b über", "Schulsozialarbeit: Aussage"]
    batch += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
              for _ in range(3000)]
    assert index_texts(batch) == [_fold_for_index(t) for t in batch]
    notes = demo._NoteTexts()
    drawn = notes.draw(rng.random, 3000)
    assert all(notes.index[t] == _fold_for_index(t) for t in drawn)
    assert any("Besprochen wurde" in t for t in drawn)  # the rare sentences too


def test_a_batch_failing_half_way_leaves_nothing_and_the_note_index_trigger_in_place(
        session, monkeypatch: pytest.MonkeyPatch) -> None:
    db = session.db

    def counts() -> list[int]:
        return [int(db.scalar(f"SELECT count(*) FROM {t}"))  # noqa: S608 - fixed names
                for t in ("households", "persons", "contacts", "contact_notes", "changelog",
                          "household_search")]

    before = counts()

    def disk_full(texts: list[str]) -> list[str]:  # after contacts and notes are written
        assert db.conn.in_transaction and db.scalar("SELECT count(*) FROM contact_notes")
        raise StorageFull()

    monkeypatch.setattr(bulk_columns, "index_texts", disk_full)
    with pytest.raises(StorageFull):
        _bulk(session)
    monkeypatch.undo()
    assert counts() == before
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                     "AND name IN ('contact_notes_ai', 'household_search_ai', "
                     "'persons_member_count_ai', 'persons_adult_names_ai')") == 4
    # the next batch and a contact logged one by one are found again
    hid, _pids, _cids = _bulk(session)
    assert [h.household_id for h in contact_store.search_notes(db, "kajakausflug")] == [hid]
    assert hid in household_store.list_household_ids(db, search="Gartner")


def test_a_demo_fill_failing_half_way_leaves_no_demo_families(
        session, monkeypatch: pytest.MonkeyPatch) -> None:
    db = session.db
    calls = []
    real = bulk.write_batch

    def second_fails(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise StorageFull()
        real(*args, **kwargs)

    monkeypatch.setattr(bulk, "write_batch", second_fails)
    with pytest.raises(StorageFull):
        demo.fill(session, 4, contacts_per_family=3, batch=2, showcase=False)
    assert len(calls) == 2
    assert db.scalar("SELECT count(*) FROM households") == 0
    assert db.scalar("SELECT count(*) FROM contacts") == 0
    assert db.scalar("SELECT count(*) FROM changelog WHERE entity = 'household'") == 0
    assert db.scalar("PRAGMA synchronous") == 2  # FULL again after the demo's NORMAL


def test_persons_added_in_a_later_batch_count_on_their_household(session) -> None:
    hid, _pids, _cids = _bulk(session)
    [pid] = new_ids(1)
    with session.db.transaction():
        bulk.insert_batch(session.writer(), [], [(pid, hid, PersonDraft(
            "Murat", "Gärtner", BirthInfo(), Gender.MAENNLICH, HouseholdRole.ELTERNTEIL))], [])
    [row] = households.list_rows(session, [hid])
    assert row.adults == ("Sabine", "", "Thomas", "Murat")
    assert session.db.scalar("SELECT member_count FROM households WHERE id = ?", (hid,)) == 5


def test_the_bulk_writers_lists_of_persons_present_are_json_dumps() -> None:
    for ids in [(), ("01a24d3c-0d8d-7e80-b1a8-6b11ef021589",), ("p1", "p2"),
                ('Gärtner "M"', "a\\b\n", "\u202e")]:
        assert bulk_columns.present_json(ids) == json.dumps(list(ids)), ids


def test_the_bulk_writers_timestamps_are_the_per_row_paths() -> None:
    moments = [datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=BERLIN),  # before DST
               datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN), datetime(1999, 12, 31, 23, 0,
                                                                     tzinfo=UTC),
               datetime(1000, 1, 1, 0, 0, 1, tzinfo=UTC),
               datetime(999, 12, 31, 23, 59, tzinfo=UTC),
               datetime(2031, 10, 26, 2, 30, 5, 17, tzinfo=BERLIN)]
    for moment in moments:
        assert bulk.utc_text(moment) == to_utc_iso(moment), moment
    with pytest.raises(ValueError):
        bulk.utc_text(datetime(2026, 1, 1))  # naive, as to_utc_iso


def test_the_bulk_writers_change_log_json_is_what_json_dumps_writes() -> None:
    rng = random.Random(5)
    texts = ["", "Gärtner", 'Termin "Jugendamt"', "a\\b\n\t\x00\x1f", "ẞ 😀 \u2028", "null"]
    for _ in range(500):
        values: dict[str, Any] = {f"k{rng.randint(0, 30)}": rng.choice(
            [*texts, None, 0, 1, -7, 2**70, True, False, 1.5, ["x"], {"a": 1}])
            for _ in range(rng.randint(0, 12))}
        assert bulk.flat_json(values) == json.dumps(values, ensure_ascii=False,
                                                    sort_keys=True), values
    for draft in (HOUSEHOLD, *PERSONS):
        values = (household_store.household_values(draft) if isinstance(draft, HouseholdDraft)
                  else household_store.person_values(draft))
        assert bulk.flat_json(values) == json.dumps(values, ensure_ascii=False,
                                                    sort_keys=True)


def test_a_households_columns_are_what_json_dumps_and_fold_give() -> None:
    """`household_values` writes its lists with one shared encoder and the bulk writer
    folds each family name once per batch: the same columns as json.dumps and fold."""
    from casework.models.text import fold

    rng = random.Random(11)
    words = ["Deutsch", "Türkisch", "ẞ 😀", 'a "b"', "\u2028", "Русский", ""]
    groups = list(TargetGroup)
    for _ in range(300):
        draft = replace(HOUSEHOLD, name=rng.choice(["Müller", "Öztürk", "Groß", "Ł ø"]),
                        languages=tuple(rng.sample(words, rng.randint(0, 3))),
                        target_groups=frozenset(rng.sample(groups, rng.randint(0, 3))))
        remembered = bulk.Memo(fold)
        for values in (household_store.household_values(draft),
                       household_store.household_values(draft, remembered.__getitem__),
                       household_store.household_values(draft, remembered.__getitem__)):
            assert values["languages"] == json.dumps(list(draft.languages), ensure_ascii=False)
            assert values["target_groups"] == json.dumps(
                sorted(t.value for t in draft.target_groups), ensure_ascii=False)
            assert values["sort_name"] == fold(draft.name)


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 123])
def test_rows_inserted_fifty_a_statement_are_every_row_in_order(session, count: int) -> None:
    db = session.db
    rows = [(i, f"Zeile {i}", None if i % 7 else 2.5) for i in range(count)]
    with db.transaction():
        db.execute("CREATE TEMP TABLE rows_in (n INTEGER, text TEXT, twice INTEGER, x)")
        # ?1 twice: numbered parameters keep their meaning in every row of a statement
        bulk.insert_rows(db, "INSERT INTO rows_in VALUES ", "(?1, ?2, ?1 * 2, ?3)", rows)
        got = [tuple(r) for r in db.query("SELECT * FROM rows_in ORDER BY rowid")]
        db.execute("DROP TABLE rows_in")
    assert got == [(n, text, 2 * n, x) for n, text, x in rows]


def test_a_row_of_another_length_is_refused_before_its_statement(session) -> None:
    db = session.db
    rows = [(i, "a") for i in range(120)]
    rows[60] = (60, "a", "b")  # in the second statement; the third would shift
    with db.transaction():
        db.execute("CREATE TEMP TABLE rows_in (n INTEGER, text TEXT)")
        with pytest.raises(ValueError, match="different lengths"):
            bulk.insert_rows(db, "INSERT INTO rows_in VALUES ", "(?1, ?2)", rows)
        # only the first statement's fifty rows ran; nothing shifted, nothing later
        assert db.scalar("SELECT count(*) FROM rows_in") == 50
        assert db.scalar("SELECT count(*) FROM rows_in WHERE text <> 'a'") == 0
        db.execute("DROP TABLE rows_in")
