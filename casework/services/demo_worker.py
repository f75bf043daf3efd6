"""The demo's second process (issue 23): it draws the fictitious households and contacts
batch by batch and hands them over checked and encoded (`demo._Draws`, given by
reference), while the calling process writes the previous batch. Python cannot draw
while SQLite inserts in one process (`executemany` takes the interpreter lock back for
every statement), so on two cores this takes the drawing, about a quarter of a large demo's
time, off the writer's path.

The worker is a fresh interpreter ("spawn"), not a copy of the calling process: it never
holds the vault's key or an open connection. It writes nothing; a failure there (or the
process ending early) raises `DemoWorkerError` in the caller, whose transaction then
rolls back every batch of the fill."""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import sys
import threading
from array import array
from collections.abc import Generator
from dataclasses import replace
from datetime import date, datetime
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, Protocol

from casework.errors import UserError
from casework.models.ids import WorkerId
from casework.storage import bulk

# A batch as drawn: households with their persons, and contacts, checked and encoded
# (plain data only).
Drawn = tuple[bulk.EncodedPeople, bulk.EncodedContacts]


class Draws(Protocol):
    """What draws the batches (`demo._Draws`; given to the worker by reference, so this
    module does not import the demo)."""

    def __init__(self, seed: int, today: date, now: datetime, worker_ids: list[WorkerId],
                 contacts_per_family: float) -> None: ...

    def batch(self, size: int) -> Drawn: ...

_FAILED = "Die Demodaten konnten nicht erzeugt werden: {}. Es wurden keine Demohaushalte " \
          "gespeichert."


class DemoWorkerError(UserError):
    """The drawing process failed or ended early (German message)."""


def available() -> bool:
    """Whether a second interpreter can be started: not from a frozen app bundle, whose
    executable is the app itself."""
    return not getattr(sys, "frozen", False)


class Drawing:
    """The second process, started at once (its interpreter starts while the caller
    prepares the fill); `batches` then hands over what it draws. Use as a context
    manager: leaving it ends the process."""

    def __init__(self, draws: type[Draws]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_run, args=(theirs, draws),
                                        name="casework-demo-draws", daemon=True)
        self._process.start()
        theirs.close()  # so that its end closing shows here as the end of the pipe
        self._prefetch: _Prefetch | None = None

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # The process ends first: a read in progress then ends at the end of the pipe,
        # before the pipe is closed (its number could otherwise be reused under it).
        if self._prefetch is not None:
            self._prefetch.stop()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        if self._prefetch is not None:
            self._prefetch.join()
        self._conn.close()

    def batches(self, seed: int, today: date, now: datetime, worker_ids: list[WorkerId],
                contacts_per_family: float, sizes: list[int], skip: int = 0,
                ) -> Generator[Drawn, None, None]:
        """The batches of `sizes` households but the first `skip` ones: the same batches
        `demo._Draws(seed, …)` gives in this process. The worker draws the next batch
        while the caller writes this one (the pipe holds about one batch). It draws the
        skipped ones too (the random source must come to the same place) while the
        caller draws them itself: the caller's first batch does not wait for the
        worker's interpreter to start. The worker starts drawing on this call, not on
        the first batch asked for."""
        try:
            self._conn.send((seed, today, now, list(worker_ids), contacts_per_family,
                             list(sizes), skip))
        except OSError:
            raise DemoWorkerError(_FAILED.format(
                "der Hilfsprozess wurde unerwartet beendet")) from None
        self._prefetch = _Prefetch(self._conn, len(sizes) - skip)
        return self._received(self._prefetch, len(sizes) - skip)

    def _received(self, arriving: _Prefetch, count: int) -> Generator[Drawn, None, None]:
        texts = _Texts()
        try:
            for _ in range(count):
                message = arriving.next()
                if message is None:
                    raise DemoWorkerError(_FAILED.format(
                        "der Hilfsprozess wurde unerwartet beendet"))
                # our own child's output over a private socket pair, never a file
                kind, payload = pickle.loads(message)  # noqa: S301
                if kind == "refused":  # a check refused a value: its own German message
                    raise DemoWorkerError(str(payload))
                if kind == "failed":
                    raise DemoWorkerError(_FAILED.format(
                        f"Fehler im Hilfsprozess ({payload})"))
                yield texts.unpack(payload)
        finally:
            arriving.stop()


class _Prefetch:
    """The pipe read ahead by a thread, up to `AHEAD` batches: the worker then never
    waits for the writer to take a batch (the pipe itself holds less than one), and a
    batch that took the writer longer is made up by the next ones. The thread only
    reads bytes (the read gives the interpreter lock free); unpickling stays with the
    caller."""

    AHEAD = 3

    def __init__(self, conn: Connection, count: int) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(self.AHEAD)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(conn, count),
                                        name="casework-demo-receive", daemon=True)
        self._thread.start()

    def _read(self, conn: Connection, count: int) -> None:
        for _ in range(count):
            try:
                message: bytes | None = conn.recv_bytes()
            except (EOFError, OSError):  # ended early, or closed by the caller
                message = None
            if not self._put(message) or message is None:
                return

    def _put(self, message: bytes | None) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def next(self) -> bytes | None:
        """The next message; None when the worker ended without sending it."""
        return self._queue.get()

    def stop(self) -> None:
        """The caller stopped listening: the thread ends at once if it waits to hand
        over a batch, else when its read meets the end of the pipe (`Drawing.close`
        ends the process first)."""
        self._stopped.set()

    def join(self) -> None:
        self._thread.join(timeout=10)


class _Texts:
    """Note texts (with their index forms) and contact times across the pipe: a demo's
    million contacts share ~40,000 texts and ~58,000 times, so each is sent once, then
    by number (the texts were two thirds of a pickled batch and of its unpickling)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}  # the sender's
        self.times: dict[str, int] = {}
        self.texts: list[str] = []  # the receiver's
        self.forms: list[str] = []
        self.time_list: list[str] = []

    def pack(self, drawn: Drawn) -> tuple[Any, ...]:
        people, c = drawn
        new_texts, text_numbers = _numbered(self.numbers, c.note_text)
        forms = dict(zip(c.note_text, c.index_forms, strict=True))
        new_times, time_numbers = _numbered(self.times, c.occurred_at)
        rest = replace(c, note_text=[], index_forms=[], occurred_at=[])
        return (people, rest, new_texts, [forms[t] for t in new_texts], text_numbers,
                new_times, time_numbers)

    def unpack(self, packed: tuple[Any, ...]) -> Drawn:
        people, rest, new_texts, new_forms, text_numbers, new_times, time_numbers = packed
        self.texts += new_texts
        self.forms += new_forms
        self.time_list += new_times
        return people, replace(
            rest, note_text=list(map(self.texts.__getitem__, text_numbers)),
            index_forms=list(map(self.forms.__getitem__, text_numbers)),
            occurred_at=list(map(self.time_list.__getitem__, time_numbers)))


def _numbered(numbers: dict[str, int], values: list[str]) -> tuple[list[str], array[int]]:
    """The values not numbered before (in order) and every value's number."""
    start = len(numbers)
    out = array("l", [numbers.setdefault(v, len(numbers)) for v in values])
    return list(islice(numbers, start, None)), out


def _run(conn: Connection, draws_type: type[Draws]) -> None:
    """The second process: draw and send each batch, or the reason it could not."""
    # Ctrl+C reaches the whole process group: the caller stops and ends this process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    message: tuple[str, Any]
    try:
        seed, today, now, worker_ids, per_family, sizes, skip = conn.recv()
        draws, texts = draws_type(seed, today, now, worker_ids, per_family), _Texts()
        for size in sizes[:skip]:
            draws.batch(size)  # the caller's: only for the random source's state
        for size in sizes[skip:]:
            conn.send_bytes(pickle.dumps(("batch", texts.pack(draws.batch(size))),
                                         protocol=pickle.HIGHEST_PROTOCOL))
        return
    except (EOFError, BrokenPipeError):
        return  # the caller stopped listening (it failed, or was interrupted)
    except UserError as error:
        message = ("refused", error.message)
    except Exception as error:  # reported to the caller, who raises
        message = ("failed", f"{type(error).__name__}: {error}")
    try:
        conn.send_bytes(pickle.dumps(message))
    except OSError:
        pass
    finally:
        conn.close()
