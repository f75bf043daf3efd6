"""`casework vermittlung` as a real process against a real vault."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from casework.models.referrals import ReferralDraft
from casework.services import referrals as service
from casework.services.households import households
from casework.services.session import Session
from tests.conftest import add_family, run_cli


def test_list_due_and_statistics(session: Session, family: str, vault_dir: Path) -> None:
    mother = households.members(session, family)[0]
    asd = service.recipient_choices(session, family).suggested[0]
    rid, _ = service.create(session, ReferralDraft(
        family, (mother.id,), asd, "Beratung", follow_up_on=date(2026, 11, 23)))
    session.close()

    listed = run_cli("vermittlung", "liste", "--vault", str(vault_dir))
    assert listed.returncode == 0, listed.stderr
    assert rid in listed.stdout and "ASD Bezirk 9" in listed.stdout
    assert "1 Vermittlung(en)" in listed.stdout
    due = run_cli("vermittlung", "wiedervorlagen", "--vault", str(vault_dir), "--am",
                  (date(2026, 11, 23) + timedelta(days=1)).isoformat())
    assert due.returncode == 0
    assert "23.11.2026\tMüller (Ayşe) · Gärtnerstr. 12\tASD Bezirk 9" in due.stdout
    stats = run_cli("vermittlung", "statistik", "--vault", str(vault_dir), "--von",
                    "2026-01-01", "--bis", "2026-12-31")
    assert stats.returncode == 0, stats.stderr
    assert "ASD Bezirk 9\t1\t1\t0" in stats.stdout and "Müller" not in stats.stdout
    bad = run_cli("vermittlung", "statistik", "--vault", str(vault_dir), "--von",
                  "2026-12-31", "--bis", "2026-01-01")
    assert bad.returncode != 0 and "--bis" in bad.stderr


def test_terminal_escape_sequences_in_names_are_not_printed(session: Session,
                                                             vault_dir: Path) -> None:
    hostile = "Meier\x1b]0;übernommen\x07\x1b[2J\r\u202eretsiM"
    family = add_family(session, hostile)
    mother = households.members(session, family)[0]
    asd = service.recipient_choices(session, family).suggested[0]
    service.create(session, ReferralDraft(family, (mother.id,), asd, "Beratung"))
    session.close()

    listed = run_cli("vermittlung", "liste", "--vault", str(vault_dir))
    assert listed.returncode == 0, listed.stderr
    assert "Meier]0;übernommen[2JretsiM" in listed.stdout
    for char in ("\x1b", "\x07", "\r", "\u202e"):
        assert char not in listed.stdout
