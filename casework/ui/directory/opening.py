"""„Wer hat offen?“ on the Partner tab: a time (now by default) and a place; the answer
names who is open and until when, or that everyone is closed and who opens next. The
partner table then shows only the partners at that place with their state."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casework.clock import BERLIN
from casework.errors import ValidationError
from casework.models.directory.opening import OpenState
from casework.models.directory.profile import Profile
from casework.services.directory.shipped import open_partners
from casework.ui.context import UiContext
from casework.ui.widgets import error_label, line_edit, named

_MOMENT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2})[:.](\d{2}))?\s*$")
MOMENT_HINT = "jetzt – oder TT.MM.JJJJ HH:MM"


def parse_moment(text: str) -> datetime | None:
    """'' → None (now); 'TT.MM.JJJJ [HH:MM]' → a local moment (noon without a time)."""
    if not text.strip():
        return None
    match = _MOMENT.match(text)
    if match is None:
        raise ValidationError("Zeitpunkt", "bitte als TT.MM.JJJJ HH:MM eingeben.")
    day, month, year, hour, minute = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour or 12), int(minute or 0),
                        tzinfo=BERLIN)
    except ValueError:
        raise ValidationError("Zeitpunkt", "ist kein gültiger Zeitpunkt.") from None


def answer_text(states: list[OpenState], moment: datetime, place: str) -> str:
    where = f" ({place.strip()})" if place.strip() else ""
    when = f"{moment:%d.%m.%Y um %H:%M}"
    if not states:
        return (f"Kein Partner{where} gefunden (gesucht in Name, Adresse und Hinweisen).")
    open_now = [s for s in states if s.is_open]
    if open_now:
        names = "; ".join(f"{s.partner.name} ({s.text(moment)})" for s in open_now)
        return f"Am {when}{where} geöffnet: {names}"
    soon = [s for s in states if s.opens_at is not None]
    if soon:
        first = soon[0]
        return (f"Am {when}{where} hat niemand geöffnet. Als Nächstes: {first.partner.name} "
                f"– {first.text(moment)}.")
    return f"Am {when}{where} hat niemand geöffnet; keine Öffnungszeiten hinterlegt."


class OpenNowBar(QWidget):
    """Inputs and the answer; `on_result(states, moment)` (None: reset) lets the screen
    filter its partner table."""

    def __init__(self, ctx: UiContext, profile: Callable[[], Profile],
                 on_result: Callable[[list[OpenState] | None, datetime | None], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile = profile
        self.on_result = on_result
        self.moment = line_edit("Zeitpunkt", self, MOMENT_HINT)
        self.place = line_edit("Ort", self, "Ort: Stadtteil, Straße oder PLZ (leer: alle)")
        self.ask_button = QPushButton("Wer hat &offen?", self)
        named(self.ask_button, "Wer hat offen?")
        self.ask_button.clicked.connect(self.ask)
        self.reset_button = QPushButton("Alle Partner", self)
        named(self.reset_button, "Alle Partner zeigen")
        self.reset_button.clicked.connect(self.reset)
        self.moment.returnPressed.connect(self.ask)
        self.place.returnPressed.connect(self.ask)
        self.answer = QLabel(self)
        self.answer.setWordWrap(True)
        named(self.answer, "Antwort: wer hat offen")
        font = self.answer.font()
        font.setBold(True)
        self.answer.setFont(font)
        self.answer.setVisible(False)
        self.error = error_label(self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Wann:", self))
        row.addWidget(self.moment, 2)
        row.addWidget(QLabel("Wo:", self))
        row.addWidget(self.place, 3)
        row.addWidget(self.ask_button)
        row.addWidget(self.reset_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.error)
        box.addWidget(self.answer)

    def ask(self) -> None:
        self.error.setVisible(False)
        try:
            at = parse_moment(self.moment.text())
        except ValidationError as error:
            self.error.setText(f"⚠ {error.message}")
            self.error.setVisible(True)
            self.moment.setFocus()
            return
        moment = (at or self.ctx.clock.now()).astimezone(BERLIN)
        states = open_partners(self.profile(), self.ctx.clock, self.place.text(), moment)
        self.answer.setText(answer_text(states, moment, self.place.text()))
        self.answer.setVisible(True)
        self.on_result(states, moment)

    def reset(self) -> None:
        self.moment.clear()
        self.place.clear()
        self.error.setVisible(False)
        self.answer.setVisible(False)
        self.on_result(None, None)
