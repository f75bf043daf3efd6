"""Benchmark runner: `python -m bench [--families 20000] [--contacts-per-family 50]`.

Creates (or reuses, cached by seed and size) a synthetic vault with `casework demo`, an
unencrypted copy with the same schema (plain sqlite3) for the database-bound operations,
then measures the operations of the performance budget (issue 9) and writes JSON and a
Markdown table to bench/results/.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlcipher3

from bench.harness import Result, measure, table, write
from casework.clock import SystemClock
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.services import contacts, demo
from casework.services import session as session_service
from casework.services.households import households
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.db import Database, _fold_for_index, drop_stat4
from casework.storage.vault_header import DB_FILE

ROOT = Path(__file__).resolve().parent
BIG_FAMILY = "Benchmarkfamilie Großkontakt"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT.parent)
    env["CASEWORK_PASSPHRASE"] = demo.DEMO_PASSPHRASE
    return env


def ensure_vault(families: int, per_family: float, seed: int,
                 memory_security: bool = False) -> tuple[Path, Path, float]:
    """The cached encrypted vault and its plain copy; returns the generation time (s) or 0.

    `memory_security` must match the measured session: SQLCipher cannot switch it off
    again in a process once a connection turned it on."""
    cache = ROOT / "cache" / f"vault-{families}-{per_family:g}-{seed}"
    plain = cache.with_suffix(".plain.db")
    took = 0.0
    if not (cache / "vault.json").exists():
        print(f"Erzeuge Demo-Akte: {families} Haushalte, ~{per_family:g} Kontakte je Haushalt …",
              flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "casework", "demo", "--vault", str(cache),
                        "--families", str(families), "--contacts-per-family", str(per_family),
                        "--seed", str(seed)], check=True, env=_env())
        took = time.perf_counter() - start
        s = session_service.unlock(cache, demo.DEMO_PASSPHRASE, SystemClock(),
                                   memory_security=memory_security)
        try:
            hid, _ = households.create(s, HouseholdDraft(name=BIG_FAMILY, district="Ebel"))
            now = s.clock.now()
            for i in range(200):
                contacts.log_contact(s, hid, ContactDraft(
                    now - timedelta(days=i), ContactType.HAUSBESUCH, 30,
                    notes=(NoteEntry(NoteKind.FAKT, f"Besuch {i}: Gespräch über Schule, "
                                     "Wohnung und Gesundheit der Kinder."),)))
        finally:
            s.close()
    # Unlocking migrates the vault; the plain copy must have the same schema, so it is
    # re-exported whenever the applied migrations differ.
    s = session_service.unlock(cache, demo.DEMO_PASSPHRASE, SystemClock(),
                               memory_security=memory_security)
    try:
        wanted = _applied_migrations(s.db)
        if plain.exists() and _plain_migrations(plain) != wanted:
            print("Schema der Akte geändert: unverschlüsselte Kopie wird neu erzeugt …",
                  flush=True)
            for suffix in ("", "-wal", "-shm"):
                Path(str(plain) + suffix).unlink(missing_ok=True)
        if not plain.exists():
            conn = s.db.conn
            conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
            conn.execute("SELECT sqlcipher_export('plaintext')").fetchall()
            conn.execute("DETACH DATABASE plaintext")
            # sqlcipher_export copies no planner statistics: same ANALYZE as the vault.
            copy = open_plain(plain)
            try:
                with copy.transaction():
                    copy.execute("ANALYZE")
                    drop_stat4(copy)
            finally:
                copy.close()
    finally:
        s.close()
    return cache, plain, took


def _applied_migrations(db: Database) -> set[int]:
    return {int(r[0]) for r in db.query("SELECT version FROM schema_migrations")}


def _plain_migrations(path: Path) -> set[int]:
    conn = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")}
    except sqlcipher3.Error:
        return set()
    finally:
        conn.close()


def open_plain(path: Path) -> Database:
    """The same SQLite build (sqlcipher3 ships SQLite 3.5x with FTS5 contentless_delete),
    without a key: plain, unencrypted SQLite."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.row_factory = sqlcipher3.Row
    conn.create_function("casework_fold", 1, _fold_for_index, deterministic=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -131072")
    return Database(conn, path)


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--families", type=int, default=20000)
    parser.add_argument("--contacts-per-family", type=float, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--memory-security", choices=("on", "off"), default="off",
                        help="SQLCipher cipher_memory_security for the measured session (off "
                             "= as in the app, docs/memory-security.md). It is process-wide, "
                             "so it applies to the plain-SQLite comparison as well.")
    parser.add_argument("--csv-rows", type=int, default=100_000,
                        help="rows of the CSV import figure (0: skip)")
    parser.add_argument("--floor", action="store_true",
                        help="measure the floor of the demo's bulk write on the cached vault "
                             "too (always when the vault is generated)")
    parser.add_argument("--skip-hub", action="store_true",
                        help="leave out the hub figure (it starts a PostgreSQL cluster)")
    args = parser.parse_args(argv)
    secure = args.memory_security == "on"
    load_at_start = " / ".join(f"{v:.2f}" for v in os.getloadavg())

    vault, plain_path, gen_seconds = ensure_vault(args.families, args.contacts_per_family,
                                                  args.seed, memory_security=secure)
    results: list[Result] = []
    clock = SystemClock()

    # 1. unlock: Argon2id + unwrap + open + first query
    def unlock_once() -> None:
        s = session_service.unlock(vault, demo.DEMO_PASSPHRASE, clock,
                                   memory_security=secure)
        households.count(s)
        s.close()

    results.append(Result("1 Entsperren (Argon2id, Entpacken, Öffnen, erste Abfrage)", "ms",
                          measure(unlock_once, runs=5), budget=500))

    session = session_service.unlock(vault, demo.DEMO_PASSPHRASE, clock,
                                     memory_security=secure)
    plain = open_plain(plain_path)
    enc = session.db
    try:
        n_households = households.count(session)
        n_contacts = int(enc.scalar("SELECT count(*) FROM contacts"))
        big = household_store.list_household_ids(enc, search=BIG_FAMILY)[0]

        def both(name: str, fn, budget: float | None, runs: int = args.runs) -> None:  # type: ignore[no-untyped-def]
            results.append(Result(name, "ms", measure(lambda: fn(enc), runs=runs),
                                  budget=budget, plain=measure(lambda: fn(plain), runs=runs)))

        # 3. search
        both("3a Suche Namenspräfix „Mül“", lambda db: household_store.list_household_ids(
            db, search="Mül", limit=200), 10)
        both("3b Suche umlautgefaltet „Muller“", lambda db: household_store.list_household_ids(
            db, search="Muller", limit=200), 10)
        # typing in the search field: every keystroke runs the prefix search (first page)
        for typed in ("F", "Mü", "Müll"):
            both(f"3f Suche beim Tippen „{typed}“ (erste 200)",
                 lambda db, t=typed: household_store.list_household_ids(db, search=t,
                                                                         limit=200), 10)
        both("3c Volltext seltenes Wort, neueste zuerst", lambda db: contact_store.search_notes(
            db, "Kajakausflug", 50), 10)
        both("3d Volltext häufiges Wort, neueste zuerst", lambda db: contact_store.search_notes(
            db, "Familie", 50), 10)
        both("3e Volltext häufiges Wort, bm25-Rangfolge", lambda db: contact_store.search_notes(
            db, "Schimmel", 50, ranked=True), 300, runs=3)
        both("Familienliste: Seite mit 200 Zeilen",
             lambda db: household_store.household_list_rows(
                 db, household_store.list_household_ids(db, limit=200)), 1)
        both("Familienliste: alle Ids sortiert (Name)",
             lambda db: household_store.list_household_ids(db), None)

        # 4. open a family file with 200 contacts (service level)
        def open_file(db: Database) -> None:
            household_store.get_household(db, big)
            household_store.persons_of(db, big)
            contact_store.contacts_of(db, big, limit=200)

        both("4 Familienakte mit 200 Kontakten öffnen (Service)", open_file, 20)

        # 5. log one contact: service call to durable commit
        def log_one() -> None:
            contacts.log_contact(session, big, ContactDraft(
                clock.now(), ContactType.TELEFONAT, 5,
                notes=(NoteEntry(NoteKind.FAKT, "Kurzer Anruf wegen Terminabsprache."),)))

        results.append(Result("5 Kontakt erfassen bis dauerhaft gespeichert", "ms",
                              measure(log_one, runs=20), budget=5))

        # 6. Jahresbericht (if the reports module exists)
        results.extend(_report_results(session))

        # 7. documents
        results.extend(_document_results(session))
    finally:
        session.close()
        plain.close()

    # 2. process start → usable family list (offscreen Qt), peak RSS
    results.extend(_startup_results(vault))
    # 8. hub
    if not args.skip_hub:
        results.extend(_hub_results())
    # 9. CSV import into a fresh vault (bench/csv_bench.py)
    if args.csv_rows:
        results.extend(_csv_results(args.csv_rows))

    database = sum(Path(str(vault / DB_FILE) + suffix).stat().st_size
                   for suffix in ("", "-wal") if Path(str(vault / DB_FILE) + suffix).exists())
    results.append(Result("10 Bytes je Kontakt (Datenbank der Akte / Kontakte)", "B",
                          [database / n_contacts], budget=1200,
                          note=f"(Datenbank {database / 1e6:.0f} MB)"))
    if gen_seconds:
        results.append(Result("11 Demo-Akte erzeugen (casework demo, inkl. Volltextindex)", "s",
                              [gen_seconds], budget=30))
    if gen_seconds or args.floor:
        results.extend(_floor_results(vault))
    meta = {
        "Lastdurchschnitt (1/5/15 min) am Ende": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
        "Lastdurchschnitt (1/5/15 min) am Anfang": load_at_start,
        "Haushalte": n_households,
        "Kontakte": n_contacts,
        "Akte (Bytes)": dir_size(vault),
        "Erzeugung casework demo (s)": round(gen_seconds, 1) if gen_seconds else "aus Cache",
        "cipher_memory_security": args.memory_security,
        "Peak RSS dieses Prozesses (MB)": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print()
    for k, v in meta.items():
        print(f"{k}: {v}")
    print()
    print(table(results))
    json_path, md_path = write(results, ROOT / "results", meta)
    print(f"\nErgebnisse: {json_path}, {md_path}")
    return 0


def _report_results(session: session_service.Session) -> list[Result]:
    if importlib.util.find_spec("bench.report_bench") is None:
        return [Result("6 Jahresbericht", "ms", [float("nan")], note="(noch nicht gebaut)")]
    from bench import report_bench

    return report_bench.run(session)


def _document_results(session: session_service.Session) -> list[Result]:
    from casework.forms.consent import blank_consent_form_data, render_consent_form
    from casework.services.directory.shipped import load_profile

    profile = load_profile(session.profile_name)
    data = blank_consent_form_data(profile)
    clock = SystemClock()
    first = measure(lambda: render_consent_form(data, clock), runs=1, warmup=0)
    out = [Result("7a Einwilligungs-PDF (nach dem ersten)", "ms",
                  measure(lambda: render_consent_form(data, clock), runs=9), budget=50,
                  note=f"(erstes: {first[0]:.0f} ms)")]
    if importlib.util.find_spec("bench.kinderschutz_bench") is not None:
        from bench import kinderschutz_bench

        out.extend(kinderschutz_bench.run(session))
    return out


def _startup_results(vault: Path) -> list[Result]:
    if importlib.util.find_spec("bench.startup") is None:
        return [Result("2 Start bis nutzbare Familienliste", "ms", [float("nan")],
                       note="(Oberfläche fehlt)")]
    samples, rss = [], []
    # With bytecode, as installed (pip and the .deb compile it): with PYTHONDONTWRITEBYTECODE
    # set, every start compiled all modules again. The first, untimed start writes it.
    env = {k: v for k, v in _env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "bench.startup", str(vault)], capture_output=True,
                   env=env, check=False)
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-m", "bench.startup", str(vault)],
                              capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            return [Result("2 Start bis nutzbare Familienliste", "ms", [float("nan")],
                           note=f"(Fehler: {proc.stderr.strip().splitlines()[-1:]})")]
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        samples.append(data["start_to_list_ms"])
        rss.append(data["peak_rss_mb"])
    return [Result("2 Prozessstart bis nutzbare Familienliste (inkl. Entsperren)", "ms", samples,
                   budget=1100, note="(Budget: 0,5 s Entsperren + 0,6 s Liste)"),
            Result("2 Peak RSS mit großer Akte", "MB", rss, budget=200)]


def _csv_results(rows: int) -> list[Result]:
    """CSV import of `rows` rows (preview + commit, with progress) in a separate process,
    so its memory and caches do not touch the figures above; then the same import on
    plain SQLite (`--plain`), for the ratio."""
    name = f"9 CSV-Import {rows:,} Zeilen (Prüfen + Import)".replace(",", ".")
    runs: list[dict[str, str]] = []
    for extra in (["--floor"], ["--plain"]):
        proc = subprocess.run([sys.executable, "-m", "bench.csv_bench", "--rows", str(rows),
                               *extra], capture_output=True, text=True, env=_env(), check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return [Result(name, "s", [float("nan")], note=f"(Fehler: {last[:80]})")]
        runs.append(dict(line.split(": ", 1) for line in proc.stdout.splitlines()
                         if ": " in line))
    values, plain = runs
    return [Result(name, "s", [float(values["total_s"])], budget=10,
                   plain=[float(plain["total_s"])],
                   note=f"(Prüfen {float(values['preview_s']):.1f} s, Import "
                        f"{float(values['commit_s']):.1f} s, CPU "
                        f"{float(values['cpu_s']):.1f} s, {values['progress_calls']} "
                        f"Fortschrittsmeldungen; plain: Prüfen {float(plain['preview_s']):.1f} "
                        f"s, Import {float(plain['commit_s']):.1f} s)"),
            Result("9b Untergrenze des Imports: dieselben Zeilen per executemany "
                   "(SQLCipher / plain)", "s", [float(values["floor_encrypted_s"])],
                   plain=[float(values["floor_plain_s"])],
                   note=f"(eine Transaktion; CPU {float(values['floor_encrypted_cpu_s']):.1f} s, "
                        f"plain {float(values['floor_plain_cpu_s']):.1f} s; der Import selbst: "
                        f"{float(values['commit_s']):.1f} s, CPU "
                        f"{float(values['commit_cpu_s']):.1f} s)")]


def _floor_results(vault: Path) -> list[Result]:
    """The limit of figure 11 on this machine: the rows `casework demo` wrote, inserted
    with plain executemany into a fresh copy of the schema in one transaction, loaded as
    the demo loads them (fifty rows a statement but for the FTS tables, plain indexes
    after the rows, a rollback journal, the FTS optimize and ANALYZE before the commit);
    plain SQLite and SQLCipher (bench/floor.py, in its own process)."""
    name = "11b Untergrenze: dieselben Zeilen per executemany (SQLCipher / plain)"
    proc = subprocess.run([sys.executable, "-m", "bench.floor", str(vault), "--transactions",
                           "1", "--deferred", "--json"], capture_output=True, text=True,
                          env=_env(), check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return [Result(name, "s", [float("nan")], note=f"(Fehler: {last[:80]})")]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    enc, plain = data["encrypted"], data["plain"]
    return [Result(name, "s", [enc["total_s"]], plain=[plain["total_s"]],
                   note=f"({enc['contacts']} Kontakte, {enc['changelog']} Änderungen; "
                        f"Einfügen {enc['insert_s']:.1f} s + Indizes/optimize/Commit "
                        f"{enc['optimize_s']:.1f} s, "
                        f"CPU {enc['cpu_s']:.1f} s; plain: Einfügen {plain['insert_s']:.1f} s, "
                        f"CPU {plain['cpu_s']:.1f} s)")]


def _hub_results() -> list[Result]:
    """Push + pull of 10,000 changes through a throw-away local PostgreSQL
    (bench/hub_bench.py starts and stops the cluster)."""
    name = "8 Hub Push + Pull 10.000 Änderungen"
    proc = subprocess.run([sys.executable, str(ROOT / "hub_bench.py"), "--changes", "10000"],
                          capture_output=True, text=True, env=_env(), check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return [Result(name, "s", [float("nan")], note=f"(Fehler: {last[:80]})")]
    total = next((line for line in proc.stdout.splitlines() if "gesamt" in line), "")
    try:
        seconds = float(total.split(":", 1)[1].split("s;")[0].strip())
    except (IndexError, ValueError):
        return [Result(name, "s", [float("nan")], note="(Ausgabe unlesbar)")]
    detail = " / ".join(line.split(":", 1)[0].strip() + ": " + line.split(":", 1)[1].strip()
                        for line in proc.stdout.splitlines() if line.startswith(("Push", "Pull")))
    return [Result(name, "s", [seconds], budget=5, note=f"({detail})")]


if __name__ == "__main__":
    raise SystemExit(main())
