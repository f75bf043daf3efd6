"""Command line: one module per command group (`casework/cli/<feature>.py`, command
words in German), each with `register(subparsers)`, listed in `build_parser`.

Exit codes: 0 success; 2 usage error; 3 wrong passphrase, damaged or foreign file, or
another user/environment error (one German line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from casework.cli import _german
from casework.errors import UserError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_USER_ERROR = 3

log = logging.getLogger("casework")


class CliFailure(Exception):
    """Raised by command handlers to end with a German message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USER_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        if message.endswith(" fehlt") and ", " in message:
            message = message[: -len(" fehlt")] + " fehlen"
        self.print_usage(sys.stderr)
        print(f"casework: Aufruf fehlerhaft: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


# What may never reach a terminal from data: C0/C1 control characters (escape sequences
# that move the cursor, retitle the window or rewrite earlier lines; a carriage return
# overwriting a line) and bidirectional overrides that reorder what is shown. Newlines and
# tabs are ours. JSON output escapes control characters itself.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    return _UNSAFE.sub("", text)


class _PrintableOnly(io.TextIOBase):
    """stdout/stderr of the CLI: everything written passes `printable` first."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it read-only
        return self._stream.encoding


def _write_quietly_into_a_closed_pipe() -> None:
    """`casework … --json | head` closes our stdout early: end without a traceback, and
    keep Python from failing again when it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def build_parser() -> argparse.ArgumentParser:
    _german.install()
    parser = _Parser(prog="casework", description="Casework – verschlüsselte Fallakte")
    parser.add_argument("--demo", action="store_true", help="App mit einer Demo-Akte starten")
    parser.add_argument("--vault", help="Akte (Ordner), die die App öffnen soll")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    # The command groups, in the order `--help` lists them (by their German words).
    # Imported here because they import this package's exit codes; none of them imports
    # Qt or psycopg before one of its commands runs.
    from casework.cli import (
        appointments,
        case,
        consent,
        demo,
        directory,
        form,
        households,
        hub,
        kinderschutz,
        privacy,
        referrals,
        reports,
        sync,
        team,
        vault,
        vetting,
    )

    for group in (consent, privacy, demo, case, form, vetting, hub, households, kinderschutz,
                  reports, sync, team, appointments, vault, referrals, directory):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(os, "umask"):
        os.umask(0o077)  # whatever this process creates is its owner's alone
    if not isinstance(sys.stdout, _PrintableOnly):
        sys.stdout = _PrintableOnly(sys.stdout)
        sys.stderr = _PrintableOnly(sys.stderr)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # No subcommand: start the desktop app.
        from casework.cli._app import start_app

        return start_app(args)
    from casework.cli import _common
    from casework.services.session import harden_process

    harden_process()  # key material never lands in a core file
    _common.acting_worker = getattr(args, "worker", None) or None
    try:
        result = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except CliFailure as failure:
        print(f"casework: {failure.message}", file=sys.stderr)
        return failure.code
    except UserError as error:
        print(f"casework: {error.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("casework: abgebrochen.", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        _write_quietly_into_a_closed_pipe()
        return EXIT_OK
    return int(result or EXIT_OK)
