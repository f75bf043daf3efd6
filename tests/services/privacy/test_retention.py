"""Retention service: Aktenart, restricted state, deletion-due list, four-eyes deletion,
real deletion (checked after closing and reopening the vault) and re-applying deletions
after a restore (LR-34…LR-37)."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from casework.clock import BERLIN, FixedClock
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.lifecycle import ClosureReason
from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.findings import Observation
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.models.privacy.retention import FileType
from casework.services import contacts, drafts
from casework.services import session as session_service
from casework.services.households import households, lifecycle
from casework.services.kinderschutz import procedures as kinderschutz
from casework.services.persons import workers
from casework.services.privacy import retention
from casework.services.session import Session
from casework.storage import attachments, audit
from tests.conftest import PASSPHRASE, add_family, add_person, sign

GONE_NAME = "Quastenbergerin"
GONE_FIRST = "Zoltanella"
GONE_WORD = "Xylophonkonzert"
KEPT_NAME = "Brombeerstrauch"
KEPT_WORD = "Trompetenunterricht"
FOUR_YEARS = timedelta(days=4 * 366)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def _leitung(session: Session, name: str) -> WorkerId:
    return add_person(session, name, WorkerRole.LEITUNG)


def _visit(session: Session, hid: HouseholdId, text: str, *,
           present: tuple[str, ...] | None = None) -> None:
    members = households.members(session, hid)
    ids = tuple(p.id for p in members) if present is None else present
    contacts.log_contact(session, hid, ContactDraft(
        occurred_at=datetime(2026, 11, 20, 15, 0, tzinfo=BERLIN), type=ContactType.HAUSBESUCH,
        duration_min=45, persons_present=ids,  # type: ignore[arg-type]
        notes=(NoteEntry(NoteKind.BEOBACHTUNG, text),), next_steps="Termin vereinbaren"))


def _close(session: Session, hid: HouseholdId) -> None:
    lifecycle.close(session, hid, ClosureReason.ZIELE_ERREICHT)


@pytest.fixture
def two_families(session: Session) -> tuple[HouseholdId, HouseholdId]:
    gone = add_family(session, GONE_NAME, parent=GONE_FIRST,
                      children=(("Quirina", date(2017, 6, 2)),))
    kept = add_family(session, KEPT_NAME, parent="Berit")
    _visit(session, gone, f"Mutter erzählt vom {GONE_WORD} der Tochter.")
    _visit(session, kept, f"Sohn möchte {KEPT_WORD} nehmen.")
    _close(session, gone)
    return gone, kept


def test_file_type_defaults_to_quartiersarbeit_and_is_audited(session: Session,
                                                              family: HouseholdId) -> None:
    assert retention.file_type(session, family) is FileType.QUARTIERSARBEIT
    changes = retention.set_file_type(session, family, FileType.HZE)
    assert changes.affects("household")
    assert retention.file_type(session, family) is FileType.HZE
    assert not retention.set_file_type(session, family, FileType.HZE)
    assert any(e.action == "retention.file_type" and e.entity_id == family
               for e in audit.entries(session.db))


def test_9b_file_is_kept_for_decades_and_quartiersarbeit_after_closure(
        session: Session, family: HouseholdId, clock: FixedClock) -> None:
    _close(session, family)
    assert retention.decision(session, family).keep_until == date(2029, 11, 21)
    retention.set_file_type(session, family, FileType.HEIM)
    result = retention.decision(session, family)
    # Lena Müller, born 2019-03-01: 30th birthday 2049-03-01, plus 70 years.
    assert result.keep_until == date(2119, 3, 1)
    assert result.governing is not None and result.governing.key == "sgb8-9b-aufarbeitung"


def test_open_case_is_never_due(session: Session, family: HouseholdId,
                                clock: FixedClock) -> None:
    clock.advance(timedelta(days=365 * 20))
    lead = _leitung(session, "Leitung Eins")
    session.act_as(lead)
    assert retention.deletion_due(session) == []
    assert "nicht abgeschlossen" in retention.decision(session, family).summary()


def test_restricted_household_hidden_from_ordinary_workers(session: Session,
                                                           family: HouseholdId) -> None:
    other = add_family(session, "Schmidt")
    # an ordinary worker (the vault's owner is also its Admin)
    owner, _ = workers.create(session, WorkerDraft("Tom Fachkraft", WorkerRole.FACHKRAFT))
    session.act_as(owner)
    with pytest.raises(PermissionDenied):
        retention.restrict(session, family, "Aufbewahrungspflicht § 9b")
    lead = _leitung(session, "Leitung Eins")
    session.act_as(lead)
    with pytest.raises(ValidationError, match="Begründung"):
        retention.restrict(session, family, "  ")
    assert retention.restrict(session, family, "Aufbewahrungspflicht § 9b").affects("household")
    assert retention.is_restricted(session, family)
    # Leitung still sees it (Akteneinsicht/Aufarbeitung) …
    assert set(households.list_ids(session, exclude_restricted=True)) == {family, other}
    session.act_as(owner)
    # … an ordinary worker does not, neither in the list nor by search.
    assert households.list_ids(session, exclude_restricted=True) == [other]
    assert households.list_ids(session, search="Müller", exclude_restricted=True) == []
    assert households.list_ids(session) == [other]  # hiding is the default
    assert set(households.list_ids(session, exclude_restricted=False)) == {family, other}
    with pytest.raises(PermissionDenied, match="eingeschränkt"):
        retention.check_access(session, family)
    retention.check_access(session, other)  # not restricted: no objection
    session.act_as(lead)
    retention.check_access(session, family)  # allowed, and logged
    assert audit.entries(session.db)[0].action == "household.view_restricted"
    retention.lift_restriction(session, family)
    session.act_as(owner)
    assert set(households.list_ids(session, exclude_restricted=True)) == {family, other}
    actions = [e.action for e in audit.entries(session.db) if e.entity_id == family]
    assert "household.restrict" in actions and "household.unrestrict" in actions


def test_erasure_request_for_9b_file_restricts_instead_of_deleting(
        session: Session, family: HouseholdId) -> None:
    retention.set_file_type(session, family, FileType.VORMUNDSCHAFT)
    _close(session, family)
    session.act_as(_leitung(session, "Leitung Eins"))
    outcome, _ = retention.request_erasure(session, family, "Schreiben der Mutter")
    assert outcome == "eingeschränkt"
    assert retention.is_restricted(session, family)
    assert households.get(session, family).name == "Müller"
    with pytest.raises(UserError, match="noch nicht abgelaufen"):
        retention.propose_deletion(session, family, auth=sign(session))


def test_four_eyes_rule(session: Session, two_families: tuple[HouseholdId, HouseholdId],
                        clock: FixedClock) -> None:
    gone, kept = two_families
    owner = add_person(session, "Tom Fachkraft", WorkerRole.FACHKRAFT)
    first, second = _leitung(session, "Leitung Eins"), _leitung(session, "Leitung Zwei")
    session.act_as(owner)
    clock.advance(FOUR_YEARS)
    with pytest.raises(PermissionDenied):
        retention.deletion_due(session)  # Fachkraft
    session.act_as(first)
    due = retention.deletion_due(session)
    assert [d.household_id for d in due] == [gone]
    assert due[0].state == "fällig" and GONE_NAME not in due[0].label
    with pytest.raises(UserError, match="noch nicht abgelaufen"):
        retention.propose_deletion(session, kept, auth=sign(session))
    request_id, _ = retention.propose_deletion(session, gone, auth=sign(session))
    again = retention.propose_deletion(session, gone, auth=sign(session))[0]
    assert again == request_id  # no duplicate
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        retention.approve_deletion(session, request_id, auth=sign(session))
    with pytest.raises(PermissionDenied, match="noch nicht"):
        retention.execute_deletion(session, request_id)
    session.act_as(owner)
    with pytest.raises(PermissionDenied):
        retention.approve_deletion(session, request_id, auth=sign(session))
    session.act_as(second)
    retention.approve_deletion(session, request_id, auth=sign(session))
    assert retention.deletion_due(session)[0].state == "freigegeben"
    with pytest.raises(UserError, match="bereits entschieden"):
        retention.approve_deletion(session, request_id, auth=sign(session))
    assert households.get(session, gone).name == GONE_NAME  # nothing deleted yet


def _add_later_feature(session: Session, gone: HouseholdId, kept: HouseholdId) -> dict[str, str]:
    """A table a later feature might add (household_id + attachment + child rows)."""
    blobs = {"gone": attachments.put(session.vault, f"Scan {GONE_NAME}".encode()),
             "kept": attachments.put(session.vault, f"Scan {KEPT_NAME}".encode())}
    with session.db.transaction():
        session.db.execute("CREATE TABLE zz_feature (id TEXT PRIMARY KEY, household_id TEXT "
                           "REFERENCES households(id), attachment_id TEXT, body TEXT)")
        session.db.execute("CREATE TABLE zz_feature_items (id TEXT PRIMARY KEY, feature_id "
                           "TEXT NOT NULL REFERENCES zz_feature(id), body TEXT)")
        for key, hid in (("gone", gone), ("kept", kept)):
            session.db.execute("INSERT INTO zz_feature VALUES (?, ?, ?, ?)",
                               (f"f-{key}", hid, blobs[key], f"Bericht {hid}"))
            session.db.execute("INSERT INTO zz_feature_items VALUES (?, ?, ?)",
                               (f"i-{key}", f"f-{key}", f"Eintrag {key}"))
    return blobs


def _closed_procedure(session: Session, gone: HouseholdId) -> None:
    """A § 8a procedure closed long ago (S9), written as its tables hold it: the
    procedure, an append-only transition and an entry (both guarded against DELETE)."""
    child = next(p.id for p in households.members(session, gone)
                 if p.data.first_name == "Quirina")
    procedure, _ = kinderschutz.open_procedure(session, gone, (child,))
    kinderschutz.record_observation(session, procedure, Observation(
        datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN), NoteKind.AUSSAGE_DRITTER,
        f"Nachbarin hörte vom {GONE_WORD}", source="Nachbarin"))
    with session.db.transaction():  # the S0…S9 walk is Kinderschutz's to test
        session.db.execute("UPDATE ks_procedures SET state = 'S9' WHERE id = ?", (procedure,))


def _scan(folder: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                for encoded in (needle.encode("utf-8"), needle.encode("utf-16-le")):
                    if encoded in data:
                        hits.append(f"{path.name}: {needle}")
    return hits


@pytest.mark.slow
def test_real_deletion_end_to_end(session: Session, vault_dir: Path, clock: FixedClock,
                                  two_families: tuple[HouseholdId, HouseholdId]) -> None:
    gone, kept = two_families
    gone_people = [p.id for p in households.members(session, gone)]
    blobs = _add_later_feature(session, gone, kept)
    _closed_procedure(session, gone)
    drafts.save_draft(session, "quick_contact", gone, json.dumps({"text": GONE_WORD}))
    drafts.save_draft(session, "quick_contact", kept, json.dumps({"text": KEPT_WORD}))
    first, second = _leitung(session, "Leitung Eins"), _leitung(session, "Leitung Zwei")
    clock.advance(FOUR_YEARS)
    session.act_as(first)
    request_id, _ = retention.propose_deletion(session, gone, auth=sign(session))
    session.act_as(second)
    retention.approve_deletion(session, request_id, auth=sign(session))
    protocol, changes = retention.execute_deletion(session, request_id)
    assert changes.ids("household") == {gone}
    counts = dict(protocol.counts)
    assert counts["households"] == 1 and counts["persons"] == 2 and counts["contacts"] == 1
    assert counts["contact_notes"] == 1 and counts["zz_feature"] == 1
    assert counts["zz_feature_items"] == 1 and counts["drafts"] == 1
    assert counts["changelog"] >= 5
    assert counts["ks_procedures"] == 1 and counts["ks_entries"] == 1
    assert protocol.attachments == 1
    assert protocol.proposed_by == "Leitung Eins" and protocol.approved_by == "Leitung Zwei"
    assert not attachments.exists(session.vault, blobs["gone"])
    assert attachments.get(session.vault, blobs["kept"]) == f"Scan {KEPT_NAME}".encode()
    with pytest.raises(UserError, match="bereits gelöscht"):
        retention.execute_deletion(session, request_id)
    # While the vault is still open (-wal and -shm exist) …
    assert _scan(vault_dir, [GONE_NAME, GONE_FIRST, GONE_WORD]) == []
    text = pdf_text(retention.render_protocol(session, request_id))
    assert "Löschprotokoll" in text and gone in text and "Leitung Zwei" in text
    for word in (GONE_NAME, GONE_FIRST, "Quirina", GONE_WORD, "Gärtnerstraße", "Nachbarin"):
        assert word not in text, word
    session.close()

    # 1) … and after closing: no plaintext anywhere in the vault folder.
    assert not (vault_dir / "casework.db-wal").exists() or \
        (vault_dir / "casework.db-wal").stat().st_size == 0
    assert _scan(vault_dir, [GONE_NAME, GONE_FIRST, GONE_WORD]) == []

    # 2) Inside the (encrypted) database, after reopening.
    reopened = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        db = reopened.db
        assert contacts.search_notes(reopened, GONE_WORD) == []
        assert households.list_ids(reopened, search=GONE_NAME) == []
        assert db.scalar("SELECT count(*) FROM changelog WHERE scope_id = ?", (gone,)) == 0
        for pid in gone_people:
            assert db.scalar("SELECT count(*) FROM changelog WHERE entity_id = ?", (pid,)) == 0
        assert db.scalar("SELECT count(*) FROM persons WHERE household_id = ?", (gone,)) == 0
        assert db.scalar("SELECT count(*) FROM zz_feature_items") == 1
        # The FTS indexes forgot the words (secure-delete), not just hid them.
        db.query("CREATE VIRTUAL TABLE temp.nv USING fts5vocab(main, note_fts, row)")
        db.query("CREATE VIRTUAL TABLE temp.hv USING fts5vocab(main, household_fts, row)")
        note_terms = {r[0] for r in db.query("SELECT term FROM temp.nv")}
        name_terms = {r[0] for r in db.query("SELECT term FROM temp.hv")}
        assert "xylophonkonzert" not in note_terms and "trompetenunterricht" in note_terms
        assert "quastenbergerin" not in name_terms and "brombeerstrauch" in name_terms
        # The index blocks themselves no longer hold the words (not just tombstoned).
        # Terms are prefix-compressed against their neighbour, so look for their tails.
        for table, gone_term, kept_term in (("note_fts_data", b"ophonkonzert",
                                             b"etenunterricht"),
                                            ("household_fts_data", b"tenbergerin",
                                             b"beerstrauch")):
            blocks = b"".join(bytes(r[0]) for r in db.query(f"SELECT block FROM {table}"))  # noqa: S608
            assert gone_term not in blocks and kept_term in blocks
        assert GONE_WORD not in " ".join(str(r[0]) for r in db.query(
            "SELECT fields FROM changelog"))
        # The other family is intact and searchable.
        assert households.list_ids(reopened, search=KEPT_NAME) == [kept]
        assert [h.household_id for h in contacts.search_notes(reopened, KEPT_WORD)] == [kept]
        assert len(households.members(reopened, kept)) == 2
        assert drafts.draft_keys(reopened, "quick_contact") == [kept]
        # Journal and audit log: ids only.
        entries = retention.journal(reopened)
        assert [(e.entity, e.entity_id, e.scope_id) for e in entries] == [
            ("household", gone, gone)]
        deleted = [e for e in audit.entries(db) if e.action == "retention.delete"]
        assert len(deleted) == 1 and deleted[0].entity_id == gone
        assert GONE_NAME not in deleted[0].detail
        assert audit.verify(db) == []
        assert db.integrity_problems() == []
        # The append-only guards of § 8a records are back in place.
        assert db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                         "AND name = 'ks_entries_no_delete'") == 1
        assert db.scalar("SELECT count(*) FROM ks_procedures") == 0
    finally:
        reopened.close()


def test_reapply_deletions_after_restoring_an_old_copy(
        session: Session, vault_dir: Path, tmp_path: Path, clock: FixedClock,
        two_families: tuple[HouseholdId, HouseholdId]) -> None:
    gone, kept = two_families
    first, second = _leitung(session, "Leitung Eins"), _leitung(session, "Leitung Zwei")
    session.close()
    backup = tmp_path / "old-copy"
    shutil.copytree(vault_dir, backup)
    live = session_service.unlock(vault_dir, PASSPHRASE, clock)
    clock.advance(FOUR_YEARS)
    live.act_as(first)
    request_id, _ = retention.propose_deletion(live, gone, auth=sign(live))
    live.act_as(second)
    retention.approve_deletion(live, request_id, auth=sign(live))
    retention.execute_deletion(live, request_id)
    journal = retention.journal(live)
    live.close()

    restored = session_service.unlock(backup, PASSPHRASE, clock)
    try:
        assert households.get(restored, gone).name == GONE_NAME  # the old copy has it
        assert retention.import_journal(restored, journal) == 1
        assert retention.import_journal(restored, journal) == 0
        assert retention.reapply_deletions(restored, "") == 1
        assert households.list_ids(restored, search=GONE_NAME) == []
        assert contacts.search_notes(restored, GONE_WORD) == []
        assert households.list_ids(restored, search=KEPT_NAME) == [kept]
        assert retention.reapply_deletions(restored, "") == 0  # idempotent
        assert any(e.action == "retention.reapply" and e.entity_id == gone
                   for e in audit.entries(restored.db))
    finally:
        restored.close()


def test_open_child_protection_procedure_keeps_a_closed_file(
        session: Session, clock: FixedClock, two_families: tuple[HouseholdId, HouseholdId]) -> None:
    gone, _ = two_families
    child = next(p.id for p in households.members(session, gone) if p.data.first_name == "Quirina")
    kinderschutz.open_procedure(session, gone, (child,))
    clock.advance(FOUR_YEARS)
    session.act_as(_leitung(session, "Leitung Eins"))
    assert retention.deletion_due(session) == []
    assert "§ 8a-Verfahren nicht abgeschlossen" in retention.decision(session, gone).summary()


def test_rejected_proposal_can_be_proposed_again_and_admin_cannot_approve(
        session: Session, clock: FixedClock,
        two_families: tuple[HouseholdId, HouseholdId]) -> None:
    gone, _ = two_families
    admin = add_person(session, "Admin Eins", WorkerRole.ADMIN)
    lead = _leitung(session, "Leitung Eins")
    clock.advance(FOUR_YEARS)
    session.act_as(admin)
    outcome, _ = retention.request_erasure(session, gone, "Schreiben der Familie",
                                           auth=sign(session))
    assert outcome == "vorgeschlagen"  # the period is over: no restriction needed
    request_id = retention.deletion_due(session)[0].request
    assert request_id is not None
    with pytest.raises(PermissionDenied):
        # Admin is not Leitung
        retention.approve_deletion(session, request_id.id, auth=sign(session))
    session.act_as(lead)
    retention.reject_deletion(session, request_id.id)
    assert retention.deletion_due(session)[0].state == "fällig"
    again, _ = retention.propose_deletion(session, gone, auth=sign(session))
    assert again != request_id.id
    assert households.get(session, gone).name == GONE_NAME


def test_the_long_lists_stop_when_asked(session: Session, family: HouseholdId) -> None:
    """The app builds both lists on its worker thread; a lock asks them to stop."""
    from concurrent.futures import CancelledError

    from casework.services.privacy import access_log

    asked: list[bool] = []

    def stop() -> bool:
        asked.append(True)
        return True
    with pytest.raises(CancelledError):
        retention.deletion_due(session, stop)
    with pytest.raises(CancelledError):
        access_log.verify_access_log(session, stop)
    assert len(asked) == 2
    assert retention.deletion_due(session, lambda: False) == []  # not asked to: whole list
    assert access_log.verify_access_log(session, lambda: False) == []
