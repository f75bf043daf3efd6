"""Idle-time warm-up of the secondary screens (issue 23: nothing over ~100 ms on the GUI
thread).

Importing a screen's modules is most of what its first opening costs (Teilhabe,
Kinderschutz, Einstellungen, Berichte, Datenschutz: 30–90 ms each, mostly the creation
of their dataclasses). The workspace imports them here after its first page has been
built and painted: one module per step (a few to ~25 ms), a pause between steps in which
input and painting go first, and no step while the worker loads something (a step holds
Python's GIL and would slow that list down). Locking stops it (`stop`, and the workspace
that owns it is deleted). The imports are plain function-level imports, like the
registry's, in an order that keeps each step small: what a module needs comes before it.

At its end the objects alive then (modules, classes, the first page) are moved out of the
garbage collector's reach (`gc.freeze`): a full collection walked all of them, 30–80 ms
at random moments (a click, a first opening) on a loaded machine, and now walks only what
was made since. Locking gives them back (`gc.unfreeze`), so what the closed workspace
left behind in reference cycles is collected as before.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

from casework.ui.context import UiContext

START_AFTER_MS = 400  # after the first page: its list loads and paints first
STEP_PAUSE_MS = 15  # between two steps: input and painting go first
BUSY_RETRY_MS = 100  # the worker loads something: ask again later

Step = Callable[[], object]


# Each step imports one module (its own imports are mostly done by the steps before it).
# The family file first: it is what a person opens most after the list.

def _contacts_tabs() -> object:
    from casework.ui.contacts import tabs
    return tabs


def _family_file() -> object:
    from casework.ui.households import family_file
    return family_file


def _dossier() -> object:
    from casework.models.kinderschutz import dossier
    return dossier


def _redaction() -> object:
    from casework.models.privacy import redaction
    return redaction


def _kinderschutz_forms() -> object:
    from casework.forms import kinderschutz
    return kinderschutz


def _kinderschutz_procedures() -> object:
    from casework.services.kinderschutz import procedures
    return procedures


def _kinderschutz_documents() -> object:
    from casework.services.kinderschutz import documents
    return documents


def _kinderschutz_common() -> object:
    from casework.ui.kinderschutz import common
    return common


def _kinderschutz_steps() -> object:
    from casework.ui.kinderschutz import dialogs_steps
    return dialogs_steps


def _kinderschutz_view() -> object:
    from casework.ui.kinderschutz import procedure_view
    return procedure_view


def _kinderschutz_screen() -> object:
    from casework.ui.kinderschutz import screen
    return screen


def _consent_dialogs() -> object:
    from casework.ui.consent import dialogs
    return dialogs


def _consent_screen() -> object:
    from casework.ui.consent import screen
    return screen


def _referrals_screen() -> object:
    from casework.ui.referrals import screen
    return screen


def _teilhabe_funding() -> object:
    from casework.models.teilhabe import funding
    return funding


def _teilhabe_intake() -> object:
    from casework.models.teilhabe import intake
    return intake


def _teilhabe_service() -> object:
    from casework.services import teilhabe
    return teilhabe


def _teilhabe_enrol() -> object:
    from casework.ui.teilhabe import enrol
    return enrol


def _teilhabe_lead() -> object:
    from casework.ui.teilhabe import lead
    return lead


def _teilhabe_screen() -> object:
    from casework.ui.teilhabe import screen
    return screen


def _report_models() -> object:
    from casework.models import reports
    return reports


def _offer_models() -> object:
    from casework.models import offers
    return offers


def _jahresbericht() -> object:
    from casework.reports import jahresbericht
    return jahresbericht


def _monitoring() -> object:
    from casework.reports import monitoring
    return monitoring


def _report_export() -> object:
    from casework.reports import export
    return export


def _offers_panel() -> object:
    from casework.ui.offers import panel
    return panel


def _reports_screen() -> object:
    from casework.ui.reports import screen
    return screen


def _disclosure_form() -> object:
    from casework.forms.privacy import disclosure
    return disclosure


def _disclosure_service() -> object:
    from casework.services.privacy import disclosure_answer
    return disclosure_answer


def _privacy_screen() -> object:
    from casework.ui.privacy import screen
    return screen


def _directory_dialogs() -> object:
    from casework.ui.directory import dialogs
    return dialogs


def _directory_screen() -> object:
    from casework.ui.directory import screen
    return screen


def _hub_service() -> object:
    from casework.services import hub
    return hub


def _settings_screen() -> object:
    from casework.ui import settings_screen
    return settings_screen


def _vetting_dialogs() -> object:
    from casework.ui.vetting import dialogs
    return dialogs


def _vetting_screen() -> object:
    from casework.ui.vetting import screen
    return screen


STEPS: tuple[Step, ...] = (
    _contacts_tabs, _family_file,
    _dossier, _redaction, _kinderschutz_forms, _kinderschutz_procedures,
    _kinderschutz_documents, _kinderschutz_common, _kinderschutz_steps, _kinderschutz_view,
    _kinderschutz_screen,
    _consent_dialogs, _consent_screen, _referrals_screen,
    _teilhabe_funding, _teilhabe_intake, _teilhabe_service, _teilhabe_enrol, _teilhabe_lead,
    _teilhabe_screen,
    _report_models, _offer_models, _jahresbericht, _monitoring, _report_export,
    _offers_panel, _reports_screen,
    _disclosure_form, _disclosure_service, _privacy_screen,
    _directory_dialogs, _directory_screen,
    _hub_service, _settings_screen,
    _vetting_dialogs, _vetting_screen,
)


class WarmUp(QObject):
    """Runs `steps` one by one in idle time once `start` is called; `stop` ends it for
    good. `done` counts the steps run, `longest_ms` the longest one (for the audit)."""

    def __init__(self, ctx: UiContext, steps: Sequence[Step] = STEPS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.steps = tuple(steps)
        self.done = 0
        self.longest_ms = 0.0
        self.started = False
        self.stopped = False
        self.frozen = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._step)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    @property
    def finished(self) -> bool:
        return self.stopped or self.done >= len(self.steps)

    def start(self, after_ms: int = START_AFTER_MS) -> None:
        """Once: the first step after `after_ms` (the first page has been painted)."""
        if self.started or self.stopped:
            return
        self.started = True
        self.timer.start(after_ms)

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()
        if self.frozen:
            self.frozen = False
            gc.unfreeze()

    def _step(self) -> None:
        session = self.ctx.session
        if self.finished or session is None or not session.is_open:
            self.stop()
            return
        if self.ctx.tasks.busy:
            self.timer.start(BUSY_RETRY_MS)
            return
        began = time.perf_counter()
        step = self.steps[self.done]
        self.done += 1
        step()
        self.longest_ms = max(self.longest_ms, (time.perf_counter() - began) * 1000)
        if not self.finished:
            self.timer.start(STEP_PAUSE_MS)
        else:
            gc.freeze()
            self.frozen = True
