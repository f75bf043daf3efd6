"""CSV import of a 100,000-row list (issue 22/23): `python -m bench.csv_bench [--rows N]`.

Generates a realistic Excel export (German, `;`, Windows-1252): households of 1–5 persons,
every second row with a contact and a note, imports it into a fresh vault (preview +
commit, with progress) and prints the phases. `--plain` runs the same import on plain
SQLite (no key): the cost of encryption for this code. `--floor` then measures the limit
of the write phase on this machine: the same rows with plain executemany (bench/floor.py),
on plain SQLite and on SQLCipher."""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench import floor as floor_module
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


def run(rows: int, folder: Path, *, floor: bool = False) -> dict[str, float]:
    """The import's phases; with `floor`, then the floor of its write phase: the same
    rows inserted with plain executemany in one transaction (bench/floor.py), into plain
    SQLite and into SQLCipher."""
    data = make_csv(rows)
    session = session_service.create(folder, PASSPHRASE, SystemClock(), owner_name="Bench")
    seen: list[tuple[int, int]] = []
    try:
        cpu = time.process_time()
        start = time.perf_counter()
        prepared = importer.preview(session, data)
        planned, planned_cpu = time.perf_counter(), time.process_time()
        summary, _ = importer.commit(session, prepared, DuplicatePolicy.IMPORT,
                                     progress=lambda d, t: seen.append((d, t)))
        done, done_cpu = time.perf_counter(), time.process_time()
        limits = (floor_module.measure_both(session.db, transactions=1, optimize=False,
                                            cache_kib=importer.IMPORT_CACHE_KIB)
                  if floor else {})
    finally:
        session.close()
    result = {"rows": rows, "bytes": len(data), "preview_s": planned - start,
              "commit_s": done - planned, "total_s": done - start,
              "cpu_s": done_cpu - cpu, "commit_cpu_s": done_cpu - planned_cpu,
              "households": summary.households, "persons": summary.persons,
              "contacts": summary.contacts, "progress_calls": len(seen)}
    for name, values in limits.items():
        result[f"floor_{name}_s"] = values["total_s"]
        result[f"floor_{name}_cpu_s"] = values["cpu_s"]
    return result


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
                        help="plain SQLite instead of SQLCipher (the same code)")
    parser.add_argument("--floor", action="store_true",
                        help="then the floor of the write phase: the same rows with plain "
                             "executemany, plain SQLite and SQLCipher (bench/floor.py)")
    args = parser.parse_args(argv)
    if args.plain:
        unencrypted()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.rows, Path(tmp) / "vault", floor=args.floor)
    for key, value in result.items():
        print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
