"""Leitung review of § 8a steps on one shared vault: approval bound to a content hash,
staleness, four-eyes principle, returning with a comment, the queue."""

from __future__ import annotations

import pytest

from casework.errors import PermissionDenied, ValidationError
from casework.models.ids import HouseholdId
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus, content_hash
from casework.models.kinderschutz.vocabulary import ResultCategory, State
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from casework.services.session import Session
from casework.storage import audit
from casework.storage.kinderschutz import review_item_id
from tests.conftest import sign
from tests.services.kinderschutz.support import (
    Team,
    drive_to_s5,
    hand_over,
    make_team,
    result,
)


@pytest.fixture
def team(session: Session) -> Team:
    return make_team(session)


def result_item(session: Session, pid: str) -> review.ReviewView:
    return next(v for v in review.items_for(session, pid) if v.item.kind is ReviewKind.ERGEBNIS)


def test_approval_goes_stale_when_the_result_is_edited(session: Session, family: HouseholdId,
                                                       team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    hand_over(session, pid)
    session.act_as(team.leitung)
    item = result_item(session, pid)
    assert item.status is ReviewStatus.OFFEN
    # same id on every device for the same subject (offline creation merges in the hub)
    assert item.id == review_item_id(pid, ReviewKind.ERGEBNIS, "")
    assert item.current_hash == content_hash(item.content or {})
    review.approve(session, item.id, expected_hash=item.current_hash, auth=sign(session))
    assert result_item(session, pid).status is ReviewStatus.FREIGEGEBEN
    assert item.id not in {v.id for v in review.queue(session)}

    session.act_as(team.fk)
    ks.record_result(session, pid, result(fact, justification="Neue Begründung nach Rücksprache"))
    assert result_item(session, pid).status is ReviewStatus.IN_ARBEIT  # not handed over yet
    hand_over(session, pid)
    stale = result_item(session, pid)
    assert stale.status is ReviewStatus.VERALTET
    assert stale.last_decision is not None
    assert stale.last_decision.content_hash == item.current_hash != stale.current_hash
    session.act_as(team.leitung)
    assert stale.id in {v.id for v in review.queue(session)}
    # approving with the hash of the version the Leitung saw before is refused
    with pytest.raises(ValidationError, match="inzwischen geändert"):
        review.approve(session, stale.id, expected_hash=item.current_hash, auth=sign(session))
    review.approve(session, stale.id, expected_hash=stale.current_hash, auth=sign(session))
    assert result_item(session, pid).status is ReviewStatus.FREIGEGEBEN


def test_same_content_saved_again_keeps_the_approval(session: Session, family: HouseholdId,
                                                     team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    hand_over(session, pid)
    session.act_as(team.leitung)
    review.approve(session, result_item(session, pid).id, auth=sign(session))
    session.act_as(team.fk)
    ks.record_result(session, pid, result(fact))
    assert result_item(session, pid).status is ReviewStatus.FREIGEGEBEN


def test_four_eyes_nobody_approves_their_own_entry(session: Session, family: HouseholdId,
                                                   team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    session.act_as(team.leitung)  # the Leitung records the result herself
    ks.record_result(session, pid, result(fact, ResultCategory.HILFEBEDARF))
    hand_over(session, pid)
    item = result_item(session, pid)
    assert item.author_id == team.leitung and item.author_name == "Dana Leitung"
    with pytest.raises(PermissionDenied, match="Vier-Augen"):
        review.approve(session, item.id, auth=sign(session))
    session.act_as(team.leitung2)
    review.approve(session, item.id, auth=sign(session))
    assert result_item(session, pid).status is ReviewStatus.FREIGEGEBEN


def test_only_leitung_decides_and_sees_the_queue(session: Session, family: HouseholdId,
                                                 team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    item = result_item(session, pid)
    session.act_as(team.fk2)
    with pytest.raises(PermissionDenied):
        review.approve(session, item.id, auth=sign(session))
    with pytest.raises(PermissionDenied):
        review.queue(session)


def test_return_with_comment_then_rework_puts_it_back(session: Session, family: HouseholdId,
                                                      team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact))
    hand_over(session, pid)
    session.act_as(team.leitung)
    item = result_item(session, pid)
    with pytest.raises(ValidationError, match="Kommentar"):
        review.return_item(session, item.id, "  ", auth=sign(session))
    review.return_item(session, item.id, "Bitte die Versorgungslage genauer begründen.",
                       auth=sign(session))
    assert result_item(session, pid).status is ReviewStatus.ZURUECKGEGEBEN
    assert item.id not in {v.id for v in review.queue(session)}
    session.act_as(team.fk)
    assert [v.id for v in review.returned(session)] == [item.id]
    assert review.returned(session)[0].last_decision.comment.startswith("Bitte")  # type: ignore[union-attr]
    ks.record_result(session, pid, result(fact, justification="Genauer begründet: …"))
    assert result_item(session, pid).status is ReviewStatus.IN_ARBEIT
    hand_over(session, pid)
    assert result_item(session, pid).status is ReviewStatus.OFFEN
    session.act_as(team.leitung)
    assert item.id in {v.id for v in review.queue(session)}
    actions = [e.action for e in audit.entries(session.db, limit=20)]
    assert "kinderschutz.review.return" in actions


def test_closing_needs_all_reviews_approved(session: Session, family: HouseholdId,
                                            team: Team) -> None:
    pid, fact = drive_to_s5(session, team, family)
    ks.record_result(session, pid, result(fact, ResultCategory.KEIN_BEDARF))
    with pytest.raises(ValidationError, match="2 Prüfung"):
        ks.close(session, pid, "Keine Gefährdung, kein Hilfebedarf.")
    hand_over(session, pid)
    session.act_as(team.leitung)
    for view in review.queue(session):
        review.approve(session, view.id, auth=sign(session))
    session.act_as(team.fk)
    ks.close(session, pid, "Keine Gefährdung, kein Hilfebedarf.")
    assert ks.get_file(session, pid).state is State.S9
    session.act_as(team.leitung)
    assert [v.item.kind for v in review.queue(session)] == [ReviewKind.ABSCHLUSS]
    assert review.open_count(session, pid) == 1
