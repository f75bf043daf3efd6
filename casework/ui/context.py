"""`UiContext`: what every screen gets instead of hidden globals (no `aqt.mw`).

It holds the current session (None while the vault is locked), the clock, the reference
profile, the background task runner and the message seam, and it carries two app-wide
signals: `changed(Changes)` after every write made through `run`/`apply`, and
`household_requested(household_id, tab)`, sent by `open_household` to navigate to a family
file (the workspace opens it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from casework.clock import Clock
from casework.errors import UserError, VaultError
from casework.models.changes import Changes
from casework.models.directory.profile import Profile
from casework.services.directory import shipped as reference
from casework.services.directory import vault_profile as directory
from casework.services.session import Session
from casework.ui import messages as messages_module
from casework.ui.settings import Settings
from casework.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")


def changes_of(result: Any) -> Changes | None:
    """The `Changes` a service returned: the value itself or the last item of a tuple."""
    if isinstance(result, Changes):
        return result
    if isinstance(result, tuple) and result and isinstance(result[-1], Changes):
        return result[-1]
    return None


class UiContext(QObject):
    changed = Signal(object)  # Changes
    household_requested = Signal(str, str)  # household id, family-tab key ("": as it was)
    quick_entry_requested = Signal(str)  # household id: open the quick contact entry
    screen_requested = Signal(str)  # a screen key of `casework.ui.registry`
    session_changed = Signal()  # unlocked, locked, or the acting worker switched
    settings_changed = Signal()  # UI settings (e.g. auto-lock minutes) were edited
    confirmed = Signal(str)  # a visible confirmation ("Kontakt gespeichert."); no names
    locking = Signal()  # the vault locks now: open dialogs keep their drafts (session open)
    lock_requested = Signal()  # lock the vault now (the main window does it, synchronously)

    def __init__(self, clock: Clock, *, tasks: TaskRunner | None = None,
                 settings: Settings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.session: Session | None = None
        self.profile: Profile | None = None
        self.tasks = tasks or TaskRunner(self)
        self.messages: ModuleType = messages_module
        self.window: QWidget | None = None  # parent for dialogs; set by the main window
        self.settings: Settings = settings if settings is not None else Settings()
        self.last_confirmation = ""
        # Dialogs that kept a draft at the last lock, to open again after unlocking.
        self.reopen_after_unlock: list[Callable[[], object]] = []
        # Long vault actions running on the task runner (`casework.ui.vault_jobs`).
        self.running_jobs: list[Any] = []
        self.changed.connect(self._profile_maybe_changed)

    # --- session -------------------------------------------------------------------------

    def attach(self, session: Session) -> None:
        self.session = session
        self._load_profile()
        self.session_changed.emit()

    def _load_profile(self) -> None:
        """The vault's own (possibly edited) directory, else the shipped profile."""
        session = self.session
        if session is None:
            return
        try:
            self.profile = directory.active_profile(session)
        except UserError:
            log.warning("Verzeichnis der Akte nicht lesbar; ausgeliefertes Profil verwendet")
            try:
                self.profile = reference.load_profile(session.profile_name)
            except UserError:
                self.profile = reference.load_profile()

    def _profile_maybe_changed(self, changes: Changes) -> None:
        if changes.affects("directory"):
            self._load_profile()

    def detach(self) -> Session | None:
        session, self.session = self.session, None
        self.session_changed.emit()
        return session

    @property
    def is_unlocked(self) -> bool:
        return self.session is not None and self.session.is_open

    def require_session(self) -> Session:
        if self.session is None or not self.session.is_open:
            raise VaultError("Die Akte ist gesperrt.")
        return self.session

    # --- navigation ----------------------------------------------------------------------

    def open_household(self, household_id: str, tab: str = "") -> None:
        """Open the family file; `tab`: a family-tab key of `casework.ui.registry`."""
        self.household_requested.emit(household_id, tab)

    def open_screen(self, key: str) -> None:
        """Show a screen of the navigation (`casework.ui.registry` key)."""
        self.screen_requested.emit(key)

    # --- service calls -------------------------------------------------------------------

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        session = self.require_session()
        if not (args and isinstance(args[0], Session)):
            args = (session, *args)
        result = fn(*args, **kwargs)
        changes = changes_of(result)
        if changes:
            self.changed.emit(changes)
        return result

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call service `fn(session, *args, **kwargs)` (the session is passed for you;
        passing it yourself as first argument works too), emit `changed` with the
        `Changes` it returned, and report a `UserError` through the message seam (then
        the result is None)."""
        try:
            return self._call(fn, args, kwargs)
        except UserError as error:
            self.messages.error(self.window, "Casework", error.message)
            return None

    def apply(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Like `run`, but errors propagate: for forms that show a `ValidationError`
        next to the field it names."""
        return self._call(fn, args, kwargs)

    def report(self, error: UserError) -> None:
        self.messages.error(self.window, "Casework", error.message)

    def confirm(self, text: str) -> None:
        """Tell the person that what they did took effect ("Kontakt gespeichert.").
        Shown in the main window's status bar for a while; it must not hold personal
        data (the status bar is on screen in meetings). `last_confirmation` is for tests."""
        self.last_confirmation = text
        self.confirmed.emit(text)
