"""Akte → "Wiederherstellungsschlüssel…" (Leitung/Admin): a new organisation recovery key,
printed as one sheet or split into two halves (four-eyes) for the office safe (LR-42).

The passphrase check runs on the key thread (`reauth`), the sheets' PDFs on the worker
(the first loads the PDF library: a quarter of a second) while a window-modal note says
so; the GUI thread only writes the key into the vault and the files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QWidget

from casework.errors import UserError
from casework.forms.base import write_pdf_atomic
from casework.services.backup import recovery
from casework.ui import documents, vault_jobs
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
    outcome = _render(ctx, parent, session.profile_name, sheets)
    if isinstance(outcome, UserError):
        ctx.report(outcome)
        return []
    if isinstance(outcome, BaseException):
        raise outcome
    out = Path(target)
    written: list[Path] = []
    # Written even if the vault was locked meanwhile: the key exists now, and without its
    # sheets nobody could use it.
    for sheet, pdf in zip(sheets, outcome, strict=True):
        path = out if sheet.parts == 1 else out.with_name(
            f"{out.stem}-teil{sheet.part}{out.suffix or '.pdf'}")
        write_pdf_atomic(path, pdf)
        written.append(path)
    ctx.messages.info(parent, TITLE, "Der Wiederherstellungsschlüssel ist erstellt: "
                      + ", ".join(p.name for p in written) + ". Bitte ausdrucken, im Tresor "
                      "verwahren und die PDF-Datei(en) danach löschen.")
    return written


def _render(ctx: UiContext, parent: QWidget | None, profile_name: str,
            sheets: tuple[recovery.RecoverySheet, ...]) -> list[bytes] | BaseException:
    """The sheets' PDFs from the worker; the event loop runs meanwhile (the window stays
    painted, a window-modal note takes the input)."""
    box: list[list[bytes] | BaseException] = []
    loop = QEventLoop()

    def arrived(outcome: list[bytes] | BaseException) -> None:
        box.append(outcome)
        loop.quit()

    note = vault_jobs.progress_dialog(parent, TITLE, "Die Blätter werden erstellt …",
                                      modal=True, cancellable=False)
    note.show()
    ctx.tasks.submit(recovery.render_sheets, profile_name, ctx.clock, sheets,
                     on_done=arrived, on_error=arrived)
    try:
        if not box:
            loop.exec()
    finally:
        note.close()
        note.deleteLater()
    return box[0]
