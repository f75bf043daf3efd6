"""Idle monitor and task runner in isolation: wall-clock idle time, input resets it,
suspend locks at once; slow work runs off the GUI thread and reports back on it."""

from __future__ import annotations

import threading
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from casework.clock import FixedClock
from casework.ui.idle import IdleMonitor
from casework.ui.tasks import TaskRunner


def test_idle_counts_wall_clock_and_input_resets(qtbot, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    monitor = IdleMonitor(clock, timedelta(minutes=5), check_ms=10)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    monitor.start()
    fired: list[bool] = []
    monitor.timed_out.connect(lambda: fired.append(True))
    clock.advance(timedelta(minutes=4))
    qtbot.keyClick(edit, Qt.Key.Key_A)  # typing counts as activity
    clock.advance(timedelta(minutes=4))
    monitor.check()
    assert not fired
    clock.advance(timedelta(minutes=1))
    with qtbot.waitSignal(monitor.timed_out, timeout=2000):
        pass
    assert not monitor.active
    monitor.uninstall()


def test_suspend_fires_immediately(qtbot, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    monitor = IdleMonitor(clock, timedelta(minutes=5), check_ms=60000)
    monitor.start()
    with qtbot.waitSignal(monitor.timed_out, timeout=1000):
        monitor._state_changed(Qt.ApplicationState.ApplicationSuspended)
    monitor.uninstall()


def test_inactive_monitor_never_fires(qtbot, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    monitor = IdleMonitor(clock, timedelta(minutes=1), check_ms=10)
    fired: list[bool] = []
    monitor.timed_out.connect(lambda: fired.append(True))
    clock.advance(timedelta(hours=1))
    monitor.check()
    assert not fired
    monitor.uninstall()


def test_task_runner_runs_off_thread_and_reports_on_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    gui = threading.get_ident()
    seen: dict[str, object] = {}

    def job(x: int) -> tuple[int, int]:
        return x * 2, threading.get_ident()

    def done(result: tuple[int, int]) -> None:
        seen["result"], seen["worker"] = result
        seen["callback"] = threading.get_ident()

    def boom() -> None:
        raise ValueError("kaputt")

    runner.submit(job, 21, on_done=done)
    runner.submit(boom, on_error=lambda e: seen.setdefault("error", e))
    qtbot.waitUntil(lambda: "error" in seen and not runner.busy, timeout=20000)
    assert seen["result"] == 42
    assert seen["worker"] != gui
    assert seen["callback"] == gui
    assert isinstance(seen["error"], ValueError)
    runner.shutdown()
