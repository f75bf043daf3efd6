"""Akte → "Neu verschlüsseln…" (owner/Admin): a new data key for the whole vault, after a
laptop was lost whose passphrase may be known. Older backup headers then no longer open
the database; the persons keep their passphrases."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from casework.errors import UserError, WrongPassphrase
from casework.services import persons
from casework.services import session as session_service
from casework.services.session import Session
from casework.ui import vault_jobs
from casework.ui.context import UiContext
from casework.ui.persons import reauth

TITLE = "Neu verschlüsseln…"
EXPLANATION = (
    "Die ganze Akte wird mit einem neuen Schlüssel verschlüsselt. Das ist der richtige "
    "Schritt, wenn ein Gerät mit dieser Akte verloren ging und eine Passphrase bekannt sein "
    "könnte: Ältere Sicherungen lassen sich danach nicht mehr mit dem alten Kopf öffnen. "
    "Alle Personen behalten ihre Passphrase. Die Akte wird dafür gesperrt; bei großen "
    "Akten dauert das einige Minuten. Jetzt neu verschlüsseln?")


def trigger(ctx: UiContext, parent: QWidget | None) -> bool:
    """Confirm, ask the passphrase, prove it on the worker thread, then lock and
    re-encrypt on the worker thread behind a window-modal progress. The vault is locked
    because its database file is replaced: no connection of the app may stay open on it,
    and nobody may unlock it until the job has ended (the progress keeps the unlock page
    out of reach). Not cancellable: the rekey is crash-safe but has no clean stopping
    point; afterwards the person unlocks with her passphrase as usual. True if started."""
    if not ctx.messages.confirm(parent, TITLE, EXPLANATION):
        return False
    passphrase = reauth.ask(ctx, parent, "Akte neu verschlüsseln")
    if not passphrase:
        return False
    session = ctx.require_session()

    def proven(_result: object) -> None:
        if ctx.session is not session or not session.is_open:
            return  # locked meanwhile: nothing happens
        _lock_and_rekey(ctx, parent, session, passphrase)

    def wrong(error: BaseException) -> None:
        if isinstance(error, WrongPassphrase):
            ctx.messages.error(parent, reauth.TITLE, reauth.wrong_passphrase_text())
        elif isinstance(error, UserError):
            ctx.report(error)
        else:
            raise error

    ctx.tasks.submit(persons.prove_passphrase, session.vault.header, session.actor_id,
                     passphrase, on_done=proven, on_error=wrong)
    return True


def _lock_and_rekey(ctx: UiContext, parent: QWidget | None, session: Session,
                    passphrase: str) -> None:
    key = session_service.background_key(session)
    actor = session.actor_id
    ctx.lock_requested.emit()
    if ctx.session is not None:  # nothing locked (no main window): change nothing
        key.wipe()
        return
    progress = vault_jobs.progress_dialog(
        parent, TITLE, "Die Akte wird neu verschlüsselt … Danach bitte wie gewohnt mit der "
        "eigenen Passphrase entsperren.", modal=True, cancellable=False)

    def done(count: int) -> None:
        progress.close()
        progress.deleteLater()
        ctx.messages.info(parent, TITLE, f"Die Akte ist neu verschlüsselt ({count} "
                                         "Anhänge). Bitte jetzt entsperren und eine neue "
                                         "Sicherung erstellen.")

    def failed(error: BaseException) -> None:
        progress.close()
        progress.deleteLater()
        if not isinstance(error, UserError):
            raise error
        ctx.report(error)

    ctx.tasks.submit(persons.rekey_locked, key, ctx.clock, actor, passphrase, on_done=done,
                     on_error=failed)
    progress.show()
