"""„Akut: Wen rufe ich jetzt an?“ – the acute-routing dialog (issue 4, sources §4.2).

Made to be read under stress: the routes for this minute in the order to try them, the
phone numbers large, selectable and with a copy button, one line each on why the route
applies, the conflict note where the source rules overlap (Thursday 16–17 in Bottrop),
when the ASD is next reachable, the responsible district (or the candidates and a
Stadtteil picker when the Stadtteil is unknown or ambiguous) and the Rote Mappe.

All facts come from the vault's active directory profile (`services.directory`) through
`services.reference.acute_routing`; nothing here knows a city. The dialog re-checks the
clock on a timer and rebuilds when the answer changes (driven by `ctx.clock`, so tests
move a `FixedClock` and call `tick()`).

Opening it writes the audit event `kinderschutz.acute_routing_viewed` (household id only).
Other parts of the app (the § 8a record) open it through `show_acute_dialog`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from casework.clock import BERLIN
from casework.errors import UserError
from casework.models.changes import Changes
from casework.models.directory.profile import (
    AsdDistrict,
    EmergencyContact,
    Profile,
    districts_for_plz,
    resolve_district,
    stadtteil_key,
)
from casework.models.directory.texts import WEEKDAYS
from casework.models.kinderschutz.routing import AcuteRouting, Route, RouteKind
from casework.services.directory import vault_profile as directory
from casework.services.directory.shipped import acute_routing, load_profile
from casework.services.households import households
from casework.ui.context import UiContext

TITLE = "Akut: Wen rufe ich jetzt an?"
AUDIT_ACTION = "kinderschutz.acute_routing_viewed"
REFRESH_MS = 1000  # how often the clock is looked at; the content changes per minute

_UNKNOWN = "– Stadtteil wählen –"

_KIND_HEADINGS = {
    RouteKind.ASD: "ASD (Allgemeiner Sozialer Dienst)",
    RouteKind.NOTDIENST: "Notdienst des Jugendamtes",
    RouteKind.NOTFALL: "Notfall außerhalb der Dienstzeit",
}

# Keep dialogs opened without a parent alive until they are closed.
_OPEN: set[AcuteDialog] = set()


def format_moment(moment: datetime) -> str:
    local = moment.astimezone(BERLIN)
    return f"{WEEKDAYS[local.weekday()]}, {local:%d.%m.%Y}, {local:%H:%M} Uhr"


def _scaled(label: QLabel, factor: float, *, bold: bool = False) -> QLabel:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    label.setFont(font)
    return label


def _number_note(note: str, parent: QWidget) -> QLabel:
    """Under a phone number: whether the organisation has checked it (bold when not)."""
    unchecked = "ungeprüft" in note
    return _text(note, parent, factor=1.0, bold=unchecked,
                 name="Rufnummer ungeprüft" if unchecked else "Rufnummer geprüft")


def _text(
    text: str, parent: QWidget, *, factor: float = 1.15, bold: bool = False, name: str = ""
) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name or text)
    return _scaled(label, factor, bold=bold)


def phone_row(phone: str, parent: QWidget, *, caption: str = "", factor: float = 2.2) -> QWidget:
    """A large, selectable phone number with a copy button ("siehe …" stays plain text)."""
    if not any(ch.isdigit() for ch in phone):
        return _text(f"{caption} {phone}".strip(), parent, factor=1.1)
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    if caption:
        layout.addWidget(_text(caption, row, factor=1.1))
    number = QLabel(phone, row)
    number.setObjectName("phone")
    number.setTextFormat(Qt.TextFormat.PlainText)
    number.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    number.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    number.setAccessibleName(f"Rufnummer {phone}")
    _scaled(number, factor, bold=True)
    layout.addWidget(number)
    copy = QPushButton("Kopieren", row)
    copy.setAccessibleName(f"Rufnummer {phone} kopieren")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(phone))
    layout.addWidget(copy)
    layout.addStretch(1)
    return row


def _card(parent: QWidget, name: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    frame.setAccessibleName(name)
    layout = QVBoxLayout(frame)
    return frame, layout


class AcuteDialog(QDialog):
    def __init__(
        self,
        ctx: UiContext,
        stadtteil: str | None,
        household_id: str | None,
        parent: QWidget | None = None,
        *,
        refresh_ms: int = REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.household_plz = ""
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.resize(760, 820)

        self.profile = self._profile()
        self.stadtteil = (stadtteil or "").strip()
        if household_id is not None and ctx.is_unlocked:
            try:
                self.household_plz = households.get(ctx.require_session(), household_id).data.plz
            except UserError:
                self.household_plz = ""  # the routes do not depend on it

        outer = QVBoxLayout(self)
        outer.addWidget(_text(TITLE, self, factor=1.6, bold=True))
        self.now_label = _text("", self, factor=1.2, name="Aktuelle Uhrzeit")
        outer.addWidget(self.now_label)

        picker_row = QHBoxLayout()
        picker_caption = QLabel("Stadtteil der Familie:", self)
        self.stadtteil_picker = QComboBox(self)
        self.stadtteil_picker.setAccessibleName("Stadtteil wählen")
        picker_caption.setBuddy(self.stadtteil_picker)
        picker_row.addWidget(picker_caption)
        picker_row.addWidget(self.stadtteil_picker, 1)
        outer.addLayout(picker_row)
        self._fill_picker()
        self.stadtteil_picker.activated.connect(self._picked)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAccessibleName("Wege und Kontakte")
        outer.addWidget(self.scroll_area, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("Schließen")
        close.setAccessibleName("Schließen")
        outer.addWidget(buttons)

        self.routing: AcuteRouting | None = None
        self.route_cards: list[QFrame] = []
        self.reach_label: QLabel | None = None
        self._minute: datetime | None = None
        self.refresh()

        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.finished.connect(self._closed)
        ctx.changed.connect(self._on_changed)
        ctx.session_changed.connect(self._on_session_changed)

    # --- data ----------------------------------------------------------------------------

    def _profile(self) -> Profile:
        """The vault's directory; if it cannot be read, the shipped profile and a warning
        (on the acute path an answer from the shipped data beats no answer)."""
        self.profile_problem = ""
        if self.ctx.is_unlocked:
            try:
                return directory.active_profile(self.ctx.require_session())
            except UserError as error:
                self.profile_problem = (
                    f"⚠ {error.message} Angezeigt wird das mitgelieferte Profil – "
                    "Rufnummern bitte im Verzeichnis prüfen."
                )
        return self.ctx.profile or load_profile()

    def _fill_picker(self) -> None:
        self.stadtteil_picker.clear()
        self.stadtteil_picker.addItem(_UNKNOWN, "")
        wanted = stadtteil_key(self.stadtteil) if self.stadtteil else None
        for district in self.profile.asd.districts:
            for name in district.stadtteile:
                self.stadtteil_picker.addItem(f"{name} (Bezirk {district.number})", name)
                if stadtteil_key(name) == wanted:
                    self.stadtteil_picker.setCurrentIndex(self.stadtteil_picker.count() - 1)

    def _picked(self, index: int) -> None:
        value = str(self.stadtteil_picker.itemData(index) or "")
        if value:
            self.stadtteil = value
            self.refresh(force=True)

    # --- refresh ------------------------------------------------------------------------

    def tick(self) -> None:
        """Timer slot: rebuild when the minute changed (and the answer with it)."""
        minute = self.ctx.clock.now().replace(second=0, microsecond=0)
        if minute != self._minute:
            self.refresh()

    def refresh(self, *, force: bool = False) -> None:
        self._minute = self.ctx.clock.now().replace(second=0, microsecond=0)
        routing = acute_routing(self.ctx.clock, self.stadtteil or None, self.profile)
        self.now_label.setText(f"Jetzt: {format_moment(routing.moment)}")
        same = (
            self.routing is not None
            and dataclasses.replace(self.routing, moment=routing.moment) == routing
        )
        self.routing = routing
        if same and not force and self.reach_label is not None:
            self.reach_label.setText(self._reachability(routing))  # "(in 12 Min.)" moves on
            return
        content = QWidget()
        layout = QVBoxLayout(content)
        self._build(routing, content, layout)
        layout.addStretch(1)
        self.scroll_area.setWidget(content)

    # --- content ------------------------------------------------------------------------

    def _build(self, routing: AcuteRouting, parent: QWidget, layout: QVBoxLayout) -> None:
        if self.profile_problem:
            layout.addWidget(_text(self.profile_problem, parent, bold=True))
        if routing.conflict_note:
            frame, box = _card(parent, "Hinweis: Regeln überschneiden sich")
            box.addWidget(_text("⚠ Zwei Regeln gelten gleichzeitig", frame, factor=1.3, bold=True))
            box.addWidget(_text(routing.conflict_note, frame, name="Überschneidung"))
            layout.addWidget(frame)

        alternatives = routing.in_sprechzeit and len(routing.districts) > 1
        if len(routing.routes) == 1:
            lead = "Jetzt anrufen:"
        elif alternatives:
            lead = (
                "Jetzt anrufen – der Stadtteil ist nicht eindeutig, zuständig ist EINER "
                "dieser Bezirke (Stadtteil oben wählen):"
            )
        else:
            lead = "Jetzt anrufen, in dieser Reihenfolge:"
        layout.addWidget(_text(lead, parent, factor=1.3, bold=True))
        self.route_cards = []
        for position, route in enumerate(routing.routes, 1):
            card = self._route_card(position, route, parent)
            self.route_cards.append(card)
            layout.addWidget(card)

        self.reach_label = _text(
            self._reachability(routing),
            parent,
            factor=1.2,
            bold=True,
            name="Erreichbarkeit des ASD",
        )
        layout.addWidget(self.reach_label)
        layout.addWidget(self._district_section(routing, parent))
        layout.addWidget(self._rote_mappe(routing.emergency_contacts, parent))

    def _route_card(self, position: int, route: Route, parent: QWidget) -> QFrame:
        frame, box = _card(parent, f"Weg {position}: {route.label}")
        box.addWidget(_text(f"{position}. {route.label}", frame, factor=1.4, bold=True))
        box.addWidget(_text(_KIND_HEADINGS[route.kind], frame, factor=1.0))
        if route.contact_role:
            box.addWidget(_text(route.contact_role, frame))
        if route.phones:
            for phone in route.phones:
                box.addWidget(phone_row(phone, frame))
            if route.number_note:
                box.addWidget(_number_note(route.number_note, frame))
        else:
            box.addWidget(_text("Keine Rufnummer hinterlegt – siehe Verzeichnis.", frame))
        if route.email:
            box.addWidget(_text(f"E-Mail: {route.email}", frame))
        box.addWidget(_text(f"Warum: {route.reason}", frame, factor=1.0))
        return frame

    def _reachability(self, routing: AcuteRouting) -> str:
        if routing.in_sprechzeit and routing.sprechzeit_until is not None:
            return f"ASD-Sprechzeit jetzt, bis {routing.sprechzeit_until:%H:%M} Uhr."
        if routing.next_asd_sprechzeit is None:
            return "Im Verzeichnis ist keine Sprechzeit des ASD hinterlegt."
        when = routing.next_asd_sprechzeit
        return f"ASD wieder erreichbar: {format_moment(when)}{_in(when - routing.moment)}."

    def _district_section(self, routing: AcuteRouting, parent: QWidget) -> QFrame:
        frame, box = _card(parent, "Zuständiger ASD-Bezirk")
        box.addWidget(_text("Zuständiger ASD-Bezirk", frame, factor=1.3, bold=True))
        name = routing.stadtteil
        candidates: list[AsdDistrict] = []
        if name and len(routing.districts) == 1:
            box.addWidget(_text(f"Stadtteil „{name}“:", frame))
            self._district(routing.districts[0], frame, box)
            return frame
        if name and routing.districts:
            box.addWidget(
                _text(
                    f"„{name}“ ist nicht eindeutig – infrage kommen diese Bezirke. Bitte den "
                    "genauen Stadtteil oben wählen.",
                    frame,
                    bold=True,
                    name="Stadtteil mehrdeutig",
                )
            )
            candidates.extend(routing.districts)
        else:
            if name:
                text = f"Der Stadtteil „{name}“ ist im Verzeichnis nicht bekannt."
                if routing.stadtteil_suggestions:
                    text += f" Meinten Sie: {', '.join(routing.stadtteil_suggestions)}?"
            else:
                text = "Für die Familie ist kein Stadtteil eingetragen."
            box.addWidget(
                _text(
                    text + " Bitte den Stadtteil oben wählen.",
                    frame,
                    bold=True,
                    name="Stadtteil unbekannt",
                )
            )
            for suggestion in routing.stadtteil_suggestions:
                candidates.extend(resolve_district(self.profile, suggestion))
            if self.household_plz:
                by_plz = districts_for_plz(self.profile, self.household_plz)
                if by_plz:
                    numbers = ", ".join(str(d.number) for d in by_plz)
                    box.addWidget(
                        _text(
                            f"Nach der PLZ {self.household_plz} kommen infrage: Bezirk {numbers}.",
                            frame,
                            name="Kandidaten nach PLZ",
                        )
                    )
                candidates.extend(by_plz)
        if candidates and not routing.districts:
            box.addWidget(_text("Infrage kommende Bezirke:", frame, bold=True))
        seen: set[int] = set()
        for district in candidates:
            if district.number not in seen:
                seen.add(district.number)
                self._district(district, frame, box)
        return frame

    def _district(self, district: AsdDistrict, frame: QWidget, box: QVBoxLayout) -> None:
        box.addWidget(
            _text(f"Bezirk {district.number}: {', '.join(district.stadtteile)}", frame, bold=True)
        )
        box.addWidget(_text(district.contact_role, frame))
        if district.phone:
            box.addWidget(phone_row(district.phone, frame, factor=1.6))
            box.addWidget(_number_note(district.source.note(), frame))
        if district.email:
            box.addWidget(_text(f"E-Mail: {district.email}", frame))

    def _rote_mappe(self, contacts: tuple[EmergencyContact, ...], parent: QWidget) -> QFrame:
        frame, box = _card(parent, "Rote Mappe Kinderschutz")
        box.addWidget(_text("Rote Mappe Kinderschutz", frame, factor=1.3, bold=True))
        if not contacts:
            box.addWidget(_text("Keine Einträge im Verzeichnis.", frame))
        for contact in contacts:
            box.addWidget(_text(contact.name, frame, bold=True))
            if contact.emergency_number:
                box.addWidget(
                    phone_row(
                        contact.emergency_number, frame, caption="Notruf/Notfall:", factor=1.5
                    )
                )
            if contact.phone and contact.phone != contact.emergency_number:
                box.addWidget(phone_row(contact.phone, frame, caption="Telefon:", factor=1.3))
            box.addWidget(_number_note(contact.source.note(), frame))
            details = [d for d in (contact.hours, contact.address) if d]
            if details:
                box.addWidget(_text(" · ".join(details), frame, factor=1.0))
            if contact.purpose:
                box.addWidget(_text(contact.purpose, frame, factor=1.0))
        return frame

    # --- closing ------------------------------------------------------------------------

    def _on_changed(self, changes: Changes) -> None:
        if changes.affects(directory.KIND):
            self.profile = self._profile()
            self._fill_picker()
            self.refresh(force=True)

    def _on_session_changed(self) -> None:
        # Locking hides everything of a case, this dialog included.
        if not self.ctx.is_unlocked:
            self.reject()

    def _closed(self) -> None:
        self.timer.stop()
        _OPEN.discard(self)

    def route_phones(self) -> list[str]:
        """The phone numbers of the routes, in order (what to dial now)."""
        return [
            label.text()
            for card in self.route_cards
            for label in card.findChildren(QLabel, "phone")
        ]

    def visible_texts(self) -> list[str]:
        """The texts a person sees (for tests and screen-reader checks)."""
        return [
            label.text()
            for label in self.findChildren(QLabel)
            if label.isVisibleTo(self) and label.text()
        ]


def _in(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f" (in {minutes} Min.)"
    hours = minutes // 60
    if hours < 48:
        return f" (in {hours} Std. {minutes % 60} Min.)"
    return f" (in {hours // 24} Tagen)"


def show_acute_dialog(
    ctx: UiContext, parent: QWidget | None, stadtteil: str | None, household_id: str | None
) -> AcuteDialog:
    """Open the acute dialog (non-modal) and write the audit event. Returns the dialog."""
    dialog = AcuteDialog(ctx, stadtteil, household_id, parent)
    if ctx.is_unlocked:
        try:
            ctx.require_session().audit(
                AUDIT_ACTION, "household" if household_id else "", household_id or ""
            )
        except UserError as error:  # the answer matters more than the log entry
            ctx.report(error)
    _OPEN.add(dialog)
    dialog.show()
    dialog.activateWindow()
    return dialog
