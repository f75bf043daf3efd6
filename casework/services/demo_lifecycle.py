"""Demo examples of a case's life (issue 20): appointments today and this week, a
hand-over waiting for the acting worker, a closed case with its reason, and (where the
feature exists) goals of a Hilfeplan. Small and fixed: it does not grow with the number
of demo families. Written through the services, so change log and audit log hold."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from casework.clock import BERLIN, local_today
from casework.models.appointments import AppointmentDraft, PlaceType
from casework.models.documents import DocumentCategory, DocumentDraft
from casework.models.goals import EntryKind, GoalDraft
from casework.models.households.lifecycle import ClosureReason
from casework.models.households.person import BirthInfo, Gender, HouseholdRole, PersonDraft
from casework.models.ids import HouseholdId, WorkerId
from casework.services import appointments, documents, goals
from casework.services.households import households, lifecycle
from casework.services.session import Session
from casework.storage import persons as worker_store


def add(session: Session) -> int:
    """Add the examples to the first running families of the vault; returns how many
    records were written (0 if the vault has fewer than four families)."""
    if session.vault.meta(MARKER) == "1":
        return 0  # added once per vault (a demo vault may be filled twice)
    written = _add(session)
    with session.db.transaction():
        session.vault.set_meta(MARKER, "1")
    return written


MARKER = "demo_case_life"


def _add(session: Session) -> int:
    me = session.actor_id
    running = households.list_ids(session, open_cases=True, limit=40,
                                  exclude_restricted=False)
    mine = [h for h in running if households.get(session, h).data.assigned_worker_id == me]
    others = [h for h in running if h not in mine]
    if len(running) < 4:
        return 0
    mine = mine or running[:2]
    written = 0
    today = local_today(session.clock)
    slots = ((today, time(14, 0), PlaceType.ZUHAUSE, "Hausbesuch: Kita-Anmeldung besprechen"),
             (today + timedelta(days=1), time(9, 30), PlaceType.STADTTEILBUERO,
              "Sprechstunde: Antrag Bildung und Teilhabe"),
             (today + timedelta(days=3), time(11, 0), PlaceType.BEHOERDE,
              "Begleitung zum Jobcenter"))
    for index, (day, at, place, topic) in enumerate(slots):
        hid = mine[index % len(mine)]
        persons = tuple(p.id for p in households.members(session, hid))[:2]
        appointments.create(session, AppointmentDraft(
            hid, datetime.combine(day, at, BERLIN), 60, place, "", persons, topic))
        written += 1
    colleague = next((WorkerId(w.id) for w in worker_store.list_workers(session.db)
                      if w.id != me and w.data.role.value == "Fachkraft"), None)
    if colleague is not None and others:
        offered = others[0]
        current = households.get(session, offered)
        if current.data.assigned_worker_id != colleague:
            households.update(session, offered, replace(current.data,
                                                        assigned_worker_id=colleague))
        session.act_as(colleague)
        try:
            lifecycle.offer_handover(session, offered, me, "Familie kennt das Stadtteilbüro; "
                                     "Mutter wünscht Begleitung bei Behördengängen. "
                                     "Übergabe wegen Stundenreduzierung.")
            written += 1
        finally:
            session.act_as(me)
    first = mine[0]
    goal_id, _ = goals.create(session, GoalDraft(
        first, "Die Kinder gehen jeden Morgen pünktlich in die Kita",
        "an höchstens zwei Tagen im Monat zu spät", today + timedelta(days=120),
        "Mutter: Wecker um 7 Uhr; Fachkraft: Gespräch mit der Kita-Leitung",
        review_on=today))
    goals.add_entry(session, goal_id, EntryKind.FORTSCHRITT,
                    "Erste Woche an vier von fünf Tagen pünktlich.", rating=4)
    goals.create(session, GoalDraft(first, "Mehr Ruhe zu Hause"))
    goals.record_meeting(session, first, "Mutter, Fachkraft",
                         "Ziele gemeinsam besprochen; Ruhe-Ziel beim nächsten Mal genauer "
                         "fassen.")
    written += 4
    documents.add(session, DocumentDraft(first, DocumentCategory.FOTO,
                                         "Foto: Kinderzeichnung für die Kita",
                                         today - timedelta(days=3), "Beispielbild"),
                  demo_png(), "zeichnung.png")
    written += 1
    second = mine[1] if len(mine) > 1 else running[2]
    households.add_person(session, second, PersonDraft(
        "Ahmad", "Rahimi", BirthInfo(today - relativedelta(years=18) + timedelta(days=40)),
        Gender.MAENNLICH, HouseholdRole.KIND, unaccompanied=True))
    written += 1
    # A family without open § 8a procedure or hand-over (the showcase has such families).
    closing = next((h for h in others[1:] + running[::-1]
                    if lifecycle.closure_check(session, h).allowed), None)
    if closing is None:
        return written
    lifecycle.close(session, HouseholdId(closing), ClosureReason.ZIELE_ERREICHT,
                    "Kita-Platz gefunden, Familie kommt allein zurecht.",
                    confirm_warnings=True)
    written += 1
    return written


def demo_png(width: int = 96, height: int = 64) -> bytes:
    """A small colourful PNG, made without any image library (a fictitious drawing)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes((40 + (x * 2) % 200, 90 + (y * 3) % 150, 180 - (x + y) % 120))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))
