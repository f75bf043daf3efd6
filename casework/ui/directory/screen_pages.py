"""Verzeichnis: the text of its two reading tabs, Sprechzeiten & Notdienst (the ASD's
office, hours and emergency numbers) and Hinweise (the profile's notes, the data-quality
warnings and the vault's edit history), filled again whenever the profile changes."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from casework.clock import BERLIN, from_utc_iso
from casework.models.directory import quality
from casework.models.directory.profile import Profile
from casework.models.directory.texts import (
    WEEKDAYS,
    after_hours_text,
    overlap_lines,
    sprechzeiten_lines,
)
from casework.services.directory import vault_profile as directory
from casework.ui.context import UiContext
from casework.ui.directory.screen_widgets import label
from casework.ui.kinderschutz.acute_dialog import phone_row


def _clear_layout(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def fill_hours(hours_body: QWidget, profile: Profile) -> None:
    layout = hours_body.layout()
    assert isinstance(layout, QVBoxLayout)
    _clear_layout(layout)
    asd = profile.asd
    tab = hours_body
    layout.addWidget(label(asd.office_name, tab, bold=True))
    if asd.office_address:
        layout.addWidget(label(asd.office_address, tab))
    if asd.office_phone:
        layout.addWidget(phone_row(asd.office_phone, tab, caption="Zentrale:", factor=1.2))
    layout.addWidget(label("Allgemeine Sprechzeiten des ASD", tab, bold=True))
    for line in sprechzeiten_lines(asd.office_hours, asd.working_days):
        layout.addWidget(label(line, tab))
    for line in overlap_lines(profile):
        layout.addWidget(label(line, tab, bold=True))
    layout.addWidget(label(asd.notdienst_label, tab, bold=True))
    layout.addWidget(
        label(
            "Außerhalb der allgemeinen Sprechzeiten in dringenden Fällen (an Arbeitstagen, "
            "bevor die Notfallregelung beginnt):",
            tab,
        )
    )
    layout.addWidget(phone_row(asd.notdienst_phone, tab, factor=1.4))
    layout.addWidget(label("Notfälle außerhalb der Dienstzeit", tab, bold=True))
    layout.addWidget(label(after_hours_text(profile), tab))
    for phone in asd.after_hours.phones:
        layout.addWidget(phone_row(phone, tab, factor=1.4))
    days = ", ".join(WEEKDAYS[d] for d in sorted(asd.working_days))
    layout.addWidget(label(f"Arbeitstage: {days}", tab))
    layout.addStretch(1)


def fill_notes(ctx: UiContext, notes_box: QVBoxLayout, notes_tab: QWidget,
               profile: Profile) -> None:
    _clear_layout(notes_box)
    tab = notes_tab
    notes_box.addWidget(
        label("Hinweise zu den Daten (Widersprüche, Lücken)", tab, bold=True)
    )
    if not profile.notes:
        notes_box.addWidget(label("Keine Hinweise im Profil.", tab))
    for note in profile.notes:
        notes_box.addWidget(label(f"• {note}", tab))
    warnings = quality.warnings(profile)
    if warnings:
        notes_box.addWidget(label("Bitte prüfen", tab, bold=True))
    for warning in warnings:
        notes_box.addWidget(label(f"• {warning}", tab))
    if ctx.is_unlocked:
        revisions = directory.revisions(ctx.require_session(), limit=20)
        if revisions:
            notes_box.addWidget(label("Änderungen in dieser Akte", tab, bold=True))
        for info in revisions:
            what = {"edit": "geändert", "import": "importiert", "reset": "zurückgesetzt"}
            fields = ", ".join(info.changed_paths[:6])
            more = " …" if len(info.changed_paths) > 6 else ""
            notes_box.addWidget(
                label(
                    f"Stand {info.revision}: {what.get(info.source, info.source)} am "
                    f"{date_text(info.created_at)} von {info.author_name or 'unbekannt'}"
                    + (f" ({fields}{more})" if fields else ""),
                    tab,
                )
            )
    notes_box.addStretch(1)


def date_text(utc_iso: str) -> str:
    return f"{from_utc_iso(utc_iso).astimezone(BERLIN):%d.%m.%Y %H:%M}"
