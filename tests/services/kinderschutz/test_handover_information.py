"""Issue 18 (review gate, "An die Leitung geben") and issue 21 (informing the Jugendamt
"unverzüglich") on real vaults."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.ids import HouseholdId
from casework.models.kinderschutz.deadlines import IMMEDIATE_KEY, InformationPolicy
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus
from casework.models.kinderschutz.vocabulary import EntryKind, ResultCategory, State
from casework.services import agenda
from casework.services import persons as person_service
from casework.services import session as session_service
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import documents, review
from casework.services.kinderschutz import procedures as ks
from casework.services.session import Session
from casework.storage import audit
from tests.conftest import COLLEAGUE_PASSPHRASE, sign
from tests.services.kinderschutz.support import (
    Team,
    child_ids,
    drive_to_s5,
    hand_over,
    make_team,
    mitteilung,
    observe,
    result,
)


@pytest.fixture
def team(session: Session) -> Team:
    return make_team(session)


def result_item(session: Session, pid: str) -> review.ReviewView:
    return next(v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.ERGEBNIS)


def test_issue18_result_waits_for_explicit_signed_hand_over_and_gates_the_next_steps(
        session: Session, family: HouseholdId, team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.LATENT))
    # with the worker: not in the Leitung's queue, shown in her own overview
    assert result_item(session, pid).status is ReviewStatus.IN_ARBEIT
    mine = review.waiting(session)
    assert [(v.item.kind, v.status) for v in mine if v.item.kind is ReviewKind.ERGEBNIS] == [
        (ReviewKind.ERGEBNIS, ReviewStatus.IN_ARBEIT)]
    todo = [i for i in agenda.items(session) if i.area == "An die Leitung geben"]
    assert [(i.procedure_id, i.group) for i in todo] == [(pid, agenda.TODAY)]
    blocked = ks.blockers(session, pid)
    assert "An die Leitung geben" in str(blocked[State.S6])
    assert "An die Leitung geben" in str(blocked[State.S7])
    assert blocked[State.SA] is None  # acute action is possible at any time
    with pytest.raises(ValidationError, match="An die Leitung geben"):
        ks.transition(session, pid, State.S6)
    session.act_as(team.leitung)
    assert result_item(session, pid).id not in {v.id for v in review.queue(session)}
    with pytest.raises(ValidationError, match="noch nicht an die Leitung gegeben"):
        review.approve(session, result_item(session, pid).id, auth=sign(session))

    session.act_as(team.fk)
    with pytest.raises(PermissionDenied):  # someone else's passphrase does not hand over
        ks.hand_over(session, pid, auth=person_service.authorize(
            session, COLLEAGUE_PASSPHRASE, team.leitung))
    hand_over(session, pid)
    with pytest.raises(ValidationError, match="schon bei der Leitung"):
        hand_over(session, pid)
    assert not [i for i in agenda.items(session) if i.area == "An die Leitung geben"]
    assert result_item(session, pid).handed_over_at == session.clock.now()
    file = ks.get_file(session, pid)
    (entry,) = file.of(EntryKind.HANDOVER)
    signed = person_service.signatures(session, "ks_entry", [entry.id])[entry.id]
    assert signed and signed[0].verified and signed[0].signer_id == team.fk
    assert "kinderschutz.handover" in [e.action for e in audit.entries(session.db, limit=10)]
    assert [v.status for v in review.waiting(session)
            if v.item.kind is ReviewKind.ERGEBNIS] == [ReviewStatus.OFFEN]
    assert "noch offen" in str(ks.blockers(session, pid)[State.S6])

    session.act_as(team.leitung)
    item = result_item(session, pid)
    assert item.id in {v.id for v in review.queue(session)}
    review.approve(session, item.id, expected_hash=item.current_hash, auth=sign(session))
    session.act_as(team.fk)
    assert ks.blockers(session, pid)[State.S6] is None
    ks.transition(session, pid, State.S6)
    assert session_service.check(session).ok  # the hand-over signature verifies


def test_issue21_immediate_information_policy_source_000_1274(
        session: Session, family: HouseholdId, team: Team, clock: object) -> None:
    """Sources 000:1274 (cooperation agreement: inform the Jugendamt "unverzüglich" once
    weighty indications are known) vs 000:2132 (§ 8a agreement: at step 4). The deadline
    profile chooses; with "unverzüglich" the Mitteilung can be recorded right after the
    weighty indications and at any later step, and Heute reminds of it."""
    pid, _ = ks.open_procedure(session, family, child_ids(session, family))
    observe(session, pid)
    ks.transition(session, pid, State.S1)
    # the default (000:2132): not before the step "Information an das Jugendamt"
    assert ks_deadlines.deadline_profile(session).information is InformationPolicy.IM_VERFAHREN
    with pytest.raises(ValidationError, match="nicht festgehalten werden"):
        ks.record_mitteilung(session, pid, mitteilung(session))
    assert IMMEDIATE_KEY not in [s.key for s in ks_deadlines.due_steps(session, pid)]

    session.act_as(team.fk2)  # a Fachkraft may not change the organisation's policy
    with pytest.raises(PermissionDenied):
        ks_deadlines.set_information_policy(session, InformationPolicy.UNVERZUEGLICH)
    session.act_as(team.fk)  # the owner (Admin)
    ks_deadlines.set_information_policy(session, InformationPolicy.UNVERZUEGLICH)
    assert ks_deadlines.deadline_profile(session).immediate
    steps = {s.key: s for s in ks_deadlines.due_steps(session, pid)}
    assert not steps[IMMEDIATE_KEY].overdue
    clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    heute = [i for i in agenda.items(session) if i.procedure_id == pid and i.overdue]
    assert any("Jugendamt unverzüglich informieren" in i.text for i in heute)

    ks.transition(session, pid, State.S2)  # "at any later step"
    today = session.clock.now().date()
    mid, _ = ks.record_mitteilung(session, pid, mitteilung(
        session, meeting_on=today, meeting_participants="Mutter, ASD Bezirk 6, Träger",
        responsibilities="ASD: Hausbesuch; Träger: begleitet die Mutter zur Beratung"))
    assert IMMEDIATE_KEY not in [s.key for s in ks_deadlines.due_steps(session, pid)]
    assert ks.get_file(session, pid).state is State.S2  # the procedure goes on
    assert [v.item.subject for v in review.items_for(session, pid)
            if v.item.kind is ReviewKind.MITTEILUNG] == [mid]
    with pytest.raises(ValidationError, match="Datum"):  # participants need a date
        ks.record_mitteilung(session, pid, mitteilung(session, meeting_participants="Mutter"))

    # sources 000:2132: the joint meeting and the responsibilities are in the § 8a PDF
    text = ""
    for name in ("dokumentation", "mitteilung"):
        doc, _changes = documents.document(session, pid, name)
        reader = pypdf.PdfReader(io.BytesIO(doc.pdf))
        text += re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Mutter, ASD Bezirk 6, Träger" in text
    assert "ASD: Hausbesuch; Träger: begleitet die Mutter zur Beratung" in text
