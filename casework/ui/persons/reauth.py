"""A small dialog that asks the acting person's passphrase for ONE reserved act (a Leitung
approval, a deletion approval, adding a person, the recovery key …). The field is read
once and cleared at once; the proof (`services.persons.Authorization`) signs that one act
and is wiped. Nothing is remembered: the next act asks again.

The proof's Argon2id run (0.2–0.5 s) happens on a worker thread while the dialog says
"Die Passphrase wird geprüft …" with its buttons disabled; the act continues once it has
ended."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QWidget

from casework.errors import UserError, WrongPassphrase
from casework.models.ids import WorkerId
from casework.services import persons
from casework.services.persons import Authorization
from casework.services.session import Session
from casework.ui.context import UiContext

TITLE = "Mit Passphrase bestätigen"
Finished = Callable[[], None]


def ask(ctx: UiContext, parent: QWidget | None, act: str,
        prove: Proof | None = None) -> str:
    """Only the question ('' if cancelled); with `prove`, the dialog closes only after
    the passphrase has been checked on the worker thread."""
    session = ctx.require_session()
    text = (f"{act}: Bitte bestätigen Sie mit Ihrer eigenen Passphrase "
            f"({session.actor.name}). Die Freigabe wird mit Ihrem Schlüssel signiert.")
    if prove is None:  # the act checks it itself, on its own worker job
        return str(ctx.messages.ask_passphrase(parent, TITLE, text) or "")
    return str(ctx.messages.ask_passphrase(parent, TITLE, text, prove.start) or "")


def wrong_passphrase_text() -> str:
    return "Die Passphrase ist nicht richtig. Es wurde nichts gespeichert."


class Proof:
    """One passphrase check on the worker thread: its outcome is the person's private
    keys (a `bytearray`) or the error. Keys that arrive when nobody wants them any more
    (cancelled, locked) are wiped."""

    def __init__(self, ctx: UiContext, session: Session) -> None:
        self.ctx = ctx
        self.header = session.vault.header
        self.worker_id = WorkerId(session.actor_id)
        self.started = False
        self.done = False
        self.wanted = True
        self.outcome: bytearray | BaseException | None = None
        self._finished: list[Finished] = []

    def start(self, passphrase: str, finished: Finished | None = None) -> None:
        if finished is not None:
            self._finished.append(finished)
        if self.started:
            return
        self.started = True
        self.ctx.tasks.submit(persons.unwrap_for_act, self.header, self.worker_id,
                              passphrase, on_done=self._arrived, on_error=self._arrived,
                              derivation=True)

    def _arrived(self, outcome: bytearray | BaseException) -> None:
        self.done = True
        if not self.wanted:
            if isinstance(outcome, bytearray):
                persons.discard_keys(outcome)
            return
        self.outcome = outcome
        for finished in self._finished:
            finished()

    def wait(self, passphrase: str) -> bytearray | BaseException | None:
        """The outcome; when the dialog did not check (a test's seam types the
        passphrase), the check runs now and this waits for it without blocking events."""
        if not self.done:
            loop = QEventLoop()
            self.start(passphrase, loop.quit)
            if not self.done:
                loop.exec()
        return self.outcome

    def discard(self) -> None:
        self.wanted = False
        if isinstance(self.outcome, bytearray):
            persons.discard_keys(self.outcome)


def authorize(ctx: UiContext, parent: QWidget | None, act: str) -> Authorization | None:
    """Ask the acting person's passphrase for `act`; None if cancelled or wrong (then a
    German message has been shown and nothing is done)."""
    session = ctx.require_session()
    proof = Proof(ctx, session)
    passphrase = ask(ctx, parent, act, proof)
    if not passphrase:
        proof.discard()
        return None
    outcome = proof.wait(passphrase)
    if ctx.session is not session or not session.is_open:
        proof.discard()  # locked while checking: the act does not happen
        return None
    if isinstance(outcome, WrongPassphrase):
        persons.record_failed_proof(session, proof.worker_id)
        ctx.messages.error(parent, TITLE, wrong_passphrase_text())
    elif isinstance(outcome, UserError):
        ctx.messages.error(parent, TITLE, outcome.message)
    elif isinstance(outcome, BaseException):
        raise outcome
    elif outcome is not None:
        try:
            return persons.authorization(session, proof.worker_id, outcome)
        except UserError as error:
            ctx.messages.error(parent, TITLE, error.message)
    return None
