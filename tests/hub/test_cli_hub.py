"""`casework hub …` and `casework sync` as real processes against a real hub."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
from psycopg import sql

from tests.conftest import run_cli
from tests.hub.conftest import ADMIN_PASSWORD, WORKER_PASSWORD, Cluster, Devices


def test_admin_sets_up_a_hub_and_a_worker_enrols_and_syncs_from_the_command_line(
        pg_cluster: Cluster, devices: Devices) -> None:
    dbname = "clihub"
    with psycopg.connect(pg_cluster.dsn("hubadmin", ADMIN_PASSWORD), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    admin_dsn = pg_cluster.dsn("hubadmin", ADMIN_PASSWORD, dbname)
    worker_dsn = pg_cluster.dsn("cli_kaya", "", dbname).replace("password= ", "")

    done = run_cli("hub", "init", "--dsn", admin_dsn, passphrase=None)
    assert done.returncode == 0, done.stderr
    assert "eingerichtet" in done.stdout

    added = run_cli("hub", "add-worker", "--dsn", admin_dsn, "--login", "cli_kaya",
                    "--name", "ASD-Kooperation Fachkraft", "--team", "Nord", passphrase=None,
                    env={"CASEWORK_HUB_WORKER_PASSWORD": WORKER_PASSWORD})
    assert added.returncode == 0, added.stderr
    worker_id = added.stdout.split(":")[-1].strip()
    issued = run_cli("hub", "issue-code", "--dsn", admin_dsn, "--worker", worker_id,
                     passphrase=None)
    assert issued.returncode == 0, issued.stderr
    code = re.search(r"Einmal-Code: (\S+)", issued.stdout)
    assert code is not None

    vault: Path = devices.open(0).vault.folder
    devices.close_all()
    hub_env = {"CASEWORK_HUB_PASSWORD": WORKER_PASSWORD}
    enrolled = run_cli("hub", "enrol-device", "--vault", str(vault), "--dsn", worker_dsn,
                       "--code", code.group(1), "--label", "Laptop", env=hub_env)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "ASD-Kooperation Fachkraft" in enrolled.stdout
    device_id = enrolled.stdout.rsplit(":", 1)[-1].strip()

    synced = run_cli("sync", "--vault", str(vault), env=hub_env)  # stored hub address
    assert synced.returncode == 0, synced.stderr
    assert "gesendet" in synced.stdout
    assert "Nicht übertragene Änderungen: 0" in synced.stdout
    assert WORKER_PASSWORD not in synced.stdout

    revoked = run_cli("hub", "revoke-device", "--dsn", admin_dsn, "--device", device_id,
                      passphrase=None)
    assert revoked.returncode == 0, revoked.stderr
    refused = run_cli("sync", "--vault", str(vault), env=hub_env)
    assert refused.returncode == 3
    assert "gesperrt" in refused.stderr
