"""Verzeichnis: the whole directory as a file (JSON export and import) and the way back to
the shipped profile; importing and resetting are for Leitung/Admin
(`services.directory.can_edit`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from casework.errors import UserError
from casework.models.directory.profile import Profile
from casework.services.directory import vault_profile as directory
from casework.ui.context import UiContext
from casework.ui.persons import reauth

# --- file dialogs (one seam; tests patch these functions) --------------------------------


def choose_import_file(parent: QWidget | None) -> str:
    """Path of a JSON file to import, or '' if cancelled."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Verzeichnis importieren", "", "JSON-Dateien (*.json)"
    )
    return path


def choose_export_file(parent: QWidget | None, suggested: str) -> str:
    """Target path for the JSON export, or '' if cancelled."""
    path, _ = QFileDialog.getSaveFileName(
        parent, "Verzeichnis exportieren", suggested, "JSON-Dateien (*.json)"
    )
    return path


def export_json(ctx: UiContext, parent: QWidget, profile: Profile) -> None:
    if not ctx.is_unlocked:
        return
    target = choose_export_file(parent, f"{profile.name}.json")
    if not target:
        return
    text = ctx.run(directory.export_profile_json)
    if text is None:
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError:
        ctx.messages.error(
            parent,
            "Verzeichnis exportieren",
            f"{Path(target).name} kann nicht geschrieben werden.",
        )
        return
    ctx.messages.info(
        parent,
        "Verzeichnis exportieren",
        f"Das Verzeichnis wurde in {Path(target).name} gespeichert.",
    )


def import_json(ctx: UiContext, parent: QWidget) -> None:
    source = choose_import_file(parent)
    if not source:
        return
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        ctx.messages.error(
            parent,
            "Verzeichnis importieren",
            f"{path.name} kann nicht als UTF-8-Text gelesen werden.",
        )
        return
    if not ctx.messages.confirm(
        parent,
        "Verzeichnis importieren",
        f"Das Verzeichnis dieser Akte durch den Inhalt von {path.name} ersetzen? "
        "Der bisherige Stand bleibt im Verlauf erhalten.",
    ):
        return
    auth = reauth.authorize(ctx, parent, "Verzeichnis importieren")
    if auth is None:
        return
    try:
        changes = ctx.apply(directory.import_profile_json, text, path.name, auth=auth)
    except UserError as error:
        ctx.messages.error(
            parent, "Verzeichnis importieren", f"{error.message} Es wurde nichts importiert."
        )
        return
    message = (
        "Das Verzeichnis wurde importiert."
        if changes
        else "Die Datei entspricht dem aktuellen Verzeichnis; nichts geändert."
    )
    # Doubtful data is imported, but named (issue 21): same phone for two districts,
    # umlauts before the "@".
    warnings = directory.quality_warnings(ctx.require_session())
    if warnings:
        message += "\n\nBitte prüfen (auch unter „Hinweise“):\n" + "\n".join(
            f"• {w}" for w in warnings)
        ctx.messages.warn(parent, "Verzeichnis importieren", message)
        return
    ctx.messages.info(parent, "Verzeichnis importieren", message)


def reset_profile(ctx: UiContext, parent: QWidget) -> None:
    if ctx.messages.confirm(
        parent,
        "Mitgeliefertes Profil wiederherstellen",
        "Alle Änderungen am Verzeichnis dieser Akte durch das mitgelieferte Profil "
        "ersetzen? Die bisherigen Stände bleiben im Verlauf erhalten.",
    ):
        auth = reauth.authorize(ctx, parent, "Mitgeliefertes Profil wiederherstellen")
        if auth is not None:
            ctx.run(directory.reset_to_shipped, auth=auth)
