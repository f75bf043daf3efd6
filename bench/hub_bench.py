"""Benchmark: push and pull of 10,000 changes through a local PostgreSQL team hub.

    .venv/bin/python bench/hub_bench.py [--changes 10000] [--dsn ADMIN_DSN]
    .venv/bin/python bench/hub_bench.py --first-sync VAULT_COPY [--passphrase-env VAR]

Without --dsn a throw-away cluster is started (initdb in a temp dir, as the user
`casework-test` when run as root, loopback port, SCRAM) and removed afterwards. With
--dsn (a hub owner role with CREATEROLE on an empty database) that hub is used.
Device A writes fictitious households and contacts in one transaction, pushes them;
device B (the assigned worker) pulls and applies them. Prints the figures, and the limit
for the same rows: plain PostgreSQL (the same number of rows of the same size written with
COPY and read back, no cryptography) and plain SQLite (the same rows inserted into a plain
sqlite3 file in one transaction).

--first-sync: the first sync of an existing vault (a provider joining the hub with years
of data): the vault's owner is added at the hub, the device enrolled, one full sync run;
prints the time and the process's peak RSS. It CHANGES the vault: pass a copy.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.clock import FixedClock
from casework.models.contacts import ContactDraft, ContactType, NoteEntry, NoteKind
from casework.models.households.household import HouseholdDraft
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service
from casework.storage import contacts as contact_store
from casework.storage import households as household_store
from casework.storage.db import MEMORY_SECURITY
from casework.sync import admin, client

PASSPHRASE = "Benchmark nur mit erfundenen Daten 42"  # noqa: S105 - fictitious test vault
PASSWORD = "benchmark-worker-password"  # noqa: S105 - throw-away cluster
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    found = shutil.which("initdb")
    folders = ([str(Path(found).resolve().parent)] if found else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), reverse=True) + ["/usr/local/bin"]
    pg_bin = next((Path(f) for f in folders if (Path(f) / "pg_ctl").exists()), None)
    if pg_bin is None:
        raise SystemExit("PostgreSQL (initdb, pg_ctl) nicht gefunden.")
    base = Path(tempfile.mkdtemp(prefix="casework-bench-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            pwd.getpwnam("casework-test")
        try:
            entry = pwd.getpwnam("casework-test")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "casework-test"],
                           check=True)
            entry = pwd.getpwnam("casework-test")
        os.chown(base, entry.pw_uid, entry.pw_gid)
        run_as = ["runuser", "-u", "casework-test", "--"]
    (base / "pw").write_text("bench-superuser")
    if run_as:
        os.chown(base / "pw", entry.pw_uid, entry.pw_gid)
    data = base / "data"
    subprocess.run([*run_as, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres",
                    f"--pwfile={base / 'pw'}", "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256", "--no-locale", "-E", "UTF8"],
                   check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = (f"-p {port} -c listen_addresses=127.0.0.1 "
               f"-c unix_socket_directories={base}")
    subprocess.run([*run_as, str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-l",
                    str(base / "log"), "-o", options, "start"], check=True, capture_output=True)
    try:
        import psycopg

        superuser = f"host=127.0.0.1 port={port} user=postgres password=bench-superuser"
        with psycopg.connect(superuser + " dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE ROLE benchadmin LOGIN CREATEROLE PASSWORD 'bench-admin'")
            conn.execute("CREATE DATABASE benchhub OWNER benchadmin")
        yield f"host=127.0.0.1 port={port} user=benchadmin password=bench-admin dbname=benchhub"
    finally:
        subprocess.run([*run_as, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def run(admin_dsn: str, changes: int, memory_security: bool = MEMORY_SECURITY,
        encrypt: bool = True) -> None:
    work = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    try:
        a = session_service.create(work / "a", PASSPHRASE, FixedClock(NOW), owner_name="Gerät A",
                                   memory_security=memory_security)
        b = session_service.create(work / "b", PASSPHRASE, FixedClock(NOW),
                                   owner_name="Gerät B", memory_security=memory_security)
        admin.init_hub(admin_dsn)
        base = admin_dsn.rsplit("user=", 1)[0]
        dbname = "dbname=" + admin_dsn.split("dbname=")[1].split()[0]
        dsns = {}
        for session, login in ((a, "bench_a"), (b, "bench_b")):
            worker_id = admin.add_worker(admin_dsn, login=login, name=session.actor.data.name,
                                         role=WorkerRole.FACHKRAFT, password=PASSWORD,
                                         worker_id=session.vault.owner_id)
            dsns[login] = f"{base} user={login} password={PASSWORD} {dbname}"
            code, _ = admin.issue_code(admin_dsn, worker_id)
            client.enrol(session, dsns[login], code)
        client.sync_vault(b)
        client.sync_vault(a)

        households = max(1, changes // 5)
        writer = a.writer()
        started = time.perf_counter()
        with a.db.transaction():
            made = 0
            for i in range(households):
                hid = household_store.insert_household(writer, HouseholdDraft(
                    name=f"Familie Beispiel {i}", street=f"Musterweg {i % 90 + 1}",
                    plz="46236", city="Bottrop", district="Batenbrock-Süd",
                    assigned_worker_id=b.vault.owner_id))  # type: ignore[arg-type]
                made += 1
                for j in range(4):
                    if made >= changes:
                        break
                    contact_store.insert_contact(writer, hid, ContactDraft(
                        occurred_at=NOW - timedelta(days=j + 1), type=ContactType.HAUSBESUCH,
                        duration_min=30,
                        notes=(NoteEntry(NoteKind.BEOBACHTUNG, f"Erfundene Notiz {i}/{j}"),)))
                    made += 1
                if made >= changes:
                    break
        written = time.perf_counter() - started
        pending = client.sync_service.status(a).pending

        target_a, target_b = client.device_target(a), client.device_target(b)
        assert target_a and target_b
        with client.connect(target_a) as conn:
            started, cpu = time.perf_counter(), time.process_time()
            pushed, refused = client.push(a, conn, encrypt=encrypt)
            assert refused == 0
            client.share_keys(a, conn)  # B's copies of the household keys
            push_s, push_cpu = time.perf_counter() - started, time.process_time() - cpu
        with client.connect(target_b) as conn:
            started, cpu = time.perf_counter(), time.process_time()
            result, _ = client.pull(b, conn, encrypt=encrypt)
            pull_s, pull_cpu = time.perf_counter() - started, time.process_time() - cpu
            assert result.quarantined == 0 and result.locked == 0
        count = b.db.scalar("SELECT count(*) FROM households")
        print(f"Änderungen erzeugt (A, eine Transaktion): {pending} in {written:.2f} s")
        print(f"Push A → Hub:            {pushed} Änderungen in {push_s:.2f} s "
              f"({pushed / push_s:,.0f}/s; Gerät CPU {push_cpu:.2f} s)")
        print(f"Pull + Anwenden Hub → B: {result.applied} Änderungen in {pull_s:.2f} s "
              f"({result.applied / pull_s:,.0f}/s; Gerät CPU {pull_cpu:.2f} s)")
        print(f"Push + Pull gesamt:      {push_s + pull_s:.2f} s; Haushalte auf B: {count}")
        plain_pg = limit_postgres(admin_dsn)
        plain_sqlite = limit_sqlite(b, work / "plain.sqlite")
        print(f"Grenze PostgreSQL pur:   {plain_pg[0]} Zeilen ({plain_pg[1] / 1e6:.1f} MB) "
              f"COPY hinein {plain_pg[2]:.2f} s, SELECT heraus {plain_pg[3]:.2f} s")
        print(f"Grenze SQLite pur:       {plain_sqlite[0]} Zeilen in {plain_sqlite[1]} Tabellen "
              f"(wie auf B geschrieben, ohne SQLCipher) in {plain_sqlite[2]:.2f} s")
        print(f"Grenze zusammen:         {plain_pg[2] + plain_pg[3] + plain_sqlite[2]:.2f} s; "
              f"Last: {os.getloadavg()[0]:.2f}")
        a.close()
        b.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


_HUB_COLUMNS = ("change_id, entity, entity_id, scope_id, op, key_id, meta, payload, sig, "
                "hlc, actor, device, at")


def limit_postgres(admin_dsn: str) -> tuple[int, int, float, float]:
    """The hub's stored rows once more, written with COPY into a plain table of the same
    columns (primary key, unique change id, no functions, no checks) and read back:
    (rows, bytes, COPY seconds, SELECT seconds)."""
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        rows = conn.execute(f"SELECT {_HUB_COLUMNS} FROM casework.changes "  # noqa: S608
                            "ORDER BY seq").fetchall()
        size = sum(len(v) if isinstance(v, bytes) else len(str(v)) for r in rows for v in r)
        conn.execute("DROP TABLE IF EXISTS public.bench_plain")
        conn.execute("CREATE TABLE public.bench_plain (seq bigserial PRIMARY KEY, "
                     "change_id text NOT NULL UNIQUE, entity text, entity_id text, "
                     "scope_id text, op text, key_id text, meta jsonb, payload bytea, "
                     "sig bytea, hlc text, actor text, device text, at text)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, \
                cur.copy(f"COPY public.bench_plain ({_HUB_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:6], Jsonb(row[6]), *row[7:]))
        copy_s = time.perf_counter() - started
        started = time.perf_counter()
        back = conn.execute(f"SELECT seq, {_HUB_COLUMNS} FROM public.bench_plain "  # noqa: S608
                            "ORDER BY seq").fetchall()
        select_s = time.perf_counter() - started
        assert len(back) == len(rows)
        conn.execute("DROP TABLE public.bench_plain")
    return len(rows), size, copy_s, select_s


_APPLIED_TABLES = ("households", "persons", "id_keys", "contact_rows", "contact_notes",
                   "changelog_rows",
                   "sync_change_bases", "sync_field_versions")


def limit_sqlite(session: session_service.Session, path: Path) -> tuple[int, int, float]:
    """The rows device B wrote while applying (its households, contacts, notes, change
    log, bases, field versions), inserted into a plain sqlite3 file (same tables and
    indexes, no triggers, no SQLCipher) in one transaction with executemany, WAL and
    synchronous=FULL as in the vault: (rows, tables, seconds)."""
    db = session.db
    tables = [t for t in _APPLIED_TABLES if db.scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (t,))]
    data = {t: [tuple(r) for r in db.query(f"SELECT * FROM {t}")]  # noqa: S608
            for t in tables}
    plain = sqlite3.connect(path, isolation_level=None)
    try:
        plain.execute("PRAGMA journal_mode = WAL")
        plain.execute("PRAGMA synchronous = FULL")
        for t in tables:
            plain.execute(str(db.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                        "AND name = ?", (t,))))
            for (sql,) in db.query("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = ? AND sql IS NOT NULL", (t,)):
                plain.execute(str(sql))
        started = time.perf_counter()
        plain.execute("BEGIN")
        for t in tables:
            if data[t]:
                marks = ",".join("?" for _ in data[t][0])
                plain.executemany(f"INSERT INTO {t} VALUES ({marks})",  # noqa: S608
                                  data[t])
        plain.execute("COMMIT")
        elapsed = time.perf_counter() - started
    finally:
        plain.close()
    return sum(len(v) for v in data.values()), len(tables), elapsed


def first_sync(admin_dsn: str, folder: Path, passphrase: str,
               memory_security: bool = MEMORY_SECURITY) -> None:
    """The first sync of an existing vault: time and peak RSS of this process."""
    from casework.clock import SystemClock

    session = session_service.unlock(folder, passphrase, SystemClock(),
                                     memory_security=memory_security)
    try:
        admin.init_hub(admin_dsn)
        base = admin_dsn.rsplit("user=", 1)[0]
        dbname = "dbname=" + admin_dsn.split("dbname=")[1].split()[0]
        worker_id = admin.add_worker(admin_dsn, login="bench_first",
                                     name=session.actor.data.name, role=WorkerRole.FACHKRAFT,
                                     password=PASSWORD, worker_id=session.vault.owner_id)
        code, _ = admin.issue_code(admin_dsn, worker_id)
        client.enrol(session, f"{base} user=bench_first password={PASSWORD} {dbname}", code)
        pending = client.sync_service.status(session).pending
        households = session.db.scalar("SELECT count(*) FROM households")
        contacts = session.db.scalar("SELECT count(*) FROM contacts")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        shown = [0.0]

        def progress(step: str, done: int) -> None:
            now = time.perf_counter()
            if now - shown[0] > 5:
                shown[0] = now
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"  {now - started:6.1f} s  {step} {done}  (Spitze {rss:.0f} MB)",
                      file=sys.stderr, flush=True)

        started = time.perf_counter()
        result = client.sync_vault(session, progress=progress)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Erster Abgleich: {households} Haushalte, {contacts} Kontakte, "
              f"{pending} Änderungen ausstehend")
        print(f"  gesendet {result.pushed}, empfangen {result.pulled}, abgewiesen "
              f"{result.refused + result.quarantined} in {elapsed:.1f} s")
        print(f"  Spitze RSS: {peak:.0f} MB (vor dem Abgleich {before:.0f} MB); "
              f"Last: {os.getloadavg()[0]:.2f}")
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--dsn", default=None, help="hub owner DSN (else a temp cluster)")
    parser.add_argument("--memory-security", choices=("on", "off"),
                        default="on" if MEMORY_SECURITY else "off",
                        help="SQLCipher cipher_memory_security (process-wide; default: as the "
                             "app ships, casework.storage.db.MEMORY_SECURITY)")
    parser.add_argument("--encryption", choices=("on", "off"), default="on",
                        help="end-to-end encryption and signatures of the changes (off: "
                             "measurement only, plaintext at the hub)")
    parser.add_argument("--first-sync", metavar="VAULT_COPY", default=None,
                        help="first sync of this vault (it is changed: pass a copy)")
    parser.add_argument("--passphrase-env", default="CASEWORK_PASSPHRASE",
                        help="environment variable with the vault's passphrase (default: "
                             "CASEWORK_PASSPHRASE, else the demo vault's passphrase)")
    args = parser.parse_args()
    secure = args.memory_security == "on"
    print(f"SQLCipher memory security: {args.memory_security}; "
          f"Ende-zu-Ende-Verschlüsselung: {args.encryption}; Last: {os.getloadavg()[0]:.2f}")
    with contextlib.ExitStack() as stack:
        dsn = args.dsn or stack.enter_context(throwaway_cluster())
        if args.first_sync:
            from casework.services.demo import DEMO_PASSPHRASE

            passphrase = os.environ.get(args.passphrase_env) or DEMO_PASSPHRASE
            first_sync(dsn, Path(args.first_sync), passphrase, secure)
        else:
            run(dsn, args.changes, secure, args.encryption == "on")


if __name__ == "__main__":
    main()
