"""Auto-lock after inactivity, measured in wall-clock time.

An app-wide event filter records the moment of the last keyboard, mouse or touch input
(from the injected clock); a timer checks every few seconds whether `clock.now() -
last_input` has reached the timeout. Because the check compares wall-clock moments
rather than counting timer ticks, a laptop that slept past the timeout locks as soon as
it wakes. The app also locks when Qt reports the application suspended, and checks at
once when it becomes active again (a woken laptop locks before anything is shown).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from PySide6.QtCore import SLOT, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

from casework.clock import Clock

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress, QEvent.Type.ShortcutOverride,
})

DEFAULT_CHECK_MS = 5000


class ChainedFilter(Protocol):
    def filter_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool: ...


class IdleMonitor(QObject):
    """Emits `timed_out` once per idle period while `active`."""

    timed_out = Signal()

    def __init__(self, clock: Clock, timeout: timedelta, *, check_ms: int = DEFAULT_CHECK_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.timeout = timeout
        self.last_input: datetime = clock.now()
        self._active = False
        self._chained: ChainedFilter | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.check)
        app = QGuiApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            if isinstance(app, QGuiApplication):
                app.applicationStateChanged.connect(self._state_changed)

    @property
    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        self.last_input = self.clock.now()
        self._active = True
        self._timer.start()

    def stop(self) -> None:
        self._active = False
        self._timer.stop()

    def set_timeout(self, timeout: timedelta) -> None:
        self.timeout = timeout

    def touch(self) -> None:
        self.last_input = self.clock.now()

    def idle_for(self) -> timedelta:
        return self.clock.now() - self.last_input

    def check(self) -> None:
        if not self._active:
            return
        if self.idle_for() >= self.timeout:
            self._fire()

    def _fire(self) -> None:
        self.stop()
        self.timed_out.emit()

    def chain(self, other: ChainedFilter) -> None:
        """Let `other` see every event through this monitor's filter instead of its own:
        each app-wide Python event filter costs a call per Qt event (a third of the time
        a screen took to build went to two of them)."""
        self._chained = other

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Without the app-wide filter while a screen is being built on the GUI thread:
        no input can arrive meanwhile, and the filter's Python call per Qt event made up
        a good part of the build time."""
        app = QGuiApplication.instance()
        if app is None:
            yield
            return
        app.removeEventFilter(self)
        try:
            yield
        finally:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._active and kind in INPUT_EVENTS:
            self.last_input = self.clock.now()
        chained = self._chained
        return chained is not None and chained.filter_event(watched, event, kind)

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if not self._active:
            return
        if state == Qt.ApplicationState.ApplicationSuspended:
            # The OS is suspending us (lid closed, session locked on some platforms).
            self._fire()
        elif state == Qt.ApplicationState.ApplicationActive:
            self.check()

    def uninstall(self) -> None:
        self.stop()
        app = QGuiApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class ScreenLockWatcher(QObject):
    """Locks with the desktop: emits `locked` when the session's screen saver/lock
    becomes active (freedesktop/GNOME ScreenSaver `ActiveChanged`) or the system is about
    to sleep (logind `PrepareForSleep`). Best effort: without D-Bus (Windows, macOS,
    containers) nothing is connected and the wall-clock idle check still applies."""

    locked = Signal()

    SESSION_SIGNALS = (
        ("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged"),
        ("/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged"),
        ("/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged"),
    )
    SYSTEM_SIGNALS = (
        ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep"),
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected = 0
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # a Qt build without D-Bus
            return
        for bus, signals in ((QDBusConnection.sessionBus(), self.SESSION_SIGNALS),
                             (QDBusConnection.systemBus(), self.SYSTEM_SIGNALS)):
            if not bus.isConnected():
                continue
            for path, interface, name in signals:
                # PySide takes the SLOT() text at run time (checked against a real
                # session bus); its stubs only list the bytes form.
                if bus.connect("", path, interface, name, self,  # type: ignore[call-overload]
                               SLOT("_activated(bool)")):
                    self.connected += 1

    @Slot(bool)
    def _activated(self, active: bool) -> None:
        if active:
            self.locked.emit()
