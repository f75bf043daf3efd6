"""Appointments (Termine) with a family: when, where, with whom; the calendar export.

The export for the worker's own calendar (`ics_text`) carries no personal data unless
asked to: calendars sync to clouds, so by default the event is "Termin – Casework" with
its time and the kind of place only (no name, no address, no topic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from casework.errors import ValidationError

MIN_DURATION, MAX_DURATION = 5, 12 * 60
MAX_TEXT = 500
DEFAULT_REMINDER_MINUTES = 30


class PlaceType(StrEnum):
    """Where an appointment happens (the export shows only this)."""

    ZUHAUSE = "bei der Familie zu Hause"
    STADTTEILBUERO = "Stadtteilbüro"
    BUERO = "Büro"
    TELEFON = "Telefon/Video"
    SCHULE_KITA = "Schule/Kita"
    BEHOERDE = "Amt/Behörde"
    PRAXIS = "Praxis/Klinik"
    SONSTIGES = "anderer Ort"


class AppointmentStatus(StrEnum):
    GEPLANT = "geplant"
    STATTGEFUNDEN = "stattgefunden"
    ABGESAGT = "abgesagt"


@dataclass(frozen=True, slots=True)
class AppointmentDraft:
    household_id: str
    starts_at: datetime  # aware
    duration_min: int = 60
    place_type: PlaceType = PlaceType.ZUHAUSE
    place: str = ""  # address or room; never exported by default
    person_ids: tuple[str, ...] = ()
    topic: str = ""
    note: str = ""

    def validated(self, member_ids: set[str]) -> AppointmentDraft:
        if self.starts_at.tzinfo is None:
            raise ValidationError("Datum/Uhrzeit", "ohne Zeitzone.")
        if not MIN_DURATION <= self.duration_min <= MAX_DURATION:
            raise ValidationError("Dauer", f"muss zwischen {MIN_DURATION} und "
                                           f"{MAX_DURATION} Minuten liegen.")
        try:
            place_type = PlaceType(self.place_type)
        except ValueError:
            raise ValidationError("Art des Ortes", "ist unbekannt.") from None
        persons = tuple(dict.fromkeys(self.person_ids))
        if any(p not in member_ids for p in persons):
            raise ValidationError("Personen", "enthält jemanden, der nicht zum Haushalt "
                                              "gehört.")
        texts = {"Ort": self.place.strip(), "Anlass": self.topic.strip(),
                 "Notiz": self.note.strip()}
        for label, text in texts.items():
            if len(text) > MAX_TEXT:
                raise ValidationError(label, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
        return AppointmentDraft(self.household_id, self.starts_at.replace(microsecond=0),
                                self.duration_min, place_type, texts["Ort"], persons,
                                texts["Anlass"], texts["Notiz"])


@dataclass(frozen=True, slots=True)
class Appointment:
    id: str
    data: AppointmentDraft
    status: AppointmentStatus
    contact_id: str  # the contact logged from it ('' if none)
    cancel_reason: str
    created_by: str

    @property
    def ends_at(self) -> datetime:
        return self.data.starts_at + timedelta(minutes=self.data.duration_min)

    def is_past(self, now: datetime) -> bool:
        return self.data.starts_at <= now

    @property
    def is_planned(self) -> bool:
        return self.status is AppointmentStatus.GEPLANT


EXPORT_TITLE = "Termin – Casework"


def _ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return out.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "")


def _fold(line: str) -> list[str]:
    """RFC 5545 §3.1: lines longer than 75 octets are folded."""
    raw = line.encode()
    if len(raw) <= 75:
        return [line]
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0], *(" " + p for p in parts[1:])]


def ics_text(appointment: Appointment, now: datetime, *, uid_domain: str = "casework.local",
             details: tuple[str, str] | None = None) -> str:
    """One VEVENT as iCalendar text. Without `details` the event says only
    "Termin – Casework", the time and the kind of place; `details` (title, location)
    is the worker's explicit choice to include more."""
    summary, location = (EXPORT_TITLE, appointment.data.place_type.value)
    if details is not None:
        summary, location = details
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Casework//Termin//DE",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{appointment.id}@{uid_domain}", f"DTSTAMP:{_ics_time(now)}",
        f"DTSTART:{_ics_time(appointment.data.starts_at)}",
        f"DTEND:{_ics_time(appointment.ends_at)}",
        f"SUMMARY:{_ics_escape(summary)}", f"LOCATION:{_ics_escape(location)}",
        "CLASS:PRIVATE", "TRANSP:OPAQUE",
    ]
    if appointment.status is AppointmentStatus.ABGESAGT:
        lines.append("STATUS:CANCELLED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    folded = [part for line in lines for part in _fold(line)]
    return "\r\n".join(folded) + "\r\n"
