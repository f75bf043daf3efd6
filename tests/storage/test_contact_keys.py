"""Contacts with integer keys inside the vault (m0081, issue 23: 1,481 → ~1,170 bytes per
contact). Callers read and write the view `contacts` with the UUIDs as before; the table
stores integers, and a hand-written statement through the view is held to what the table
held it to."""

from __future__ import annotations

from datetime import date, timedelta
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
from casework.models.ids import ContactId, HouseholdId
from casework.services import contacts, contacts_corrections
from casework.services import session as session_service
from casework.services.session import Session
from casework.storage import migrations, report_facts
from casework.storage.db import Database
from casework.storage.privacy import purge as purge_store
from tests.conftest import NOW, PASSPHRASE, add_family
from tests.storage.log_format import contacts_before_keys


def _log(session: Session, family: HouseholdId, text: str, days: int,
         follow_up: date | None = None) -> ContactId:
    cid, _ = contacts.log_contact(session, family, ContactDraft(
        session.clock.now() - timedelta(days=days), ContactType.HAUSBESUCH, duration_min=30,
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, text),), next_steps="Termin Jobcenter",
        follow_up=follow_up))
    return cid


def _as_seen(db: Database) -> dict[str, Any]:
    """What callers see of the contacts: the view's rows, each contact's notes, the
    report facts and the household column of the log."""
    return {
        "contacts": [tuple(r) for r in db.query("SELECT * FROM contacts ORDER BY id")],
        "notes": [tuple(r) for r in db.query(
            "SELECT c.id, n.seq, n.kind, n.text FROM contacts c JOIN contact_rows k "
            "ON k.id = c.id JOIN contact_notes n ON n.contact = k.rid ORDER BY c.id, n.seq")],
        "facts": report_facts.mismatches(db),
        "log": [tuple(r) for r in db.query(
            "SELECT seq, change_id, entity_id, fields, hlc, actor, device, at, scope_id "
            "FROM changelog ORDER BY seq")],
    }


def test_a_contact_stores_integers_and_reads_back_its_uuids(session: Session,
                                                           family: HouseholdId) -> None:
    cid = _log(session, family, "Schimmel im Kinderzimmer.", 2, date(2026, 12, 1))
    db = session.db
    stored = db.query_one("SELECT * FROM contact_rows WHERE id = ?", (cid,))
    assert stored is not None
    # the household, the author and the device are keys; never changed: no updated_*
    assert (type(stored["household"]), type(stored["created_by"]),
            type(stored["device"])) == (int, int, int)
    assert stored["updated_at"] is None and stored["updated_by"] is None
    assert stored["clock"].count(".") == 1
    seen = db.query_one("SELECT * FROM contacts WHERE id = ?", (cid,))
    assert seen is not None
    assert seen["household_id"] == family
    assert seen["created_by"] == seen["updated_by"] == session.actor_id
    assert seen["updated_at"] == seen["created_at"]
    assert seen["version"].endswith("." + session.vault.device_id)
    contact = contacts.get(session, cid)
    assert contact.household_id == family and contact.data.notes[0].text.startswith("Schimmel")
    # a change by someone else an hour later: both are kept, the view shows them
    session.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    contacts.complete_follow_up(session, cid)
    changed = db.query_one("SELECT * FROM contacts WHERE id = ?", (cid,))
    assert changed is not None
    assert changed["updated_at"] > changed["created_at"] and changed["follow_up_done"] == 1
    assert changed["version"] > seen["version"]
    assert contacts.get(session, cid).follow_up_done


def test_a_statement_through_the_view_is_refused_as_the_table_refused_it(
        session: Session, family: HouseholdId) -> None:
    cid = _log(session, family, "Erstgespräch.", 1)
    db = session.db
    row = dict(db.query_one("SELECT * FROM contacts WHERE id = ?", (cid,)) or {})
    keys_before = db.scalar("SELECT count(*) FROM id_keys")
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    bad = [
        {"household_id": "00000000-0000-7000-8000-000000000000"},  # no such household
        {"version": "kaputt"},  # not millis.counter.device
        {"created_by": None},
        {"occurred_at": None},
    ]
    for change in bad:
        values = {**row, "id": "01a2ffff-0000-7000-8000-000000000001", **change}
        with pytest.raises(sqlcipher3.IntegrityError), db.transaction():
            db.execute(f"INSERT INTO contacts ({columns}) VALUES ({marks})",  # noqa: S608
                       tuple(values.values()))
    with pytest.raises(sqlcipher3.IntegrityError), db.transaction():
        db.execute("UPDATE contacts SET household_id = ? WHERE id = ?",
                   ("00000000-0000-7000-8000-000000000000", cid))
    assert db.scalar("SELECT count(*) FROM contacts") == 1
    assert db.scalar("SELECT count(*) FROM id_keys") == keys_before
    assert db.query_one("SELECT * FROM contacts WHERE id = ?", (cid,)) is not None
    assert dict(db.query_one("SELECT * FROM contacts WHERE id = ?", (cid,)) or {}) == row


def test_a_hand_written_change_through_the_view_keeps_facts_and_log_true(
        session: Session, family: HouseholdId) -> None:
    cid = _log(session, family, "Mietschulden besprochen.", 3)
    db = session.db
    logged = db.scalar("SELECT fields FROM changelog WHERE entity_id = ? AND op = 'insert'",
                       (cid,))
    assert logged == '{"=":"contacts"}'  # refers to the row
    with db.transaction():
        db.execute("UPDATE contacts SET type = ?, next_steps = ? WHERE id = ?",
                   (ContactType.TELEFONAT.value, "Neu", cid))
    assert report_facts.mismatches(db) == 0
    kept = str(db.scalar("SELECT fields FROM changelog_rows WHERE entity_id = ? "
                         "AND op = 'insert'", (cid,)))
    # the insert's log row now holds what it referred to: the original type and step
    assert logged != kept and ContactType.HAUSBESUCH.value in kept and "Termin Jobcenter" in kept
    # a change of nothing logged (a follow-up done) leaves the reference in place
    other = _log(session, family, "Kita-Platz.", 2, date(2026, 12, 1))
    contacts.complete_follow_up(session, other)
    assert db.scalar("SELECT fields FROM changelog_rows WHERE entity_id = ? AND op = 'insert'",
                     (other,)) is None


def test_the_migration_keeps_every_contact_note_fact_and_log_row(
        vault_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from casework.storage.migrations import m0081_contact_keys as m0081

    monkeypatch.setattr(m0081, "_SLICE", 2)  # copied in slices of two rows
    session = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    family = add_family(session)
    other = add_family(session, "Yilmaz")
    cids = [_log(session, family, f"Notiz {i}.", i, date(2026, 12, 1)) for i in range(1, 5)]
    _log(session, other, "Andere Familie.", 1)
    contacts_corrections.correct(session, cids[0], CorrectionDraft(
        (NoteEntry(NoteKind.FAKT, "Berichtigte Notiz."),), "Präziser"))
    session.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    contacts.complete_follow_up(session, cids[1])
    before = _as_seen(session.db)
    found = [h.contact_id for h in contacts.search_notes(session, "notiz")]
    contacts_before_keys(session.db)
    assert "household_id" in {r["name"] for r in session.db.query(
        "PRAGMA table_info(contacts)")}  # the table as the previous release had it
    session.close()

    reopened = session_service.unlock(vault_dir, PASSPHRASE, FixedClock(NOW))
    try:
        db = reopened.db
        assert _as_seen(db) == before
        assert [h.contact_id for h in contacts.search_notes(reopened, "notiz")] == found
        assert db.scalar("SELECT type FROM sqlite_master WHERE name = 'contacts'") == "view"
        # corrections refer to the table now; every reference holds
        assert {str(r["table"]) for r in db.query(
            "SELECT * FROM pragma_foreign_key_list('contact_revisions')")} >= {"contact_rows"}
        assert not db.query("PRAGMA foreign_key_check")
        assert db.pragma("foreign_keys") == 1
        # rows whose last change is their creation (the correction came in the same
        # instant) store no update; the follow-up done two hours later does
        assert db.scalar("SELECT count(*) FROM contact_rows WHERE updated_at IS NULL") == 4
        # and the purge of a household still takes all of it, its key too
        purged = purge_store.purge_household(db, family)
        assert purged.counts["contacts"] == 4 and "contact_rows" not in purged.counts
        assert purge_store.remaining_rows(db, family) == 0
        assert db.scalar("SELECT count(*) FROM id_keys WHERE id = ?", (family,)) == 0
        assert db.scalar("SELECT count(*) FROM contacts WHERE household_id = ?", (other,)) == 1
    finally:
        reopened.close()


def test_a_migration_that_breaks_a_reference_with_foreign_keys_off_is_undone(
        session: Session, family: HouseholdId, monkeypatch: pytest.MonkeyPatch) -> None:
    db = session.db
    known = migrations.discover()

    def dangling(d: Database) -> None:
        d.execute("CREATE TABLE zz_child (id INTEGER PRIMARY KEY, "
                  "household_id TEXT REFERENCES households(id))")
        d.execute("INSERT INTO zz_child (household_id) VALUES ('nirgends')")

    broken = migrations.Migration(999, "m0999_broken", dangling, foreign_keys_off=True)
    monkeypatch.setattr(migrations, "discover", lambda: [*known, broken])
    with pytest.raises(RuntimeError, match="999"):
        migrations.migrate(db)
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'zz_child'") == 0
    assert db.scalar("SELECT count(*) FROM schema_migrations WHERE version = 999") == 0
    assert db.pragma("foreign_keys") == 1
