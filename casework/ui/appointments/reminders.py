"""Reminders of appointments while the app runs.

A QTimer (interval given by the caller) asks the service which of the acting worker's
planned appointments start within the lead time, by the injected clock; each one is
announced once, non-modally, through the message seam. Tests step the clock and call
`check()` (or let a short interval fire) — nothing sleeps.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from casework.clock import BERLIN
from casework.errors import UserError
from casework.models.appointments import DEFAULT_REMINDER_MINUTES
from casework.services import appointments
from casework.services.appointments import AppointmentRow
from casework.ui.context import UiContext

CHECK_INTERVAL_MS = 60_000


def reminder_text(row: AppointmentRow, minutes: int) -> str:
    when = "jetzt" if minutes <= 0 else f"in {minutes} Minuten"
    topic = f" – {row.appointment.data.topic}" if row.appointment.data.topic else ""
    return (f"Termin {when} ({row.local_start:%H:%M} Uhr): Familie {row.household_name}"
            f"{topic} – {row.appointment.data.place_type.value}")


class AppointmentReminder(QObject):
    reminded = Signal(list)  # the AppointmentRows just announced

    def __init__(self, ctx: UiContext, *, interval_ms: int = CHECK_INTERVAL_MS,
                 lead_minutes: int = DEFAULT_REMINDER_MINUTES,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lead_minutes = lead_minutes
        self.announced: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.timer.start()
        self.check()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> list[AppointmentRow]:
        session = self.ctx.session
        if session is None or not session.is_open:
            return []
        try:
            rows = appointments.due_reminders(session, lead_minutes=self.lead_minutes)
        except UserError:
            return []
        fresh = [r for r in rows if r.appointment.id not in self.announced]
        if not fresh:
            return []
        now = self.ctx.clock.now().astimezone(BERLIN)
        self.announced.update(r.appointment.id for r in fresh)
        for row in fresh:
            minutes = int((row.local_start - now).total_seconds() // 60)
            self.ctx.messages.notify(self.ctx.window, "Erinnerung an einen Termin",
                                     reminder_text(row, minutes))
        self.reminded.emit(fresh)
        return fresh
