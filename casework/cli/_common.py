"""Shared CLI helpers: passphrases, the acting person, opening vaults.

Every command that acts in a vault takes `--worker NAME` (or `CASEWORK_WORKER`), defaulting
to the vault's owner; the passphrase asked (or `CASEWORK_PASSPHRASE`) is that person's.
Wrong passphrases are counted in the vault folder (`unlock-failures.json`, a number and a
time, nothing personal): from the third one on, the next attempt waits 2, 4, 8 … seconds
(at most a minute), and the next successful unlock writes the count to the audit log.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import time
from pathlib import Path

from casework.cli import CliFailure
from casework.clock import SystemClock
from casework.errors import WrongPassphrase
from casework.services import session as session_service
from casework.services.session import Session

ENV_PASSPHRASE = "CASEWORK_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
ENV_NEW_PASSPHRASE = "CASEWORK_NEW_PASSPHRASE"  # noqa: S105 - a variable name
ENV_WORKER = "CASEWORK_WORKER"
FAILURES_FILE = "unlock-failures.json"
FREE_ATTEMPTS = 2
MAX_DELAY_SECONDS = 60

# Set by `casework.cli.main` from `--worker` of the command being run.
acting_worker: str | None = None


def read_passphrase(prompt: str = "Passphrase: ", env: str = ENV_PASSPHRASE,
                    confirm: bool = False) -> str:
    """From the environment (automation; less safe, documented) or a prompt without echo."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliFailure(
            f"Keine Passphrase: bitte im Terminal eingeben oder {env} setzen.")
    first = getpass.getpass(prompt)
    if confirm:
        second = getpass.getpass("Passphrase wiederholen: ")
        if first != second:
            raise CliFailure("Die beiden Eingaben der Passphrase stimmen nicht überein.")
    return first


def add_vault_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vault", required=True, type=Path, help="Akten-Ordner")
    add_worker_argument(parser)


def add_worker_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--worker", metavar="NAME", default=None,
                        help=f"als diese Person handeln (sonst {ENV_WORKER} oder die "
                             "Inhaberin der Akte); gefragt wird deren Passphrase")


def worker_name(explicit: str | None = None) -> str | None:
    return explicit or acting_worker or os.environ.get(ENV_WORKER) or None


def failure_delay(failures: int) -> int:
    if failures <= FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS))


def _failures(folder: Path) -> int:
    try:
        return int(json.loads((folder / FAILURES_FILE).read_text(encoding="utf-8"))["count"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _set_failures(folder: Path, count: int) -> None:
    path = folder / FAILURES_FILE
    with contextlib.suppress(OSError):
        if count == 0:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps({"count": count, "at": int(time.time())}),
                            encoding="utf-8")


def open_session(folder: Path, worker: str | None = None, *,
                 passphrase: str | None = None, as_owner: bool = False) -> Session:
    """Unlock as the acting person (see module docstring), or as the owner."""
    folder = Path(folder)
    person = None if as_owner else worker_name(worker)
    failures = _failures(folder) if folder.is_dir() else 0
    delay = failure_delay(failures + 1)
    if delay:
        print(f"casework: nach {failures} falschen Eingaben {delay} s Wartezeit …",
              file=sys.stderr)
        time.sleep(delay)
    if passphrase is None:
        passphrase = read_passphrase(f"Passphrase{f' von {person}' if person else ''}: ")
    try:
        session = session_service.unlock(folder, passphrase, SystemClock(), person=person,
                                         failed_attempts=failures)
    except WrongPassphrase:
        _set_failures(folder, failures + 1)
        raise
    if failures:
        _set_failures(folder, 0)
    return session


def open_for_act(folder: Path, worker: str | None = None) -> tuple[Session, object]:
    """Unlock as the acting person and prove her passphrase for one reserved act
    (returns the session and a `services.persons.Authorization`)."""
    from casework.services import persons

    passphrase = read_passphrase(
        f"Passphrase{f' von {worker_name(worker)}' if worker_name(worker) else ''}: ")
    session = open_session(folder, worker, passphrase=passphrase)
    try:
        return session, persons.authorize(session, passphrase)
    except BaseException:
        session.close()
        raise
