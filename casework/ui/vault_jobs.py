"""Long vault actions off the GUI thread (issue 23), on the one task runner.

`start(ctx, parent, title, text, work, *args, …)` opens a second connection to the vault
on the worker thread (`services.session.open_background`), runs `work(session, cancel,
*args)` there, closes it there, and brings the result back to the GUI thread. Meanwhile a
progress dialog without a range says what is happening:

- modeless (the default): the rest of the app stays usable;
- `modal=True`: window-modal, for actions during which the vault must not be touched
  (the caller says why next to the call);
- `cancellable=True`: an "Abbrechen" button sets `cancel`; the job checks it between its
  steps and raises `CancelledError` where stopping loses nothing.

Locking sets `cancel` too (`TaskRunner.cancel_vault_jobs`) and waits for the job to end,
so no connection stays open behind the lock screen. A job stopped that way, or by the
button, is not an error. A `UserError` reaches the person as one German line
(`ctx.report`); anything else is a bug and propagates. On success the GUI session moves
its clock past the job's writes, `ctx.changed` carries the `Changes` the result names, and
`on_done(result)` runs — only while the same session is still open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from casework.clock import Clock
from casework.errors import UserError
from casework.models.ids import WorkerId
from casework.services import session as session_service
from casework.services.session import Session, UnwrappedKey
from casework.ui.context import UiContext, changes_of

log = logging.getLogger(__name__)

Work = Callable[..., Any]
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Cancel(threading.Event):
    """The job's cancel event. `request()` ("Abbrechen") only sets it: the job stops at
    its next check. `set()` — what a lock calls through `TaskRunner.cancel_vault_jobs` —
    also interrupts the SQL statement the job's connection is running, if the job allows
    it, so a lock does not wait for a VACUUM of a large vault."""

    def __init__(self, interruptible: bool) -> None:
        super().__init__()
        self.interruptible = interruptible
        self._guard = threading.Lock()
        self._session: Session | None = None

    def attach(self, session: Session | None) -> None:
        with self._guard:
            self._session = session

    def request(self) -> None:
        super().set()

    def set(self) -> None:
        super().set()
        with self._guard:
            if self._session is not None and self.interruptible:
                self._session.interrupt()


@dataclass
class VaultJob:
    """A running job as the UI sees it (tests and the GUI audit look at it)."""

    id: int
    title: str
    progress: QProgressDialog | None
    cancel: Cancel
    session: Session
    key: UnwrappedKey = field(repr=False)
    finished: bool = False
    cancelled_by_person: bool = False


def _run(work: Work, key: UnwrappedKey, clock: Clock, actor_id: WorkerId,
         cancel: Cancel, args: tuple[Any, ...]) -> Any:
    """On the worker thread: the job's own connection, opened and closed here."""
    if cancel.is_set():
        key.wipe()
        raise CancelledError()
    session = session_service.open_background(key, clock, actor_id, "")
    cancel.attach(session)
    try:
        check(cancel)
        result = work(session, cancel, *args)
        if not cancel.is_set():  # a lock waits for this job: then it ends at once
            # The job's writes, and the window thread's since the last job, go into the
            # database file here, not during the next lock (measured: 140 ms of it).
            session.fold_wal()
        return result
    except CancelledError:
        raise
    except Exception:
        if cancel.is_set() and cancel.interruptible:
            raise CancelledError() from None  # the lock interrupted a statement
        raise
    finally:
        cancel.attach(None)
        session.close()


def check(cancel: threading.Event) -> None:
    """For `work` between its steps: stop here if the person or a lock asked to."""
    if cancel.is_set():
        raise CancelledError()


def start(ctx: UiContext, parent: QWidget | None, title: str, text: str, work: Work,
          *args: Any, modal: bool = False, cancellable: bool = False,
          on_done: Done | None = None, on_failed: Failed | None = None,
          quiet: bool = False, interruptible: bool = False) -> VaultJob | None:
    """Start `work` (see the module text); None when the vault is not open. `on_failed`
    gets an error or a cancellation first (e.g. to enable a button again, or to take over
    reporting: it returns normally and the error is then reported as described above).
    `quiet`: no progress dialog and errors only logged (scheduled work the person did not
    start; what it failed to do stays visible elsewhere, e.g. "Sicherung überfällig").
    `interruptible`: a lock may abort the job's running SQL statement (SQLite rolls it
    back); only for jobs whose every statement may stop midway without leaving a
    half-done state behind."""
    session = ctx.session
    if session is None or not session.is_open:
        return None
    cancel = Cancel(interruptible)
    key = session_service.background_key(session)
    job = VaultJob(0, title, None, cancel, session, key)
    if not quiet:
        job.progress = progress_dialog(parent, title, text, modal=modal,
                                        cancellable=cancellable)

    def person_cancels() -> None:
        if cancellable and not job.finished:
            job.cancelled_by_person = True
            cancel.request()
            if job.progress is not None:
                job.progress.setLabelText("Wird abgebrochen …")

    if job.progress is not None:
        job.progress.canceled.connect(person_cancels)

    def finish() -> None:
        _forget(ctx, job)
        if job.progress is not None:
            job.progress.close()
            job.progress.deleteLater()

    def done(result: Any) -> None:
        finish()
        current = ctx.session
        if current is not session or not current.is_open:
            # Locked meanwhile: the result is on disk; for the screen it ended unseen.
            if on_failed is not None:
                on_failed(CancelledError())
            return
        session_service.observe_newest_version(current)
        changes = changes_of(result)
        if changes is not None:
            ctx.changed.emit(changes)
        if on_done is not None:
            on_done(result)

    def failed(error: BaseException) -> None:
        finish()
        key.wipe()  # a job cancelled before it started never opened (and wiped) it
        if on_failed is not None:
            on_failed(error)
        if isinstance(error, CancelledError):
            if job.cancelled_by_person and ctx.is_unlocked:
                ctx.confirm(f"{title}: abgebrochen, nichts geändert.")
            return
        if not isinstance(error, UserError):
            raise error
        if quiet:
            log.warning("%s nicht möglich (%s)", title, type(error).__name__)
        elif ctx.session is session and session.is_open:
            ctx.report(error)

    # `parent` owns the callbacks: once locking has deleted the screen, they are dropped.
    job.id = ctx.tasks.submit(_run, work, key, ctx.clock, session.actor_id, cancel, args,
                              on_done=done, on_error=failed, cancel=cancel, owner=parent)
    ctx.running_jobs.append(job)
    if parent is not None:
        parent.destroyed.connect(lambda *_a: _forget(ctx, job))
    if job.progress is not None:
        job.progress.show()
    return job


def read(ctx: UiContext, owner: QObject, work: Work, *args: Any, on_done: Done,
         on_failed: Failed) -> bool:
    """A list that only reads, loaded on the worker thread: `work(session, cancel, *args)`
    on the vault's second connection, without a dialog. A lock interrupts its statement
    and it ends at once (a read leaves nothing half-done), so the lock never waits for a
    slow list and no connection outlives it; `on_failed` then gets a `CancelledError`.
    The key copy is wiped in every case. False when the vault is not open."""
    session = ctx.session
    if session is None or not session.is_open:
        return False
    cancel = Cancel(interruptible=True)
    key = session_service.background_key(session)

    def failed(error: BaseException) -> None:
        key.wipe()  # a load cancelled before it started never opened (and wiped) it
        on_failed(error)

    ctx.tasks.submit(_run, work, key, ctx.clock, session.actor_id, cancel, args,
                     on_done=on_done, on_error=failed, cancel=cancel, owner=owner)
    return True


def _forget(ctx: UiContext, job: VaultJob) -> None:
    job.finished = True
    if job in ctx.running_jobs:
        ctx.running_jobs.remove(job)


def progress_dialog(parent: QWidget | None, title: str, text: str, *, modal: bool,
                     cancellable: bool) -> QProgressDialog:
    """A busy indicator (no range: the steps of these jobs have no useful count)."""
    progress = QProgressDialog(text, "Abbrechen", 0, 0, parent)
    progress.setWindowTitle(title)
    progress.setAccessibleName(title)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    progress.setMinimumDuration(0)
    progress.setWindowModality(Qt.WindowModality.WindowModal if modal
                               else Qt.WindowModality.NonModal)
    if not cancellable:
        progress.setCancelButton(None)
    return progress
