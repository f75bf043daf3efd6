"""`casework kinderschutz an-leitung` and `jugendamt-information` as real processes
(issue 18 review gate, issue 21 information policy)."""

from __future__ import annotations

from pathlib import Path

from casework.clock import FixedClock
from casework.models.kinderschutz.review import ReviewKind, ReviewStatus
from casework.services import session as session_service
from casework.services.kinderschutz import deadlines as ks_deadlines
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review
from tests.conftest import PASSPHRASE, add_family, run_cli
from tests.services.kinderschutz.support import drive_to_s5, make_team, result


def test_hand_over_and_information_policy_from_the_cli(vault_dir: Path,
                                                       clock: FixedClock) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        team = make_team(session)
        pid, fact = drive_to_s5(session, team, add_family(session))
        ks.record_result(session, pid, result(fact))
    finally:
        session.close()
    vault = str(vault_dir)
    policy = run_cli("kinderschutz", "jugendamt-information", "--vault", vault,
                     "--regel", "unverzueglich")
    assert policy.returncode == 0, policy.stderr
    assert "unverzüglich, sobald gewichtige Anhaltspunkte bekannt sind" in policy.stdout
    handed = run_cli("kinderschutz", "an-leitung", "--vault", vault, "--verfahren", pid)
    assert handed.returncode == 0, handed.stderr
    again = run_cli("kinderschutz", "an-leitung", "--vault", vault, "--verfahren", pid)
    assert again.returncode == 3 and "schon bei der Leitung" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    try:
        assert ks_deadlines.deadline_profile(session).immediate
        item = next(v for v in review.items_for(session, pid)
                    if v.item.kind is ReviewKind.ERGEBNIS)
        assert item.status is ReviewStatus.OFFEN
    finally:
        session.close()
