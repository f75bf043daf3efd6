"""A contact's insert is logged by reference to its row (m0008, issue 23): the hub and the
history get exactly what the full log row of the previous release gave them, before and
after every kind of change to the contact, and a purge leaves nothing behind."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from casework.clock import FixedClock
from casework.models.contacts import (
    ContactDraft,
    ContactType,
    CorrectionDraft,
    NoteEntry,
    NoteKind,
)
from casework.models.ids import ContactId
from casework.services import contacts, contacts_corrections
from casework.services import session as session_service
from casework.services.session import Session
from casework.storage import changelog, hub_apply, hub_outbox
from casework.storage import hub as hub_store
from casework.storage.migrations import m0057_change_log_rows as m0057
from casework.storage.privacy import purge as purge_store
from tests.conftest import NOW, PASSPHRASE, add_family
from tests.storage.log_format import TRIGGERS, contacts_before_keys, log_as_one_table


def _seen(session: Session) -> dict[str, Any]:
    """What the history and the push show of the contacts (fields as JSON text)."""
    db = session.db
    device = session.vault.device_id
    with db.transaction():
        hub_outbox.catch_up_local(db, device)

    def text(fields: dict[str, Any]) -> str:
        return json.dumps(fields, ensure_ascii=False, sort_keys=True)

    return {
        "history": [(e.entity_id, e.op, text(e.fields))
                    for e in changelog.history(db, limit=10_000) if e.entity == "contact"],
        "pushed": [(c.change_id, c.op, text(c.fields))
                   for c in hub_outbox.outbox(db, device, 10_000) if c.entity == "contact"],
    }


def _to_previous_format(session: Session, *, one_table: bool = True) -> None:
    """What the release before m0006/m0008 wrote: every contact insert with all its values
    and its notes' text in the log row, and no triggers. `one_table`: stored as that
    release stored it (migrations 8 and 57 run again at the next unlock); else in today's
    table, every value in the row (the session goes on writing)."""
    db = session.db
    whole = [(json.dumps(changelog.expand_fields(db, "contact", "insert", r["entity_id"],
                                                 json.loads(r["fields"])),
                         ensure_ascii=False, sort_keys=True),
              r["change_id"], r["hlc"], r["actor"], r["device"], r["at"], r["seq"])
             for r in db.query("SELECT * FROM changelog WHERE entity = 'contact' "
                               "AND op = 'insert'")]
    if one_table:
        contacts_before_keys(db)
    with db.transaction():
        if one_table:
            log_as_one_table(db)
            table = "changelog"
        else:
            for trigger in TRIGGERS:
                db.execute(f"DROP TRIGGER {trigger}")
            table = "changelog_rows"
        db.executemany(f"UPDATE {table} SET fields = ?, change_id = ?, hlc = ?, "  # noqa: S608
                       "actor = ?, device = ?, at = ? WHERE seq = ?", whole)


def _changes(session: Session, cids: list[ContactId]) -> None:
    """Every way a logged contact changes: a correction of its notes and values, the
    first notes of a contact without any, a follow-up done, a field written by another
    path (as the sync does), a deletion."""
    contacts_corrections.correct(session, cids[0], CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Schimmel nur im Bad."),), "Verwechselt",
        occurred_at=NOW - timedelta(days=4), next_steps="Vermieter anrufen"))
    contacts_corrections.correct(session, cids[1], CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Nachgetragen: Kita-Platz gefunden."),), "Vergessen"))
    contacts.complete_follow_up(session, cids[2])
    w = session.writer()
    with session.db.transaction():
        w.update("contacts", "contact", cids[3], {"topics": '["Gesundheit"]'})
        w.tombstone("contacts", "contact", cids[4])


def _log_contacts(session: Session) -> list[ContactId]:
    hid = add_family(session, "Referenz")
    now = session.clock.now()
    drafts = [
        ContactDraft(now - timedelta(days=5), ContactType.HAUSBESUCH, 45,
                     topics=("Wohnsituation",), next_steps='Termin "Jugendamt"',
                     follow_up=(now + timedelta(days=3)).date(),
                     notes=(NoteEntry(NoteKind.FAKT, "Schimmel im Kinderzimmer."),
                            NoteEntry(NoteKind.AUSSAGE_DRITTER, "Lehrerin: fehlt oft.",
                                      "Schule", True))),
        ContactDraft(now - timedelta(days=3), ContactType.TELEFONAT, 10),
    ]
    drafts += [replace(drafts[0], follow_up=(now + timedelta(days=i)).date()) for i in (1, 2, 3)]
    return [contacts.log_contact(session, hid, d)[0] for d in drafts]


def test_history_and_push_are_what_the_full_log_rows_gave(tmp_path: Path,
                                                           vault_dir: Path) -> None:
    clock = FixedClock(NOW)
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    cids = _log_contacts(session)
    assert {f for (f,) in session.db.query(
        "SELECT fields FROM changelog WHERE entity = 'contact'")} == {changelog.CONTACT_IN_ROW}
    session.close()
    previous_dir = tmp_path / "previous"
    shutil.copytree(vault_dir, previous_dir)
    now = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    previous = session_service.unlock(previous_dir, PASSPHRASE, FixedClock(NOW))
    try:
        _to_previous_format(previous, one_table=False)
        before = _seen(now)
        assert before == _seen(previous)
        assert "Schimmel im Kinderzimmer." in before["pushed"][0][2]
        _changes(now, cids)
        _changes(previous, cids)
        after = _seen(now)
        # the same contact updates on both; the corrections themselves are new rows with
        # their own ids, so only the contact's own changes are compared one by one
        assert [h for h in after["history"] if h[1] == "insert"] == \
            [h for h in _seen(previous)["history"] if h[1] == "insert"]
        assert [p[2] for p in after["pushed"]] == [p[2] for p in _seen(previous)["pushed"]]
        inserts = {p[0]: json.loads(p[2]) for p in after["pushed"] if p[1] == "insert"}
        assert len(inserts) == 5
        first = next(f for f in inserts.values() if f["notes"] and f["topics"] != "[]"
                     and f["next_steps"] == 'Termin "Jugendamt"' and f["duration_min"] == 45
                     and f["notes"][0]["text"] == "Schimmel im Kinderzimmer.")
        assert first["occurred_at"] != (NOW - timedelta(days=4)).isoformat()
        # the changed contacts' log rows now hold their original values themselves
        kept = now.db.query("SELECT entity_id, fields FROM changelog WHERE entity = 'contact' "
                            "AND op = 'insert'")
        full = {str(r[0]) for r in kept if r[1] != changelog.CONTACT_IN_ROW}
        assert full == {cids[0], cids[1], cids[3]}
    finally:
        now.close()
        previous.close()


def test_a_purge_leaves_no_log_row_of_the_household(session: Session) -> None:
    cids = _log_contacts(session)
    _changes(session, cids)
    hid = contacts.get(session, cids[0]).household_id
    purge_store.purge_household(session.db, hid)
    db = session.db
    assert purge_store.remaining_rows(db, hid) == 0
    for cid in cids:
        assert not db.query("SELECT 1 FROM changelog WHERE entity_id = ?", (cid,))
    assert not db.query("SELECT 1 FROM changelog WHERE instr(fields, 'Schimmel') > 0")


def test_the_migration_refers_to_unchanged_contacts_only(
        vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(m0057, "_SLICE", 3)  # the log is copied in slices of 3 rows
    session = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    cids = _log_contacts(session)
    _changes(session, cids)
    _to_previous_format(session)  # every row whole, with its notes' text
    with session.db.transaction():
        session.db.execute("DELETE FROM schema_migrations WHERE version = 8")
    before = _seen(session)
    logged_before = _inserts(session)
    session.close()

    reopened = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    try:
        logged = {str(r[0]): r[1] for r in reopened.db.query(
            "SELECT entity_id, fields FROM changelog WHERE entity = 'contact' "
            "AND op = 'insert'")}
        # unchanged (a follow-up done and a deletion change no logged value) → reference;
        # corrected or edited → their original values stay in the row
        assert {c for c, f in logged.items() if f == changelog.CONTACT_IN_ROW} == \
            {cids[2], cids[4]}
        assert "Schimmel im Kinderzimmer." in logged[cids[0]]
        assert _seen(reopened) == before
        assert _inserts(reopened) == logged_before  # change id, version, author, time …
        # the two referring rows keep only what their rows no longer say: the version
        # (a follow-up done and a deletion moved it on)
        assert [tuple(r) for r in reopened.db.query(
            "SELECT fields, hlc IS NULL, actor, device, at, scope_id FROM changelog_rows "
            "WHERE entity = 'contact' AND op = 'insert' AND fields IS NULL")] == \
            [(None, 0, None, None, None, None)] * 2
        # and the triggers are back: an edit keeps the original in the row
        w = reopened.writer()
        with reopened.db.transaction():
            w.update("contacts", "contact", cids[2], {"next_steps": "Neu"})
        assert 'Termin \\"Jugendamt\\"' in str(reopened.db.scalar(
            "SELECT fields FROM changelog WHERE entity_id = ? AND op = 'insert'", (cids[2],)))
    finally:
        reopened.close()


def test_applied_contacts_from_the_hub_are_logged_by_reference_when_unchanged(
        tmp_path: Path, vault_dir: Path) -> None:
    """A first sync pulls every contact of the team: those the batch leaves as they came
    are logged by reference too; one changed again in the same batch keeps its fields."""
    receiver_dir = tmp_path / "receiver"
    shutil.copytree(vault_dir, receiver_dir)
    sender = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    receiver = session_service.unlock(receiver_dir, PASSPHRASE, FixedClock(NOW))
    try:
        cids = _log_contacts(sender)
        hid = contacts.get(sender, cids[0]).household_id
        w = sender.writer()
        with sender.db.transaction():
            w.update("contacts", "contact", cids[1], {"next_steps": "Rückruf"}, scope_id=hid)
        device = sender.vault.device_id
        with sender.db.transaction():
            hub_outbox.catch_up_local(sender.db, device)
        sent = [c for c in hub_outbox.outbox(sender.db, device, 1000) if c.scope_id == hid]
        changes = [hub_store.RemoteChange(c.change_id, c.entity, c.entity_id, c.scope_id,
                                          c.op, c.fields, c.bases, c.hlc, c.actor, c.device,
                                          c.at) for c in sent]
        db = receiver.db
        with db.transaction():
            result = hub_apply.apply_remote(db, receiver.writer().hlc, "another-device",
                                            changes, (len(changes), len(changes)))
        assert result.applied == len(changes) and result.quarantined == 0
        logged = {str(r[0]): r[1] for r in db.query(
            "SELECT entity_id, fields FROM changelog WHERE entity = 'contact' "
            "AND op = 'insert'")}
        assert {c for c, f in logged.items() if f == changelog.CONTACT_IN_ROW} == \
            set(cids) - {cids[1]}
        # the history shows what was sent, for every contact
        received = {(e.entity_id, e.op): e.fields for e in changelog.history(db)
                    if e.entity == "contact"}
        assert received == {(c.entity_id, c.op): c.fields for c in sent
                            if c.entity == "contact"}
        assert received[(cids[1], "insert")]["next_steps"] == ""  # as first written
    finally:
        sender.close()
        receiver.close()


_LOGGED_AS = ("seq", "change_id", "entity", "entity_id", "op", "hlc", "actor", "device", "at",
              "scope_id")


def _inserts(session: Session) -> dict[str, tuple[Any, ...]]:
    """Each contact insert as the log says it (through the view), without its fields."""
    return {str(r["entity_id"]): tuple(r[c] for c in _LOGGED_AS) for r in session.db.query(
        "SELECT * FROM changelog WHERE entity = 'contact' AND op = 'insert'")}


def test_a_contact_insert_stores_only_what_its_row_cannot_say(session: Session) -> None:
    cids = _log_contacts(session)
    stored = session.db.query(
        "SELECT change_id, fields, hlc, actor, device, at, scope_id FROM changelog_rows "
        "WHERE entity = 'contact' AND op = 'insert'")
    assert len(stored) == 5 and all(tuple(r) == (None,) * 7 for r in stored)
    # read back: its id as change id, the row's version, author, device, time, household
    logged = _inserts(session)
    row = session.db.query_one("SELECT * FROM contacts WHERE id = ?", (cids[0],))
    assert row is not None
    assert logged[cids[0]][1:] == (
        cids[0], "contact", cids[0], "insert", row["version"], row["created_by"],
        session.vault.device_id, row["created_at"], row["household_id"])
    # a log row of anything else must say everything itself
    with session.db.transaction(), pytest.raises(sqlcipher3.IntegrityError, match="CHECK"):
        session.db.execute("INSERT INTO changelog_rows (entity, entity_id, op) "
                           "VALUES ('household', 'x', 'insert')")


def test_what_the_log_says_of_an_insert_survives_every_later_change(
        session: Session, clock: FixedClock) -> None:
    cids = _log_contacts(session)
    before = _inserts(session)
    clock.advance(timedelta(days=2))  # later changes carry another time, author, version
    _changes(session, cids)
    other = add_family(session, "Umzug")
    w = session.writer()
    with session.db.transaction():
        w.update("contacts", "contact", cids[2], {"household_id": other})
    assert _inserts(session) == before
    # every log row of a changed contact now says it itself
    stored = {str(r[0]): r[1] for r in session.db.query(
        "SELECT entity_id, hlc FROM changelog_rows WHERE entity = 'contact' AND op = 'insert'")}
    assert {c for c, hlc in stored.items() if hlc is None} == set()
    assert session.db.scalar("SELECT count(*) FROM changelog_rows WHERE entity = 'contact' "
                             "AND op = 'insert' AND change_id IS NULL") == 0
    # the household's history still holds the moved contact's insert (where it was made)
    hid = before[cids[2]][9]
    assert (cids[2], "insert") in {(e.entity_id, e.op) for e in changelog.history(
        session.db, scope_id=hid) if e.entity == "contact"}


def test_pulled_contacts_are_known_by_their_change_id_when_they_come_again(
        tmp_path: Path, vault_dir: Path) -> None:
    receiver_dir = tmp_path / "receiver"
    shutil.copytree(vault_dir, receiver_dir)
    sender = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    receiver = session_service.unlock(receiver_dir, PASSPHRASE, FixedClock(NOW))
    try:
        _log_contacts(sender)
        device = sender.vault.device_id
        with sender.db.transaction():
            hub_outbox.catch_up_local(sender.db, device)
        changes = [hub_store.RemoteChange(c.change_id, c.entity, c.entity_id, c.scope_id,
                                          c.op, c.fields, c.bases, c.hlc, c.actor, c.device,
                                          c.at) for c in hub_outbox.outbox(sender.db, device, 1000)]
        db = receiver.db
        results = []
        for _ in range(2):
            with db.transaction():
                results.append(hub_apply.apply_remote(
                    db, receiver.writer().hlc, "another-device", changes,
                    (len(changes), len(changes))))
        first, again = results
        assert first.quarantined == 0 and first.applied >= 6  # household, persons, contacts
        assert (again.applied, again.known, again.quarantined) == (0, len(changes), 0)
        # stored as compactly as on the device that wrote them, and read back the same
        assert db.scalar("SELECT count(*) FROM changelog_rows WHERE entity = 'contact' "
                         "AND change_id IS NULL AND hlc IS NULL AND scope_id IS NULL") == 5
        assert {k: v[1:] for k, v in _inserts(receiver).items()} == \
            {k: v[1:] for k, v in _inserts(sender).items()}
    finally:
        sender.close()
        receiver.close()
