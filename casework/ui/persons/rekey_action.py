"""Akte → "Neu verschlüsseln…" (owner/Admin): a new data key for the whole vault, after a
laptop was lost whose passphrase may be known. Older backup headers then no longer open
the database; the persons keep their passphrases."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from casework.errors import UserError
from casework.services import persons
from casework.services import session as session_service
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
    """Confirm, re-authenticate, lock, then re-encrypt on the worker thread behind a
    window-modal progress. The vault is locked first because its database file is
    replaced: no connection of the app may stay open on it, and nobody may unlock it
    until the job has ended (the progress keeps the unlock page out of reach). Not
    cancellable: the rekey is crash-safe but has no clean stopping point; afterwards the
    person unlocks with her passphrase as usual."""
    if not ctx.messages.confirm(parent, TITLE, EXPLANATION):
        return False
    auth = reauth.authorize(ctx, parent, "Akte neu verschlüsseln")
    if auth is None:
        return False
    session = ctx.require_session()
    key = session_service.background_key(session)
    ctx.lock_requested.emit()
    if ctx.session is not None:  # nothing locked (no main window): change nothing
        key.wipe()
        return False
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

    ctx.tasks.submit(persons.rekey_locked, key, ctx.clock, auth, on_done=done,
                     on_error=failed)
    progress.show()
    return True
