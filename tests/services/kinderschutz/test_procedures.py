"""§ 8a procedures on real vaults: the whole regular path, the acute path, the rules as
enforced by the services, deadlines, append-only history and the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from casework.errors import NotFound, PermissionDenied, ValidationError
from casework.models.contacts import NoteKind
from casework.models.ids import HouseholdId, PersonId
from casework.models.kinderschutz.actions import Acute, Call
from casework.models.kinderschutz.findings import Dispute, Involvement, IsefSkip
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus
from casework.models.kinderschutz.vocabulary import (
    EntryKind,
    InvolvementTarget,
    ResultCategory,
    State,
)
from casework.models.persons.worker import WorkerRole
from casework.services import history
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.storage import audit
from tests.conftest import add_family, sign
from tests.services.kinderschutz.support import (
    Team,
    child_ids,
    drive_to_s5,
    earlier,
    hand_over,
    involve_both,
    isef_consultation,
    make_team,
    mitteilung,
    observe,
    plan,
    result,
    result_approved,
    two_person_assessment,
)


@pytest.fixture
def team(session: Session) -> Team:
    return make_team(session)


def approve_all(session: Session, team: Team) -> None:
    me = session.actor_id
    for view in review.waiting(session):  # results not yet handed over: hand them over
        if view.status is ReviewStatus.IN_ARBEIT:
            hand_over(session, view.item.procedure_id)
    session.act_as(team.leitung)
    for item in review.queue(session):
        review.approve(session, item.id, expected_hash=item.current_hash, auth=sign(session))
    session.act_as(me)


def test_LR01_regular_path_records_every_transition(session: Session, family: HouseholdId,
                                                    team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    result_approved(session, team, pid)
    ks.transition(session, pid, State.S6)
    review_day = session.clock.now().date() + timedelta(days=28)
    ks.save_plan(session, pid, plan(review_day))
    ks.transition(session, pid, State.S6B)
    ks.record_assessment(session, pid, two_person_assessment(
        session, team, (fact,), "Plan wird eingehalten, Kita bestätigt."))
    approve_all(session, team)
    ks.close(session, pid, "Gefährdung abgewendet, Hilfe angenommen.", "Regelfrist")
    file = ks.get_file(session, pid)
    assert file.state is State.S9
    states = [(t.from_state, t.to_state) for t in file.transitions]
    assert states == [(None, State.S0), (State.S0, State.S1), (State.S1, State.S2),
                      (State.S2, State.S3), (State.S3, State.S4), (State.S4, State.S5),
                      (State.S5, State.S6), (State.S6, State.S6B), (State.S6B, State.S9)]
    last = file.transitions[-1]
    assert last.actor_id == team.fk and last.actor_role == "Fachkraft"
    assert last.at == session.clock.now()
    assert last.details == {"retention_class": "Regelfrist"}
    assert [r.status for r in review.items_for(session, pid)][-1] is ReviewStatus.OFFEN
    with pytest.raises(ValidationError, match="abgeschlossen"):
        observe(session, pid)


def test_LR01_history_tables_refuse_update_and_delete(session: Session, family: HouseholdId,
                                                      team: Team) -> None:
    pid, _ = drive_to_s5(session, team, family)
    for sql in ("UPDATE ks_transitions SET to_state = 'S9' WHERE procedure_id = ?",
                "DELETE FROM ks_transitions WHERE procedure_id = ?",
                "UPDATE ks_entries SET payload = '{}' WHERE procedure_id = ?",
                "DELETE FROM ks_entries WHERE procedure_id = ?",
                "DELETE FROM ks_review_items WHERE procedure_id = ?"):
        with pytest.raises(Exception, match="append-only"), session.db.transaction():
            session.db.execute(sql, (pid,))
    assert len(ks.get_file(session, pid).transitions) == 6


def test_LR01_changes_and_change_log(session: Session, family: HouseholdId, team: Team) -> None:
    pid, changes = ks.open_procedure(session, family, child_ids(session, family))
    assert changes.ids("kinderschutz") == {pid} and changes.ids("household") == {family}
    entries = history.for_household(session, family)
    assert any(e.entity == "ks_procedure" and e.entity_id == pid for e in entries)


def test_open_procedure_needs_children_of_the_household(session: Session,
                                                        family: HouseholdId) -> None:
    with pytest.raises(ValidationError, match="mindestens ein Kind"):
        ks.open_procedure(session, family, ())
    other = add_family(session, "Schulz")
    with pytest.raises(ValidationError, match="gehören nicht"):
        ks.open_procedure(session, family, child_ids(session, other))
    with pytest.raises(NotFound):
        ks.get_file(session, "nope")


def test_LR02_service_blocks_result_with_one_professional(session: Session,
                                                          family: HouseholdId,
                                                          team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    single = two_person_assessment(session, team, (fact,))
    ks.record_assessment(session, pid, replace(single, participants=single.participants[:1]))
    with pytest.raises(ValidationError, match="zwei verschiedene"):
        ks.record_result(session, pid, result(fact))
    assert ks.get_file(session, pid).current_result() is None


def test_LR03_acute_skip_only_on_acute_path(session: Session, family: HouseholdId,
                                            team: Team) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    with pytest.raises(ValidationError, match="nur im Akutfall"):
        ks.skip_isef(session, pid, IsefSkip("keine Zeit"))


def test_LR04_isef_cannot_lead_or_decide(session: Session, family: HouseholdId,
                                         team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    with pytest.raises(ValidationError, match="iseF"):
        ks.set_lead(session, pid, team.isef)
    session.act_as(team.isef)
    with pytest.raises(PermissionDenied, match="berät nur"):
        ks.record_result(session, pid, result(fact))
    session.act_as(team.fk)
    other, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, other)
    ks.transition(session, other, State.S1)
    ks.transition(session, other, State.S2)
    with pytest.raises(ValidationError, match="fallführende Fachkraft"):
        ks.record_isef(session, other, replace(isef_consultation(session, team),
                                               isef_worker_id=team.fk))


def test_LR06_not_involved_goes_to_the_leitung(session: Session, family: HouseholdId,
                                               team: Team) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    ks.transition(session, pid, State.S2)
    _, changes = ks.record_involvement(session, pid, Involvement(
        InvolvementTarget.KIND, False, reason="wirksamer Schutz in Frage gestellt: Drohung"))
    items = {v.item.kind: v for v in review.items_for(session, pid)}
    item = items[ReviewKind.NICHT_EINBEZOGEN]
    assert changes.ids("kinderschutz_review") == {item.id}
    assert item.status is ReviewStatus.OFFEN and item.content is not None
    assert "Drohung" in item.content["involvement"]["reason"]
    # later documented after all: the reason no longer needs review
    ks.record_involvement(session, pid, Involvement(
        InvolvementTarget.KIND, True, session.clock.now().date(), "Gespräch in der Kita."))
    assert review.get(session, item.id).status is ReviewStatus.ENTFALLEN


def test_LR08_versions_stay_readable(session: Session, family: HouseholdId,
                                     team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_assessment(session, pid, two_person_assessment(session, team, (fact,),
                                                             "Zweite Einschätzung"))
    versions = ks.get_file(session, pid).assessments()
    assert [v.data.summary for v in versions] == ["Versorgung wiederholt unzureichend.",
                                                  "Zweite Einschätzung"]
    ks.record_result(session, pid, result(fact))
    assert ks.get_file(session, pid).current_result().data.assessment_id == versions[1].id  # type: ignore[union-attr]


def test_LR09_dispute_marks_the_entry(session: Session, family: HouseholdId,
                                      team: Team) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    said = observe(session, pid, "Die Nachbarin berichtet von nächtlichem Schreien.",
                   NoteKind.AUSSAGE_DRITTER, source="Nachbarin")
    ks.dispute_observation(session, pid, Dispute(said, "Mutter", "bestreitet das Schreien"))
    obs = ks.get_file(session, pid).observations()
    assert obs[0].data.disputed and obs[0].data.label().endswith("– bestritten")
    with pytest.raises(ValidationError, match="keine Beobachtung"):
        ks.dispute_observation(session, pid, Dispute("nope", "Mutter"))


def test_LR10_acute_button_opens_procedure_tasks_and_leitung_item(
        session: Session, family: HouseholdId, team: Team) -> None:
    recognised = earlier(session, 0.25)
    pid, changes = ks.acute(session, family, Acute(
        recognised, "Lena allein in der Wohnung angetroffen, Mutter nicht erreichbar.",
        "Bei Lena geblieben", (Call(earlier(session, 0.2), "Polizei 110"),)),
        child_ids=child_ids(session, family))
    file = ks.get_file(session, pid)
    assert file.state is State.SA and file.procedure.acute
    acute_entry = file.latest(EntryKind.ACUTE)
    assert acute_entry is not None
    assert acute_entry.data.recognised_at == recognised
    assert acute_entry.data.calls[0].whom == "Polizei 110"
    tasks = [t.data.key.value for t in file.of(EntryKind.TASK)]
    assert tasks == ["einschaetzung", "isef", "einbeziehung", "ergebnis"]
    kinds = {v.item.kind for v in review.items_for(session, pid)}
    assert kinds == {ReviewKind.AKUT}
    assert changes.ids("kinderschutz_review")
    # Saturday 10:00 + 2 working days → Wednesday 23:59 (profile example value)
    due = {s.key: s for s in ks_deadlines.due_steps(session, pid)}
    assert due["nacharbeit_einschaetzung"].due_at.date().isoformat() == "2026-11-25"
    # the follow-up path: JA informed, then complete S2–S5, then close
    ks.transition(session, pid, State.S7)
    ks.record_mitteilung(session, pid, mitteilung(session))
    ks.transition(session, pid, State.S8)
    with pytest.raises(ValidationError, match="Offene Nacharbeiten"):
        ks.close(session, pid, "Jugendamt hat übernommen.")
    fact = observe(session, pid)
    ks.record_assessment(session, pid, two_person_assessment(session, team, (fact,)))
    ks.skip_isef(session, pid, IsefSkip("Gefahr in Verzug; Jugendamt sofort eingeschaltet."))
    involve_both(session, pid, family)
    ks.record_result(session, pid, result(fact, ResultCategory.AKUT))
    assert not [s for s in ks_deadlines.due_steps(session, pid) if s.key.startswith("nacharbeit")]
    approve_all(session, team)
    ks.close(session, pid, "Jugendamt hat übernommen.")
    assert ks.get_file(session, pid).state is State.S9


def test_LR10_acute_start_without_children_must_assign_them_before_closing(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, _ = ks.acute(session, family, Acute(earlier(session), "Gewalt in der Wohnung."))
    assert ks.get_file(session, pid).procedure.child_ids == ()
    ks.transition(session, pid, State.S7)
    ks.record_mitteilung(session, pid, mitteilung(session))
    ks.transition(session, pid, State.S8)
    fact = observe(session, pid)
    ks.record_assessment(session, pid, two_person_assessment(session, team, (fact,)))
    ks.skip_isef(session, pid, IsefSkip("Gefahr in Verzug."))
    involve_both(session, pid, family)
    ks.record_result(session, pid, result(fact, ResultCategory.AKUT))
    approve_all(session, team)
    with pytest.raises(ValidationError, match="Betroffene Kinder"):
        ks.close(session, pid, "Jugendamt hat übernommen.")
    ks.set_children(session, pid, child_ids(session, family))
    ks.close(session, pid, "Jugendamt hat übernommen.")


def test_LR12_s8_only_after_mitteilung_and_mitteilung_is_reviewed(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.AKUT))
    result_approved(session, team, pid)
    ks.transition(session, pid, State.S7)
    with pytest.raises(ValidationError, match="Mitteilung"):
        ks.transition(session, pid, State.S8)
    with pytest.raises(ValidationError, match="Rechtsgrundlage"):
        ks.record_mitteilung(session, pid, mitteilung(session, legal_basis=None))
    with pytest.raises(ValidationError, match="vorab informiert"):
        ks.record_mitteilung(session, pid, mitteilung(session, prior_notice_on=None))
    mid, _ = ks.record_mitteilung(session, pid, mitteilung(
        session, prior_notice_on=None, no_prior_notice_reason="Schutz des Kindes gefährdet"))
    ks.transition(session, pid, State.S8)
    items = [v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.MITTEILUNG]
    assert [v.item.subject for v in items] == [mid]


def test_LR13_overdue_for_heute_and_leitung(session: Session, family: HouseholdId,
                                            team: Team, clock: object) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)  # Saturday: due Monday end of day
    assert ks_deadlines.overdue(session) == []
    clock.advance(timedelta(days=2, hours=14))  # type: ignore[attr-defined]  # Monday 24:00
    late = ks_deadlines.overdue(session)
    assert [s.key for s in late] == ["leitung_informieren"]
    assert late[0].household_name == "Müller (Ayşe) · Gärtnerstr. 12"
    assert late[0].procedure_id == pid
    session.act_as(team.leitung)
    item = review.queue(session)[0]
    review.approve(session, item.id, expected_hash=item.current_hash, auth=sign(session))
    assert ks_deadlines.overdue(session) == []
    clock.advance(timedelta(days=2))  # type: ignore[attr-defined]  # Wednesday night
    assert [s.key for s in ks_deadlines.overdue(session)] == ["erste_einschaetzung"]
    assert ks_deadlines.overdue(session, mine_only=True) == []  # the Leitung does not lead it


def test_LR13_deadline_profile_change_is_leitung_only_and_logged(
        session: Session, team: Team) -> None:
    from casework.models.kinderschutz.deadlines import deadline_profile_to_data

    data = deadline_profile_to_data(ks_deadlines.deadline_profile(session))
    data["name"] = "vereinbarung-2027"
    data["example"] = False
    session.act_as(team.fk2)  # a Fachkraft without Admin role (the owner is also Admin)
    with pytest.raises(PermissionDenied):
        ks_deadlines.set_deadline_profile(session, data)
    session.act_as(team.leitung)
    ks_deadlines.set_deadline_profile(session, data)
    assert ks_deadlines.deadline_profile(session).name == "vereinbarung-2027"
    actions = [e.action for e in audit.entries(session.db)]
    assert "kinderschutz.deadline_profile.change" in actions
    with pytest.raises(ValidationError, match="rules"):
        ks_deadlines.set_deadline_profile(session, {"name": "x", "rules": "keine"})


def test_LR14_plan_review_becomes_overdue(session: Session, family: HouseholdId,
                                          team: Team, clock: object) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.HILFEBEDARF))
    result_approved(session, team, pid)
    ks.transition(session, pid, State.S6)
    review_day = session.clock.now().date() + timedelta(days=14)
    ks.save_plan(session, pid, plan(review_day))
    approve_all(session, team)
    assert ks_deadlines.overdue(session) == []
    clock.advance(timedelta(days=15))  # type: ignore[attr-defined]
    keys = {s.key for s in ks_deadlines.overdue(session)}
    assert keys == {"schutzplan_ueberpruefung", "massnahme_1"}


def test_LR15_entering_s1_notifies_leitung_and_acknowledgement_is_history(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    _, changes = ks.transition(session, pid, State.S1)
    session.act_as(team.leitung)
    queue = review.queue(session)
    assert [v.item.kind for v in queue] == [ReviewKind.ANHALTSPUNKTE]
    assert changes.ids("kinderschutz_review") == {queue[0].id}
    review.approve(session, queue[0].id, comment="zur Kenntnis", auth=sign(session))
    entries = history.for_household(session, family)
    decision = next(e for e in entries if e.entity == "ks_review_decision")
    assert decision.actor_id == team.leitung and decision.fields["decision"] == "freigegeben"


def test_view_print_and_export_are_audited_with_ids_only(session: Session,
                                                         family: HouseholdId,
                                                         team: Team) -> None:
    pid, _ = drive_to_s5(session, team, family)
    ks.view(session, pid)
    last = audit.entries(session.db, limit=1)[0]
    assert (last.action, last.entity, last.entity_id) == ("kinderschutz.view", "ks_procedure",
                                                          pid)
    assert "Müller" not in last.detail and "Lena" not in last.detail


def test_roles_outside_casework_cannot_write(session: Session, family: HouseholdId) -> None:
    from casework.models.persons.worker import WorkerDraft
    from casework.services.persons import workers

    admin, _ = workers.create(session, WorkerDraft("Admin Person", WorkerRole.ADMIN))
    session.act_as(admin)
    with pytest.raises(PermissionDenied):
        ks.open_procedure(session, family, (PersonId("x"),))


def test_list_procedures(session: Session, family: HouseholdId, team: Team) -> None:
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    rows = ks.list_procedures(session, family)
    assert [(r.id, r.state, r.household_name, r.lead_worker_name) for r in rows] == [
        (pid, State.S0, "Müller (Ayşe) · Gärtnerstr. 12", "Lena Beispiel")]
    assert ks.list_procedures(session, open_only=True)[0].id == pid


def test_blockers_explain_disabled_steps(session: Session, family: HouseholdId,
                                         team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    blocked = ks.blockers(session, pid)
    assert set(blocked) == {State.S6, State.S7, State.S9, State.SA}
    assert blocked[State.SA] is None
    assert "Ergebnis" in str(blocked[State.S6])
    ks.record_result(session, pid, result(fact, ResultCategory.KEIN_BEDARF))
    blocked = ks.blockers(session, pid)
    assert "passt nicht" in str(blocked[State.S6])
    assert "Leitung" in str(blocked[State.S9])
    approve_all(session, team)
    assert ks.blockers(session, pid)[State.S9] is None
