"""`casework fall …` and `casework termine …` as real processes (issue 20)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from casework.clock import BERLIN, FixedClock
from casework.models.appointments import AppointmentDraft
from casework.services import appointments
from casework.services import session as session_service
from casework.services.households import households
from casework.services.kinderschutz import procedures as kinderschutz
from tests.conftest import PASSPHRASE, add_family, run_cli


def test_close_refused_with_reason_then_closed(vault_dir: Path, clock: FixedClock) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    hid = add_family(session)
    child = next(p.id for p in households.members(session, hid)
                 if p.data.first_name == "Lena")
    kinderschutz.open_procedure(session, hid, (child,))
    free = add_family(session, "Schneider")
    session.close()
    refused = run_cli("fall", "abschliessen", "--vault", str(vault_dir), "--familie", hid,
                      "--grund", "Umzug")
    assert refused.returncode == 3
    assert "§ 8a" in refused.stderr and "Traceback" not in refused.stderr
    done = run_cli("fall", "abschliessen", "--vault", str(vault_dir), "--familie", free,
                   "--grund", "Ziele erreicht")
    assert done.returncode == 0, done.stderr
    assert "Fall abgeschlossen." in done.stdout
    again = run_cli("fall", "wiederaufnehmen", "--vault", str(vault_dir), "--familie", free,
                    "--grund", "Familie meldet sich wieder")
    assert again.returncode == 0 and "wieder aufgenommen" in again.stdout


def test_ics_from_the_cli_has_no_name(vault_dir: Path, clock: FixedClock,
                                      tmp_path: Path) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    hid = add_family(session)
    aid, _ = appointments.create(session, AppointmentDraft(
        hid, datetime(2030, 1, 7, 9, 0, tzinfo=BERLIN), place="Gärtnerstraße 12"))
    session.close()
    target = tmp_path / "termin"
    result = run_cli("termine", "ics", "--vault", str(vault_dir), "--termin", aid, str(target))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "termin.ics").read_text(encoding="utf-8")
    assert "Termin – Casework" in text and "DTSTART:20300107T080000Z" in text
    assert "Müller" not in text and "Gärtnerstraße" not in text
    missing = run_cli("termine", "ics", "--vault", str(vault_dir), "--termin", "gibt-es-nicht",
                      str(target))
    assert missing.returncode == 3 and "nicht gefunden" in missing.stderr
