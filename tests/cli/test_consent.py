"""`casework einwilligung` as a real process against a real vault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casework.models.consent import Capacity, ConsentDraft, Selection
from casework.services.consent import lifecycle as service
from casework.services.households import households
from casework.services.session import Session
from tests.conftest import run_cli


def test_list_and_check(session: Session, family: str, vault_dir: Path) -> None:
    mother = households.members(session, family)[0]
    cid, _ = service.prepare(session, ConsentDraft(
        mother.id, (Selection("event", "Sommerfest"),), (Selection("stadt"),), Capacity.SELF))
    service.print_form(session, cid)
    service.record_signature(session, cid, signed_on=date(2026, 11, 21))
    session.close()

    listed = run_cli("einwilligung", "liste", "--vault", str(vault_dir))
    assert listed.returncode == 0, listed.stderr
    assert cid in listed.stdout and "Ayşe Müller" in listed.stdout
    assert "1 Einwilligung(en)" in listed.stdout

    yes = run_cli("einwilligung", "pruefen", "--vault", str(vault_dir), "--person", mother.id,
                  "--zweck", "event", "--empfaenger", "stadt")
    assert yes.returncode == 0, yes.stderr
    assert yes.stdout.startswith("JA: ")
    no = run_cli("einwilligung", "pruefen", "--vault", str(vault_dir), "--person", mother.id,
                 "--zweck", "photo", "--empfaenger", "stadt")
    assert no.returncode == 1
    assert "NEIN: " in no.stdout and "§ 8a SGB VIII" in no.stdout
    unknown = run_cli("einwilligung", "pruefen", "--vault", str(vault_dir), "--person",
                      mother.id, "--zweck", "alles", "--empfaenger", "stadt")
    assert unknown.returncode == 3 and "Zweck" in unknown.stderr
