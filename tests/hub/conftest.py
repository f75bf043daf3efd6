"""A throw-away PostgreSQL cluster for the hub tests (real server, SCRAM, loopback).

The cluster is initialised in a temp dir, as the unprivileged user `casework-test` when
the tests run as root (PostgreSQL refuses to run as root), listens on 127.0.0.1 on a free
port and is stopped at the end. Without PostgreSQL binaries the tests FAIL: CI must
install them (Debian: `postgresql`).
"""

from __future__ import annotations

import fcntl
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from casework.clock import FixedClock
from casework.models.persons.worker import WorkerRole
from casework.services import session as session_service
from casework.services.session import Session
from casework.sync import admin
from tests.conftest import NOW, PASSPHRASE

TEST_USER = "casework-test"
SUPERUSER_PASSWORD = "superuser-secret-for-tests"
ADMIN_PASSWORD = "hub-admin-secret-for-tests"
WORKER_PASSWORD = "worker-secret-for-tests"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/hub/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.hub)


def find_pg_bin() -> Path:
    candidates: list[str] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates.append("/usr/local/bin")
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    pytest.fail("PostgreSQL-Programme (initdb, pg_ctl) nicht gefunden: für die Hub-Tests "
                "muss PostgreSQL installiert sein (Debian: apt-get install postgresql).",
                pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    run_as: str | None

    def dsn(self, user: str, password: str, dbname: str = "postgres") -> str:
        return (f"host=127.0.0.1 port={self.port} dbname={dbname} user={user} "
                f"password={password} connect_timeout=5")

    @property
    def superuser_dsn(self) -> str:
        return self.dsn("postgres", SUPERUSER_PASSWORD)

    def pg_ctl(self, *args: str) -> None:
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.data.parent} -c fsync=off "
                   "-c full_page_writes=off "
                   "-c password_encryption=scram-sha-256")
        self.pg_ctl("-w", "-l", str(self.data.parent / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-w", "-m", mode, "stop")


def _ensure_test_user() -> str:
    # Parallel test workers (pytest-xdist) may get here at the same moment: one creates
    # the user, the other waits for the lock and then finds it.
    with open(Path(tempfile.gettempdir()) / "casework-pg-user.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pwd.getpwnam(TEST_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", TEST_USER], check=True, capture_output=True)
    return TEST_USER


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    pg_bin = find_pg_bin()
    base = Path(tempfile.mkdtemp(prefix="casework-pg-"))
    run_as = _ensure_test_user() if os.geteuid() == 0 else None
    data = base / "data"
    pwfile = base / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD)
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    cmd = [str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
           "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8",
           "--locale=C.UTF-8" if _has_c_utf8() else "--no-locale"]
    if run_as:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    cluster = Cluster(pg_bin, data, _free_port(), run_as)
    cluster.start()
    try:
        with psycopg.connect(cluster.superuser_dsn, autocommit=True) as conn:
            # The hub owner is NOT a superuser (docs/hub-admin.md).
            conn.execute(sql.SQL("CREATE ROLE hubadmin LOGIN CREATEROLE CREATEDB PASSWORD {}")
                         .format(sql.Literal(ADMIN_PASSWORD)))
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        finally:
            shutil.rmtree(base, ignore_errors=True)


def _has_c_utf8() -> bool:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True)
    return any(line.lower() in ("c.utf8", "c.utf-8") for line in out.stdout.splitlines())


_counter = itertools.count(1)


@dataclass
class Hub:
    cluster: Cluster
    dbname: str
    prefix: str

    @property
    def admin_dsn(self) -> str:
        return self.cluster.dsn("hubadmin", ADMIN_PASSWORD, self.dbname)

    def login(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def dsn(self, name: str) -> str:
        return self.cluster.dsn(self.login(name), WORKER_PASSWORD, self.dbname)

    def add_worker(self, name: str, role: WorkerRole = WorkerRole.FACHKRAFT, team: str = "",
                   worker_id: str | None = None, display: str | None = None) -> str:
        return admin.add_worker(self.admin_dsn, login=self.login(name),
                                name=display or name.capitalize(), role=role,
                                password=WORKER_PASSWORD, team=team, worker_id=worker_id)

    def connect_as(self, name: str) -> psycopg.Connection:
        """The worker's own login (enrolment and administration only)."""
        return psycopg.connect(self.dsn(name), autocommit=True)

    def connect_device(self, session: Session) -> psycopg.Connection:
        """Direct SQL with a device's own hub credentials, as stored in its vault."""
        from casework.sync import client

        target = client.device_target(session)
        assert target is not None
        return psycopg.connect(target, autocommit=True)

    def superuser(self) -> psycopg.Connection:
        return psycopg.connect(self.cluster.dsn("postgres", SUPERUSER_PASSWORD, self.dbname),
                               autocommit=True)


def make_hub(cluster: Cluster) -> Hub:
    n = next(_counter)
    dbname = f"hub{n}"
    with psycopg.connect(cluster.dsn("hubadmin", ADMIN_PASSWORD), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    assert admin.init_hub(cluster.dsn("hubadmin", ADMIN_PASSWORD, dbname))
    return Hub(cluster, dbname, f"h{n}")


@pytest.fixture
def hub(pg_cluster: Cluster) -> Hub:
    return make_hub(pg_cluster)


@pytest.fixture(scope="session")
def _device_templates(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three vaults with their own device and owner ids, created once (Argon2id is slow)."""
    folders = []
    for i, name in enumerate(("Anna Beispiel", "Ben Muster", "Carla Probe")):
        folder = tmp_path_factory.mktemp("devices") / f"vault{i}"
        session_service.create(folder, PASSPHRASE, FixedClock(NOW), owner_name=name).close()
        folders.append(folder)
    return folders


class Devices:
    """Opens copies of the template vaults as independent devices."""

    def __init__(self, templates: list[Path], root: Path) -> None:
        self.templates = templates
        self.root = root
        self.opened: list[Session] = []
        self._n = itertools.count()

    def open(self, index: int, clock: FixedClock | None = None) -> Session:
        target = self.root / f"device{next(self._n)}"
        shutil.copytree(self.templates[index], target)
        s = session_service.unlock(target, PASSPHRASE,
                                   clock or FixedClock(NOW + timedelta(minutes=index)))
        self.opened.append(s)
        return s

    def close_all(self) -> None:
        for s in self.opened:
            if s.is_open:
                s.close()
        self.opened.clear()


@pytest.fixture
def devices(_device_templates: list[Path], tmp_path: Path) -> Iterator[Devices]:
    d = Devices(_device_templates, tmp_path)
    yield d
    d.close_all()


def enrol(hub: Hub, session: Session, login: str) -> None:
    """Admin issues a one-time code, the device redeems it with the worker's login."""
    from casework.services import hub as sync_service
    from casework.sync import client

    worker_id = sync_service.status(session).worker_id
    with hub.superuser() as conn:
        row = conn.execute("SELECT id FROM casework.workers WHERE login = %s",
                           (hub.login(login),)).fetchone()
    assert row is not None, worker_id
    code, _ = admin.issue_code(hub.admin_dsn, row[0])
    client.enrol(session, hub.dsn(login), code, label="Testgerät")


def team_of_two(hub: Hub, devices: Devices, team: str = "Nord") -> tuple[Session, Session]:
    """Anna and Ben (Fachkräfte), each on her own enrolled device, synced until each
    device knows the other (A, B, A)."""
    from casework.sync import client

    a, b = devices.open(0), devices.open(1)
    hub.add_worker("anna", worker_id=a.vault.owner_id, team=team, display="Anna Beispiel")
    hub.add_worker("ben", worker_id=b.vault.owner_id, team=team, display="Ben Muster")
    enrol(hub, a, "anna")
    enrol(hub, b, "ben")
    for device in (a, b, a):
        client.sync_vault(device)
    return a, b
