"""§ 8a documents: Dokumentation der Gefährdungseinschätzung, Mitteilung an das Jugendamt,
Schutzplan (for the parents, plain language) and the pseudonymised extract for the iseF.

Forms take plain data (`Dossier`, `IsefExtract` from `casework.services.kinderschutz.procedures`), a
letterhead and a clock, and return PDF bytes; they never open the database. Observation
entries always show their type, and "bestritten" entries keep the marker (LR-09).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from casework.clock import BERLIN, Clock
from casework.forms import base
from casework.forms import flowables as fl
from casework.forms.base import CONTENT_WIDTH, Letterhead, format_date, format_datetime
from casework.models.kinderschutz.actions import Mitteilung
from casework.models.kinderschutz.dossier import Dossier, IsefExtract
from casework.models.kinderschutz.findings import Observation
from casework.models.kinderschutz.vocabulary import (
    FACTUAL_KINDS,
    INSTRUMENT_NOTE,
    EntryKind,
    InvolvementTarget,
    State,
)
from casework.models.privacy.redaction import LIMITS as REDACTION_LIMITS

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

TITLE_DOCUMENTATION = "Dokumentation der Gefährdungseinschätzung nach § 8a SGB VIII"
TITLE_MITTEILUNG = "Mitteilung an das Jugendamt"
TITLE_SCHUTZPLAN = "Schutzplan – unsere Vereinbarung"
TITLE_ISEF = "Fallberatung mit der insoweit erfahrenen Fachkraft – pseudonymisierter Auszug"
CONFIDENTIAL = "Vertraulich – Sozialdaten (§§ 61 ff. SGB VIII)"
DISPUTED = "BESTRITTEN"


def _h(text: str) -> Flowable:
    return fl.para(text, base.styles().heading)


def _p(text: str) -> Flowable:
    return fl.para(text, base.styles().body)


def _small(text: str) -> Flowable:
    return fl.para(text, base.styles().small)


def _kind_label(obs: Observation) -> str:
    label = obs.kind.value
    if obs.source:
        label += f" (Quelle: {obs.source})"
    if obs.disputed:
        label += f" – {DISPUTED}"
    return label


def _obs_text(obs: Observation) -> str:
    return f"[{DISPUTED}] {obs.text}" if obs.disputed else obs.text


def _widths(*parts: float) -> list[float]:
    total = sum(parts)
    return [CONTENT_WIDTH * p / total for p in parts]


def _title(title: str, subtitle: str) -> list[Flowable]:
    st = base.styles()
    return [fl.para(title, st.title), fl.para(subtitle, st.subtitle)]


def _render(story: Sequence[Flowable], letterhead: Letterhead, title: str,
            clock: Clock, window: base.WindowAddress | None = None) -> bytes:
    return base.build_document(story, letterhead=letterhead, title=title, clock=clock,
                               footer_note=CONFIDENTIAL, window=window)


# --------------------------------------------------------------------------- documentation


def _master_data(d: Dossier) -> list[Flowable]:
    p = d.file.procedure
    children = "; ".join(
        f"{c.display_name}, geb. {format_date(c.birth.birth_date, '–')} "
        f"({c.birth.age_text(d.today)})" for c in d.children()) or "–"
    custody = "; ".join(x.display_name for x in d.persons if x.custody) or "–"
    return [fl.key_value_table([
        ("Familie", d.household_name),
        ("Anschrift", d.address() or "–"),
        ("Betroffene Kinder", children),
        ("Personensorgeberechtigte", custody),
        ("Fallführende Fachkraft", d.worker(p.lead_worker_id)),
        ("Verfahren eröffnet", format_datetime(p.opened_at)),
        ("Aktueller Schritt", p.state.label),
        ("Akutfall", "ja" if d.file.was_acute() else "nein"),
    ])]


def _transitions(d: Dossier) -> list[Flowable]:
    rows = []
    for t in d.file.transitions:
        source = t.from_state.label if t.from_state else "–"
        rows.append([format_datetime(t.at), source, t.to_state.label,
                     f"{d.worker(t.actor_id)} ({t.actor_role})", t.reason])
    return [_h("Verlauf des Verfahrens"),
            fl.data_table(["Zeitpunkt", "vorher", "nachher", "durch", "Begründung"], rows,
                          col_widths=_widths(17, 19, 19, 20, 25))]


def _observations(d: Dossier) -> list[Flowable]:
    facts = [e for e in d.file.observations() if e.data.kind in FACTUAL_KINDS]
    views = [e for e in d.file.observations() if e.data.kind not in FACTUAL_KINDS]
    out: list[Flowable] = [
        _h("Wahrnehmungen: Tatsachen"),
        _small("Fakten, eigene Beobachtungen und Aussagen Dritter (mit Quelle). Vom "
               "Betroffenen bestrittene Einträge sind mit „BESTRITTEN“ gekennzeichnet."),
    ]
    if facts:
        out.append(fl.data_table(
            ["Nr.", "Zeitpunkt", "Art", "Inhalt", "erfasst von"],
            [[str(i), format_datetime(e.data.observed_at), _kind_label(e.data),
              _obs_text(e.data), d.worker(e.created_by)] for i, e in enumerate(facts, 1)],
            col_widths=_widths(6, 17, 20, 42, 15)))
    else:
        out.append(_p("Keine Einträge."))
    out.append(_h("Wahrnehmungen: Hypothesen und Bewertungen"))
    if views:
        out.append(fl.data_table(
            ["Zeitpunkt", "Art", "Inhalt", "erfasst von"],
            [[format_datetime(e.data.observed_at), _kind_label(e.data), _obs_text(e.data),
              d.worker(e.created_by)] for e in views],
            col_widths=_widths(17, 20, 48, 15)))
    else:
        out.append(_p("Keine Einträge."))
    return out


def _reports(d: Dossier) -> list[Flowable]:
    reports = d.file.of(EntryKind.REPORT)
    if not reports:
        return []
    out: list[Flowable] = [
        _h("Meldung / Anlass"),
        _small("Die Identität der meldenden Person ist vertraulich (BVerwG 5 C 48.02) und "
               "wird ohne Interessenabwägung nicht herausgegeben."),
    ]
    for e in reports:
        r = e.data
        who = "anonym" if r.anonymous else ", ".join(
            x for x in (r.reporter_name, r.reporter_contact) if x)
        pairs = [("Eingang", f"{format_datetime(r.received_at)}, {d.worker(e.created_by)}"),
                 ("Meldende Person (vertraulich)", who)]
        for label, value in (("Beziehung zur Familie", r.reporter_relation),
                             ("Woher weiß die Person davon?", r.reporter_knowledge),
                             ("Warum jetzt?", r.reporter_reason_now)):
            if value:
                pairs.append((label, value))
        pairs.append(("Inhalt der Meldung", r.content))
        out.append(fl.key_value_table(pairs))
    return out


def _fact_refs(d: Dossier, ids: Sequence[str]) -> str:
    by_id = {e.id: e.data for e in d.file.observations()}
    parts = []
    for i in ids:
        obs = by_id.get(i)
        if obs is not None:
            parts.append(f"{_kind_label(obs)}: {_obs_text(obs)}")
    return "\n".join(parts) or "–"


def _acute(d: Dossier) -> list[Flowable]:
    out: list[Flowable] = []
    for e in d.file.of(EntryKind.ACUTE):
        a = e.data
        out += [_h("Akutfall – dringende Gefahr"), fl.key_value_table([
            ("Erkannt am", format_datetime(a.recognised_at)),
            ("Geschehen", a.description),
            ("Sofortmaßnahmen", a.immediate_measures or "–"),
            ("Festgehalten von", d.worker(e.created_by)),
        ])]
        calls = [*a.calls, *(c.data for c in d.file.of(EntryKind.CALL))]
        if calls:
            out.append(fl.data_table(["Uhrzeit", "Person/Stelle", "Weg", "Notiz"],
                                     [[format_datetime(c.at), c.whom, c.channel.value, c.note]
                                      for c in calls], col_widths=_widths(20, 30, 15, 35)))
    skips = d.file.of(EntryKind.ISEF_SKIP)
    for s in skips:
        out.append(_p(f"Verzicht auf die iseF-Beratung (Akutfall): {s.data.reason}"))
    return out


def _assessments(d: Dossier) -> list[Flowable]:
    out: list[Flowable] = [_h("Gefährdungseinschätzung – alle Fassungen")]
    versions = d.file.assessments()
    if not versions:
        return [*out, _p("Noch keine Einschätzung festgehalten.")]
    for number, e in enumerate(versions, start=1):
        a = e.data
        current = " (aktuelle Fassung)" if number == len(versions) else ""
        out.append(fl.para(f"Fassung {number} vom {format_datetime(a.assessed_at)}{current}",
                           base.styles().body_bold))
        participants = "; ".join(
            f"{p.name}" + (f" – {p.function}" if p.function else "") for p in a.participants)
        pairs = [("Beteiligte Fachkräfte", participants),
                 ("Festgehalten von", f"{d.worker(e.created_by)}, {format_datetime(e.created_at)}")]
        if a.instrument:
            pairs.append(("Instrument", " ".join(x for x in (a.instrument, a.instrument_version)
                                                 if x)))
        for label, value in (("Ressourcen / Schutzfaktoren", a.resources),
                             ("Risikofaktoren", a.risks),
                             ("Kooperationsbereitschaft", a.cooperation),
                             ("Sicherheitseinschätzung", a.safety),
                             ("Fachliche Einschätzung", a.summary)):
            if value:
                pairs.append((label, value))
        pairs.append(("Tragende Tatsachen", _fact_refs(d, a.fact_ids)))
        out.append(fl.key_value_table(pairs))
        if a.ratings:
            out.append(fl.data_table(["Modul", "Bewertung"],
                                     [[r.module, r.rating.value] for r in a.ratings],
                                     col_widths=_widths(60, 40)))
            out.append(_small(INSTRUMENT_NOTE))
    return out


def _isef(d: Dossier) -> list[Flowable]:
    out: list[Flowable] = [_h("Beratung durch die insoweit erfahrene Fachkraft (iseF)")]
    consultations = d.file.of(EntryKind.ISEF)
    if not consultations:
        return [*out, _p("Keine Beratung dokumentiert.")]
    for e in consultations:
        c = e.data
        pseudo = "ja" if c.pseudonymised else f"nein – Grund: {c.not_pseudonymised_reason}"
        out.append(fl.key_value_table([
            ("Datum", format_date(c.consulted_on)),
            ("iseF", f"{c.isef_name}, {c.isef_organisation}"),
            ("Pseudonymisiert", pseudo),
            ("Fragestellung", c.questions or "–"),
            ("Empfehlung", c.recommendation),
            ("Dissens", c.dissent or "keiner"),
        ]))
    return out


def _involvement(d: Dossier) -> list[Flowable]:
    out: list[Flowable] = [_h("Einbeziehung der Eltern und des Kindes")]
    rows = []
    for e in d.file.of(EntryKind.INVOLVEMENT):
        inv = e.data
        if inv.done:
            rows.append([inv.target.value, f"erfolgt am {format_date(inv.on)}", inv.content])
        else:
            rows.append([inv.target.value, "nicht erfolgt", f"Grund: {inv.reason}"])
    missing = [t.value for t in InvolvementTarget if d.file.involvement(t) is None]
    if rows:
        out.append(fl.data_table(["Wer", "Stand", "Inhalt / Grund"], rows,
                                 col_widths=_widths(12, 22, 66)))
    if missing:
        out.append(_p(f"Noch nicht dokumentiert: {', '.join(missing)}."))
    return out


def _results(d: Dossier) -> list[Flowable]:
    out: list[Flowable] = [_h("Ergebnis der Gefährdungseinschätzung")]
    results = d.file.results()
    if not results:
        return [*out, _p("Noch kein Ergebnis festgehalten.")]
    for number, e in enumerate(results, start=1):
        r = e.data
        current = "aktuelle Fassung" if number == len(results) else "ersetzt"
        out.append(fl.key_value_table([
            ("Fassung", f"{number} ({current}), {format_datetime(e.created_at)}, "
                        f"{d.worker(e.created_by)}"),
            ("Ergebnis", r.category.value),
            ("Begründung", r.justification),
            ("Tragende Tatsachen", _fact_refs(d, r.fact_ids)),
        ]))
    return out


def _plan_rows(d: Dossier) -> list[list[str]]:
    plan = d.file.current_plan()
    if plan is None:
        return []
    return [[m.measure, m.responsible, format_date(m.due), m.verification, m.status.value,
             m.consequence] for m in plan.data.measures]


def _plan_section(d: Dossier) -> list[Flowable]:
    plan = d.file.current_plan()
    if plan is None:
        return []
    versions = len(d.file.of(EntryKind.PLAN))
    return [_h(f"Schutzplan (Fassung {versions})"),
            fl.data_table(["Maßnahme", "Wer", "Bis", "Überprüfung", "Stand", "Folge"],
                          _plan_rows(d), col_widths=_widths(26, 13, 11, 18, 10, 22)),
            _p(f"Nächste Überprüfung: {format_date(plan.data.review_date, '–')}")]


def _mitteilung_pairs(m: Mitteilung) -> list[tuple[str, str]]:
    notice = (f"ja, am {format_date(m.prior_notice_on)}" if m.prior_notice_on
              else f"nein, weil: {m.no_prior_notice_reason}")
    pairs = [
        ("Datum / Uhrzeit", format_datetime(m.informed_at) if m.informed_at else "–"),
        ("Jugendamt / Stelle", m.office),
        ("Ansprechperson", m.person),
        ("Übermittlungsweg", m.channel.value if m.channel else "–"),
        ("Rechtsgrundlage", m.legal_basis.value if m.legal_basis else "–"),
        ("Betroffene vorab informiert", notice),
    ]
    if m.reason:
        pairs.append(("Anlass", m.reason))
    pairs.append(("Inhalt", m.content or "–"))
    if m.attachment:
        pairs.append(("Anlage", m.attachment))
    pairs.append(("Gemeinsames Gespräch",
                  f"am {format_date(m.meeting_on)} mit {m.meeting_participants}"
                  if m.meeting_on else "nicht geführt"))
    if m.responsibilities:
        pairs.append(("Wer übernimmt was", m.responsibilities))
    return pairs


def _reviews(d: Dossier) -> list[Flowable]:
    if not d.reviews:
        return []
    rows = [[r.label, r.status, r.author_name, r.decided_by_name,
             format_datetime(r.decided_at) if r.decided_at else "", r.comment, r.signature]
            for r in d.reviews]
    return [_h("Prüfung durch die Leitung"),
            fl.data_table(["Schritt", "Stand", "Eintrag von", "Leitung", "am", "Kommentar",
                           "Signatur"],
                          rows, col_widths=_widths(18, 11, 12, 12, 13, 14, 20)),
            fl.para("Jede Freigabe ist mit dem persönlichen Schlüssel der freigebenden "
                         "Person signiert (Rolle, Kurzkennung des Schlüssels); die Signatur "
                         "wurde beim Erstellen dieses Dokuments geprüft.")]


def _closing(d: Dossier) -> list[Flowable]:
    closing = d.file.entered(State.S9)
    if closing is None:
        return []
    pairs = [("Abgeschlossen am", format_datetime(closing.at)),
             ("durch", d.worker(closing.actor_id)), ("Grund", closing.reason)]
    retention = str(closing.details.get("retention_class", ""))
    if retention:
        pairs.append(("Aufbewahrung", retention))
    return [_h("Abschluss"), fl.key_value_table(pairs)]


def render_documentation(d: Dossier, letterhead: Letterhead, clock: Clock) -> bytes:
    """All versions, participants, facts vs. assessments, bestritten markers, reviews."""
    story: list[Flowable] = _title(
        TITLE_DOCUMENTATION, "Dokumentation nach § 8a Abs. 4 SGB VIII und § 5 Abs. 2 LKSG NRW: "
        "Gefährdungsrisiko zum jeweiligen Zeitpunkt und die tragenden Tatsachen.")
    story += _master_data(d)
    story += _transitions(d)
    story += _reports(d)
    story += _observations(d)
    story += _acute(d)
    story += _assessments(d)
    story += _isef(d)
    story += _involvement(d)
    story += _results(d)
    story += _plan_section(d)
    for number, e in enumerate(d.file.of(EntryKind.MITTEILUNG), start=1):
        story += [_h(f"Mitteilung an das Jugendamt ({number})"),
                  fl.key_value_table(_mitteilung_pairs(e.data))]
    story += _reviews(d)
    story += _closing(d)
    signers = _decision_signers(d)
    if signers:
        story.append(fl.signature_block(signers, title="Unterschriften der Beteiligten"))
    return _render(story, letterhead, TITLE_DOCUMENTATION, clock)


def _decision_signers(d: Dossier) -> list[tuple[str, str]]:
    """Who made the assessment's decision: the professionals of the latest assessment,
    whoever recorded the latest result, and the Leitung who approved steps."""
    signers: dict[str, str] = {}
    assessments = d.file.assessments()
    if assessments:
        for p in assessments[-1].data.participants:
            name = p.name.strip() or (d.worker(p.worker_id) if p.worker_id else "")
            if name:
                signers.setdefault(name, p.function or "Gefährdungseinschätzung")
    results = d.file.results()
    if results:
        signers.setdefault(d.worker(results[-1].created_by), "Ergebnis festgehalten")
    for review in d.reviews:
        if review.decided_by_name:
            signers.setdefault(review.decided_by_name, "Leitung")
    return [(name, role) for name, role in signers.items() if name]


# --------------------------------------------------------------------------- Mitteilung


def render_mitteilung(d: Dossier, letterhead: Letterhead, clock: Clock,
                      mitteilung_id: str | None = None,
                      office_address: Sequence[str] = ()) -> bytes:
    """The notification to the Jugendamt (the latest one unless `mitteilung_id`), as a
    letter for a window envelope (DIN 5008): office, contact person and `office_address`
    (street, postcode and town of the ASD) in the address field."""
    entries = d.file.of(EntryKind.MITTEILUNG)
    entry = next((e for e in entries if e.id == mitteilung_id), None) if mitteilung_id \
        else (entries[-1] if entries else None)
    if entry is None:
        raise ValueError("no Mitteilung recorded")
    m: Mitteilung = entry.data
    story: list[Flowable] = _title(
        TITLE_MITTEILUNG, "Information des Jugendamtes bei Gefährdung des Kindeswohls "
        "(§ 8a Abs. 4 SGB VIII, § 4 Abs. 3 KKG)")
    story += _master_data(d)
    story += [_h("Mitteilung"), fl.key_value_table(_mitteilung_pairs(m))]
    current = d.file.current_result()
    if current is not None:
        story += [_h("Ergebnis der Gefährdungseinschätzung"), fl.key_value_table([
            ("Ergebnis", current.data.category.value),
            ("Begründung", current.data.justification),
            ("Tragende Tatsachen", _fact_refs(d, current.data.fact_ids)),
        ])]
    consultations = d.file.of(EntryKind.ISEF)
    if consultations:
        c = consultations[-1].data
        story.append(_p(f"Beratung durch die insoweit erfahrene Fachkraft am "
                        f"{format_date(c.consulted_on)}: {c.recommendation}"))
    story += [fl.spacer(8), fl.signature_row(("Ort, Datum", "Unterschrift Fachkraft")),
              fl.signature_row(("Ort, Datum", "Unterschrift Leitung"))]
    recipient = [m.office] + ([f"z. Hd. {m.person}"] if m.person else []) + [
        line for line in office_address if line.strip()]
    window = base.WindowAddress(
        recipient_lines=tuple(recipient),
        return_line=" · ".join((letterhead.name, *letterhead.address_lines)),
        info=(("Datum", format_date(clock.now().astimezone(BERLIN).date())),
              ("Vertraulich", "Sozialdaten")))
    return _render(story, letterhead, TITLE_MITTEILUNG, clock, window)


# --------------------------------------------------------------------------- Schutzplan


def render_schutzplan(d: Dossier, letterhead: Letterhead, clock: Clock) -> bytes:
    """The current protection plan in plain language, to hand to the parents."""
    plan = d.file.current_plan()
    if plan is None:
        raise ValueError("no Schutzplan recorded")
    children = ", ".join(c.display_name for c in d.children()) or "Ihr Kind"
    story: list[Flowable] = _title(TITLE_SCHUTZPLAN, f"Familie {d.household_name}")
    story += [
        _p(f"Wir möchten gemeinsam mit Ihnen dafür sorgen, dass es {children} gut geht. "
           "Dafür haben wir zusammen die folgenden Schritte vereinbart."),
        _h("Was wir vereinbart haben"),
        fl.data_table(["Was?", "Wer?", "Bis wann?", "Wie prüfen wir das?", "Stand",
                       "Was passiert, wenn es nicht klappt?"],
                      _plan_rows(d), col_widths=_widths(25, 13, 11, 18, 10, 23)),
        _h("Wann sprechen wir wieder darüber?"),
        _p(f"Am {format_date(plan.data.review_date, '–')} schauen wir gemeinsam, ob die "
           "Vereinbarung hilft."),
    ]
    if plan.data.agreed_with or plan.data.agreed_on:
        story.append(_p("Vereinbart mit: " + ", ".join(
            x for x in (plan.data.agreed_with, format_date(plan.data.agreed_on)) if x)))
    if plan.data.notes:
        story.append(_p(plan.data.notes))
    story += [
        _p("Wenn etwas nicht klappt, sprechen Sie uns bitte an. Wenn eine Vereinbarung nicht "
           "eingehalten wird und Ihr Kind nicht anders geschützt werden kann, müssen wir das "
           "Jugendamt informieren. Darüber sprechen wir vorher mit Ihnen."),
        fl.spacer(8),
        fl.signature_row(("Ort, Datum", "Unterschrift Eltern / Sorgeberechtigte")),
        fl.signature_row(("Ort, Datum", "Unterschrift Fachkraft")),
    ]
    return _render(story, letterhead, TITLE_SCHUTZPLAN, clock)


# --------------------------------------------------------------------------- iseF extract


def render_isef_extract(x: IsefExtract, letterhead: Letterhead, clock: Clock) -> bytes:
    """Pseudonymised consultation extract (LR-05): only pseudonyms and age bands."""
    story: list[Flowable] = _title(
        TITLE_ISEF, "Pseudonymisiert nach § 64 Abs. 2a SGB VIII und § 4 Abs. 2 KKG. Der "
        "Schlüssel zur Zuordnung bleibt beim Träger.")
    story += [fl.key_value_table([("Bezug", x.reference), ("Stand des Verfahrens", x.state)]),
              _h("Beteiligte Personen"),
              fl.data_table(["Pseudonym", "Rolle", "Altersgruppe", "Geschlecht",
                             "sorgeberechtigt"],
                            [[p.pseudonym, p.role + (" (betroffen)" if p.concerned else ""),
                              p.age_band, p.gender, "ja" if p.custody else "nein"]
                             for p in x.persons], col_widths=_widths(18, 24, 26, 16, 16))]
    if x.reports:
        story += [_h("Meldungen (ohne Angaben zur meldenden Person)"),
                  fl.data_table(["Eingang", "Meldende Stelle", "Inhalt"],
                                [[format_date(day), who, text] for day, who, text in x.reports],
                                col_widths=_widths(14, 22, 64))]
    story.append(_h("Wahrnehmungen"))
    if x.observations:
        story.append(fl.data_table(
            ["Datum", "Art", "Inhalt"],
            [[format_date(o.observed_on),
              o.kind + (f" (Quelle: {o.source})" if o.source else "")
              + (f" – {DISPUTED}" if o.disputed else ""),
              (f"[{DISPUTED}] " if o.disputed else "") + o.text] for o in x.observations],
            col_widths=_widths(14, 26, 60)))
    else:
        story.append(_p("Keine Einträge."))
    for a in x.assessments:
        story += [_h(f"Gefährdungseinschätzung, Fassung {a.version} vom "
                     f"{format_date(a.assessed_on)}"),
                  fl.key_value_table([(k, v) for k, v in (
                      ("Beteiligte", ", ".join(a.participants)), ("Instrument", a.instrument),
                      ("Ressourcen / Schutzfaktoren", a.resources), ("Risikofaktoren", a.risks),
                      ("Kooperationsbereitschaft", a.cooperation),
                      ("Sicherheitseinschätzung", a.safety),
                      ("Fachliche Einschätzung", a.summary)) if v])]
        if a.ratings:
            story.append(fl.data_table(["Modul", "Bewertung"], [list(r) for r in a.ratings],
                                       col_widths=_widths(60, 40)))
    if x.involvement:
        story += [_h("Einbeziehung"),
                  fl.data_table(["Wer", "Stand"], [list(i) for i in x.involvement],
                                col_widths=_widths(15, 85))]
    story += [_h("Fragestellung an die iseF"), _p(x.questions or "–"),
              _small("Hinweis: Namen, Anschrift, Telefonnummern und Geburtsdaten der Familie "
                     "wurden durch Pseudonyme ersetzt, Namen Dritter, Straßen, "
                     "Telefonnummern, E-Mail-Adressen und Daten in Freitexten durch "
                     "Platzhalter in eckigen Klammern. " + REDACTION_LIMITS)]
    return _render(story, letterhead, TITLE_ISEF, clock)
