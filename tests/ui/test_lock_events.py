"""Auto-lock with the OS on every platform (casework.ui.lock_events), with synthetic events.

Windows: a real Win32 MSG structure is built with ctypes and its address handed to the
installed filter's `nativeEventFilter`, as Qt's Windows event dispatcher does. (Feeding it
through `QAbstractEventDispatcher.filterNativeEvent` is not possible from Python: that
binding is broken in PySide6 6.11 — it demands three arguments and accepts none.)
macOS: the CoreFoundation and IOKit callbacks are called through their C function
pointers, the way macOS calls them. What runs only on the target platform (the
registration with WTS/CoreFoundation/IOKit) is said in docs/installation.md.
"""

from __future__ import annotations

import ctypes

import pytest
from PySide6.QtCore import QCoreApplication

from casework.ui import lock_events
from casework.ui.lock_events import (
    MSG,
    SCREEN_LOCKED,
    SESSION_ENDED,
    SUSPEND,
    PlatformLockEvents,
)
from casework.ui.main_window import LOCKED_TITLE, MainWindow

WM_ACTIVATE = 0x0006
PBT_APMRESUMEAUTOMATIC = 0x12
WTS_SESSION_UNLOCK = 0x8


def _msg(message: int, wparam: int, lparam: int = 0) -> MSG:
    msg = MSG()
    msg.hwnd = 0x1234
    msg.message = message
    msg.wParam = wparam
    msg.lParam = lparam
    msg.time = 42
    return msg


def _dispatch(events: PlatformLockEvents, msg: MSG,
              event_type: bytes = b"windows_generic_MSG") -> tuple[bool, int]:
    native_filter = events._windows_filter
    assert native_filter is not None
    return native_filter.nativeEventFilter(event_type, ctypes.addressof(msg))


def test_msg_layout_matches_win64() -> None:
    # winuser.h MSG on 64-bit Windows: 48 bytes, wParam at 16, lParam at 24, pt at 36
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        pytest.skip("64-bit layout")
    assert ctypes.sizeof(MSG) == 48
    assert MSG.wParam.offset == 16
    assert MSG.lParam.offset == 24
    assert MSG.pt.offset == 36


def test_windows_session_lock_and_suspend_request_a_lock(qtbot) -> None:  # type: ignore[no-untyped-def]
    events = PlatformLockEvents(platform="win32")
    assert events.backend == "windows"
    reasons: list[str] = []
    events.lock_requested.connect(reasons.append)
    try:
        # messages that must not lock: unlock, resume, an ordinary window message
        for message, wparam in ((lock_events.WM_WTSSESSION_CHANGE, WTS_SESSION_UNLOCK),
                                (lock_events.WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC),
                                (WM_ACTIVATE, lock_events.WTS_SESSION_LOCK)):
            assert _dispatch(events, _msg(message, wparam)) == (False, 0)
        assert reasons == []
        assert _dispatch(events, _msg(lock_events.WM_WTSSESSION_CHANGE,
                              lock_events.WTS_SESSION_LOCK)) == (False, 0)
        assert _dispatch(events, _msg(lock_events.WM_POWERBROADCAST,
                              lock_events.PBT_APMSUSPEND)) == (False, 0)
        assert _dispatch(events, _msg(lock_events.WM_WTSSESSION_CHANGE,
                              lock_events.WTS_REMOTE_DISCONNECT)) == (False, 0)
        assert _dispatch(events, _msg(lock_events.WM_WTSSESSION_CHANGE,
                              lock_events.WTS_SESSION_LOGOFF)) == (False, 0)
        assert reasons == [SCREEN_LOCKED, SUSPEND, SCREEN_LOCKED, SESSION_ENDED]
        # other native event types (xcb, Cocoa) are ignored, whatever their bytes
        lock_msg = _msg(lock_events.WM_WTSSESSION_CHANGE, lock_events.WTS_SESSION_LOCK)
        assert _dispatch(events, lock_msg, b"xcb_generic_event_t") == (False, 0)
        assert len(reasons) == 4
    finally:
        events.close()
    assert events._windows_filter is None  # removed from the event loop


def test_windows_registers_the_main_window_for_session_notifications(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QWidget

    events = PlatformLockEvents(platform="win32")
    window = QWidget()
    qtbot.addWidget(window)
    registered: list[int] = []
    unregistered: list[bool] = []

    def register(hwnd: int):  # type: ignore[no-untyped-def]
        registered.append(hwnd)
        return lambda: unregistered.append(True)

    events.attach_window(window, register)
    events.attach_window(window, register)  # a second show registers nothing more
    assert registered == [int(window.winId())]
    events.close()
    assert unregistered == [True]


def test_macos_lock_notifications_and_sleep_through_the_c_callbacks() -> None:
    reasons: list[str] = []
    allowed: list[int] = []
    names = {}

    def string_of(ref: int) -> str:  # stands in for CFStringGetCString
        return names[ref]

    source = lock_events.MacLockSource(reasons.append, string_of=string_of,
                                       allow_power_change=allowed.append)
    notify = ctypes.cast(source.notification_callback, ctypes.c_void_p).value
    power = ctypes.cast(source.power_callback, ctypes.c_void_p).value
    assert notify and power
    call_notify = lock_events.CF_NOTIFICATION_CALLBACK(notify)
    call_power = lock_events.IO_SERVICE_INTEREST_CALLBACK(power)
    for ref, name in enumerate(("com.apple.screenIsUnlocked", "com.apple.screenIsLocked",
                                "com.apple.screensaver.didstart"), start=100):
        names[ref] = name
        call_notify(0xC0FFEE, None, ref, None, None)
    assert reasons == [SCREEN_LOCKED, SCREEN_LOCKED]
    call_power(None, 7, lock_events.K_IO_MESSAGE_CAN_SYSTEM_SLEEP, 555)  # may we sleep?
    assert reasons == [SCREEN_LOCKED, SCREEN_LOCKED]
    call_power(None, 7, lock_events.K_IO_MESSAGE_SYSTEM_WILL_SLEEP, 556)
    call_power(None, 7, 0xE0000300, 557)  # kIOMessageSystemHasPoweredOn: nothing
    assert reasons == [SCREEN_LOCKED, SCREEN_LOCKED, SUSPEND]
    assert allowed == [555, 556]  # IOKit got its answer both times, or sleep would wait


def test_macos_interface_on_a_non_mac_host_stays_disconnected(qtbot) -> None:  # type: ignore[no-untyped-def]
    events = PlatformLockEvents(platform="darwin")
    assert events.backend == "none"
    assert events.mac is not None
    with qtbot.waitSignal(events.lock_requested, timeout=1000) as blocker:
        events.mac._on_power(None, 0, lock_events.K_IO_MESSAGE_SYSTEM_WILL_SLEEP, None)
    assert blocker.args == [SUSPEND]


def test_linux_uses_dbus(qtbot) -> None:  # type: ignore[no-untyped-def]
    events = PlatformLockEvents(platform="linux")
    assert events.backend in ("dbus", "none")  # "none": no session bus in this sandbox
    with qtbot.waitSignal(events.lock_requested, timeout=1000) as blocker:
        events.dbus._activated(True)
    assert blocker.args == [SCREEN_LOCKED]


def test_a_windows_suspend_message_locks_the_open_vault(qtbot, unlocked: MainWindow,  # type: ignore[no-untyped-def]
                                                        family: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole path: native MSG → filter → interface → main window locks."""
    app = QCoreApplication.instance()
    assert app is not None
    events = PlatformLockEvents(unlocked, platform="win32")
    events.lock_requested.connect(lambda _reason: unlocked.lock())
    try:
        workspace = unlocked.workspace
        assert workspace is not None
        workspace.open_family(family)
        _dispatch(events, _msg(lock_events.WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC))
        assert unlocked.ctx.session is not None
        _dispatch(events, _msg(lock_events.WM_POWERBROADCAST, lock_events.PBT_APMSUSPEND))
        assert unlocked.ctx.session is None
        assert unlocked.windowTitle() == LOCKED_TITLE
    finally:
        events.close()
