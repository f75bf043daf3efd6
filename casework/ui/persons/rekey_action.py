"""Akte → "Neu verschlüsseln…" (owner/Admin): a new data key for the whole vault, after a
laptop was lost whose passphrase may be known. Older backup headers then no longer open
the database; the persons keep their passphrases."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from casework.services import persons
from casework.ui.context import UiContext
from casework.ui.persons import reauth

TITLE = "Neu verschlüsseln…"
EXPLANATION = (
    "Die ganze Akte wird mit einem neuen Schlüssel verschlüsselt. Das ist der richtige "
    "Schritt, wenn ein Gerät mit dieser Akte verloren ging und eine Passphrase bekannt sein "
    "könnte: Ältere Sicherungen lassen sich danach nicht mehr mit dem alten Kopf öffnen. "
    "Alle Personen behalten ihre Passphrase. Bei großen Akten dauert das einige Minuten. "
    "Jetzt neu verschlüsseln?")


def trigger(ctx: UiContext, parent: QWidget | None) -> bool:
    if not ctx.messages.confirm(parent, TITLE, EXPLANATION):
        return False
    auth = reauth.authorize(ctx, parent, "Akte neu verschlüsseln")
    if auth is None:
        return False
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        # On the connection's thread: the database is exported under the new key.
        count = ctx.run(persons.rekey, auth)
    finally:
        QGuiApplication.restoreOverrideCursor()
    if count is None:
        return False
    ctx.messages.info(parent, TITLE, f"Die Akte ist neu verschlüsselt ({count} Anhänge). "
                                     "Bitte jetzt eine neue Sicherung erstellen.")
    return True
