"""Documents of a family or person (letters, notices, certificates, photos): an encrypted
attachment plus what it is (category, date, note). What kind of file it is comes from
its first bytes, never from the name, so the app knows whether it can show it inside
(PDF, image) without writing anything to disk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from casework.errors import ValidationError

MAX_TEXT = 500


class DocumentCategory(StrEnum):
    BRIEF = "Brief"
    BESCHEID = "Bescheid"
    BESCHEINIGUNG = "Bescheinigung/Nachweis"
    ANTRAG = "Antrag/Formular"
    FOTO = "Foto"
    VEREINBARUNG = "Vereinbarung"
    SONSTIGES = "Sonstiges"


class MediaKind(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"
    GIF = "image/gif"
    TIFF = "image/tiff"
    WEBP = "image/webp"
    OTHER = "application/octet-stream"

    @property
    def is_image(self) -> bool:
        return self.value.startswith("image/")


def sniff(data: bytes) -> MediaKind:
    if data.startswith(b"%PDF-"):
        return MediaKind.PDF
    if data.startswith(b"\xff\xd8\xff"):
        return MediaKind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return MediaKind.GIF
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return MediaKind.TIFF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return MediaKind.WEBP
    return MediaKind.OTHER


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    household_id: str
    category: DocumentCategory
    title: str
    on: date | None = None  # date of the document (Bescheid vom …)
    note: str = ""
    person_ids: tuple[str, ...] = ()  # whom it concerns (Art. 15)

    def validated(self, member_ids: set[str], today: date) -> DocumentDraft:
        title = self.title.strip()
        if not title:
            raise ValidationError("Bezeichnung", "bitte angeben.")
        note = self.note.strip()
        for label, text in (("Bezeichnung", title), ("Notiz", note)):
            if len(text) > MAX_TEXT:
                raise ValidationError(label, f"ist zu lang (höchstens {MAX_TEXT} Zeichen).")
        try:
            category = DocumentCategory(self.category)
        except ValueError:
            raise ValidationError("Art", "ist unbekannt.") from None
        if self.on is not None and self.on > today:
            raise ValidationError("Datum", "liegt in der Zukunft.")
        persons = tuple(dict.fromkeys(self.person_ids))
        if any(p not in member_ids for p in persons):
            raise ValidationError("Betrifft", "enthält jemanden, der nicht zum Haushalt "
                                              "gehört.")
        return DocumentDraft(self.household_id, category, title, self.on, note, persons)


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    data: DocumentDraft
    attachment_id: str
    file_name: str
    media: MediaKind
    size: int
    content_hash: str
    added_at: datetime
    added_by: str
