"""German texts about a directory profile: Sprechzeiten, after-hours rule, overlaps,
partner details. Pure functions shared by the Verzeichnis screen, the acute dialog and the
printable Rote Mappe (`casework.forms.directory`).
"""

from __future__ import annotations

from casework.models.directory.profile import Partner, Profile, WeeklySlot

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def sprechzeiten_lines(slots: tuple[WeeklySlot, ...], working_days: tuple[int, ...]) -> list[str]:
    """'Montag: 08:30–12:30' per day with Sprechzeit; days without are listed once."""
    lines: list[str] = []
    without: list[str] = []
    for day in range(7):
        todays = sorted((s for s in slots if s.weekday == day), key=lambda s: s.start)
        if todays:
            times = ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M}" for s in todays)
            lines.append(f"{WEEKDAYS[day]}: {times} Uhr")
        elif day in working_days:
            without.append(WEEKDAYS[day])
    if without:
        lines.append(f"Keine Sprechzeit: {', '.join(without)}")
    return lines


def overlap_lines(profile: Profile) -> list[str]:
    """Sprechzeiten that reach into the after-hours window (sources §3.20 no. 8)."""
    rule = profile.asd.after_hours
    lines = []
    for slot in sorted(profile.asd.office_hours, key=lambda s: (s.weekday, s.start)):
        starts = rule.starts_at(slot.weekday)
        if slot.weekday in profile.asd.working_days and slot.end > starts:
            lines.append(
                f"Überschneidung: Die Sprechzeit {slot.label()} reicht in die Notfallregelung "
                f"ab {starts:%H:%M} Uhr. In dieser Zeit zeigt „Akut“ beide Wege."
            )
    return lines


def partner_text(partner: Partner) -> str:
    """All of a partner's details, one line each (the table cuts long cells)."""
    lines = [f"{partner.name} ({partner.kind})"]
    for label, value in (
        ("Adresse", partner.address),
        ("Kontakt", partner.contact_role),
        ("Telefon", partner.phone),
        ("E-Mail", partner.email),
        ("Angebote", ", ".join(partner.offers)),
        (
            "Öffnungszeiten",
            "; ".join(
                f"{WEEKDAYS[s.weekday]} {s.start:%H:%M}–{s.end:%H:%M} Uhr"
                for s in partner.opening_hours
            ),
        ),
        ("Hinweise", partner.notes),
    ):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def after_hours_text(profile: Profile) -> str:
    rule = profile.asd.after_hours
    parts = [f"Von {rule.daily_from:%H:%M} Uhr bis {rule.until:%H:%M} Uhr des nächsten Arbeitstags"]
    for day, start in rule.early_from:
        parts.append(f"{WEEKDAYS[day]}s bereits ab {start:%H:%M} Uhr")
    if rule.weekends:
        parts.append("an Wochenenden")
    if rule.holidays:
        parts.append(f"an gesetzlichen Feiertagen ({profile.holiday_subdivision})")
    return "; ".join(parts) + f": {rule.route_label}."
