"""Jahresbericht Quartiersarbeit (sources-reference §4.7, §5): families and persons
reached, contacts, access routes, referrals, group offers, § 8a procedures, consents.

Counts only; suppression happens when the report is shown (LR-39)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from datetime import date

from casework.errors import UserError
from casework.models.contacts import ContactType
from casework.models.directory.reporting import Reporting
from casework.models.households.household import AccessRoute
from casework.models.households.person import Gender
from casework.models.offers import AgeGroup, AttendeeGender
from casework.models.reports import DEFAULT_K, Report, StatRow, StatTable, TextTable, suppress
from casework.reports import targets
from casework.reports.period import months, period_text, window
from casework.services import referrals
from casework.services.directory import vault_profile
from casework.services.session import Session
from casework.storage import reports as q
from casework.storage import reports_kinderschutz
from casework.storage.reports import AGE_BANDS, Counts, Window

TITLE = "Jahresbericht Quartiersarbeit"
GENDERS = tuple(g.value for g in Gender)


def _grid(counts: Counts, rows: list[str], cols: list[str]) -> tuple[StatRow, ...]:
    return tuple(StatRow(r, tuple(counts.get((r, c), 0) for c in cols)) for r in rows)


def _keys(counts: Counts, index: int, order: list[str]) -> list[str]:
    """`order` first (only those present, unless all), then any other keys sorted."""
    present = {k[index] for k in counts}
    return [o for o in order if o in present] + sorted(present - set(order))


def build(session: Session, first: date, last: date, k: int = DEFAULT_K) -> Report:
    w = window(first, last)
    flags = q.households_reached(session.db, w)
    reached = _reached(session, w, flags)
    contacts = _contacts(session, w)
    sections: list[tuple[str, tuple[StatTable | TextTable, ...]]] = [
        *targets.sections(session, w, _reporting(session), k, flags),
        ("3 Erreichte Haushalte und Personen", tuple(reached)),
        ("4 Kontakte", tuple(contacts)),
        ("5 Zugangswege", (_access(flags),)),
        ("6 Vermittlungen", (_referrals(session, w),)),
        ("7 Gruppenangebote", tuple(_offers(session, w))),
        ("8 Verfahren nach § 8a SGB VIII", (_kinderschutz(session, w),)),
        ("9 Einwilligungen (DSGVO)", (_consents(session, w),)),
    ]
    households = suppress(reached[0], k)
    total_contacts = sum(r.values[0] for r in contacts[0].rows)
    key_figures = (
        ("Berichtszeitraum", period_text(w)),
        ("Erreichte Haushalte", households.rows[2][1][0]),
        ("davon neu im Zeitraum", households.rows[0][1][0]),
        ("Kontakte", _n(total_contacts)),
    )
    remarks = (
        "Erreicht = mindestens ein dokumentierter Kontakt im Berichtszeitraum; neu = kein "
        "Kontakt vor Beginn des Zeitraums; fortgeführt = bereits zuvor Kontakt.",
        "Personen = Mitglieder der erreichten Haushalte, Alter am Ende des Zeitraums "
        "(bei nur bekanntem Geburtsjahr: Mindestalter).",
        "Monate nach Ortszeit (Europe/Berlin). Der Bericht enthält keine Namen, Anschriften "
        "oder Geburtsdaten.",
    )
    return Report(TITLE, period_text(w), tuple(sections), remarks, k, key_figures)


def _reporting(session: Session) -> Reporting:
    """Targets and Kennzahlen of the vault's profile (none if it cannot be read)."""
    try:
        return vault_profile.active_profile(session).reporting
    except UserError:
        return Reporting()


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _reached(session: Session, w: Window, flags: Counts) -> list[StatTable]:
    new = sum(n for (is_new, _route), n in flags.items() if is_new == "1")
    reached = sum(flags.values())
    households = StatTable(
        "haushalte",
        "Erreichte Haushalte (mind. ein Kontakt im Zeitraum)",
        "Haushalte",
        ("Anzahl",),
        (StatRow("neu", (new,)), StatRow("fortgeführt", (reached - new,))),
        total_row=True,
    )
    persons, new_persons = _person_counts(q.reached_person_rows(session.db, w))
    people = StatTable(
        "personen_neu",
        "Personen in erreichten Haushalten",
        "Personen",
        ("Anzahl",),
        (
            StatRow("in neuen Haushalten", (new_persons[0],)),
            StatRow("in fortgeführten Haushalten", (new_persons[1],)),
        ),
        total_row=True,
    )
    bands = [b for b in AGE_BANDS if any(key[0] == b for key in persons)] or list(AGE_BANDS[1:6])
    table = StatTable(
        "personen",
        "Personen in erreichten Haushalten nach Alter und Geschlecht",
        "Altersgruppe",
        GENDERS,
        _grid(persons, bands, list(GENDERS)),
        total_column=True,
        total_row=True,
    )
    return [households, people, table]


# Upper age bounds (exclusive) of AGE_BANDS[1:10]; the last band is open.
_BAND_LIMITS = (3, 6, 10, 14, 18, 27, 45, 65)


def age_band(age: int | None, expected: bool) -> str:
    """The AGE_BANDS label of an age in completed years (None: unknown, or unborn if a due
    date is known)."""
    if age is None:
        return AGE_BANDS[0] if expected else AGE_BANDS[-1]
    return AGE_BANDS[1 + bisect_right(_BAND_LIMITS, age)]


def _person_counts(
    rows: Iterable[tuple[int | None, int, str, int]],
) -> tuple[Counts, list[int]]:
    """(age band, gender) → persons, and [persons in new, in continuing households],
    counted here over the distinct (age, due date?, gender, new) keys (see
    storage.reports.reached_person_rows for why not in SQL)."""
    persons: Counts = {}
    new_persons = [0, 0]
    for (age, expected, gender, is_new), n in Counter(rows).items():
        key = (age_band(age, bool(expected)), "" if gender is None else str(gender))
        persons[key] = persons.get(key, 0) + n
        new_persons[0 if is_new else 1] += n
    return persons, new_persons


def _contacts(session: Session, w: Window) -> list[StatTable]:
    month_list = months(w)
    counts = q.contacts_by_type_month(session.db, month_list, [t.value for t in ContactType])
    types = _keys(counts, 0, [t.value for t in ContactType])
    labels = [m[0] for m in month_list]
    note = "Kontakte sind Ereignisse, keine Personen; sie werden ohne Unterdrückung gezeigt."
    per_month = StatTable(
        "kontakte_monat",
        "Kontakte nach Monat",
        "Monat",
        ("Kontakte",),
        tuple(StatRow(m, (sum(counts.get((t, m), 0) for t in types),)) for m in labels),
        total_row=True,
        chart="bar",
        personal=False,
        note=note,
    )
    per_type = StatTable(
        "kontakte_art",
        "Kontakte nach Art",
        "Art",
        ("Kontakte",),
        tuple(StatRow(t, (sum(counts.get((t, m), 0) for m in labels),)) for t in types),
        total_row=True,
        chart="hbar",
        personal=False,
    )
    tables = [per_month, per_type]
    # The grid: types × months, twelve months per table so it fits the page width.
    for start in range(0, len(labels), 12):
        chunk = labels[start : start + 12]
        suffix = f" ({chunk[0]} – {chunk[-1]})" if len(labels) > 12 else ""
        grid = _grid(counts, types, chunk)
        tables.append(
            StatTable(
                f"kontakte_art_monat_{start // 12 + 1}",
                f"Kontakte nach Art und Monat{suffix}",
                "Art",
                tuple(_short_month(m) for m in chunk),
                grid,
                total_column=True,
                total_row=True,
                personal=False,
            )
        )
    return tables


def _short_month(label: str) -> str:
    """ "Jan 2026" → "Jan 26" (narrow grid columns)."""
    name, year = label.split(" ")
    return f"{name} {year[2:]}"


def _access(flags: Counts) -> StatTable:
    counts: Counts = {}
    for (_is_new, route), n in flags.items():
        counts[(route,)] = counts.get((route,), 0) + n
    routes = [r.value for r in AccessRoute] + ["nicht erfasst"]
    return StatTable(
        "zugangswege",
        "Erreichte Haushalte nach Zugangsweg",
        "Zugangsweg",
        ("Haushalte",),
        tuple(StatRow(r, (counts.get((r,), 0),)) for r in routes),
        total_row=True,
        note="Hol-, Bring-, Komm- und Begleitstrukturen.",  # source 000:1647
    )


def _referrals(session: Session, w: Window) -> StatTable:
    title = "Vermittlungen nach Empfänger und Stand am Ende des Zeitraums"
    counts = _referral_statistics(session, w)
    if counts is None:
        counts = q.referrals(session.db, w)
    if counts is None:
        return StatTable(
            "vermittlungen",
            title,
            "Empfänger",
            (),
            (),
            available=False,
            note="In dieser Akte werden keine Vermittlungen erfasst.",
        )
    recipients = list(dict.fromkeys(k[0] for k in counts))
    outcomes = list(dict.fromkeys(k[1] for k in counts))  # lifecycle order of the source
    return StatTable(
        "vermittlungen",
        title,
        "Empfänger",
        tuple(outcomes) or ("Anzahl",),
        _grid(counts, recipients, outcomes),
        total_column=True,
        total_row=True,
        note="Vermittlungen, die im Zeitraum vorgeschlagen wurden; freie "
        "Empfängerangaben sind zusammengefasst.",
    )


def _referral_statistics(session: Session, w: Window) -> Counts | None:
    """The referral feature's own statistics (recipient × state at the end of the
    period); None for a vault whose schema predates referrals (see the report's note)."""
    if not q.has_table(session.db, "referrals"):
        return None
    counts: Counts = {}
    for entry in referrals.statistics(session, w.first, w.last):
        for outcome, n in entry.by_outcome:
            key = (str(entry.recipient), str(outcome))
            counts[key] = counts.get(key, 0) + int(n)
    return counts


def _offers(session: Session, w: Window) -> list[StatTable]:
    rows = q.offer_attendance(session.db, w)
    offers = StatTable(
        "angebote",
        "Gruppenangebote: Termine und Teilnahmen",
        "Angebot",
        ("Angebote", "Termine", "Teilnahmen"),
        tuple(
            StatRow(kind, (n_offers, n_sessions, n_att))
            for kind, n_offers, n_sessions, n_att in rows
        ),
        exempt_columns=(0, 1),
        chart="",
        note="Teilnahmen = Summe der Anwesenden je Termin (anonyme Zählung und namentlich "
        "erfasste Teilnehmende mit Einwilligung).",
    )
    by_group = q.attendance_by_group(session.db, w)
    groups = [g.value for g in AgeGroup if any(key[0] == g.value for key in by_group)]
    genders = [g.value for g in AttendeeGender]
    attendance = StatTable(
        "teilnahmen",
        "Teilnahmen nach Altersgruppe und Geschlecht",
        "Altersgruppe",
        tuple(genders),
        _grid(by_group, groups, genders),
        total_column=True,
        total_row=True,
    )
    families, done, sessions = q.family_training(session.db, w)
    training = StatTable(
        "familientraining",
        "Familientraining (10 Termine × 2 Std.)",
        "Familien",
        ("Anzahl",),
        (
            StatRow("Familien mit Terminen im Zeitraum", (families,)),
            StatRow("davon alle geplanten Termine absolviert", (done,)),
        ),
        note=f"Im Zeitraum {sessions} Termine mit Familien.",
    )
    return [offers, attendance, training]


def _kinderschutz(session: Session, w: Window) -> StatTable:
    counts = reports_kinderschutz.kinderschutz_results(session.db, w)
    title = "Verfahren nach Ergebniskategorie"
    if counts is None:
        return StatTable(
            "kinderschutz",
            title,
            "Ergebnis",
            (),
            (),
            available=False,
            note="In dieser Akte werden keine § 8a-Verfahren erfasst.",
        )
    from casework.models.kinderschutz.vocabulary import ResultCategory

    order = [c.value for c in ResultCategory] + ["ohne Ergebnis"]
    cats = order + sorted({k[0] for k in counts} - set(order))
    rows = tuple(StatRow(c, (counts.get((c, "0"), 0), counts.get((c, "1"), 0))) for c in cats)
    return StatTable(
        "kinderschutz",
        title,
        "Ergebnis",
        ("nicht akut", "akut"),
        rows,
        total_column=True,
        total_row=True,
        note="Nur Anzahlen. Maßgeblich ist das zuletzt dokumentierte Ergebnis eines Verfahrens.",
    )


def _consents(session: Session, w: Window) -> StatTable:
    counts = q.consents(session.db, w)
    title = "Einwilligungen erteilt und widerrufen"
    if counts is None:
        return StatTable(
            "einwilligungen",
            title,
            "Vorgang",
            (),
            (),
            available=False,
            note="In dieser Akte werden keine Einwilligungen erfasst.",
        )
    kinds = ["erteilt", "abgelehnt", "vollständig widerrufen", "teilweise widerrufen"]
    return StatTable(
        "einwilligungen",
        title,
        "Vorgang",
        ("Einwilligungen",),
        tuple(StatRow(kind, (counts.get((kind,), 0),)) for kind in kinds),
    )
