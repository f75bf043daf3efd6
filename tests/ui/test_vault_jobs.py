"""Long vault actions on the task runner (issue 23): the GUI thread only starts them, a
progress dialog shows them, locking cancels them cleanly, "Abbrechen" stops them, and an
error reaches the person as one German line. Real vaults, real worker thread, no sleeps:
a gate job holds the one worker thread where a test needs a job to wait in the queue."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from casework.services import session as session_service
from casework.services.backup import backups as backup
from casework.services.households import households
from casework.services.session import Session
from casework.ui import vault_jobs
from casework.ui.backup import jobs as backup_jobs
from casework.ui.main_window import MainWindow
from tests.conftest import add_family
from tests.ui.conftest import MessageLog, unlock


def _hold_worker(window: MainWindow) -> threading.Event:
    """Occupy the worker thread until the returned gate opens (no vault connection)."""
    gate = threading.Event()
    window.ctx.tasks.submit(gate.wait, 30)
    return gate


def test_locking_cancels_a_waiting_backup_and_the_vault_opens_again(
        qtbot, unlocked: MainWindow, vault_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = unlocked.ctx
    folder = tmp_path / "stick"
    folder.mkdir()
    target = folder / "sicherung.cwbackup"
    gate = _hold_worker(unlocked)
    job = backup_jobs.start(ctx, unlocked, target, None)
    assert job is not None and job in ctx.running_jobs and job.progress is not None
    assert job.progress.isVisible() and not job.finished  # the GUI thread is free again

    unlocked.lock()
    gate.set()
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=20000)
    assert job.finished and not ctx.running_jobs
    assert list(folder.iterdir()) == []  # nothing half-written next to the target
    assert unlocked.ctx.last_confirmation == ""  # a lock is not reported as "abgebrochen"

    unlock(qtbot, unlocked, vault_dir)
    session = ctx.require_session()
    assert session_service.check(session).ok
    assert backup.last_backup_at(session) is None


def test_locking_stops_a_running_job_between_its_steps(
        qtbot, unlocked: MainWindow, vault_dir: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = unlocked.ctx
    before = len(households.list_ids(ctx.require_session()))
    started = threading.Event()

    def work(session: Session, cancel: threading.Event) -> None:
        started.set()
        cancel.wait(30)  # a long first step, which a lock interrupts
        vault_jobs.check(cancel)
        add_family(session, "Niemalsangelegt")  # a second step that must not happen

    job = vault_jobs.start(ctx, unlocked, "Prüflauf", "Läuft …", work, cancellable=True)
    assert job is not None
    qtbot.waitUntil(started.is_set)
    unlocked.lock()  # sets the cancel event and waits until the job closed its connection
    qtbot.waitUntil(lambda: job.finished, timeout=20000)

    unlock(qtbot, unlocked, vault_dir)
    session = ctx.require_session()
    assert len(households.list_ids(session)) == before
    assert households.list_ids(session, search="Niemalsangelegt") == []
    assert session_service.check(session).ok


def test_abbrechen_stops_a_waiting_backup_and_says_so(
        qtbot, unlocked: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = unlocked.ctx
    gate = _hold_worker(unlocked)
    target = tmp_path / "sicherung.cwbackup"
    job = backup_jobs.start(ctx, unlocked, target, None)
    assert job is not None and job.progress is not None
    qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: job.finished, timeout=20000)
    assert ctx.last_confirmation == "Sicherung: abgebrochen, nichts geändert."
    assert not target.exists()
    assert backup.last_backup_at(ctx.require_session()) is None


def test_a_job_error_reaches_the_person_as_one_german_line(
        qtbot, unlocked: MainWindow, tmp_path: Path, message_log: MessageLog) -> None:  # type: ignore[no-untyped-def]
    ctx = unlocked.ctx
    folder = tmp_path / "stick"
    folder.mkdir()
    gate = _hold_worker(unlocked)
    job = backup_jobs.start(ctx, unlocked, folder / "sicherung.cwbackup", None)
    assert job is not None
    folder.rmdir()  # the USB stick is pulled while the job waits
    gate.set()
    qtbot.waitUntil(lambda: job.finished, timeout=20000)
    errors = message_log.texts("error")
    assert errors == ["Der Zielordner der Sicherung existiert nicht."]
    assert ctx.is_unlocked and backup.last_backup_at(ctx.require_session()) is None


LONG_QUERY = ("WITH RECURSIVE c(x) AS (SELECT coalesce(running(), 1) UNION ALL "
              "SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c")


def test_locking_interrupts_the_long_statement_of_an_interruptible_job(
        qtbot, unlocked: MainWindow, vault_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Like a VACUUM of a large vault: the lock aborts the statement instead of waiting
    for it (SQLite rolls it back), and the vault opens fine afterwards."""
    ctx = unlocked.ctx
    running = threading.Event()

    def work(session: Session, _cancel: threading.Event) -> None:
        # `running()` is called from inside the statement: the lock comes while it runs.
        session.db.conn.create_function("running", 0, running.set)
        session.db.query(LONG_QUERY)

    job = vault_jobs.start(ctx, unlocked, "Prüflauf", "Läuft …", work, interruptible=True)
    assert job is not None
    qtbot.waitUntil(running.is_set)
    unlocked.lock()  # returns once the interrupted job has closed its connection
    qtbot.waitUntil(lambda: job.finished)
    assert not ctx.tasks.busy

    unlock(qtbot, unlocked, vault_dir)
    assert session_service.check(ctx.require_session()).ok


def test_a_lock_ends_a_list_loading_in_the_background_at_once(
        qtbot, unlocked: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """`vault_jobs.read` (Heute, Datenschutz): the lock interrupts the load's statement,
    its connection is closed and its key copy zeroed before the lock returns, and the
    screen hears of it as a cancellation."""
    from concurrent.futures import CancelledError

    ctx = unlocked.ctx
    running = threading.Event()
    opened: list[Session] = []
    outcome: list[object] = []

    def work(session: Session, _cancel: threading.Event) -> None:
        opened.append(session)
        session.db.conn.create_function("running", 0, running.set)
        session.db.query(LONG_QUERY)

    assert vault_jobs.read(ctx, unlocked, work, on_done=outcome.append,
                           on_failed=outcome.append)
    qtbot.waitUntil(running.is_set)
    unlocked.lock()
    assert not opened[0].is_open and not any(opened[0].vault.key_buffer)
    qtbot.waitUntil(lambda: bool(outcome))
    assert isinstance(outcome[0], CancelledError)
