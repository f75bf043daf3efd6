"""CSV import of a 100,000-row list (issue 22/23): `python -m bench.csv_bench [--rows N]`.

Generates a realistic Excel export (German, `;`, Windows-1252): households of 1–5 persons,
every second row with a contact and a note, imports it into a fresh vault (preview +
commit, with progress) and prints the phases. `--plain` runs the same import on plain
SQLite (no key): the limit of this code on this machine."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from casework.clock import SystemClock
from casework.models.households.csv_import import DuplicatePolicy
from casework.services import session as session_service
from casework.services.households import csv_import as importer

PASSPHRASE = "Benchmark-Passphrase für den Import 1"  # noqa: S105 - a throw-away bench vault
FIRST = ("Anna", "Emil", "Ayşe", "Jonas", "Lena", "Mehmet", "Sophie", "Ali", "Mia", "Noah",
         "Zoé", "Björn", "Elif", "Paul", "Hannah", "Yusuf")
LAST = ("Müller", "Schmidt", "Kaya", "Yılmaz", "Weber", "Schäfer", "Nowak", "Becker",
        "Öztürk", "Wagner", "Hoffmann", "Krüger", "Demir", "Fischer", "Groß", "Lange")
STREETS = ("Hauptstraße", "Gärtnerstraße", "Am Markt", "Kirchhellener Straße", "Ebelstraße",
           "Prosperstraße", "Gladbecker Straße", "Lindenweg")
TYPES = ("Hausbesuch", "Telefonat", "Sprechstunde", "Beratung", "Sonstiges")
NOTES = ("Gespräch über Schule und Wohnung", "Schimmel im Kinderzimmer, Vermieter informiert",
         "Termin beim Jobcenter vorbereitet", "Kita-Platz gesucht, Anmeldung begleitet",
         "Familie wirkt stabil, nächste Woche erneut")
HEADER = ("Haushalt-Nr.;Vorname;Nachname;Geburtsdatum;Geschlecht;Rolle;Sorgeberechtigt;"
          "Straße;PLZ;Ort;Stadtteil;Kontaktdatum;Kontaktart;Notiz")


def make_csv(rows: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    lines = [HEADER]
    household = 0
    while len(lines) <= rows:
        household += 1
        last = rng.choice(LAST)
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
        for member in range(min(rng.randint(1, 5), rows + 1 - len(lines))):
            parent = member == 0
            year = rng.randint(1960, 2000) if parent else rng.randint(2008, 2025)
            birth = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{year}"
            contact = note = kind = ""
            if rng.random() < 0.5:
                contact = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025"
                kind = rng.choice(TYPES)
                note = rng.choice(NOTES)
            lines.append(";".join((
                f"H{household}", rng.choice(FIRST), last, birth, rng.choice("wmd"),
                "Elternteil" if parent else "Kind", "ja" if parent else "nein", street,
                "46236", "Bottrop", "Ebel", contact, kind, note)))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")


def run(rows: int, folder: Path) -> dict[str, float]:
    data = make_csv(rows)
    session = session_service.create(folder, PASSPHRASE, SystemClock(), owner_name="Bench")
    seen: list[tuple[int, int]] = []
    try:
        cpu = time.process_time()
        start = time.perf_counter()
        prepared = importer.preview(session, data)
        planned = time.perf_counter()
        summary, _ = importer.commit(session, prepared, DuplicatePolicy.IMPORT,
                                     progress=lambda d, t: seen.append((d, t)))
        done = time.perf_counter()
    finally:
        session.close()
    return {"rows": rows, "bytes": len(data), "preview_s": planned - start,
            "commit_s": done - planned, "total_s": done - start,
            "cpu_s": time.process_time() - cpu,
            "households": summary.households, "persons": summary.persons,
            "contacts": summary.contacts, "progress_calls": len(seen)}


def unencrypted() -> None:
    """For the comparison only: the same code path without a key, i.e. plain SQLite
    (same SQLite build, same schema, same statements) in this process."""
    from casework.storage import db

    def no_key(conn: object, data_key: object) -> None:
        return None

    db._key_connection = no_key  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.csv_bench")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--plain", action="store_true",
                        help="plain SQLite instead of SQLCipher (the measured limit)")
    args = parser.parse_args(argv)
    if args.plain:
        unencrypted()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.rows, Path(tmp) / "vault")
    for key, value in result.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
