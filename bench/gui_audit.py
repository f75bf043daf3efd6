"""GUI-thread audit (issue 23): `python -m bench.gui_audit VAULT [--screens-only]
[--no-warmup]`.

Works on a temporary copy of the demo vault VAULT (passphrase of the demo; the copy is
deleted afterwards, VAULT is never written). Builds the real main window and measures, on
the GUI thread, what a person waits for:

- the idle-time warm-up after unlocking (the longest GUI-thread stall while it runs, or
  for as long without one); `--no-warmup` stops it, so the screens open as without it;
- each screen of the navigation built and shown for the first time, then shown again;
- each family-file tab of the largest family;
- locking (from the click until the lock screen shows), after the screens and again after
  the long actions below (their writes are in the WAL), each followed by an unlock;
- each long action that runs on the task runner (backup, restore, report saving, Art. 15
  answer, real deletion, passphrase change, the Jahresbericht): how long the GUI thread
  is busy starting it, how long the job takes, and the longest stall of the GUI thread
  while it runs (a 10 ms heartbeat timer: with the job off the GUI thread, stalls stay
  short even though the job holds Python's GIL part of the time).

Everything over 100 ms on the GUI thread is a miss. Prints the load average, one line
per step and a JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LIMIT_MS = 100.0
BASELINE_S = 2.5  # without a warm-up: as long as one takes, for the stall to compare
DEMO_PASSPHRASE = "Demo-Akte nur zum Ausprobieren"  # noqa: S105 - the published demo passphrase
NEW_PASSPHRASE = "Neue Passphrase für den Messlauf 2026"  # noqa: S105 - a throwaway copy's


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="casework-gui-audit-"))
    try:
        vault = work / "akte"
        shutil.copytree(sys.argv[1], vault)  # the vault given is never written
        return _audit(vault, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class MovableClock:
    """The system clock, moved forward for the deletion step (a closed household becomes
    due only years after closure)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Heartbeat:
    """The longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.worst * 1000


def _audit(vault: Path, work: Path) -> int:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication, QTabWidget

    from casework.app import build
    from casework.services import session as session_service
    from casework.ui import documents, messages, registry

    app = QApplication(sys.argv[:1])
    shown: list[str] = []
    for name in ("info", "warn", "error", "notify"):  # no modal boxes in a measurement
        setattr(messages, name, lambda _p, _t, text, n=name: shown.append(f"{n}: {text}"))
    messages.confirm = lambda *_a: True
    clock = MovableClock()
    window = build(app, clock=clock, vault=str(vault))
    window.show()
    session = _unlock(session_service, vault, clock)
    window.start.unlocked.emit(session)
    workspace = window.workspace
    assert workspace is not None
    app.processEvents()
    steps: list[tuple[str, float]] = []
    actions: list[dict[str, Any]] = []
    warm = _wait_for_warmup(app, window, Heartbeat, "--no-warmup" in sys.argv)

    def timed(name: str, action: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = action()
        app.processEvents()
        steps.append((name, (time.perf_counter() - start) * 1000))
        # A list the screen loads on the worker thread (Datenschutz: seconds on a large
        # vault) holds Python's GIL part of the time: let it end before the next step, so
        # each step is measured on its own.
        while window.ctx.tasks.busy:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return result

    def job(name: str, begin: Callable[[], Any], finished: Callable[[], bool]) -> None:
        heart = Heartbeat()
        start = time.perf_counter()
        begin()
        gui = (time.perf_counter() - start) * 1000
        heart.start()
        deadline = time.time() + 600
        while not finished() and time.time() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        total = (time.perf_counter() - start) * 1000
        actions.append({"name": name, "gui_ms": round(gui, 1), "job_ms": round(total, 1),
                        "stall_ms": round(heart.stop(), 1), "done": finished()})

    for screen in registry.SCREENS:
        timed(f"Bildschirm „{screen.label}“ öffnen", lambda k=screen.key: workspace.show_page(k))
    for screen in registry.SCREENS:
        workspace.show_page("familien" if screen.key != "familien" else "heute")
        app.processEvents()
        timed(f"Bildschirm „{screen.label}“ wieder zeigen",
              lambda k=screen.key: workspace.show_page(k))
    big = session.db.scalar("SELECT household_id FROM contacts GROUP BY household_id "
                            "ORDER BY count(*) DESC LIMIT 1")
    family = timed("Familienakte (größte Familie) öffnen", lambda: workspace.open_family(big))
    tabs = family.findChild(QTabWidget) if family is not None else None
    if tabs is not None:
        for index in range(tabs.count()):
            timed(f"Familienakte: Reiter „{tabs.tabText(index).replace('&', '')}“",
                  lambda i=index: tabs.setCurrentIndex(i))

    def relock(name: str) -> Any:
        """Lock as the menu does, measure it, unlock again; the new session."""
        from PySide6.QtCore import QEvent

        timed(name, window.lock)
        # The app's event loop deletes the old workspace right after the lock; here no
        # loop runs, so its screens would live on (and answer the next lock's signals).
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        again = _unlock(session_service, vault, clock)
        window.start.unlocked.emit(again)
        app.processEvents()
        while window.ctx.tasks.busy:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return again

    session = relock("Akte sperren (nach den Bildschirmen)")
    if "--screens-only" not in sys.argv:  # e.g. for an older version without the jobs
        _actions(window, session, clock, work, job, documents, shown, relock)

    print(f"Lastmittel (1/5/15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    flag = f"  > {LIMIT_MS:g} ms" if warm["stall_ms"] > LIMIT_MS else ""
    what = (f"beim Aufwärmen ({warm['steps']} Schritte, längster {warm['longest_ms']:.0f} ms)"
            if warm["warmup"] else "ohne Aufwärmen")
    print(f"{warm['stall_ms']:8.1f} ms  längste Blockade nach dem Laden der ersten Seite, "
          f"{warm['total_ms'] / 1000:.1f} s lang {what}{flag}")
    for name, ms in steps:
        flag = f"  > {LIMIT_MS:g} ms" if ms > LIMIT_MS else ""
        print(f"{ms:8.1f} ms  {name}{flag}")
    print("GUI-Thread beim Start langer Aktionen (Job läuft im Hintergrund):")
    for a in actions:
        flag = f"  > {LIMIT_MS:g} ms" if a["gui_ms"] > LIMIT_MS else ""
        state = "" if a["done"] else "  (nicht fertig)"
        print(f"{a['gui_ms']:8.1f} ms  {a['name']} (Job {a['job_ms'] / 1000:.2f} s, längste "
              f"Blockade währenddessen {a['stall_ms']:.0f} ms){flag}{state}")
    print(json.dumps({"load": os.getloadavg(), "warmup": warm,
                      "steps": [{"name": n, "ms": round(ms, 1)} for n, ms in steps],
                      "actions": actions}, ensure_ascii=False))
    window.ctx.tasks.shutdown()
    if window.ctx.session is not None and window.ctx.session.is_open:
        window.ctx.session.close()
    return 0


def _wait_for_warmup(app: Any, window: Any, heartbeat: Any, skip: bool) -> dict[str, Any]:
    """A person looks at the first page for a moment before opening another screen: the
    idle-time warm-up (`ui/warmup.py`) runs meanwhile. From the moment the first page has
    loaded until the warm-up has ended (or for `BASELINE_S` without one: an older version,
    or `--no-warmup`, which stops it so the screens open as without it), a heartbeat
    measures the longest stall of the GUI thread: the two show what the warm-up costs."""
    from PySide6.QtCore import QEventLoop

    warmup = getattr(window.workspace, "warmup", None)
    if warmup is not None and skip:
        warmup.stop()
        warmup = None
    workspace = window.workspace
    deadline = time.time() + 60
    while time.time() < deadline and (
            workspace.stack.currentWidget() is workspace.landing or window.ctx.tasks.busy
            or (warmup is not None and not warmup.started)):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    heart = heartbeat()
    start = time.perf_counter()
    heart.start()
    deadline = time.time() + (60 if warmup is not None else BASELINE_S)
    while time.time() < deadline and (warmup is None or not warmup.finished):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    return {"warmup": warmup is not None, "steps": warmup.done if warmup else 0,
            "longest_ms": round(warmup.longest_ms, 1) if warmup else 0.0,
            "total_ms": round((time.perf_counter() - start) * 1000, 1),
            "stall_ms": round(heart.stop(), 1)}


def _unlock(session_service: Any, vault: Path, clock: MovableClock) -> Any:
    """As the app unlocks: key and (after an update) migration on its worker, whose close
    folds the migration's WAL into the database; then the open on the window thread. (A
    demo vault one migration behind left 216 MB of WAL to the first lock otherwise.)"""
    key = session_service.unwrap_and_migrate(vault, DEMO_PASSPHRASE, None, clock)
    return session_service.open_unwrapped(key, clock)


def _actions(window: Any, session: Any, clock: MovableClock, work: Path,
             job: Callable[..., None],
             documents: Any, shown: list[str], relock: Callable[[str], Any]) -> None:
    """Each long action through the code path of its button (dialogs answered here)."""
    from casework.models.households.lifecycle import ClosureReason
    from casework.models.ids import HouseholdId
    from casework.services import persons
    from casework.services.households import households, lifecycle
    from casework.services.privacy import disclosure, retention
    from casework.ui import messages, vault_jobs
    from casework.ui.backup import backup_action, restore_action
    from casework.ui.persons import rekey_action
    from casework.ui.privacy import screen_deletion

    ctx = window.ctx
    workspace = window.workspace
    window.idle.stop()  # the clock jumps years ahead below: that is not idleness

    reports = workspace.show_page("berichte")
    job("Berichte: Jahresbericht berechnen", reports.compute, lambda: not reports.computing)
    documents.choose_pdf_target = lambda *_a: str(work / "bericht.pdf")
    job("Berichte: als PDF und CSV speichern", reports.save,
        lambda: reports.save_job is None or reports.save_job.finished)

    dialog = backup_action.BackupDialog(ctx, window)
    backup_file = work / "sicherung.cwbackup"
    job("Sicherung erstellen", lambda: dialog.start_backup(backup_file, rotate=None),
        lambda: not dialog.busy)
    dialog.close()

    restore = restore_action.RestoreDialog(ctx, window)
    restore.backup_path = backup_file
    restore.parent_folder = work
    restore.passphrase.setText(DEMO_PASSPHRASE)
    job("Sicherung wiederherstellen (in einen neuen Ordner)", restore.restore,
        lambda: not restore.busy)
    restore.close()

    privacy = workspace.show_page("datenschutz")
    ids = households.list_ids(session, limit=5)
    person = households.members(session, ids[0])[0]
    request_id, _changes = disclosure.open_request(session, person.id)
    privacy.requests.refresh_requests()
    row = next(i for i, (_cells, payload) in enumerate(privacy.requests.request_model.rows)
               if payload == request_id)
    privacy.requests.request_view.selectRow(row)
    documents.choose_pdf_target = lambda *_a: str(work / "auskunft.pdf")
    job("Datenschutz: Auskunft nach Art. 15 erstellen", privacy.requests.answer_request,
        lambda: privacy.requests.export_job is None or privacy.requests.export_job.finished)

    lifecycle.close(session, ids[-1], ClosureReason.ZIELE_ERREICHT, confirm_warnings=True)
    clock.offset = timedelta(days=11 * 366)
    deletion = _approved_deletion(session, persons, retention, HouseholdId)
    if deletion is None:
        shown.append("Endgültiges Löschen nicht gemessen: kein Haushalt ohne laufende Frist")
    else:
        box: list[Any] = []
        job("Datenschutz: endgültig löschen (mit VACUUM)",
            lambda: box.append(vault_jobs.start(ctx, privacy, "Endgültig löschen", "…",
                                                screen_deletion._delete_job, deletion,
                                                modal=True, cancellable=True)),
            lambda: bool(box) and (box[0] is None or box[0].finished))

    clock.offset = timedelta(0)
    relock("Akte sperren (nach Bericht, Sicherung, Auskunft, Löschen)")
    workspace = window.workspace
    settings = workspace.show_page("einstellungen")
    settings.old_pass.setText(DEMO_PASSPHRASE)
    settings.new_pass.setText(NEW_PASSPHRASE)
    settings.repeat_pass.setText(NEW_PASSPHRASE)
    job("Einstellungen: Passphrase ändern", settings.change_passphrase,
        lambda: settings.pass_button.isEnabled())

    # Last: it locks the vault. Its GUI-thread time includes the re-authentication
    # (one Argon2id run, still on the GUI thread) and the lock itself.
    messages.ask_passphrase = lambda *_a: NEW_PASSPHRASE
    job("Akte: neu verschlüsseln (sperrt die Akte)",
        lambda: rekey_action.trigger(ctx, window), lambda: not ctx.tasks.busy)
    for text in shown:
        if text.startswith("error") or "nicht gemessen" in text:
            print(text)


def _approved_deletion(session: Any, persons: Any, retention: Any,
                       household_id: Any) -> str | None:
    """A household due for deletion, proposed by the owner (Admin) and approved by the
    demo's Leitung; None when no household is due."""
    from casework.services import demo_showcase
    from casework.services.persons import workers

    lead = next((w.id for w in workers.all_workers(session)
                 if w.data.name == demo_showcase.LEITUNG_NAME), None)
    if lead is None:
        return None
    owner = session.actor_id
    for item in retention.deletion_due(session)[:3]:
        if item.request is not None:
            continue
        request_id, _changes = retention.propose_deletion(
            session, household_id(item.household_id), auth=persons.authorize(
                session, DEMO_PASSPHRASE))
        session.act_as(lead)
        try:
            retention.approve_deletion(session, request_id, auth=persons.authorize(
                session, DEMO_PASSPHRASE))
        finally:
            session.act_as(owner)
        return str(request_id)
    return None


if __name__ == "__main__":
    raise SystemExit(main())
