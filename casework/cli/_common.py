"""Shared CLI helpers: passphrases, opening vaults."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from casework.cli import CliFailure
from casework.clock import SystemClock
from casework.services import session as session_service
from casework.services.session import Session

ENV_PASSPHRASE = "CASEWORK_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
ENV_NEW_PASSPHRASE = "CASEWORK_NEW_PASSPHRASE"  # noqa: S105 - a variable name


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


def open_session(folder: Path) -> Session:
    return session_service.unlock(folder, read_passphrase(), SystemClock())
