"""The demo drawn in a second process (issue 23): the same seed gives the same vault as
drawn in this process; a worker that fails or dies leaves no demo households behind, a
German message and a vault that checks clean with all its indexes and triggers; the bulk
load's rollback journal and rebuilt indexes leave the vault's schema as a new vault's."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

from casework.clock import FixedClock
from casework.services import demo, demo_worker
from casework.services import session as session_service
from casework.services.session import Session
from casework.storage import bulk_load
from tests.conftest import run_cli
from tests.storage.test_bulk_columns import NOW, _content


def _create(folder: Path) -> Session:
    return session_service.create(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW),
                                  owner_name="Lena Beispiel", memory_security=False)


def _schema(session: Session) -> set[tuple[str, str, str]]:
    return {(str(r[0]), str(r[1]), str(r[2])) for r in session.db.query(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_stat%'")}  # ANALYZE's own tables aside


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, str]]:
    session = _create(tmp_path_factory.mktemp("fresh") / "vault")
    try:
        return _schema(session)
    finally:
        session.close()


def _extra(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """What `_content` leaves out: who was present (by position), the search entries,
    the report facts (households by position) and the change log's counts."""
    db = session.db
    households = {str(r[0]): i for i, r in enumerate(db.query(
        "SELECT id FROM households ORDER BY rowid"))}
    persons = {str(r[0]): i for i, r in enumerate(db.query(
        "SELECT id FROM persons ORDER BY rowid"))}
    return {
        "present": [tuple(persons[p] for p in json.loads(r[0])) for r in db.query(
            "SELECT persons_present FROM contact_rows ORDER BY rid")],
        "search": [tuple(r) for r in db.query(
            "SELECT text FROM household_search ORDER BY rowid")],
        "years": sorted((households[str(r[0])], r[1], r[2]) for r in db.query(
            "SELECT household_id, year, contacts FROM household_years")),
        "months": [tuple(r) for r in db.query("SELECT * FROM contact_months ORDER BY 1, 2")],
        "log": [tuple(r) for r in db.query(
            "SELECT entity, op, count(*) FROM changelog GROUP BY 1, 2 ORDER BY 1, 2")],
        "found": [tuple(r) for r in db.query(
            "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'sprechstunde'")],
    }


def test_a_second_process_gives_the_same_vault_as_one_process(
        tmp_path: Path, fresh_schema: set[tuple[str, str, str]]) -> None:
    seen = []
    for name, worker in (("here", False), ("worker", True)):
        folder = tmp_path / name
        session = _create(folder)
        try:
            summary = demo.fill(session, 12, seed=7, contacts_per_family=6, showcase=False,
                                batch=5, worker=worker)
            assert summary.households == 12
            extra = _extra(session)
            assert _schema(session) == fresh_schema  # indexes and triggers as new
            assert session.db.scalar("PRAGMA journal_mode") == "wal"
        finally:
            session.close()
        seen.append((_content(folder), extra))
    (here, here_extra), (worker, worker_extra) = seen
    assert worker == here
    assert worker_extra == here_extra
    assert len(here["contacts"]) > 40 and here_extra["found"][0][0] > 0


def _no_demo_left(session: Session, schema: set[tuple[str, str, str]]) -> None:
    db = session.db
    assert db.scalar("SELECT count(*) FROM households") == 0
    assert db.scalar("SELECT count(*) FROM contact_rows") == 0
    assert db.scalar("SELECT count(*) FROM household_years") == 0
    assert _schema(session) == schema
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert session_service.check(session).ok


def test_a_failing_worker_leaves_no_demo_households_and_says_so_in_german(
        tmp_path: Path, fresh_schema: set[tuple[str, str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = demo_worker.Drawing.batches

    def without_workers(self: demo_worker.Drawing, seed: int, today: Any, now: Any,
                        worker_ids: list[Any], *rest: Any, **kw: Any) -> Any:
        # the worker gets nobody to assign a household to: its first draw fails, after
        # this process has written its own first batch
        return real(self, seed, today, now, [], *rest, **kw)

    monkeypatch.setattr(demo_worker.Drawing, "batches", without_workers)
    session = _create(tmp_path / "vault")
    try:
        with pytest.raises(demo_worker.DemoWorkerError) as raised:
            demo.fill(session, 12, contacts_per_family=6, showcase=False, batch=5,
                      worker=True)
        assert raised.value.message.startswith(
            "Die Demodaten konnten nicht erzeugt werden: Fehler im Hilfsprozess (IndexError")
        assert raised.value.message.endswith("Es wurden keine Demohaushalte gespeichert.")
        assert "\n" not in raised.value.message
        _no_demo_left(session, fresh_schema)
        assert not multiprocessing.active_children()
    finally:
        session.close()


def test_a_worker_that_dies_midway_leaves_no_demo_households(
        tmp_path: Path, fresh_schema: set[tuple[str, str, str]]) -> None:
    session = _create(tmp_path / "vault")

    def kill_the_worker(done: int, total: int) -> None:
        for child in multiprocessing.active_children():
            child.kill()
            child.join()

    try:
        # killed after the first of fifteen batches: this process reads at most three
        # ahead (and the pipe holds about one), so it cannot have sent everything
        with pytest.raises(demo_worker.DemoWorkerError, match="unerwartet beendet"):
            demo.fill(session, 1500, contacts_per_family=10, showcase=False, batch=100,
                      worker=True, progress=kill_the_worker)
        _no_demo_left(session, fresh_schema)
        # the thread that read ahead ended with the process
        assert "casework-demo-receive" not in {t.name for t in threading.enumerate()}
    finally:
        session.close()


class _Stop(Exception):
    pass


def test_an_error_inside_the_load_brings_the_dropped_indexes_back(
        tmp_path: Path, fresh_schema: set[tuple[str, str, str]]) -> None:
    session = _create(tmp_path / "vault")
    try:
        with pytest.raises(_Stop), session.db.transaction(), \
                bulk_load.indexes_deferred(session.db):
            assert not any(name == "contacts_household" for _, name, _ in _schema(session))
            raise _Stop
        assert _schema(session) == fresh_schema
    finally:
        session.close()


def test_the_journal_stays_wal_when_another_connection_has_the_vault_open(
        tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    session = _create(folder)
    other = session_service.unlock(folder, demo.DEMO_PASSPHRASE, FixedClock(NOW))
    try:
        other.db.scalar("SELECT count(*) FROM households")  # its read of the WAL index
        with bulk_load.rollback_journal(session.db) as switched:
            assert not switched
            assert session.db.scalar("PRAGMA journal_mode") == "wal"
        with bulk_load.rollback_journal(other.db):
            pass
    finally:
        other.close()
    try:
        with bulk_load.rollback_journal(session.db) as switched:
            assert switched and session.db.scalar("PRAGMA journal_mode") == "delete"
        assert session.db.scalar("PRAGMA journal_mode") == "wal"
    finally:
        session.close()


def test_the_cli_refuses_a_number_of_contacts_that_is_no_number(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    result = run_cli("demo", "--vault", str(folder), "--families", "2",
                     "--contacts-per-family", "nan", passphrase=None)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("--contacts-per-family muss eine Zahl sein.")
    assert "Traceback" not in result.stderr
    assert not folder.exists()
