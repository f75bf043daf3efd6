"""The one background worker for slow work (Anki's taskman.py).

Jobs run one after another on a single worker thread; results and errors come back to
the GUI thread through a queued Qt signal. Jobs must not touch a database connection
that lives on the GUI thread: the vault's connection is created and used on the GUI
thread only, so jobs either do no database work (Argon2id key derivation) or open and
close their own session entirely inside the job (demo fill, CSV import).

A job that holds its own connection to the vault is submitted with a `cancel` event and
checks it between batches. Locking the vault calls `cancel_vault_jobs`: it sets those
events and waits until the jobs have ended (rolled back, connection closed, key wiped), so
nothing keeps the vault open behind the lock screen.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskRunner(QObject):
    """`submit(fn, *args, on_done=…, on_error=…)`; callbacks run on the GUI thread."""

    _finished = Signal(int, object, object)  # job id, result, error
    progress = Signal(int, int)  # done, total (for jobs that report progress)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casework-task")
        # Key derivations (Argon2id, a fraction of a second, no database) must not wait
        # behind a long job of the worker (an import, a report): their own thread.
        self._keys_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casework-kdf")
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self._cancellable: dict[int, tuple[Future[Any], threading.Event]] = {}
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Done | None = None,
               on_error: Failed | None = None, cancel: threading.Event | None = None,
               owner: QObject | None = None, derivation: bool = False, **kwargs: Any) -> int:
        """`derivation`: a key derivation that touches no database (it runs beside a long
        job instead of after it). `cancel`: the event a job with its own vault connection
        checks between batches (set by `cancel_vault_jobs`; the job then raises and its
        `on_error` gets that).
        `owner`: the widget the callbacks belong to; once it is deleted (locking deletes
        every screen) the job's result is dropped instead of delivered to it."""
        job = next(self._ids)
        was_busy = self.busy
        self._callbacks[job] = (on_done, on_error)
        pool = self._keys_pool if derivation else self._pool
        future = pool.submit(fn, *args, **kwargs)
        if cancel is not None:
            self._cancellable[job] = (future, cancel)
        if owner is not None:
            owner.destroyed.connect(partial(self._drop_callbacks, job))
        future.add_done_callback(partial(self._complete, job))
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def report_progress(self, done: int, total: int) -> None:
        """Thread-safe: jobs may call this; the signal is queued to the GUI thread."""
        self.progress.emit(done, total)

    def _complete(self, job: int, future: Future[Any]) -> None:
        # Runs on the worker thread: hand over to the GUI thread via the queued signal.
        if future.cancelled():  # cancelled before it started (cancel_vault_jobs)
            self._finished.emit(job, None, CancelledError())
            return
        error = future.exception()
        self._finished.emit(job, None if error else future.result(), error)

    def cancel_vault_jobs(self, timeout: float = 30.0) -> bool:
        """Stop every job submitted with a `cancel` event and wait for it to end (on the
        GUI thread, for locking: one batch at most). Their callbacks still arrive later,
        through the event loop. False if one did not end within `timeout` seconds."""
        futures = []
        for future, cancel in list(self._cancellable.values()):
            cancel.set()
            # Not started yet: it never starts. Not waited for either: a cancelled future
            # counts as done only once the worker has dequeued it, which a long job ahead
            # of it in the queue delays (the lock then hung for the whole timeout).
            if not future.cancel():
                futures.append(future)
        _done, pending = wait(futures, timeout=timeout)
        if pending:
            log.error("Hintergrundaufgabe endete beim Sperren nicht rechtzeitig")
        return not pending

    def _drop_callbacks(self, job: int, *_destroyed: object) -> None:
        if job in self._callbacks:
            self._callbacks[job] = (None, _ignore)

    def _deliver(self, job: int, result: Any, error: BaseException | None) -> None:
        self._cancellable.pop(job, None)
        on_done, on_error = self._callbacks.pop(job, (None, None))
        try:
            if error is not None:
                if on_error is None:
                    raise error
                on_error(error)
            elif on_done is not None:
                on_done(result)
        finally:
            if not self.busy:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._keys_pool.shutdown(wait=True, cancel_futures=True)


def _ignore(_error: BaseException) -> None:
    """The result of a job whose screen is gone (an error there was the screen's)."""
