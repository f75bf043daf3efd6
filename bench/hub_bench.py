"""Benchmark: push and pull of 10,000 changes through a local PostgreSQL team hub.

    .venv/bin/python bench/hub_bench.py [--changes 10000] [--dsn ADMIN_DSN]

Without --dsn a throw-away cluster is started (initdb in a temp dir, as the user
`casework-test` when run as root, loopback port, SCRAM) and removed afterwards. With
--dsn (a hub owner role with CREATEROLE on an empty database) that hub is used.
Device A writes fictitious households and contacts in one transaction, pushes them;
device B (the assigned worker) pulls and applies them. Prints the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import socket
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


def run(admin_dsn: str, changes: int, memory_security: bool = True,
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
            started = time.perf_counter()
            pushed, refused = client.push(a, conn, encrypt=encrypt)
            assert refused == 0
            client.share_keys(a, conn)  # B's copies of the household keys
            push_s = time.perf_counter() - started
        with client.connect(target_b) as conn:
            started = time.perf_counter()
            result, _ = client.pull(b, conn, encrypt=encrypt)
            pull_s = time.perf_counter() - started
            assert result.quarantined == 0 and result.locked == 0
        count = b.db.scalar("SELECT count(*) FROM households")
        print(f"Änderungen erzeugt (A, eine Transaktion): {pending} in {written:.2f} s")
        print(f"Push A → Hub:            {pushed} Änderungen in {push_s:.2f} s "
              f"({pushed / push_s:,.0f}/s)")
        print(f"Pull + Anwenden Hub → B: {result.applied} Änderungen in {pull_s:.2f} s "
              f"({result.applied / pull_s:,.0f}/s)")
        print(f"Push + Pull gesamt:      {push_s + pull_s:.2f} s; Haushalte auf B: {count}")
        a.close()
        b.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--dsn", default=None, help="hub owner DSN (else a temp cluster)")
    parser.add_argument("--memory-security", choices=("on", "off"), default="on",
                        help="SQLCipher cipher_memory_security (process-wide; default on)")
    parser.add_argument("--encryption", choices=("on", "off"), default="on",
                        help="end-to-end encryption and signatures of the changes (off: "
                             "measurement only, plaintext at the hub)")
    args = parser.parse_args()
    secure = args.memory_security == "on"
    print(f"SQLCipher memory security: {args.memory_security}; "
          f"Ende-zu-Ende-Verschlüsselung: {args.encryption}")
    if args.dsn:
        run(args.dsn, args.changes, secure, args.encryption == "on")
    else:
        with throwaway_cluster() as dsn:
            run(dsn, args.changes, secure, args.encryption == "on")


if __name__ == "__main__":
    main()
