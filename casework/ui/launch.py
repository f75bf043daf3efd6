"""Starting the desktop app: QApplication, context, main window (the Qt side of the
composition root `casework.app`).

`casework` starts the app on the last vault (or the start page); `casework --demo`
creates — if missing — a demo vault with fictitious families in the user's data folder
and shows its unlock page, which states the demo passphrase.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QLibraryInfo, QLocale, QStandardPaths, Qt, QTimer, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from casework.clock import Clock, SystemClock
from casework.ui import messages
from casework.ui.context import UiContext
from casework.ui.main_window import MainWindow
from casework.ui.settings import Settings

log = logging.getLogger("casework")

DEMO_FOLDER_NAME = "demo-vault"
DEMO_FAMILIES = 300
DEMO_CONTACTS_PER_FAMILY = 12


def demo_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / DEMO_FOLDER_NAME


def _install_excepthook(window: MainWindow) -> None:
    """Bugs: log the traceback without the exception text (it may hold personal data)
    and tell the person plainly; the app keeps running."""

    def hook(kind: type[BaseException], error: BaseException,
             tb: TracebackType | None) -> None:
        frames = "".join(traceback.format_tb(tb))
        log.error("Interner Fehler %s\n%s", kind.__name__, frames)
        messages.error(window, "Interner Fehler",
                       "In Casework ist ein interner Fehler aufgetreten. Bereits Gespeichertes "
                       "ist sicher. Bitte den Vorgang erneut versuchen und den Fehler der "
                       f"IT melden ({kind.__name__}).")

    sys.excepthook = hook


def install_german_translations(app: QApplication) -> None:
    """Qt's own texts (dialog buttons "Abbrechen", "Ja", context menus) in German."""
    if getattr(app, "_casework_translator", None) is not None:
        return
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_de", folder):
        app.installTranslator(translator)
        app._casework_translator = translator  # type: ignore[attr-defined]
    else:
        log.warning("Deutsche Qt-Übersetzung nicht gefunden")


def build(app: QApplication, *, clock: Clock | None = None, settings: Settings | None = None,
          demo: bool = False, vault: str | None = None) -> MainWindow:
    """Create the context and main window and show the right start panel (used by
    `run_app`, the tests and tools/screenshots.py)."""
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    install_german_translations(app)
    ctx = UiContext(clock or SystemClock(), settings=settings, parent=app)
    folder = demo_folder() if demo else None
    window = MainWindow(ctx, demo_folder=folder)
    if demo and folder is not None:
        window.start.prepare_demo(folder, DEMO_FAMILIES, DEMO_CONTACTS_PER_FAMILY)
    else:
        window.show_start(Path(vault).expanduser() if vault else None)
    return window


QUIT_AFTER_ENV = "CASEWORK_QUIT_AFTER_MS"


def _quit_after_if_asked(app: QApplication) -> None:
    """Install-smoke checks (CI) start the real app and let it end itself after a while."""
    value = os.environ.get(QUIT_AFTER_ENV, "")
    if value.isdigit():
        QTimer.singleShot(int(value), app.quit)


def run_app(demo: bool = False, vault: str | None = None) -> int:
    from casework.services.session import harden_process

    harden_process()  # no core dumps: key material never lands on disk after a crash
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Casework")
    app.setOrganizationName("Casework")
    window = build(app, demo=demo, vault=vault)
    _install_excepthook(window)
    window.show()
    _quit_after_if_asked(app)
    from casework.ui import smoke  # scripted checks only (CASEWORK_SMOKE_UNLOCK)

    smoke.install(window)
    code = app.exec()
    window.ctx.tasks.shutdown()
    return int(code)
