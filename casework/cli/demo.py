"""`casework demo --vault DIR --families N [--seed S] [--contacts-per-family K]`."""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

from casework.cli import EXIT_OK, CliFailure
from casework.cli._common import ENV_PASSPHRASE, read_passphrase
from casework.clock import SystemClock
from casework.models.persons.worker import WorkerRole
from casework.services import demo
from casework.services import session as session_service


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="Akte mit fiktiven Demodaten füllen (legt sie bei "
                                         "Bedarf an)")
    parser.add_argument("--vault", required=True, help="Akten-Ordner")
    parser.add_argument("--families", type=int, required=True, help="Anzahl Haushalte")
    parser.add_argument("--seed", type=int, default=1,
                        help="Startwert des Zufalls: gleicher Wert, gleiche Demodaten")
    parser.add_argument("--contacts-per-family", type=float, default=12.0,
                        help="mittlere Zahl der Kontakte je Haushalt (Standard 12)")
    parser.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    if args.families < 0 or args.contacts_per_family < 0:
        raise CliFailure("--families und --contacts-per-family dürfen nicht negativ sein.", 2)
    if not math.isfinite(args.contacts_per_family):  # "nan", "inf": no number of contacts
        raise CliFailure("--contacts-per-family muss eine Zahl sein.", 2)
    from pathlib import Path

    folder = Path(args.vault)
    clock = SystemClock()
    if session_service.vault_exists(folder):
        # Fictitious bulk data only: SQLCipher's memory wiping costs ~12x in bulk writes.
        passphrase = read_passphrase()
        session = session_service.unlock(folder, passphrase, clock,
                                         memory_security=False)
    else:
        passphrase = os.environ.get(ENV_PASSPHRASE) or demo.DEMO_PASSPHRASE
        session = session_service.create(folder, passphrase, clock, owner_name="Lena Beispiel",
                                         owner_role=WorkerRole.FACHKRAFT,
                                         memory_security=False)
        if not os.environ.get(ENV_PASSPHRASE):
            print(f"Demo-Akte angelegt, Passphrase: {demo.DEMO_PASSPHRASE}")
    start = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 1.0 or done == total:
            last[0] = now
            print(f"\r{done}/{total} Haushalte …", end="", file=sys.stderr, flush=True)

    try:
        summary = demo.fill(session, args.families, seed=args.seed,
                            contacts_per_family=args.contacts_per_family, progress=progress,
                            passphrase=passphrase)
    finally:
        session.close()
    print(file=sys.stderr)
    print(f"{summary.households} Haushalte, {summary.persons} Personen, {summary.contacts} "
          f"Kontakte in {time.perf_counter() - start:.1f} s angelegt.")
    if summary.showcase_households:
        print(f"Dazu {summary.showcase_households} Beispielhaushalte mit § 8a-Verfahren, "
              "Einwilligungen, Vermittlungen, Teilhabe und Gruppenangeboten.")
    return EXIT_OK
