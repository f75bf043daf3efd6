"""Programm-Monitoring Teilhabemanagement (sources-reference §3.14, §4.6 step 7, §5.2
items 12–16): target group on the Stichtag (end of the period) and its composition,
caseload per VZÄ against the key, needs per Handlungsfeld, measures by Förderbaustein /
Handlungsfeld and status, transitions into school, training and work."""

from __future__ import annotations

import json
from datetime import date

from casework.models.households.person import BirthInfo, Gender
from casework.models.reports import DEFAULT_K, Report, StatRow, StatTable, shown_count
from casework.models.teilhabe.eligibility import (
    PROGRAMME,
    ClientState,
    Eligibility,
    Exclusion,
    ResidenceRecord,
    TmStatus,
    eligibility,
    status_on,
)
from casework.models.teilhabe.measures import (
    TRANSITIONS,
    Foerderbaustein,
    Handlungsfeld,
    MeasureStatus,
)
from casework.reports.period import period_text, window
from casework.services import teilhabe as teilhabe_service
from casework.services.session import Session
from casework.services.teilhabe import programme_key
from casework.storage import reports_teilhabe as q

TITLE = "Programm-Monitoring Teilhabemanagement"
GENDERS = tuple(g.value for g in Gender)
AGE_BANDS = ("unter 18", "18–20", "21–23", "24–27", "über 27", "unbekannt")


def _band(birth: BirthInfo, on: date) -> str:
    age = birth.age_years(on)
    if age is None:
        return "unbekannt"
    if age < 18:
        return "unter 18"
    if age <= 20:
        return "18–20"
    if age <= 23:
        return "21–23"
    if age <= 27:
        return "24–27"
    return "über 27"


def build(
    session: Session, first: date, last: date, k: int = DEFAULT_K, programme: str = PROGRAMME
) -> Report:
    w = window(first, last)
    db = session.db
    residence: dict[str, list[ResidenceRecord]] = {}
    for cid, status, start, until in q.tm_residence_rows(db, programme):
        residence.setdefault(cid, []).append(
            ResidenceRecord(
                TmStatus(status),
                date.fromisoformat(start),
                date.fromisoformat(until) if until else None,
            )
        )
    verdicts: dict[str, int] = {}
    status_gender: dict[tuple[str, str], int] = {}
    status_age: dict[tuple[str, str], int] = {}
    exclusions: dict[str, int] = {}
    considered = 0
    in_file = {TmStatus.DULDUNG: 0, TmStatus.GESTATTUNG: 0}  # 18-27 at the Stichtag
    for cid, gender, birth_date, birth_year, state, excl_json, exception in q.tm_clients_rows(
        db, programme
    ):
        if state == ClientState.ABGESCHLOSSEN.value:
            continue
        considered += 1
        birth = BirthInfo(date.fromisoformat(birth_date) if birth_date else None, birth_year)
        excl = frozenset(Exclusion(e) for e in json.loads(excl_json))
        for e in excl:
            exclusions[e.value] = exclusions.get(e.value, 0) + 1
        history = residence.get(cid, [])
        held = status_on(history, w.last)
        age = birth.age_years(w.last)
        if held is not None and held.status in in_file and age is not None and 18 <= age <= 27:
            in_file[held.status] += 1
        result = eligibility(birth, history, excl, w.last, age_exception=exception)
        verdicts[result.verdict.value] = verdicts.get(result.verdict.value, 0) + 1
        if result.verdict is not Eligibility.JA:
            continue
        record = status_on(history, w.last)
        status = record.status.value if record else "unbekannt"
        status_gender[(status, gender)] = status_gender.get((status, gender), 0) + 1
        band = _band(birth, w.last)
        status_age[(band, status)] = status_age.get((band, status), 0) + 1

    statuses = [TmStatus.DULDUNG.value, TmStatus.GESTATTUNG.value]
    target = [
        StatTable(
            "zielgruppe",
            "Klient/innen (nicht abgeschlossen) nach Zielgruppenstatus",
            "Zielgruppenstatus",
            ("Anzahl",),
            tuple(StatRow(v.value, (verdicts.get(v.value, 0),)) for v in Eligibility),
            total_row=True,
            # Source 000:3327-3384 (target group of the programme).
            note="Zielgruppe: in der Regel 18 bis 27 Jahre, Duldung oder Gestattung, "
            "ohne Ausschlussgrund.",
        ),
        StatTable(
            "zielgruppe_status",
            "Zielgruppe nach Aufenthaltsstatus und Geschlecht",
            "Aufenthaltsstatus",
            GENDERS,
            tuple(
                StatRow(s, tuple(status_gender.get((s, g), 0) for g in GENDERS)) for s in statuses
            ),
            total_column=True,
            total_row=True,
        ),
        StatTable(
            "zielgruppe_alter",
            "Zielgruppe nach Altersgruppe und Aufenthaltsstatus",
            "Altersgruppe",
            tuple(statuses),
            tuple(
                StatRow(b, tuple(status_age.get((b, s), 0) for s in statuses))
                for b in AGE_BANDS
                if b in {key[0] for key in status_age} or b in ("18–20", "21–23", "24–27")
            ),
            total_column=True,
            total_row=True,
        ),
        StatTable(
            "ausschluss",
            "Ausschlussgründe (Klient/innen mit Merkmal)",
            "Ausschluss",
            ("Anzahl",),
            tuple(StatRow(e.value, (exclusions.get(e.value, 0),)) for e in Exclusion),
        ),
    ]

    per_fte, warn = programme_key(session, programme)
    fte, active, waiting = q.tm_staffing(db, programme)
    places = int(fte * per_fte + 0.5)
    utilisation = f"{round(active / places * 100)} %" if places else "–"
    ratio = f"{active / fte:.1f}".replace(".", ",") if fte else "–"
    basis_rows, basis_remark = _funding_basis(session, w.last, per_fte, fte, in_file, k, programme)
    key_figures = (
        ("Berichtszeitraum / Stichtag", f"{period_text(w)} / {w.last:%d.%m.%Y}"),
        *basis_rows,
        ("Stellenanteile Teilhabemanagement (VZÄ)", f"{fte:g}".replace(".", ",")),
        ("Schlüssel laut Profil", f"1 : {per_fte} (Warnung über {round(warn * 100)} %)"),
        ("Kapazität (VZÄ × Schlüssel)", str(places)),
        ("Aktive Klient/innen", str(active)),
        ("Klient/innen je VZÄ", ratio),
        ("Auslastung", utilisation),
        ("Warteliste", str(waiting)),
    )

    needs: dict[str, int] = {}
    for text in q.tm_needs(db, programme, w.last):
        for hf, items in json.loads(text).items():
            if items:
                needs[hf] = needs.get(hf, 0) + 1
    need_table = StatTable(
        "bedarfe",
        "Klient/innen mit Bedarf je Handlungsfeld (letztes Erstgespräch)",
        "Handlungsfeld",
        ("Klient/innen",),
        tuple(StatRow(hf.value, (needs.get(hf.value, 0),)) for hf in Handlungsfeld),
        note="Bedarfe abgeleitet aus dem Fragenkatalog des Erstgesprächs; eine Person kann "
        "in mehreren Handlungsfeldern Bedarf haben.",
    )

    measures = q.tm_measures(db, programme, w)
    stati = [s.value for s in MeasureStatus]
    by_baustein = tuple(
        StatRow(
            b.value,
            tuple(
                sum(
                    n
                    for (bb, _hf, st, _o), n in measures.items()
                    if bb == str(b.number) and st == s
                )
                for s in stati
            ),
        )
        for b in Foerderbaustein
    )
    by_field = tuple(
        StatRow(
            hf.value,
            tuple(
                sum(
                    n
                    for (_b, hh, st, _o), n in measures.items()
                    if hh == str(hf.number) and st == s
                )
                for s in stati
            ),
        )
        for hf in Handlungsfeld
    )
    measure_tables = [
        StatTable(
            "massnahmen_baustein",
            "Maßnahmen im Zeitraum nach Förderbaustein und Status",
            "Förderbaustein",
            tuple(stati),
            by_baustein,
            total_column=True,
            total_row=True,
            chart="hbar",
            personal=False,
            note="Maßnahmen sind Vorgänge; eine Person kann mehrere haben.",
        ),
        StatTable(
            "massnahmen_feld",
            "Maßnahmen im Zeitraum nach Handlungsfeld und Status",
            "Handlungsfeld",
            tuple(stati),
            by_field,
            total_column=True,
            total_row=True,
            personal=False,
        ),
    ]
    transitions = q.tm_transitions(db, programme, w, [t.value for t in TRANSITIONS])
    transition_table = StatTable(
        "uebergaenge",
        "Übergänge (Maßnahme im Zeitraum beendet mit Ergebnis)",
        "Übergang",
        ("Klient/innen",),
        tuple(StatRow(t.value, (transitions.get((t.value,), 0),)) for t in TRANSITIONS),
        chart="hbar",
    )
    remarks = (
        f"Zielgruppe und Zusammensetzung zum Stichtag {w.last:%d.%m.%Y}; abgeschlossene "
        f"Fälle sind nicht enthalten ({considered} Klient/innen betrachtet).",
        "Alter in Jahren am Stichtag; der Bericht enthält keine Namen, Anschriften oder "
        "Geburtsdaten.",
        basis_remark,
    )
    sections = (
        ("1 Zielgruppe", tuple(target)),
        ("2 Bedarfe", (need_table,)),
        ("3 Maßnahmen", tuple(measure_tables)),
        ("4 Übergänge in Schule, Ausbildung und Arbeit", (transition_table,)),
    )
    return Report(TITLE, period_text(w), sections, remarks, k, key_figures)


def _vza(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _funding_basis(
    session: Session,
    stichtag: date,
    per_fte: int,
    fte: float,
    in_file: dict[TmStatus, int],
    k: int,
    programme: str,
) -> tuple[tuple[tuple[str, str], ...], str]:
    """The funding basis next to the staffed posts: the posts rest on the number of
    18-27-year-olds in Duldung / Gestattung at the Stichtag, one full-time post per
    `per_fte` persons (source 000:3453-3455, 296-308). The count is the Ausländerbehörde's
    as recorded by the Leitung; without one, the clients of this file are counted."""
    recorded = teilhabe_service.target_count(session, stichtag, programme)
    if recorded is not None:
        day, duldung, gestattung, source = recorded
        group = (
            f"{duldung} Duldung, {gestattung} Gestattung (Stand {day:%d.%m.%Y}; {source})"
        )
        remark = (
            "Förderbasis: Zahl der 18- bis 27-Jährigen mit Duldung oder Gestattung laut "
            f"Ausländerbehörde (Stand {day:%d.%m.%Y}) geteilt durch den Schlüssel 1 : {per_fte}."
        )
    else:
        duldung, gestattung = in_file[TmStatus.DULDUNG], in_file[TmStatus.GESTATTUNG]
        group = (
            f"{shown_count(duldung, k)} Duldung, {shown_count(gestattung, k)} Gestattung "
            "(aus dieser Akte gezählt)"
        )
        remark = (
            "Förderbasis: keine Zahl der Ausländerbehörde erfasst; gezählt sind die "
            "18- bis 27-jährigen Klient/innen dieser Akte mit Duldung oder Gestattung am "
            f"Stichtag, geteilt durch den Schlüssel 1 : {per_fte}."
        )
    total = duldung + gestattung
    basis = total / per_fte if per_fte else 0.0
    small = recorded is None and 0 < total < k
    rows = (
        ("Zielgruppe am Stichtag (18–27 Jahre)", group),
        (
            "Förderbasis: Stellen nach Schlüssel (VZÄ)",
            "–" if small else f"{_vza(basis)} ({total} ÷ {per_fte})",
        ),
        (
            "besetzt gegenüber Förderbasis",
            "–" if small else f"{_vza(fte)} von {_vza(basis)} VZÄ besetzt"
            + (f" ({_vza(basis - fte)} VZÄ nicht besetzt)" if fte < basis
               else f" ({_vza(fte - basis)} VZÄ über der Förderbasis)" if fte > basis else ""),
        ),
    )
    return rows, remark
