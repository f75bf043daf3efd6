"""`casework vault backup|backup-schedule|restore|recovery-key|recover` (hooked into the
`vault` group by `casework.cli.vault`).

Secrets for automation come from the environment (documented, less safe than the prompt):
CASEWORK_PASSPHRASE, CASEWORK_NEW_PASSPHRASE, CASEWORK_RECOVERY_KEY (the whole key, lines
separated by newlines or ";"), CASEWORK_RECOVERY_KEY_1 and CASEWORK_RECOVERY_KEY_2 (halves).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from casework.cli import EXIT_OK, CliFailure
from casework.cli._common import (
    ENV_NEW_PASSPHRASE,
    add_vault_argument,
    add_worker_argument,
    open_for_act,
    open_session,
    read_passphrase,
    worker_name,
)
from casework.clock import BERLIN, SystemClock, from_utc_iso
from casework.services.backup import backups as backup_service
from casework.services.backup import recovery as recovery_service

ENV_RECOVERY_KEY = "CASEWORK_RECOVERY_KEY"
ENV_RECOVERY_PARTS = ("CASEWORK_RECOVERY_KEY_1", "CASEWORK_RECOVERY_KEY_2")
LINES = 4


def register_vault_subcommands(vault_sub: Any) -> None:
    backup = vault_sub.add_parser("backup", help="verschlüsselte, geprüfte Sicherung schreiben")
    add_vault_argument(backup)
    target = backup.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", type=Path, help="Sicherungsdatei (neu; Endung .cwbackup)")
    target.add_argument("--auto", action="store_true",
                        help="fällige automatische Sicherung in den eingestellten Ordner "
                             "(mit Rotation: 7 tägliche, 4 wöchentliche)")
    backup.add_argument("--full-check", action="store_true",
                        help="zusätzlich SQLites vollständige Strukturprüfung der Kopie")
    backup.add_argument("--force", action="store_true",
                        help="mit --auto: auch sichern, wenn noch nicht fällig")
    backup.set_defaults(handler=_backup)

    plan = vault_sub.add_parser("backup-schedule", help="Ordner für automatische Sicherungen")
    add_vault_argument(plan)
    where = plan.add_mutually_exclusive_group(required=True)
    where.add_argument("--folder", type=Path, help="z. B. USB-Stick oder Netzlaufwerk")
    where.add_argument("--off", action="store_true", help="automatische Sicherung aus")
    plan.add_argument("--interval-hours", type=int, default=backup_service.DEFAULT_INTERVAL_HOURS,
                      help="Abstand der Sicherungen in Stunden")
    plan.set_defaults(handler=_schedule)

    restore = vault_sub.add_parser("restore", help="Sicherung in einen NEUEN Ordner "
                                                   "wiederherstellen")
    restore.add_argument("--backup", required=True, type=Path, help="Sicherungsdatei")
    restore.add_argument("--vault", required=True, type=Path, help="neuer, leerer Akten-Ordner")
    add_worker_argument(restore)
    restore.add_argument("--recovery", action="store_true",
                         help="mit dem Wiederherstellungsschlüssel statt der Passphrase")
    restore.set_defaults(handler=_restore)

    key = vault_sub.add_parser("recovery-key", help="Wiederherstellungsschlüssel der "
                                                    "Organisation erstellen (Leitung/Admin)")
    add_vault_argument(key)
    key.add_argument("--out", required=True, type=Path,
                     help="PDF-Blatt (bei --split: zwei Dateien …-teil1.pdf, …-teil2.pdf)")
    key.add_argument("--split", action="store_true",
                     help="in zwei Hälften teilen, beide nötig (Vier-Augen-Prinzip)")
    key.set_defaults(handler=_recovery_key)

    recover = vault_sub.add_parser("recover", help="mit dem Wiederherstellungsschlüssel öffnen "
                                                   "und eine neue Passphrase setzen")
    add_vault_argument(recover)
    recover.set_defaults(handler=_recover)


def _backup(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        if args.auto:
            result = backup_service.run_due_backup(session, force=args.force)
            if result is None:
                last = backup_service.last_backup_at(session)
                when = f" (letzte Sicherung {_local(last)})" if last else ""
                print(f"Keine Sicherung fällig{when}; mit --force trotzdem sichern.")
                return EXIT_OK
        else:
            result = backup_service.create_backup(session, args.out, full_check=args.full_check)
    finally:
        session.close()
    print(f"Sicherung geschrieben und geprüft: {result.path} "
          f"({result.size_bytes / 1_000_000:.1f} MB, {result.attachments} Anhänge, "
          f"{result.seconds:.1f} s).")
    for path in result.removed:
        print(f"Alte Sicherung entfernt (Rotation): {path.name}")
    _report_attachment_problems(result.problems)
    return EXIT_OK


def _schedule(args: argparse.Namespace) -> int:
    session = open_session(args.vault)
    try:
        backup_service.set_schedule(session, None if args.off else args.folder,
                                    args.interval_hours)
    finally:
        session.close()
    print("Automatische Sicherung ausgeschaltet." if args.off else
          f"Automatische Sicherung alle {args.interval_hours} Stunden nach {args.folder}.")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    backup_service.backup_info(args.backup)  # a damaged file is refused before any prompt
    if args.recovery:
        texts = _read_recovery_texts(split=None)
        key = recovery_service.parse_key(texts)
        result = backup_service.restore_backup(args.backup, args.vault, SystemClock(),
                                               recovery_key=key)
    else:
        result = backup_service.restore_backup(args.backup, args.vault, SystemClock(),
                                               passphrase=read_passphrase(),
                                               person=worker_name())
    taken = _local(from_utc_iso(result.backup_created_at))
    print(f"Sicherung vom {taken} wiederhergestellt nach {result.folder}: "
          f"{result.households} Haushalte, Integrität und Protokollkette geprüft.")
    print(f"Seit der Sicherung gelöschte Akten erneut gelöscht: {result.deletions_reapplied}.")
    _report_attachment_problems(result.problems)
    return EXIT_OK


def _report_attachment_problems(problems: tuple[str, ...]) -> None:
    """Written all the same, but not in order: say so and end with exit code 3."""
    if problems:
        raise CliFailure(f"Achtung, Anhänge nicht in Ordnung: {' '.join(problems)} "
                         "„casework vault check“ zeigt den Stand; eine ältere Sicherung hat "
                         "die Dateien vielleicht noch unbeschädigt.")


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr"


def _recovery_key(args: argparse.Namespace) -> int:
    from casework.forms.base import write_pdf_atomic

    session, auth = open_for_act(args.vault)
    try:
        sheets = recovery_service.create_recovery_key(
            session, split=args.split, auth=auth)  # type: ignore[arg-type]
        out: Path = args.out
        written: list[Path] = []
        for sheet in sheets:
            path = out if sheet.parts == 1 else out.with_name(
                f"{out.stem}-teil{sheet.part}{out.suffix or '.pdf'}")
            write_pdf_atomic(path, recovery_service.render_sheet(session, sheet))
            written.append(path)
    finally:
        session.close()
    for path in written:
        print(f"Blatt geschrieben: {path}")
    print("Bitte ausdrucken, im Tresor verwahren und die PDF-Datei(en) danach löschen.")
    return EXIT_OK


def _recover(args: argparse.Namespace) -> int:
    status = recovery_service.recovery_status(args.vault)
    if status is None:
        raise CliFailure("Für diese Akte wurde kein Wiederherstellungsschlüssel angelegt.")
    texts = _read_recovery_texts(split=recovery_service.is_split(args.vault))
    new = read_passphrase("Neue Passphrase: ", env=ENV_NEW_PASSPHRASE, confirm=True)
    session = recovery_service.recover(args.vault, texts, new, SystemClock())
    session.close()
    print("Akte mit dem Wiederherstellungsschlüssel geöffnet; neue Passphrase gesetzt "
          "(protokolliert).")
    return EXIT_OK


def _read_recovery_texts(split: bool | None) -> tuple[str, ...]:
    """From the environment, else line by line without echo."""
    whole = os.environ.get(ENV_RECOVERY_KEY)
    parts = tuple(os.environ.get(name) for name in ENV_RECOVERY_PARTS)
    if whole and split is not True:
        return (whole,)
    if all(parts) and split is not False:
        return tuple(p for p in parts if p)
    if not sys.stdin.isatty():
        names = " und ".join(ENV_RECOVERY_PARTS) if split else ENV_RECOVERY_KEY
        raise CliFailure(f"Kein Wiederherstellungsschlüssel: bitte im Terminal eingeben oder "
                         f"{names} setzen.")
    if split is None:
        split = input("Ist der Schlüssel in zwei Teile geteilt? (j/n): ").strip().lower() == "j"
    count = 2 if split else 1
    texts: list[str] = []
    for part in range(1, count + 1):
        label = f"Teil {part}, " if split else ""
        lines = [getpass.getpass(f"{label}Zeile {n}: ") for n in range(1, LINES + 1)]
        texts.append("\n".join(lines))
    return tuple(texts)
