"""The kinds table the hub and every device check changes against (models/hub.py) must
match the vault: a field it does not know would make the hub refuse honest changes."""

from __future__ import annotations

import json
from datetime import timedelta

from casework.clock import FixedClock
from casework.models import hub as kinds
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.services import session as session_service
from casework.services.households import households
from casework.services.kinderschutz import procedures as kinderschutz
from casework.storage import changelog
from tests.conftest import NOW, PASSPHRASE
from tests.hub.helpers import edit, log_visit, new_household

BOOKKEEPING = {"id", "created_at", "updated_at", "created_by", "updated_by", "version",
               "deleted"}
# Columns the device derives itself (never synced as fields).
DERIVED = {("households", "sort_name"), ("households", "last_contact_at"),
           ("households", "open_followups"), ("households", "member_count"),
           ("households", "adult_first_names")}


def test_every_synced_table_column_is_a_known_field_of_the_right_type(tmp_path) -> None:  # type: ignore[no-untyped-def]
    session = session_service.create(tmp_path / "v", PASSPHRASE, FixedClock(NOW),
                                     owner_name="Prüfung")
    try:
        for kind in kinds.KINDS.values():
            if kind.table is None:
                continue
            columns = {str(r["name"]): str(r["type"]).upper() for r in session.db.query(
                f"PRAGMA table_info({kind.table})")}
            assert columns, kind.table
            assert kind.fields is not None
            wanted = {c for c in columns if c not in BOOKKEEPING
                      and (kind.table, c) not in DERIVED}
            assert set(kind.fields) - {"notes"} == wanted, kind.entity
            for name in wanted:
                expected = {"TEXT": kinds.TEXT, "INTEGER": kinds.INT,
                            "REAL": kinds.REAL}[columns[name]]
                assert kind.fields[name] == expected, (kind.entity, name)
    finally:
        session.close()


def test_changes_the_app_writes_fit_their_kinds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOW)
    session = session_service.create(tmp_path / "v", PASSPHRASE, clock, owner_name="Prüfung")
    try:
        for i in range(5):
            hid = new_household(session, f"Prüffamilie {i}", assigned=session.vault.owner_id)
            child, _ = households.add_person(session, hid, PersonDraft(
                "Emre", "Prüf", BirthInfo(birth_year=2018), Gender.MAENNLICH,
                HouseholdRole.KIND))
            clock.advance(timedelta(minutes=1))
            log_visit(session, hid, f"Besuch {i}")
            edit(session, hid, risks="Mietschulden", street="Neue Straße 1")
        kinderschutz.open_procedure(session, hid, (child,))
        rows = session.db.query("SELECT change_id, entity, entity_id, scope_id, op, fields, "
                                "hlc, at FROM changelog")
        assert len(rows) > 20
        for r in rows:
            # as pushed: a contact insert's notes are read from contact_notes (m0006)
            fields = changelog.expand_fields(session.db, r["entity"], r["op"], r["entity_id"],
                                             json.loads(r["fields"]))
            reason = kinds.check_shape(r["change_id"], r["entity"], r["entity_id"],
                                       r["scope_id"], r["op"], fields, {}, r["hlc"], r["at"])
            assert reason is None, (r["entity"], reason, r["fields"][:200])
    finally:
        session.close()


def test_malformed_changes_get_their_reason() -> None:
    ok = dict(change_id="a1", entity="household", entity_id="h1", scope_id="h1", op="insert",
              fields={"name": "X"}, bases={}, hlc="1700000000000.000000.dev1",
              at="2026-11-21T09:00:00.000000Z")
    assert kinds.check_shape(**ok) is None
    for change, reason in (
            ({"fields": {"name": ["X"]}}, "CW020"), ({"fields": {"created_by": "x"}}, "CW020"),
            ({"entity": "unbekannt"}, "CW022"), ({"scope_id": None}, "CW020"),
            ({"entity_id": "h2"}, "CW023"), ({"op": "delete"}, "CW020"),
            ({"fields": {"name": "x" * 300_000}}, "CW021"), ({"hlc": "1.2.3"}, "CW020"),
            ({"bases": {"name": ["nope"]}}, "CW020"), ({"change_id": "a b"}, "CW020")):
        assert kinds.check_shape(**{**ok, **change}) == reason, change
    assert "256 KiB" in kinds.reason_text("CW021")
