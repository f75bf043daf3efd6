"""`casework vault backup|restore|recovery-key|recover|backup-schedule` and
`casework import csv` as real processes."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from casework.clock import FixedClock
from casework.services import session as session_service
from tests.conftest import PASSPHRASE, add_family, run_cli

NEW = "Regenschirm im Flur vergessen 42"


def _sheet_text(pdf: Path) -> str:
    """The key lines as a person would type them from the printed sheet."""
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    block = text.split("\nSchlüssel\n", 1)[1].split("Eingabe:", 1)[0]
    lines: list[list[str]] = []
    for token in block.split():
        if token.endswith(":"):
            lines.append([])
        else:
            lines[-1].append(token)
    assert len(lines) == 4, text
    return "\n".join(" ".join(line) for line in lines)


def test_backup_and_restore_round_trip(vault_dir: Path, clock: FixedClock,
                                       tmp_path: Path) -> None:
    session = session_service.unlock(vault_dir, PASSPHRASE, clock)
    add_family(session)
    session.close()
    out = tmp_path / "stick"
    out.mkdir()

    made = run_cli("vault", "backup", "--vault", str(vault_dir), "--out", str(out / "b"))
    assert made.returncode == 0, made.stderr
    assert "geprüft" in made.stdout
    backup_file = out / "b.cwbackup"
    assert backup_file.is_file()

    restored = run_cli("vault", "restore", "--backup", str(backup_file), "--vault",
                       str(tmp_path / "neu"))
    assert restored.returncode == 0, restored.stderr
    assert "1 Haushalte" in restored.stdout
    check = run_cli("vault", "check", "--vault", str(tmp_path / "neu"))
    assert check.returncode == 0 and "1 Haushalte" in check.stdout

    again = run_cli("vault", "restore", "--backup", str(backup_file), "--vault",
                    str(tmp_path / "neu"))
    assert again.returncode == 3
    assert "nicht leer" in again.stderr and "Traceback" not in again.stderr


def test_damaged_backup_and_wrong_passphrase_exit_3_with_german_message(
        vault_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "stick"
    out.mkdir()
    assert run_cli("vault", "backup", "--vault", str(vault_dir), "--out",
                   str(out / "b")).returncode == 0
    backup_file = out / "b.cwbackup"

    wrong = run_cli("vault", "restore", "--backup", str(backup_file), "--vault",
                    str(tmp_path / "neu"), passphrase="Ganz falsche Passphrase 1")
    assert wrong.returncode == 3 and "Passphrase passt nicht" in wrong.stderr

    backup_file.write_bytes(backup_file.read_bytes()[:-100])
    cut = run_cli("vault", "restore", "--backup", str(backup_file), "--vault",
                  str(tmp_path / "neu"))
    assert cut.returncode == 3 and "unvollständig" in cut.stderr
    assert "Traceback" not in cut.stderr
    assert not (tmp_path / "neu").exists()


def test_recovery_key_sheet_and_recover(vault_dir: Path, clock: FixedClock,
                                        tmp_path: Path) -> None:
    # The owner of a vault (here a Fachkraft) is its Admin and can always make the key.
    made = run_cli("vault", "recovery-key", "--vault", str(vault_dir), "--out",
                   str(tmp_path / "blatt.pdf"), "--split")
    assert made.returncode == 0, made.stderr
    first, second = tmp_path / "blatt-teil1.pdf", tmp_path / "blatt-teil2.pdf"

    env = {"CASEWORK_RECOVERY_KEY_1": _sheet_text(first),
           "CASEWORK_RECOVERY_KEY_2": _sheet_text(second),
           "CASEWORK_NEW_PASSPHRASE": NEW}
    recovered = run_cli("vault", "recover", "--vault", str(vault_dir), passphrase=None, env=env)
    assert recovered.returncode == 0, recovered.stderr
    assert run_cli("vault", "check", "--vault", str(vault_dir), passphrase=NEW).returncode == 0
    assert run_cli("vault", "check", "--vault", str(vault_dir)).returncode == 3

    only_one = run_cli("vault", "recover", "--vault", str(vault_dir), passphrase=None,
                       env={"CASEWORK_RECOVERY_KEY_1": _sheet_text(first),
                            "CASEWORK_NEW_PASSPHRASE": NEW})
    assert only_one.returncode == 3 and "CASEWORK_RECOVERY_KEY_2" in only_one.stderr


def test_scheduled_backup_goes_to_the_configured_folder(vault_dir: Path,
                                                        tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    assert run_cli("vault", "backup-schedule", "--vault", str(vault_dir), "--folder",
                   str(stick)).returncode == 0
    result = run_cli("vault", "backup", "--vault", str(vault_dir), "--auto")
    assert result.returncode == 0, result.stderr
    assert len(list(stick.glob("casework-*.cwbackup"))) == 1
    assert (stick / "deletions.journal").is_file()


def test_import_csv_reports_bad_rows_and_imports_nothing(vault_dir: Path,
                                                         tmp_path: Path) -> None:
    csv_file = tmp_path / "liste.csv"
    csv_file.write_bytes(("Vorname;Nachname;Geburtsdatum;PLZ\n"
                          "Anna;Schmidt;04.05.1988;46236\n"
                          "Emil;Schmidt;31.02.2019;46236\n").encode("cp1252"))
    bad = run_cli("import", "csv", "--vault", str(vault_dir), str(csv_file))
    assert bad.returncode == 3
    assert "Zeile 3: Geburtsdatum: kein gültiges Datum." in bad.stdout
    assert "nichts importiert" in bad.stderr

    csv_file.write_bytes(("Vorname,Nachname,Geburtsdatum,PLZ\n"
                          "Anna,Schmidt,04.05.1988,46236\n"
                          "Emil,Schmidt,01.03.2019,46236\n").encode("utf-8-sig"))
    good = run_cli("import", "csv", "--vault", str(vault_dir), str(csv_file))
    assert good.returncode == 0, good.stderr
    assert "Importiert: 1 Haushalte, 2 Personen" in good.stdout
    twice = run_cli("import", "csv", "--vault", str(vault_dir), str(csv_file))
    assert twice.returncode == 3 and "Doppelung" in twice.stdout
