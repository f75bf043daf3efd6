"""The demo's § 8a procedures: several in different states (one waiting for the Leitung),
and closed ones of last year for the yearly evaluation, written through the same
services as in the app on the stage of `demo_stage`."""

from __future__ import annotations

from casework.models.contacts import NoteKind
from casework.models.kinderschutz.actions import Measure, Mitteilung, Note, SafetyPlan
from casework.models.kinderschutz.findings import (
    Assessment,
    Involvement,
    IsefConsultation,
    ModuleRating,
    Observation,
    Participant,
    Result,
)
from casework.models.kinderschutz.review import QUEUE_STATUSES, ReviewKind
from casework.models.kinderschutz.vocabulary import (
    Channel,
    InvolvementTarget,
    LegalBasis,
    Rating,
    ResultCategory,
    State,
)
from casework.services.demo_stage import Family, Stage
from casework.services.kinderschutz import procedures as ks
from casework.services.kinderschutz import review


def _observe(stage: Stage, pid: str, days_ago: int, text: str,
             kind: NoteKind = NoteKind.FAKT, source: str = "") -> str:
    stage.at(days_ago, 11)
    eid, _ = ks.record_observation(stage.session, pid, Observation(
        stage.moment(days_ago, 9), kind, text, source))
    return eid


def _assess(stage: Stage, pid: str, days_ago: int, facts: tuple[str, ...],
            summary: str) -> None:
    stage.at(days_ago, 14)
    me = stage.session.actor
    ks.record_assessment(stage.session, pid, Assessment(
        stage.moment(days_ago, 13),
        (Participant(me.name, "fallführende Fachkraft", me.id),
         Participant(stage.colleague.name, "Zweitkraft", stage.colleague.id)),
        summary, instrument="Beispielbogen", instrument_version="1.0",
        ratings=(ModuleRating("Grundversorgung und Schutz", Rating.SCHLECHT),
                 ModuleRating("Erscheinungsbild Kind", Rating.AUSREICHEND)),
        resources="Die Großmutter unterstützt regelmäßig.", fact_ids=facts))


def _isef(stage: Stage, pid: str, days_ago: int) -> None:
    stage.at(days_ago, 15)
    ks.record_isef(stage.session, pid, IsefConsultation(
        stage.day(-days_ago), "Frau Beispiel-Rat (iseF)",
        "Beratungsstelle Kinderschutz (Beispiel)", True,
        "Mit der Mutter einen Schutzplan vereinbaren, Überprüfung in vier Wochen."))


def _involve(stage: Stage, family: Family, pid: str, days_ago: int,
             child_text: str) -> None:
    stage.at(days_ago, 16)
    on = stage.day(-days_ago)
    ks.record_involvement(stage.session, pid, Involvement(
        InvolvementTarget.ELTERN, True, on, "Gespräch mit der Mutter über die Versorgung.",
        person_ids=(family.parent,)))
    ks.record_involvement(stage.session, pid, Involvement(
        InvolvementTarget.KIND, True, on, child_text,
        person_ids=family.children[:1]))


def _approve_all(stage: Stage, pid: str, days_ago: int) -> None:
    stage.at(days_ago, 17)
    with stage.acting(stage.leitung):
        for view in review.items_for(stage.session, pid):
            if view.status in QUEUE_STATUSES:
                review.approve(stage.session, view.id, expected_hash=view.current_hash,
                               auth=stage.sign())


def _to_result(stage: Stage, family: Family, start: int, text: str,
               category: ResultCategory, justification: str,
               child_text: str = "Das Kind erzählt offen vom Alltag zu Hause.") -> str:
    """Open a procedure `start` days ago and walk it to a recorded result (S5)."""
    s = stage.session
    stage.at(start, 10)
    pid, _ = ks.open_procedure(s, family.id, family.children[:1])
    fact = _observe(stage, pid, start, text)
    stage.at(start, 12)
    ks.transition(s, pid, State.S1)
    _approve_all(stage, pid, start)
    stage.at(start - 1, 9)
    ks.transition(s, pid, State.S2)
    _assess(stage, pid, start - 1, (fact,), "Versorgung wiederholt unzureichend.")
    stage.at(start - 2, 9)
    ks.transition(s, pid, State.S3)
    _isef(stage, pid, start - 3)
    stage.at(start - 4, 9)
    ks.transition(s, pid, State.S4)
    _involve(stage, family, pid, start - 5, child_text)
    stage.at(start - 6, 9)
    ks.transition(s, pid, State.S5)
    ks.record_result(s, pid, Result(category, justification, (fact,)))
    ks.hand_over(s, pid, auth=stage.sign_lead())  # "An die Leitung geben"
    return pid


def kinderschutz(stage: Stage, families: dict[str, Family]) -> None:
    s = stage.session
    # 1. Result recorded, waiting for the Leitung's approval (her Heute queue).
    _to_result(stage, families["Kaya"], 12,
               "Amira kam in dieser Woche dreimal ohne Frühstück und ohne Jacke in die Kita.",
               ResultCategory.HILFEBEDARF,
               "Keine Gefährdung, aber die Mutter braucht Unterstützung bei der Tagesstruktur.")

    # 2. Schutzplan in force, its review due in a few days.
    neumann = families["Neumann"]
    pid = _to_result(stage, neumann, 40,
                     "Paul berichtet, dass er abends oft allein ist und nichts zu essen hat.",
                     ResultCategory.LATENT,
                     "Latente Gefährdung durch unzureichende Versorgung am Abend.")
    _approve_all(stage, pid, 34)
    stage.at(33, 9)
    ks.transition(s, pid, State.S6)
    ks.save_plan(s, pid, SafetyPlan(
        (Measure("Paul isst montags bis freitags in der Offenen Ganztagsschule zu Abend.",
                 "Mutter", stage.day(2), "Rückmeldung der OGS", "Information an das Jugendamt"),
         Measure("Die Mutter nimmt die Erziehungsberatung in Anspruch.", "Mutter",
                 stage.day(9), "Bestätigung der Beratungsstelle",
                 "erneute Gefährdungseinschätzung")),
        stage.day(4), agreed_with="Mutter", agreed_on=stage.day(-33)))

    # 2b. A result the Leitung returned with a comment: back with the Fachkraft.
    sommer = families["Sommer"]
    pid = _to_result(stage, sommer, 9,
                     "Lina hat seit Wochen einen wunden Po; die Windeln werden selten "
                     "gewechselt.", ResultCategory.HILFEBEDARF,
                     "Keine Gefährdung; die Mutter braucht Unterstützung bei der Pflege.",
                     child_text="Lina wurde beim Hausbesuch gesehen und wirkte zufrieden.")
    stage.at(2, 15)
    with stage.acting(stage.leitung):
        item = next(v for v in review.items_for(s, pid) if v.item.kind is ReviewKind.ERGEBNIS)
        review.return_item(s, item.id, "Bitte die Einschätzung der Familienhebamme "
                                       "ergänzen.", expected_hash=item.current_hash,
                           auth=stage.sign())

    # 3. Gefährdungseinschätzung done, the iseF consultation is overdue (the one red item).
    petrovic = families["Petrović"]
    stage.at(14, 10)
    pid, _ = ks.open_procedure(s, petrovic.id, petrovic.children)
    fact = _observe(stage, pid, 14, "Die Nachbarin berichtet von lautem Streit und einem "
                                    "weinenden Kleinkind in der Nacht.",
                    NoteKind.AUSSAGE_DRITTER, source="Nachbarin")
    stage.at(14, 12)
    ks.transition(s, pid, State.S1)
    _approve_all(stage, pid, 14)
    stage.at(13, 9)
    ks.transition(s, pid, State.S2)
    _assess(stage, pid, 13, (fact,), "Hinweise ernst nehmen; Versorgung des Kleinkinds "
                                     "klären.")

    # 4. Closed three months ago: no endangerment, no further need.
    lorenz = families["Lorenz"]
    pid = _to_result(stage, lorenz, 110,
                     "Jonas hatte einen großen Bluterguss am Arm; er sagt, er sei vom "
                     "Klettergerüst gefallen.", ResultCategory.KEIN_BEDARF,
                     "Der Sturz ist von der Schule bestätigt; keine Gefährdung, kein Bedarf.")
    _approve_all(stage, pid, 102)
    stage.at(100, 10)
    ks.close(s, pid, "Keine Kindeswohlgefährdung; Familie wird weiter im Quartier begleitet.",
             "Regelfrist")
    _approve_all(stage, pid, 99)

    # 5. The Jugendamt was informed; cooperation after the report.
    haddad = families["Haddad"]
    pid = _to_result(stage, haddad, 60,
                     "Noor hat Striemen am Rücken und sagt, der Onkel habe sie geschlagen.",
                     ResultCategory.AKUT, "Akute Gefährdung: körperliche Gewalt im Haushalt.")
    _approve_all(stage, pid, 54)
    stage.at(53, 10)
    ks.transition(s, pid, State.S7)
    ks.record_mitteilung(s, pid, Mitteilung(
        stage.moment(53, 10), "Jugendamt – ASD Bezirk 6", "ASD Bezirk 6 – Fachkraft",
        Channel.TELEFON, "Körperliche Gewalt gegen Noor; Schutz nicht anders sicherzustellen.",
        LegalBasis.KKG_4_3, prior_notice_on=stage.day(-53), meeting_on=stage.day(-53),
        meeting_participants="Mutter, Fachkraft ASD Bezirk 6, fallführende Fachkraft",
        responsibilities="ASD: Schutzkonzept und Hilfeplanung; Stadtteilbüro: begleitet die "
                         "Mutter zu den Terminen und hält Kontakt zur Kita."))
    _approve_all(stage, pid, 53)
    stage.at(52, 10)
    ks.transition(s, pid, State.S8)
    stage.at(45, 11)
    ks.add_note(s, pid, Note("Das Jugendamt hat eine Hilfe zur Erziehung eingeleitet; der "
                             "Onkel ist ausgezogen."))

    # 6. Just noticed something: Wahrnehmung, nothing decided yet.
    vogel = families["Vogel"]
    stage.at(1, 16)
    pid, _ = ks.open_procedure(s, vogel.id, vogel.children)
    _observe(stage, pid, 1, "Mia wirkte heute in der Kita sehr müde und zog sich zurück.",
             NoteKind.BEOBACHTUNG)


def kinderschutz_last_year(stage: Stage, families: dict[str, Family]) -> None:
    """Closed procedures of the previous year, so the yearly § 8a evaluation for the
    Jugendamt has two years to show (opened about a year ago, closed after days to months)."""
    cases = (
        ("Haddad", 345, ResultCategory.HILFEBEDARF, 12,
         "Karim kommt seit Wochen ohne Schulsachen und sagt, zu Hause sei es laut."),
        ("Vogel", 360, ResultCategory.KEIN_BEDARF, 9,
         "Mia hatte einen Bluterguss an der Stirn; die Kita hat den Sturz gesehen."),
        ("Schäfer", 380, ResultCategory.HILFEBEDARF, 40,
         "Felix schläft in der Schule ein und erzählt von nächtlichem Streit."),
        ("Brandt", 400, ResultCategory.KEIN_BEDARF, 6,
         "Ben war zwei Tage allein zu Hause, die Mutter lag im Krankenhaus."),
        ("Yılmaz", 420, ResultCategory.HILFEBEDARF, 95,
         "Elif ist oft krank in der Kita; die Mutter wirkt erschöpft."),
    )
    s = stage.session
    for name, start, category, days, text in cases:
        pid = _to_result(stage, families[name], start, text, category,
                         "Nach Gespräch und Einschätzung: " + category.value + ".")
        _approve_all(stage, pid, start - 6)
        if category is ResultCategory.HILFEBEDARF:
            # Help agreed in a plan, reviewed, then closed.
            stage.at(start - 7, 9)
            ks.transition(s, pid, State.S6)
            ks.save_plan(s, pid, SafetyPlan(
                (Measure("Die Familie nimmt die Erziehungsberatung in Anspruch.", "Mutter",
                         stage.day(-(start - days)), "Bestätigung der Beratungsstelle",
                         "erneute Gefährdungseinschätzung"),),
                stage.day(-(start - days)), agreed_with="Mutter",
                agreed_on=stage.day(-(start - 7))))
            stage.at(start - days, 9)
            ks.transition(s, pid, State.S6B)
            _assess(stage, pid, start - days, (), "Die Hilfe wirkt; keine Gefährdung.")
            _approve_all(stage, pid, start - days)
        stage.at(start - days, 15)
        ks.close(s, pid, "Verfahren abgeschlossen; die Familie wird weiter im Quartier "
                 "begleitet.", "Regelfrist")
        _approve_all(stage, pid, start - days)
