"""The idle-time warm-up of the secondary screens (issue 23): it runs only after the first
page has been built, never while the worker loads something, and a lock stops it."""

from __future__ import annotations

import ast
import gc
import inspect
import threading

from casework.ui import warmup
from casework.ui.main_window import MainWindow


def test_warmup_imports_every_screen_module_of_the_registry() -> None:
    # A screen added to the registry without a warm-up step would pay its imports on its
    # first opening again. Heute and Familien are loaded before the first page shows.
    from casework.ui import registry

    tree = ast.parse(inspect.getsource(registry))
    creators = {screen.create.__name__ for screen in registry.SCREENS}
    screen_modules = {node.body[0].module for node in tree.body
                      if isinstance(node, ast.FunctionDef) and node.name in creators
                      and isinstance(node.body[0], ast.ImportFrom)}
    warmed = {getattr(step(), "__name__", "") for step in warmup.STEPS}
    assert len(screen_modules) == len(registry.SCREENS)
    assert screen_modules - warmed == {"casework.ui.agenda", "casework.ui.households.screen"}


def test_warmup_runs_after_the_first_page_waits_for_the_worker_and_stops_on_lock(
        qtbot, unlocked: MainWindow) -> None:  # type: ignore[no-untyped-def]
    workspace = unlocked.workspace
    assert workspace is not None
    warm = workspace.warmup
    ran: list[bool] = []  # per step: was a real page (not "Wird geladen …") shown?

    def step() -> None:
        ran.append(workspace.stack.currentWidget() is not workspace.landing)

    warm.steps = (step,) * 12  # the real imports are done already in this process
    qtbot.waitUntil(lambda: len(ran) >= 2)
    assert all(ran)  # never before the first page was built

    # While the worker loads something (a list, a report), no step takes the GIL from it.
    gate = threading.Event()
    unlocked.ctx.tasks.submit(gate.wait)
    done = warm.done
    warm._step()
    assert warm.done == done and warm.running  # asked again later
    gate.set()
    qtbot.waitUntil(lambda: warm.done > done)

    unlocked.lock()
    assert warm.stopped and not warm.running
    done = warm.done
    warm._step()  # as a timer left over would
    assert warm.done == done < len(warm.steps)


def test_warmup_freezes_what_lives_at_its_end_and_a_lock_gives_it_back(
        qtbot, unlocked: MainWindow) -> None:  # type: ignore[no-untyped-def]
    workspace = unlocked.workspace
    assert workspace is not None
    warm = workspace.warmup
    warm.steps = (lambda: None,) * 2
    try:
        qtbot.waitUntil(lambda: warm.finished)
        assert warm.frozen and gc.get_freeze_count() > 0
        unlocked.lock()
        assert not warm.frozen and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
