"""Hilfeplan for the family to read and sign: the goals agreed together in plain
language ("Was wir erreichen wollen", "Daran merken wir es", "Bis wann", "Wer macht
was"), the next talk, and signature lines for the family and the worker.

Takes plain `HilfeplanData`; never queries the database (services.goals builds it). No
record ids, no internal state names; the PDF title stays neutral (no family name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.clock import Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import format_date

if TYPE_CHECKING:
    from casework.models.directory.profile import Organisation

TITLE = "Unser Hilfeplan"


@dataclass(frozen=True, slots=True)
class PlanGoal:
    what: str
    measure: str
    due: str  # "bis 31.03.2027" or ""
    responsibilities: str
    persons: str  # first names the goal concerns
    open_points: tuple[str, ...]  # what still needs to be agreed (not SMART yet)
    progress: str  # last progress in words, "" if none


@dataclass(frozen=True, slots=True)
class HilfeplanData:
    organisation: Organisation
    family_name: str
    on: date
    worker: str
    participants: str
    goals: tuple[PlanGoal, ...]
    next_talk: date | None
    signers: tuple[str, ...]  # custodial parents / young people who sign
    place: str = ""


def render_hilfeplan(data: HilfeplanData, clock: Clock) -> bytes:
    st = base.styles()
    story: list[Any] = [
        fl.para(TITLE, st.title),
        fl.para(f"Familie {data.family_name} – besprochen am {format_date(data.on)}",
                st.subtitle),
        fl.para("Hier steht, was wir gemeinsam erreichen wollen und wer was dafür tut. "
                "Der Plan gilt, bis wir ihn beim nächsten Gespräch gemeinsam ansehen. "
                "Sie können ihn jederzeit mit uns besprechen und ändern.", st.body),
        fl.key_value_table([
            ("Dabei waren", data.participants or "–"),
            ("Ansprechperson", data.worker),
            ("Nächstes Gespräch", format_date(data.next_talk) or "wird vereinbart"),
        ]),
    ]
    if not data.goals:
        story.append(fl.para("Noch keine Ziele vereinbart.", st.body))
    for number, goal in enumerate(data.goals, start=1):
        rows = [("Was wir erreichen wollen", goal.what),
                ("Daran merken wir, dass es geklappt hat", goal.measure or "noch offen"),
                ("Bis wann", goal.due or "noch offen"),
                ("Wer macht was", goal.responsibilities or "noch offen")]
        if goal.persons:
            rows.insert(1, ("Für wen", goal.persons))
        if goal.progress:
            rows.append(("Wie weit wir sind", goal.progress))
        block: list[Any] = [fl.para(f"Ziel {number}", st.heading), fl.key_value_table(rows)]
        if goal.open_points:
            block.append(fl.para("Beim nächsten Gespräch noch klären: "
                                 + "; ".join(goal.open_points), st.small))
        story.append(fl.keep_together(block))
    story += [fl.spacer(6), fl.para("Unterschriften", st.heading),
              fl.para("Mit meiner Unterschrift sage ich: Wir haben diesen Plan zusammen "
                      "besprochen und ich mache mit.", st.body)]
    place_date = (f"{data.place}, {format_date(data.on)}" if data.place
                  else format_date(data.on))
    for signer in (*data.signers, f"{data.worker} (Fachkraft)"):
        story.append(fl.signature_row(("Ort, Datum", signer), (place_date,)))
    return base.build_document(
        story, letterhead=base.letterhead_from_organisation(data.organisation), title=TITLE,
        clock=clock, footer_note="Vertraulich – nur für die Familie und die Fachkraft.")
