"""Documents on real vaults: encrypted on disk, shown from memory, in backups, in the
Art. 15 answer of the person they concern, and gone with the household's real deletion
— including the file in the attachments folder (issue 20). The same real deletion also
removes the household's closure, hand-over, appointment and goal rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from casework.clock import BERLIN, FixedClock
from casework.errors import ValidationError
from casework.models.appointments import AppointmentDraft
from casework.models.documents import DocumentCategory, DocumentDraft, MediaKind, sniff
from casework.models.goals import GoalDraft
from casework.models.households.lifecycle import ClosureReason
from casework.models.ids import HouseholdId, PersonId
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import appointments, documents, goals
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.households import households, lifecycle
from casework.services.persons import workers
from casework.services.privacy import disclosure, disclosure_answer, retention
from casework.services.session import Session
from casework.storage import attachments
from casework.storage.privacy.purge import remaining_rows
from tests.conftest import PASSPHRASE, add_family, add_person, sign

PDF = b"%PDF-1.4\n% Bescheid Jobcenter Wohngeld\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"Zeugnis-Foto" * 20


def mother(session: Session, hid: str) -> PersonId:
    return next(p.id for p in households.members(session, hid) if p.data.first_name == "Ayşe")


def add(session: Session, hid: str, data: bytes = PDF, **kw: object) -> str:
    draft = DocumentDraft(hid, DocumentCategory.BESCHEID, "Bescheid Wohngeld",
                          date(2026, 11, 2), "Widerspruchsfrist beachten",
                          (mother(session, hid),))
    for key, value in kw.items():
        draft = draft.__class__(**{**{f: getattr(draft, f) for f in draft.__dataclass_fields__},
                                   key: value})
    did, _ = documents.add(session, draft, data, "/home/lena/Scans/Bescheid Müller.pdf")
    return did


def test_sniff_by_content_not_name() -> None:
    assert sniff(PDF) is MediaKind.PDF and sniff(PNG) is MediaKind.PNG
    assert sniff(b"\xff\xd8\xff\xe0rest") is MediaKind.JPEG
    assert sniff(b"PK\x03\x04 docx") is MediaKind.OTHER


def test_add_view_and_encrypted_on_disk(session: Session, family: HouseholdId) -> None:
    with pytest.raises(ValidationError) as info:
        add(session, family, title=" ")
    assert info.value.field == "Bezeichnung"
    with pytest.raises(ValidationError):
        add(session, family, data=b"")
    assert attachments.list_ids(session.vault) == []  # refused: no file left behind
    did = add(session, family)
    doc = documents.get(session, did)
    assert doc.file_name == "Bescheid Müller.pdf"  # no folder path kept
    assert doc.media is MediaKind.PDF and doc.size == len(PDF)
    assert documents.content(session, did) == PDF
    raw = (session.vault.attachments_dir / doc.attachment_id).read_bytes()
    assert b"Wohngeld" not in raw
    assert attachments.check(session.vault) == []  # referenced, intact
    documents.remove(session, did)
    assert documents.for_household(session, family) == []
    assert attachments.check(session.vault) == []  # the tombstone still references it


def test_document_survives_backup_and_restore(session: Session, family: HouseholdId,
                                              clock: FixedClock, tmp_path: Path) -> None:
    did = add(session, family, data=PNG)
    made = backup.create_backup(session, tmp_path / "sicherung.cwbak")
    session.close()
    backup.restore_backup(made.path, tmp_path / "wieder", clock, passphrase=PASSPHRASE)
    restored = session_service.unlock(tmp_path / "wieder", PASSPHRASE, clock)
    try:
        assert documents.content(restored, did) == PNG
        assert session_service.check(restored).ok
    finally:
        restored.close()


def test_art15_lists_documents_of_the_person(session: Session, family: HouseholdId) -> None:
    add(session, family)
    lead, _ = workers.create(session, WorkerDraft("Petra Leitung", WorkerRole.LEITUNG))
    rid, _ = disclosure.open_request(session, mother(session, family))
    session.act_as(lead)
    answer, _ = disclosure_answer.answer(session, rid)
    data = json.loads(answer.json_text)
    assert "dokumente" in data["records"]
    assert "Bescheid Wohngeld" in answer.json_text


def test_real_deletion_removes_documents_and_every_lifecycle_row(
        session: Session, clock: FixedClock) -> None:
    gone = add_family(session, "Quastenberger")
    kept = add_family(session, "Brombeer")
    gone_doc = documents.get(session, add(session, gone))
    kept_doc = documents.get(session, add(session, kept))
    appointments.create(session, AppointmentDraft(gone, datetime(2026, 11, 20, 9,
                                                                 tzinfo=BERLIN)))
    goals.create(session, GoalDraft(gone, "Wohnung finden", "Mietvertrag unterschrieben"))
    other, _ = workers.create(session, WorkerDraft("Jonas Kollege"))
    offer, _ = lifecycle.offer_handover(session, gone, other, "Übergabe vor Urlaub")
    lifecycle.withdraw_handover(session, offer)
    lifecycle.close(session, gone, ClosureReason.UMZUG, "nach Hamburg",
                    confirm_warnings=True)
    for table in ("case_documents", "appointments", "goals", "handovers",
                  "household_closures"):
        assert session.db.scalar(f"SELECT count(*) FROM {table} WHERE household_id = ?",  # noqa: S608
                                 (gone,)) >= 1, table
    leads = [add_person(session, name) for name in ("Leitung Eins", "Leitung Zwei")]
    clock.advance(timedelta(days=4 * 366))
    session.act_as(leads[0])
    request_id, _ = retention.propose_deletion(session, gone, auth=sign(session))
    session.act_as(leads[1])
    retention.approve_deletion(session, request_id, auth=sign(session))
    retention.execute_deletion(session, request_id)
    assert not (session.vault.attachments_dir / gone_doc.attachment_id).exists()
    assert attachments.get(session.vault, kept_doc.attachment_id) == PDF
    assert remaining_rows(session.db, gone) == 0
    for table in ("case_documents", "appointments", "goals", "handovers",
                  "household_closures"):
        assert session.db.scalar(f"SELECT count(*) FROM {table} WHERE household_id = ?",  # noqa: S608
                                 (gone,)) == 0, table
    assert attachments.check(session.vault) == []
