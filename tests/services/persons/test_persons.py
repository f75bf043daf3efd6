"""Persons who sign (issue 15) on real vaults: key slots per person, the migration of a
format-1 vault, four eyes with two keys, signatures and the audit anchor in `vault check`,
memory after lock, rekey."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from casework.clock import FixedClock
from casework.errors import PermissionDenied, UserError, VaultError, WrongPassphrase
from casework.models.ids import HouseholdId, WorkerId
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus
from casework.models.persons.worker import WorkerDraft, WorkerRole
from casework.services import persons
from casework.services import session as session_service
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.persons import workers
from casework.services.session import Session
from casework.storage import vault as vault_store
from casework.storage import vault_header
from casework.storage.vault_header import HEADER_FILE, read_header
from tests.conftest import COLLEAGUE_PASSPHRASE, PASSPHRASE, add_person, sign
from tests.services.kinderschutz.support import Team, drive_to_s5, make_team, result

FIXTURE_V1 = Path(__file__).resolve().parents[2] / "fixtures" / "vault_v1"
V1_PROCEDURE = "01a24a78-7a8a-70a8-ba41-815604043725"


@pytest.fixture
def v1_dir(tmp_path: Path) -> Path:
    target = tmp_path / "alt"
    shutil.copytree(FIXTURE_V1, target, ignore=shutil.ignore_patterns("README.md"))
    (target / "attachments").mkdir()
    (target / "backups").mkdir()
    return target


def _result_item(session: Session, pid: str) -> review.ReviewView:
    return next(v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.ERGEBNIS)


def test_a_vault_of_the_previous_version_migrates_and_opens(v1_dir: Path,
                                                          clock: FixedClock) -> None:
    assert json.loads((v1_dir / HEADER_FILE).read_text())["format_version"] == 1
    session = session_service.unlock(v1_dir, PASSPHRASE, clock)
    try:
        owner = session.actor
        assert owner.name == "Lena Beispiel" and session.actor_id == session.vault.owner_id
        assert set(session.roles) == {WorkerRole.FACHKRAFT, WorkerRole.ADMIN}
        team = {m.name: m for m in persons.team(session)}
        assert team["Lena Beispiel"].has_slot and team["Lena Beispiel"].fingerprint
        assert not team["Dana Leitung"].has_slot  # cannot act until she sets a passphrase
        # the decision made before signatures existed is shown as such, not as a failure
        item = _result_item(session, V1_PROCEDURE)
        assert item.status is ReviewStatus.FREIGEGEBEN
        assert persons.is_legacy(session, "ks_review_decision", item.decisions[0].id)
        report = session_service.check(session)
        assert report.ok, report.problems
        assert report.legacy_records == 1 and report.signatures == 0
    finally:
        session.close()
    body = json.loads((v1_dir / HEADER_FILE).read_text())
    assert body["format_version"] == 2 and body["keys"] == [] and len(body["slots"]) == 1
    with pytest.raises(VaultError, match="noch keinen Schlüssel"):
        session_service.unlock(v1_dir, PASSPHRASE, clock, person="Dana Leitung")

    # The owner gives Dana her first passphrase (Dana types it); now Dana can act and sign.
    session = session_service.unlock(v1_dir, PASSPHRASE, clock)
    dana = persons.find(session, "Dana Leitung").id
    persons.set_passphrase(session, dana, COLLEAGUE_PASSPHRASE, auth=sign(session))
    session.close()
    session = session_service.unlock(v1_dir, COLLEAGUE_PASSPHRASE, clock, person="dana leitung")
    try:
        assert session.actor_id == dana
        actions = [r[0] for r in session.db.query("SELECT action FROM audit_log")]
        assert "vault.upgraded" in actions and "person.passphrase_set" in actions
    finally:
        session.close()


def test_each_person_unlocks_with_her_own_passphrase_only(session: Session, vault_dir: Path,
                                                           clock: FixedClock) -> None:
    dana = add_person(session, "Dana Leitung", WorkerRole.LEITUNG)
    session.close()
    with pytest.raises(WrongPassphrase):  # the owner's passphrase does not open Dana's slot
        session_service.unlock(vault_dir, PASSPHRASE, clock, person="Dana Leitung")
    with pytest.raises(WrongPassphrase):
        session_service.unlock(vault_dir, COLLEAGUE_PASSPHRASE, clock)  # owner's slot
    other = session_service.unlock(vault_dir, COLLEAGUE_PASSPHRASE, clock, person="Dana Leitung")
    assert other.actor_id == dana
    # switching person needs that person's passphrase
    with pytest.raises(WrongPassphrase):
        persons.switch_person(other, "Lena Beispiel", COLLEAGUE_PASSPHRASE)
    assert other.actor_id == dana
    persons.switch_person(other, "Lena Beispiel", PASSPHRASE)
    assert other.actor_id == other.vault.owner_id
    other.close()


def test_fachkraft_cannot_create_a_leitung(session: Session) -> None:
    fk = add_person(session, "Tom Fachkraft", WorkerRole.FACHKRAFT)
    session.act_as(fk)
    with pytest.raises(PermissionDenied, match="Admin"):
        persons.add_person(session, sign(session), "Neue Leitung", (WorkerRole.LEITUNG,),
                           "Eine ganz eigene Passphrase 5")
    with pytest.raises(PermissionDenied):
        workers.create(session, WorkerDraft("Neue Leitung", WorkerRole.LEITUNG))
    me = workers.get(session, fk)
    with pytest.raises(PermissionDenied, match="Rollen"):
        workers.update(session, fk, WorkerDraft(me.name, WorkerRole.LEITUNG))
    # an authorization belongs to one person: the owner's cannot be used while Tom acts
    session.act_as(WorkerId(session.vault.owner_id))
    owner_auth = sign(session)
    session.act_as(fk)
    with pytest.raises(PermissionDenied, match="anderen Person"):
        persons.set_roles(session, owner_auth, fk, (WorkerRole.LEITUNG,))
    assert persons.roles(session, fk) == (WorkerRole.FACHKRAFT,)
    actions = [r[0] for r in session.db.query("SELECT action FROM audit_log")]
    assert "person.created" in actions


@pytest.fixture
def team(session: Session) -> Team:
    return make_team(session)


def test_fachkraft_cannot_approve_and_both_roles_cannot_approve_her_own_entry(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    item = _result_item(session, pid)
    session.act_as(team.fk)  # the owner: Fachkraft (and Admin), not Leitung
    with pytest.raises(PermissionDenied, match="Leitung"):
        review.approve(session, item.id, auth=sign(session))
    # a person with both roles records the result and may not approve it herself
    both = add_person(session, "Mara Doppelrolle", WorkerRole.FACHKRAFT, WorkerRole.LEITUNG,
                      passphrase="Doppelrolle mit eigenem Satz 3")
    session.act_as(both)
    ks.record_result(session, pid, result(fact, justification="Neu bewertet nach Besuch."))
    ks.hand_over(session, pid, auth=sign(session, "Doppelrolle mit eigenem Satz 3"))
    item = _result_item(session, pid)
    assert item.author_id == both
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        review.approve(session, item.id, auth=sign(session, "Doppelrolle mit eigenem Satz 3"))
    session.act_as(team.leitung)
    review.approve(session, item.id, auth=sign(session))
    view = _result_item(session, pid)
    assert view.status is ReviewStatus.FREIGEGEBEN
    [signature] = persons.signatures(session, "ks_review_decision",
                                     [view.decisions[-1].id])[view.decisions[-1].id]
    assert signature.verified and signature.signer_name == "Dana Leitung"
    assert signature.role == "Leitung" and len(signature.fingerprint) == 19
    report = session_service.check(session)
    assert report.ok and report.signatures >= 3  # two persons added, one approval


def test_an_authorization_signs_once_and_its_key_is_wiped(session: Session) -> None:
    auth = sign(session)
    buffer = auth.key_buffer
    assert any(buffer)
    auth.sign(b"eine Freigabe")
    assert not any(buffer)
    with pytest.raises(PermissionDenied, match="schon verwendet"):
        auth.sign(b"noch eine")
    with pytest.raises(WrongPassphrase):
        persons.authorize(session, "Nicht meine Passphrase leider")
    assert session.db.scalar("SELECT count(*) FROM audit_log "
                             "WHERE action = 'persons.reauth_failed'") == 1


def test_a_changed_signed_record_is_reported_by_vault_check(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    ks.hand_over(session, pid, auth=sign(session))
    session.act_as(team.leitung)
    review.return_item(session, _result_item(session, pid).id, "Bitte genauer begründen.",
                       auth=sign(session))
    decision = _result_item(session, pid).decisions[-1]
    assert session_service.check(session).ok
    # Someone holding the data key turns the returned item into an approval.
    with session.db.transaction():
        session.db.execute("DROP TRIGGER ks_review_decisions_no_update")
        session.db.execute("UPDATE ks_review_decisions SET decision = 'freigegeben', "
                           "comment = '' WHERE id = ?", (decision.id,))
    report = session_service.check(session)
    assert not report.ok
    assert any("nach der Signatur verändert" in p and decision.id[:8] in p
               for p in report.problems)
    # a decision row without any signature is named too
    with session.db.transaction():
        session.db.execute(
            "INSERT INTO ks_review_decisions SELECT 'gefaelscht', item_id, procedure_id, "
            "household_id, decision, comment, content_hash, created_at, updated_at, "
            "created_by, updated_by, version, deleted FROM ks_review_decisions WHERE id = ?",
            (decision.id,))
    report = session_service.check(session)
    assert any("gefaelsc" in p and "Signatur fehlt" in p for p in report.problems)


def test_a_cut_off_audit_tail_is_reported(session: Session, vault_dir: Path,
                                          clock: FixedClock) -> None:
    session.audit("test.event")
    session.close()  # anchors the head in vault.json
    anchored = read_header(vault_dir).anchor
    assert anchored is not None
    again = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert session_service.check(again).ok
        with again.db.transaction():
            again.db.execute("DROP TRIGGER audit_log_no_delete")
            again.db.execute("DELETE FROM audit_log WHERE seq >= ?", (anchored[0] - 1,))
        report = session_service.check(again)
        assert any("Protokoll gekürzt" in p for p in report.problems), report.problems
    finally:
        again.close()


def test_a_tampered_header_is_refused(vault_dir: Path, clock: FixedClock) -> None:
    body = json.loads((vault_dir / HEADER_FILE).read_text())
    body["anchor"]["audit_seq"] += 7  # would hide a cut-off tail
    body["checksum"] = vault_header._checksum(body)
    (vault_dir / HEADER_FILE).write_text(json.dumps(body))
    with pytest.raises(VaultError, match="verändert"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)


def test_after_lock_the_key_buffer_holds_zeros(session: Session) -> None:
    buffer = session.vault.key_buffer
    assert len(buffer) == 32 and any(buffer)
    session.close()
    assert bytes(buffer) == bytes(32)


def test_old_headers_no_longer_open_the_vault_after_rekey(session: Session, vault_dir: Path,
                                                          clock: FixedClock) -> None:
    from casework.storage import attachments

    dana = add_person(session, "Dana Leitung", WorkerRole.LEITUNG)
    attachment = attachments.put(session.vault, b"Scan der Einwilligung")
    old_header = (vault_dir / HEADER_FILE).read_bytes()  # as inside an older backup
    with pytest.raises(PermissionDenied, match="Admin"):
        session.act_as(dana)
        persons.rekey(session, sign(session))
    session.act_as(WorkerId(session.vault.owner_id))
    assert persons.rekey(session, sign(session)) == 1
    assert attachments.get(session.vault, attachment) == b"Scan der Einwilligung"
    session.close()
    assert not list(vault_dir.glob("*.rekey")) and not list(vault_dir.rglob(".rekey-*"))
    # every person still opens the vault with her own passphrase, no one needed hers typed
    for person, passphrase in ((None, PASSPHRASE), ("Dana Leitung", COLLEAGUE_PASSPHRASE)):
        reopened = session_service.unlock(vault_dir, passphrase, clock, person=person)
        report = vault_store.check_vault(reopened.vault)
        assert report.ok, report.problems
        reopened.close()
    current = (vault_dir / HEADER_FILE).read_bytes()
    (vault_dir / HEADER_FILE).write_bytes(old_header)
    with pytest.raises(UserError, match="passt nicht zu ihrem Schlüssel"):
        session_service.unlock(vault_dir, PASSPHRASE, clock)
    (vault_dir / HEADER_FILE).write_bytes(current)


def test_an_interrupted_rekey_is_undone_before_the_commit_point(session: Session,
                                                                vault_dir: Path,
                                                                clock: FixedClock) -> None:
    session.close()
    (vault_dir / "vault.json.rekey").write_text("{}")
    (vault_dir / "casework.db.rekey").write_bytes(b"halb")
    session_service.unlock(vault_dir, PASSPHRASE, clock).close()
    assert not (vault_dir / "vault.json.rekey").exists()
    assert not (vault_dir / "casework.db.rekey").exists()
