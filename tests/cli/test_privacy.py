"""`casework datenschutz …` as a real subprocess against a real vault."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf

from casework.models.ids import HouseholdId
from casework.models.persons.worker import WorkerRole
from casework.services.households import households
from casework.services.session import Session
from tests.conftest import COLLEAGUE_PASSPHRASE, add_person, run_cli


def test_auskunft_writes_pdf_and_json(session: Session, family: HouseholdId, vault_dir: Path,
                                      tmp_path: Path) -> None:
    mother = households.members(session, family)[0]
    add_person(session, "Leitung Eins", WorkerRole.LEITUNG)
    lead = "Leitung Eins"
    session.close()
    pdf, js = tmp_path / "auskunft.pdf", tmp_path / "auskunft.json"
    result = run_cli("datenschutz", "auskunft", "--vault", str(vault_dir), "--person",
                     mother.id, "--out", str(pdf), "--json", str(js), "--worker", lead,
                     passphrase=COLLEAGUE_PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert "Ayşe" not in result.stdout and "Auskunft gespeichert" in result.stdout
    assert json.loads(js.read_text(encoding="utf-8"))["subject"]["name"] == "Ayşe Müller"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Auskunft nach Art. 15 DSGVO" in text and "Ayşe Müller" in text


def test_roles_and_retention_are_enforced(session: Session, family: HouseholdId,
                                          vault_dir: Path) -> None:
    add_person(session, "Leitung Eins", WorkerRole.LEITUNG)
    add_person(session, "Tom Fachkraft", WorkerRole.FACHKRAFT, passphrase="Tom hat seinen Satz 8")
    session.close()
    denied = run_cli("datenschutz", "loeschfristen", "--vault", str(vault_dir), "--worker",
                     "Tom Fachkraft", passphrase="Tom hat seinen Satz 8")
    assert denied.returncode == 3 and "Rolle" in denied.stderr
    lead = {"passphrase": COLLEAGUE_PASSPHRASE, "env": {"CASEWORK_WORKER": "Leitung Eins"}}
    listed = run_cli("datenschutz", "loeschfristen", "--vault", str(vault_dir), **lead)
    assert listed.returncode == 0 and "Keine Akte" in listed.stdout
    early = run_cli("datenschutz", "vorschlagen", "--vault", str(vault_dir), "--household",
                    family, **lead)
    assert early.returncode == 3 and "noch nicht abgelaufen" in early.stderr
    assert "Traceback" not in early.stderr and "Müller" not in early.stderr
