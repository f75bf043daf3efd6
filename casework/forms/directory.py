"""Printable „Rote Mappe Kinderschutz“ with the ASD list (issue 6, optional printout).

One A4 document from the vault's directory profile: whom to call when (Sprechzeiten,
Notdienst, the after-hours route and where the rules overlap), the Rote Mappe emergency
contacts, the ASD districts with their Stadtteile and the special functions. Reference
data only: no household, no person. Takes plain data and a clock (ARCHITECTURE §7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.forms.base import (
    CONTENT_WIDTH,
    build_document,
    letterhead_from_organisation,
    styles,
)
from casework.forms.flowables import bullets, data_table, fit_widths, para, spacer
from casework.models.directory.profile import Profile, check_status
from casework.models.directory.texts import after_hours_text, overlap_lines, sprechzeiten_lines

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

TITLE = "Rote Mappe Kinderschutz und ASD-Liste"


def _fitted(header: tuple[str, ...], rows: list[tuple[str, ...]], *, flexible: int) -> Any:
    """A table whose columns fit their content (no word, phone or e-mail cut)."""
    return data_table(header, rows, col_widths=fit_widths(rows, header, flexible=flexible))


def render_rote_mappe(profile: Profile, clock: Clock) -> bytes:
    """The PDF bytes of the printable Rote Mappe and ASD list."""
    st = styles()
    asd = profile.asd
    story: list[Flowable] = [
        para(TITLE, st.title),
        para(f"{profile.title} – aus dem Verzeichnis der Akte", st.subtitle),
        para("Wen rufe ich an? (akute Gefährdung)", st.heading),
        para(f"Allgemeine Sprechzeiten des ASD ({asd.office_name}):", st.body_bold),
        bullets(sprechzeiten_lines(asd.office_hours, asd.working_days)),
        para(
            f"Außerhalb der Sprechzeiten in dringenden Fällen: {asd.notdienst_label}, "
            f"Telefon {asd.notdienst_phone} ({check_status(asd.notdienst_source)}).",
            st.body,
        ),
        para(f"Notfälle außerhalb der Dienstzeit: {after_hours_text(profile)}", st.body),
    ]
    overlaps = overlap_lines(profile)
    if overlaps:
        story.append(bullets(overlaps))
    if asd.office_address or asd.office_phone:
        office = ", ".join(x for x in (asd.office_address, asd.office_phone) if x)
        story.append(para(f"ASD-Dienststelle: {office}", st.body))

    story += [
        para("Notfallkontakte", st.heading),
        _fitted(
            ("Stelle", "Telefon", "Notruf", "Zeiten", "Wofür"),
            [
                (f"{e.name} (Rufnummer {check_status(e.source)})", e.phone,
                 e.emergency_number, e.hours, e.purpose)
                for e in profile.emergency_contacts
            ],
            flexible=4,
        ),
        para("ASD-Bezirke (zuständig ist der Bezirk des Stadtteils)", st.heading),
        _fitted(
            ("Bezirk", "Stadtteile", "PLZ", "Kontakt", "Telefon", "E-Mail"),
            [
                (
                    str(d.number),
                    ", ".join(d.stadtteile),
                    ", ".join(d.plz) or "–",
                    d.contact_role,
                    f"{d.phone} ({check_status(d.source)})" if d.phone else "",
                    d.email,
                )
                for d in asd.districts
            ],
            flexible=1,
        ),
    ]
    if asd.special_functions:
        story += [
            para("Sonderfunktionen des ASD", st.heading),
            _fitted(
                ("Funktion", "Kontakt", "Telefon / E-Mail"),
                [(f.name, f.contact_role, "\n".join(x for x in (f.phone, f.email) if x))
                 for f in asd.special_functions],
                flexible=1,
            ),
        ]
    if profile.notes:
        story += [spacer(2), para("Hinweise zu den Daten", st.heading), bullets(profile.notes)]
    return build_document(
        story,
        letterhead=letterhead_from_organisation(profile.organisation),
        title=TITLE,
        clock=clock,
        subject="Notfallkontakte und ASD-Bezirke",
    )


def _widths(*shares: float) -> list[float]:
    return [CONTENT_WIDTH * share for share in shares]
