"""Akte → "Wiederherstellungsschlüssel…" (Leitung/Admin): a new organisation recovery key,
printed as one sheet or split into two halves (four-eyes) for the office safe (LR-42)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from casework.forms.base import write_pdf_atomic
from casework.services.backup import recovery
from casework.ui import documents
from casework.ui.context import UiContext
from casework.ui.persons import reauth

TITLE = "Wiederherstellungsschlüssel…"


def trigger(ctx: UiContext, parent: QWidget | None) -> list[Path]:
    session = ctx.require_session()
    if recovery.recovery_status(session.vault.folder) is not None and not ctx.messages.confirm(
            parent, TITLE, "Es gibt schon einen Wiederherstellungsschlüssel. Ein neuer macht "
                           "die bisherigen Blätter ungültig. Neuen Schlüssel erstellen?"):
        return []
    split = ctx.messages.confirm(
        parent, TITLE, "Den Schlüssel in zwei Teile teilen, die zwei verschiedene Personen "
                       "verwahren (Vier-Augen-Prinzip)? Beide Teile sind dann nötig.")
    target = documents.choose_pdf_target(parent, "Blatt speichern unter",
                                         "wiederherstellungsschluessel.pdf")
    if not target:
        return []
    auth = reauth.authorize(ctx, parent, "Wiederherstellungsschlüssel erstellen")
    if auth is None:
        return []
    sheets = ctx.run(recovery.create_recovery_key, split=split, auth=auth)
    if sheets is None:
        return []
    out = Path(target)
    written: list[Path] = []
    for sheet in sheets:
        path = out if sheet.parts == 1 else out.with_name(
            f"{out.stem}-teil{sheet.part}{out.suffix or '.pdf'}")
        pdf = ctx.run(recovery.render_sheet, sheet)
        if pdf is None:
            return written
        write_pdf_atomic(path, pdf)
        written.append(path)
    ctx.messages.info(parent, TITLE, "Der Wiederherstellungsschlüssel ist erstellt: "
                      + ", ".join(p.name for p in written) + ". Bitte ausdrucken, im Tresor "
                      "verwahren und die PDF-Datei(en) danach löschen.")
    return written
