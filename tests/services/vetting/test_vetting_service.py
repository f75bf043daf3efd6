"""The § 72a register on a real vault: who may maintain it, what is stored, Heute
reminders, the Leitung's view, the real deletion and that nothing of it goes to a hub.

Source requirements checked: Trägervereinbarung § 72a (000:2189–2236: everyone of the
staff, paid, side-job, volunteer; three months; five years; concrete indications), § 72a
Abs. 5 SGB VIII (LR-38: only the fact, the certificate's date, relevant entry yes/no;
deletion without delay or at the latest three months after the activity ends).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, UserError, ValidationError
from casework.models.persons.worker import WorkerRole
from casework.models.vetting.register import (
    ActivityDraft,
    Clearance,
    InspectionDraft,
    MemberDraft,
)
from casework.models.vetting.scheme import Answers, Engagement
from casework.services import agenda, vetting
from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.session import Session
from casework.storage import hub_outbox
from tests.conftest import PASSPHRASE, add_person, sign

TODAY = date(2026, 11, 21)
CAMP = Answers(True, (), ("overnight",))


def _volunteer(session: Session, name: str = "Jonas Ehrenfeld", *,
               answers: Answers = CAMP, start: date = date(2026, 1, 10),
               end: date | None = None) -> str:
    member_id, _ = vetting.add_member(session, MemberDraft(name, Engagement.EHRENAMTLICH))
    vetting.add_activity(session, ActivityDraft(member_id, "Ferienfreizeit", start, answers,
                                                end))
    return member_id


def _inspect(session: Session, member_id: str, certificate: date = date(2026, 1, 5),
             inspected: date = date(2026, 1, 8), entry: bool = False) -> str:
    inspection_id, _ = vetting.record_inspection(
        session, InspectionDraft(member_id, inspected, certificate, entry))
    return inspection_id


def test_only_leitung_and_admin_maintain_or_read_it(session: Session) -> None:
    member_id = _volunteer(session)  # the owner is Admin
    colleague = add_person(session, "Kim Kollegin", WorkerRole.FACHKRAFT)
    session.act_as(colleague)
    with pytest.raises(PermissionDenied, match="Leitung oder Admin"):
        vetting.overview(session)
    with pytest.raises(PermissionDenied):
        _inspect(session, member_id)
    assert vetting.due(session) == []  # Heute shows her nothing of it
    leitung = add_person(session, "Petra Leitung", WorkerRole.LEITUNG)
    session.act_as(leitung)
    assert [e.name for e in vetting.overview(session)] == ["Jonas Ehrenfeld"]


def test_inspection_makes_the_person_cleared_and_stores_only_the_allowed_facts(
        session: Session) -> None:
    member_id = _volunteer(session)
    entry = vetting.entry(session, member_id)
    assert entry.status.clearance is Clearance.MISSING
    inspection_id = _inspect(session, member_id)
    entry = vetting.entry(session, member_id)
    assert entry.status.clearance is Clearance.CLEARED
    assert entry.status.valid_until == date(2031, 1, 5)
    assert [e.name for e in vetting.may_work_with_children(session)] == ["Jonas Ehrenfeld"]
    columns = {r[1] for r in session.db.query("PRAGMA table_info(vetting_inspections)")}
    assert columns - {"id", "created_at", "updated_at", "created_by", "updated_by",
                      "version", "deleted"} == {"staff_id", "inspected_on",
                                                "certificate_date", "relevant_entry"}
    audit = session.db.query("SELECT detail FROM audit_log WHERE entity_id = ?",
                             (inspection_id,))
    assert [r[0] for r in audit] == [""]  # the audit log knows the id, not dates or result


def test_stale_certificate_is_refused_and_nothing_is_saved(session: Session) -> None:
    member_id = _volunteer(session)
    with pytest.raises(ValidationError, match="älter als 3 Monate"):
        _inspect(session, member_id, certificate=date(2026, 1, 5), inspected=date(2026, 4, 6))
    assert vetting.entry(session, member_id).file.inspections == ()


def test_relevant_entry_and_indication_show_in_the_leitung_view(session: Session) -> None:
    excluded = _volunteer(session, "Erik Eintrag")
    _inspect(session, excluded, entry=True)
    suspected = _volunteer(session, "Sven Verdacht")
    _inspect(session, suspected)
    vetting.record_indication(session, suspected)
    states = {e.name: e.status.clearance for e in vetting.overview(session)}
    assert states == {"Erik Eintrag": Clearance.EXCLUDED,
                      "Sven Verdacht": Clearance.INDICATION}
    assert vetting.may_work_with_children(session) == []
    with pytest.raises(ValidationError, match="Zukunft"):
        vetting.record_indication(session, suspected, TODAY + timedelta(days=1))


def test_reminders_reach_heute_for_the_leitung(session: Session, clock: FixedClock) -> None:
    member_id = _volunteer(session, start=TODAY + timedelta(days=14))
    items = [i for i in agenda.items(session) if i.rank == agenda.STAFF]
    assert [(i.area, i.text, i.screen) for i in items] == [
        ("Führungszeugnisse", "1 fällig – Einsicht fehlt: Jonas Ehrenfeld",
         "fuehrungszeugnisse")]
    _inspect(session, member_id, certificate=TODAY - timedelta(days=3), inspected=TODAY)
    assert not [i for i in agenda.items(session) if i.rank == agenda.STAFF]
    clock.set(clock.now() + timedelta(days=5 * 365 - 60))
    renewal = [i for i in agenda.items(session) if i.rank == agenda.STAFF]
    assert [i.text for i in renewal] == ["1 fällig – Erneuerung: Jonas Ehrenfeld"]


def test_real_deletion_after_the_deadline_leaves_no_trace(session: Session) -> None:
    ended = _volunteer(session, "Klaus Ende", start=date(2024, 1, 1), end=date(2026, 7, 31))
    _inspect(session, ended, certificate=date(2023, 12, 1), inspected=date(2024, 1, 2))
    kept = _volunteer(session, "Jonas Ehrenfeld")
    _inspect(session, kept)
    due = vetting.deletions_due(session)
    assert [(d.member_name, d.on) for d in due] == [("Klaus Ende", date(2026, 10, 31))]
    result, changes = vetting.delete_due(session, sign(session))
    assert (result.persons, result.inspections) == (1, 1)
    assert changes.affects(vetting.KIND)
    assert [e.name for e in vetting.overview(session)] == ["Jonas Ehrenfeld"]
    assert not session.db.scalar("SELECT count(*) FROM vetting_staff WHERE id = ?", (ended,))
    assert not session.db.scalar("SELECT count(*) FROM vetting_activities WHERE staff_id = ?",
                                 (ended,))
    assert not session.db.scalar("SELECT count(*) FROM vetting_inspections WHERE staff_id = ?",
                                 (ended,))
    assert not session.db.scalar("SELECT count(*) FROM changelog WHERE scope_id = ?", (ended,))
    assert not session.db.scalar("SELECT count(*) FROM changelog WHERE fields LIKE ?",
                                 ("%2023-12-01%",))
    act = session.db.query_one("SELECT act, payload FROM signatures WHERE act = ?",
                               ("vetting.delete_due",))
    assert act is not None and "2023" not in act[1]  # signed, with counts only
    assert vetting.deletions_due(session) == []


def test_inspection_data_go_when_an_activity_ended_but_the_person_stays_for_a_new_one(
        session: Session) -> None:
    member_id = _volunteer(session, start=date(2024, 1, 1), end=date(2026, 5, 31))
    _inspect(session, member_id, certificate=date(2023, 12, 1), inspected=date(2024, 1, 2))
    vetting.add_activity(session, ActivityDraft(member_id, "Erzählcafé", date(2026, 12, 1),
                                                Answers(False)))
    vetting.delete_due(session, sign(session))
    entry = vetting.entry(session, member_id)
    assert entry.file.inspections == () and len(entry.file.activities) == 2


def test_the_register_never_goes_to_the_hub(session: Session) -> None:
    member_id = _volunteer(session)
    _inspect(session, member_id)
    device = session.vault.device_id
    with session.db.transaction():
        hub_outbox.catch_up_local(session.db, device)
    outgoing = hub_outbox.outbox(session.db, device, 1000)
    assert not [r for r in outgoing if r.entity.startswith("vetting")]
    assert hub_outbox.pending_count(session.db, device) == len(outgoing)
    assert session.db.scalar("SELECT count(*) FROM changelog WHERE entity LIKE 'vetting%'") >= 3


def test_the_leitung_can_use_its_own_scheme_in_this_vault(session: Session) -> None:
    # Scheme as data, per vault: e.g. the organisation's own reading of the recommendations.
    group = Answers(True, (("frequency", "hoch"), ("setting", "hoch")))
    member_id = _volunteer(session, answers=group)
    assert vetting.entry(session, member_id).status.clearance is Clearance.NOT_NEEDED
    data = json.loads(vetting.shipped_scheme_text())
    data["threshold"] = 4
    vetting.set_scheme(session, json.dumps(data), "eigenes.json")
    assert vetting.entry(session, member_id).status.clearance is Clearance.MISSING
    data["threshold"] = 99
    with pytest.raises(UserError, match=r"eigenes\.json: threshold"):
        vetting.set_scheme(session, json.dumps(data), "eigenes.json")
    assert vetting.scheme(session).threshold == 4  # the refused file changed nothing
    vetting.set_scheme(session, None)
    assert vetting.scheme(session).threshold == 6


def test_a_restored_older_backup_deletes_the_register_records_again(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    # § 72a Abs. 5 with LR-37: a deleted inspection does not come back with a backup.
    ended = _volunteer(session, "Klaus Ende", start=date(2024, 1, 1), end=date(2026, 7, 31))
    _inspect(session, ended, certificate=date(2023, 12, 1), inspected=date(2024, 1, 2))
    stick = tmp_path / "usb"
    stick.mkdir()
    old = backup.create_backup(session, stick / "alt").path
    clock.advance(timedelta(hours=1))
    vetting.delete_due(session, sign(session))
    clock.advance(timedelta(hours=1))
    backup.create_backup(session, stick / "neu")  # carries the deletion journal
    session.close()
    backup.restore_backup(old, tmp_path / "wieder", clock, passphrase=PASSPHRASE)
    restored = session_service.unlock(tmp_path / "wieder", PASSPHRASE, clock)
    try:
        assert vetting.overview(restored) == []
        assert not restored.db.scalar("SELECT count(*) FROM changelog WHERE scope_id = ?",
                                      (ended,))
    finally:
        restored.close()
