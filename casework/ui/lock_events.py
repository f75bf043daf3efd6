"""Lock with the operating system, on every platform, behind one interface.

`PlatformLockEvents` emits `lock_requested(reason)` when the desktop session is locked or
the computer is about to sleep; the main window locks the vault. One source per platform:

- Linux/BSD: D-Bus — the session's ScreenSaver `ActiveChanged(true)` and logind
  `PrepareForSleep(true)` (`casework.ui.idle.ScreenLockWatcher`).
- Windows: a native event filter on the Qt event loop. The main window's HWND is
  registered with `WTSRegisterSessionNotification`, so Windows sends
  `WM_WTSSESSION_CHANGE` (lock, console/remote disconnect, logoff); every top-level window
  receives `WM_POWERBROADCAST` with `PBT_APMSUSPEND` before sleep/hibernate.
- macOS: CoreFoundation's distributed notification centre (`com.apple.screenIsLocked`,
  `com.apple.screensaver.didstart`) and IOKit's system power notifications
  (`kIOMessageSystemWillSleep`), both through ctypes on the main run loop that Qt's Cocoa
  event dispatcher runs — no extra dependency.

The message decoding of Windows and macOS is unit-tested on Linux with synthetic events
(tests/ui/test_lock_events.py); registering with the real OS services runs only on the
target platform (docs/installation.md says what was verified where). Whatever the
platform, the wall-clock idle check (`casework.ui.idle.IdleMonitor`) still applies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

SCREEN_LOCKED = "screen_locked"
SUSPEND = "suspend"
SESSION_ENDED = "session_ended"

# --- Windows ------------------------------------------------------------------------------
WINDOWS_EVENT_TYPE = b"windows_generic_MSG"  # Qt's eventType for a Win32 MSG
WM_WTSSESSION_CHANGE = 0x02B1
WM_POWERBROADCAST = 0x0218
WTS_CONSOLE_DISCONNECT = 0x2
WTS_REMOTE_DISCONNECT = 0x4
WTS_SESSION_LOGOFF = 0x6
WTS_SESSION_LOCK = 0x7
PBT_APMSUSPEND = 0x4
NOTIFY_FOR_THIS_SESSION = 0
WTS_REASONS = {
    WTS_SESSION_LOCK: SCREEN_LOCKED,
    WTS_CONSOLE_DISCONNECT: SCREEN_LOCKED,  # fast user switching, RDP taking the console
    WTS_REMOTE_DISCONNECT: SCREEN_LOCKED,
    WTS_SESSION_LOGOFF: SESSION_ENDED,
}


class POINT(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int32), ("y", ctypes.c_int32)]


class MSG(ctypes.Structure):
    """winuser.h MSG with Windows' type sizes (LLP64: WPARAM/LPARAM pointer-sized,
    DWORD/UINT/LONG 32 bit), spelled so the layout is the same when built on Linux."""

    _fields_ = [
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint32),
        ("wParam", ctypes.c_size_t),   # UINT_PTR
        ("lParam", ctypes.c_ssize_t),  # LONG_PTR
        ("time", ctypes.c_uint32),
        ("pt", POINT),
        ("lPrivate", ctypes.c_uint32),
    ]


def windows_reason(message: int, wparam: int) -> str | None:
    """The lock reason of one Win32 message, or None for every other message."""
    if message == WM_WTSSESSION_CHANGE:
        return WTS_REASONS.get(wparam)
    if message == WM_POWERBROADCAST and wparam == PBT_APMSUSPEND:
        return SUSPEND
    return None


class WindowsLockFilter(QAbstractNativeEventFilter):
    """Reads every native message Qt's Windows event dispatcher sees; never consumes
    one (Windows must still get its answers to WM_POWERBROADCAST)."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        super().__init__()
        self._emit = emit

    def nativeEventFilter(self, eventType: Any, message: int) -> tuple[bool, int]:
        if bytes(eventType) != WINDOWS_EVENT_TYPE or not message:
            return False, 0
        msg = MSG.from_address(int(message))
        reason = windows_reason(msg.message, msg.wParam)
        if reason is not None:
            self._emit(reason)
        return False, 0


def register_wts_session_notification(hwnd: int) -> Callable[[], None] | None:
    """Ask Windows for WM_WTSSESSION_CHANGE on `hwnd`; returns the unregistration. Runs
    only on Windows (not exercised by the Linux test suite)."""
    wtsapi32 = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
    handle = ctypes.c_void_p(hwnd)
    if not wtsapi32.WTSRegisterSessionNotification(handle, NOTIFY_FOR_THIS_SESSION):
        log.warning("Windows-Sitzungsereignisse nicht abonniert (Fehler %s)",
                    ctypes.GetLastError())  # type: ignore[attr-defined]
        return None
    return lambda: wtsapi32.WTSUnRegisterSessionNotification(handle)


# --- macOS --------------------------------------------------------------------------------
MAC_LOCK_NOTIFICATIONS = {
    "com.apple.screenIsLocked": SCREEN_LOCKED,
    "com.apple.screensaver.didstart": SCREEN_LOCKED,
}
K_IO_MESSAGE_CAN_SYSTEM_SLEEP = 0xE0000270
K_IO_MESSAGE_SYSTEM_WILL_SLEEP = 0xE0000280
K_CF_STRING_ENCODING_UTF8 = 0x08000100
CF_NOTIFICATION_DELIVER_IMMEDIATELY = 4

# void (*)(CFNotificationCenterRef, void *observer, CFStringRef name, const void *object,
#          CFDictionaryRef userInfo)
CF_NOTIFICATION_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p,
                                            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
# void (*)(void *refcon, io_service_t service, uint32_t messageType, void *messageArgument)
IO_SERVICE_INTEREST_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32,
                                                ctypes.c_uint32, ctypes.c_void_p)


class MacLockSource:
    """The two C callbacks macOS calls; `register_with_macos` hands them to the OS.

    `string_of` turns a CFStringRef into text and `allow_power_change` answers IOKit
    (IOAllowPowerChange) — both talk to the OS and are replaced in the tests.
    """

    def __init__(self, emit: Callable[[str], None], *,
                 string_of: Callable[[int], str] | None = None,
                 allow_power_change: Callable[[int], None] | None = None) -> None:
        self._emit = emit
        self._string_of = string_of
        self._allow_power_change = allow_power_change
        # ctypes function pointers must live as long as macOS may call them
        self.notification_callback = CF_NOTIFICATION_CALLBACK(self._on_notification)
        self.power_callback = IO_SERVICE_INTEREST_CALLBACK(self._on_power)
        self._keep: list[Any] = []

    def _on_notification(self, center: int | None, observer: int | None, name: int | None,
                         obj: int | None, user_info: int | None) -> None:
        if not name or self._string_of is None:
            return
        reason = MAC_LOCK_NOTIFICATIONS.get(self._string_of(name))
        if reason is not None:
            self._emit(reason)

    def _on_power(self, refcon: int | None, service: int, message_type: int,
                  argument: int | None) -> None:
        if message_type == K_IO_MESSAGE_SYSTEM_WILL_SLEEP:
            self._emit(SUSPEND)
        # IOKit waits (up to 30 s) for every registered client's answer before sleeping
        if (message_type in (K_IO_MESSAGE_CAN_SYSTEM_SLEEP, K_IO_MESSAGE_SYSTEM_WILL_SLEEP)
                and self._allow_power_change is not None):
            self._allow_power_change(int(argument or 0))

    def register_with_macos(self) -> bool:  # pragma: no cover - runs only on macOS
        """Observe the distributed notifications and the system power messages on the
        main run loop. Not exercised by the Linux test suite."""
        cf = ctypes.CDLL(ctypes.util.find_library("CoreFoundation"))
        iokit = ctypes.CDLL(ctypes.util.find_library("IOKit"))
        cf.CFStringCreateWithCString.restype = ctypes.c_void_p
        cf.CFStringCreateWithCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                 ctypes.c_uint32]
        cf.CFStringGetCString.restype = ctypes.c_bool
        cf.CFStringGetCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_long,
                                          ctypes.c_uint32]
        cf.CFNotificationCenterGetDistributedCenter.restype = ctypes.c_void_p
        cf.CFNotificationCenterAddObserver.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, CF_NOTIFICATION_CALLBACK, ctypes.c_void_p,
            ctypes.c_void_p, ctypes.c_long]
        cf.CFRunLoopGetMain.restype = ctypes.c_void_p
        cf.CFRunLoopAddSource.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        iokit.IORegisterForSystemPower.restype = ctypes.c_uint32
        iokit.IORegisterForSystemPower.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), IO_SERVICE_INTEREST_CALLBACK,
            ctypes.POINTER(ctypes.c_uint32)]
        iokit.IONotificationPortGetRunLoopSource.restype = ctypes.c_void_p
        iokit.IONotificationPortGetRunLoopSource.argtypes = [ctypes.c_void_p]
        iokit.IOAllowPowerChange.argtypes = [ctypes.c_uint32, ctypes.c_long]

        def string_of(ref: int) -> str:
            buffer = ctypes.create_string_buffer(256)
            if not cf.CFStringGetCString(ref, buffer, len(buffer), K_CF_STRING_ENCODING_UTF8):
                return ""
            return buffer.value.decode("utf-8", "replace")

        self._string_of = string_of
        center = cf.CFNotificationCenterGetDistributedCenter()
        for name in MAC_LOCK_NOTIFICATIONS:
            cf_name = cf.CFStringCreateWithCString(None, name.encode(), K_CF_STRING_ENCODING_UTF8)
            cf.CFNotificationCenterAddObserver(center, None, self.notification_callback,
                                               cf_name, None, CF_NOTIFICATION_DELIVER_IMMEDIATELY)
        port = ctypes.c_void_p()
        notifier = ctypes.c_uint32()
        root_port = iokit.IORegisterForSystemPower(None, ctypes.byref(port),
                                                   self.power_callback, ctypes.byref(notifier))
        if not root_port:
            log.warning("macOS-Ruhezustandsmeldungen nicht abonniert")
            return False
        self._allow_power_change = lambda argument: iokit.IOAllowPowerChange(root_port, argument)
        modes = ctypes.c_void_p.in_dll(cf, "kCFRunLoopCommonModes")
        cf.CFRunLoopAddSource(cf.CFRunLoopGetMain(),
                              iokit.IONotificationPortGetRunLoopSource(port), modes)
        self._keep += [port, notifier]
        return True


# --- the one interface --------------------------------------------------------------------


class PlatformLockEvents(QObject):
    """Emits `lock_requested(reason)` when the OS session locks or the computer sleeps.

    `backend` names the source in use: "dbus", "windows", "macos" or "none" (nothing
    connected — e.g. Linux without a session bus; the idle check still locks).
    """

    lock_requested = Signal(str)

    def __init__(self, parent: QObject | None = None, *, platform: str | None = None) -> None:
        super().__init__(parent)
        self.platform = platform or sys.platform
        self.backend = "none"
        self._windows_filter: WindowsLockFilter | None = None
        self._unregister: Callable[[], None] | None = None
        self.mac: MacLockSource | None = None
        if self.platform == "win32":
            self._windows_filter = WindowsLockFilter(self.lock_requested.emit)
            app = QCoreApplication.instance()
            if app is not None:
                app.installNativeEventFilter(self._windows_filter)
                self.backend = "windows"
        elif self.platform == "darwin":
            self.mac = MacLockSource(self.lock_requested.emit)
            if sys.platform == "darwin":  # pragma: no cover - macOS only
                try:
                    if self.mac.register_with_macos():
                        self.backend = "macos"
                except (OSError, AttributeError, ValueError):
                    log.warning("macOS-Sperrereignisse nicht verfügbar")
        else:
            from casework.ui.idle import ScreenLockWatcher

            self.dbus = ScreenLockWatcher(self)
            self.dbus.locked.connect(lambda: self.lock_requested.emit(SCREEN_LOCKED))
            if self.dbus.connected:
                self.backend = "dbus"

    def attach_window(self, window: QWidget,
                      register: Callable[[int], Callable[[], None] | None] | None = None) -> None:
        """Windows sends session notifications only to a registered window: register
        the main window's native handle (after it exists). Elsewhere nothing to do."""
        if self._windows_filter is None or self._unregister is not None:
            return
        registration = register or (register_wts_session_notification
                                    if sys.platform == "win32" else None)
        if registration is None:
            return
        try:
            self._unregister = registration(int(window.winId()))
        except OSError:
            log.warning("Windows-Sitzungsereignisse nicht verfügbar")

    def close(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        if self._windows_filter is not None:
            app = QCoreApplication.instance()
            if app is not None:
                app.removeNativeEventFilter(self._windows_filter)
            self._windows_filter = None
