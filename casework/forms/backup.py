"""Recovery sheet: the organisation recovery key (or one half of it) on paper, for the
office safe (LR-42). Plain text only, no QR code; grouped characters, a check pair per
line. The PDF metadata names the document, never the key or a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl

TITLE = "Wiederherstellungsschlüssel"


@dataclass(frozen=True, slots=True)
class SheetLine:
    number: int
    groups: tuple[str, ...]
    check: str


@dataclass(frozen=True, slots=True)
class RecoverySheetData:
    vault_id: str
    created_at: datetime  # aware
    part: int  # 0 = whole key, 1 or 2 = half
    parts: int
    lines: tuple[SheetLine, ...]
    letterhead: base.Letterhead


def _title(data: RecoverySheetData) -> str:
    if data.parts == 2:
        return f"{TITLE} – Teil {data.part} von 2"
    return TITLE


def render_recovery_sheet(data: RecoverySheetData, clock: Clock) -> bytes:
    st = base.styles()
    story = [
        fl.para(_title(data), st.title),
        fl.para("Casework – Notfallzugang zur verschlüsselten Akte", st.subtitle),
        fl.key_value_table([
            ("Akten-Kennung", data.vault_id),
            ("Erstellt am", base.format_datetime(data.created_at)),
            ("Blatt", f"Teil {data.part} von 2 (beide Teile nötig)" if data.parts == 2
             else "vollständiger Schlüssel"),
        ]),
        fl.spacer(4),
        fl.para("Schlüssel", st.heading),
        _key_table(data),
        fl.para("Eingabe: jede Zeile mit ihren zwei Prüfzeichen am Ende eingeben. Leerzeichen "
                "und Bindestriche sind egal, Groß-/Kleinschreibung auch; O gilt als 0, I und L "
                "als 1. Die Prüfzeichen zeigen einen Tippfehler in genau dieser Zeile an.",
                st.small),
        fl.para("Wozu dieses Blatt dient", st.heading),
        fl.bullets(_explanations(data)),
        fl.spacer(6),
        fl.signature_row(("Ort, Datum", "Verwahrt von (Name, Unterschrift)")),
    ]
    return base.build_document(story, letterhead=data.letterhead, title=_title(data),
                               clock=clock, footer_note="Vertraulich – im Tresor aufbewahren")


def _key_table(data: RecoverySheetData) -> object:
    st = base.styles()
    key_style = base.clone(st.body_bold, fontSize=15, leading=20)
    check_style = base.clone(st.body, fontSize=15, leading=20)
    rows = []
    width = max(len(line.groups) for line in data.lines)
    for line in data.lines:
        cells: list[object] = [fl.para(f"{line.number}:", check_style)]
        cells += [fl.para(g, key_style) for g in line.groups]
        cells += [""] * (width - len(line.groups))
        cells.append(fl.para(line.check, check_style))
        rows.append(cells)
    group_w = base.mm(26)
    table = fl.layout_table(rows, colWidths=[base.mm(12)] + [group_w] * width + [base.mm(20)])
    table.setStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBEFORE", (-1, 0), (-1, -1), 0.6, base.grey(0.4)),
        ("LEFTPADDING", (-1, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("BOX", (0, 0), (-1, -1), 0.8, base.grey(0.2)),
    ])
    table.spaceAfter = 6
    return table


def _explanations(data: RecoverySheetData) -> list[str]:
    items = [
        "Mit diesem Schlüssel kann die Leitung die Akte öffnen, wenn die Passphrase vergessen "
        "wurde oder die zuständige Person nicht erreichbar ist („casework vault recover“). "
        "Danach muss sofort eine neue Passphrase gesetzt werden; der Vorgang wird im "
        "Zugriffsprotokoll festgehalten.",
        "Auch Sicherungen dieser Akte lassen sich damit wiederherstellen.",
    ]
    if data.parts == 2:
        items.append("Dieser Teil allein nützt nichts: Beide Teile werden gebraucht "
                     "(Vier-Augen-Prinzip). Die beiden Teile getrennt verwahren, bei zwei "
                     "verschiedenen verantwortlichen Personen.")
    items += [
        "Im Tresor der Dienststelle aufbewahren. Nicht fotografieren, nicht kopieren, nicht "
        "per E-Mail versenden; die PDF-Datei nach dem Ausdrucken löschen.",
        "Wird ein neuer Wiederherstellungsschlüssel erstellt, ist dieses Blatt ungültig und "
        "sollte vernichtet werden (Aktenvernichter).",
    ]
    return items
