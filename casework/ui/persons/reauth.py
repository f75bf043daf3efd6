"""A small dialog that asks the acting person's passphrase for ONE reserved act (a Leitung
approval, a deletion approval, adding a person, the recovery key …). The field is read
once and cleared at once; the proof (`services.persons.Authorization`) signs that one act
and is wiped. Nothing is remembered: the next act asks again."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from casework.errors import UserError, WrongPassphrase
from casework.services import persons
from casework.services.persons import Authorization
from casework.ui.context import UiContext

TITLE = "Mit Passphrase bestätigen"


def ask(ctx: UiContext, parent: QWidget | None, act: str) -> str:
    """Only the question ('' if cancelled), for an act that proves the passphrase on the
    worker thread ("Neu verschlüsseln")."""
    session = ctx.require_session()
    return str(ctx.messages.ask_passphrase(
        parent, TITLE, f"{act}: Bitte bestätigen Sie mit Ihrer eigenen Passphrase "
                       f"({session.actor.name}). Die Freigabe wird mit Ihrem Schlüssel "
                       "signiert.") or "")


def wrong_passphrase_text() -> str:
    return "Die Passphrase ist nicht richtig. Es wurde nichts gespeichert."


def authorize(ctx: UiContext, parent: QWidget | None, act: str) -> Authorization | None:
    """Ask the acting person's passphrase for `act`; None if cancelled or wrong (then a
    German message has been shown and nothing is done)."""
    session = ctx.require_session()
    passphrase = ask(ctx, parent, act)
    if not passphrase:
        return None
    try:
        return persons.authorize(session, passphrase)
    except WrongPassphrase:
        ctx.messages.error(parent, TITLE, wrong_passphrase_text())
    except UserError as error:
        ctx.messages.error(parent, TITLE, error.message)
    return None
