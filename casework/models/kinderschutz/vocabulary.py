"""The fixed vocabulary of a § 8a procedure: its states, result categories, legal bases,
channels, ratings, entry kinds and task keys, and the field parsers its entries share.
Pure: no Qt, no SQL, no I/O."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from casework.errors import ValidationError
from casework.models.contacts import NoteKind


class State(StrEnum):
    """States of the freier-Träger machine (legal-reference §1.2)."""

    S0 = "S0"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"
    S5 = "S5"
    S6 = "S6"
    S6B = "S6b"
    S7 = "S7"
    S8 = "S8"
    S9 = "S9"
    SA = "SA"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.S0: "Wahrnehmung",
    State.S1: "Gewichtige Anhaltspunkte",
    State.S2: "Gefährdungseinschätzung",
    State.S3: "Beratung durch die insoweit erfahrene Fachkraft",
    State.S4: "Einbeziehung Eltern/Kind",
    State.S5: "Ergebnis",
    State.S6: "Hinwirken auf Hilfen / Schutzplan",
    State.S6B: "Überprüfung",
    State.S7: "Information an das Jugendamt",
    State.S8: "Nach der Meldung",
    State.S9: "Abschluss",
    State.SA: "Akut – dringende Gefahr",
}


class ResultCategory(StrEnum):
    """The four outcomes of the official § 8a statistics (LR-07, legal-reference §2.3)."""

    AKUT = "akute Kindeswohlgefährdung"
    LATENT = "latente Kindeswohlgefährdung"
    HILFEBEDARF = "keine Kindeswohlgefährdung, aber Hilfe-/Unterstützungsbedarf"
    KEIN_BEDARF = "keine Kindeswohlgefährdung und kein (weiterer) Hilfebedarf"


class LegalBasis(StrEnum):
    """Rechtsgrundlage der Übermittlung an das Jugendamt (LR-12, legal-reference §1.6)."""

    VEREINBARUNG = "Vereinbarung nach § 8a Abs. 4 SGB VIII"
    KKG_4_3 = "§ 4 Abs. 3 KKG"
    EINWILLIGUNG = "Einwilligung"
    SGB8_65_1_5 = "§ 65 Abs. 1 Nr. 5 SGB VIII"
    STGB_34 = "§ 34 StGB"


class Channel(StrEnum):
    TELEFON = "Telefon"
    PERSOENLICH = "persönlich"
    SCHRIFTLICH = "schriftlich"
    EMAIL = "E-Mail"
    FAX = "Fax"
    NOTRUF = "Notruf"
    SONSTIGES = "sonstiger Weg"


class Rating(StrEnum):
    """Four-point module scale of the Stuttgart/Düsseldorf instruments (LR-16)."""

    SEHR_SCHLECHT = "sehr schlecht"
    SCHLECHT = "schlecht"
    AUSREICHEND = "ausreichend"
    GUT = "gut"


class MeasureStatus(StrEnum):
    OFFEN = "offen"
    ERLEDIGT = "erledigt"
    NICHT_EINGEHALTEN = "nicht eingehalten"


class InvolvementTarget(StrEnum):
    ELTERN = "Eltern"
    KIND = "Kind"


class EntryKind(StrEnum):
    OBSERVATION = "observation"
    DISPUTE = "dispute"
    ASSESSMENT = "assessment"
    ISEF = "isef"
    ISEF_SKIP = "isef_skip"
    INVOLVEMENT = "involvement"
    RESULT = "result"
    PLAN = "plan"
    MITTEILUNG = "mitteilung"
    ACUTE = "acute"
    CALL = "call"
    TASK = "task"
    NOTE = "note"
    PSEUDONYM_KEY = "pseudonym_key"
    REPORT = "report"
    HANDOVER = "handover"


class TaskKey(StrEnum):
    """Follow-up tasks of the acute path: complete S2–S5 afterwards (LR-10)."""

    EINSCHAETZUNG = "einschaetzung"
    ISEF = "isef"
    EINBEZIEHUNG = "einbeziehung"
    ERGEBNIS = "ergebnis"

    @property
    def label(self) -> str:
        return {
            TaskKey.EINSCHAETZUNG: "Gefährdungseinschätzung mit zwei Fachkräften nachholen",
            TaskKey.ISEF: "Beratung durch die iseF nachholen oder Verzicht begründen",
            TaskKey.EINBEZIEHUNG: "Einbeziehung von Eltern und Kind dokumentieren",
            TaskKey.ERGEBNIS: "Ergebnis der Gefährdungseinschätzung festhalten",
        }[self]


# Factual kinds a result may rest on (LR-07 "links to at least one fact entry").
FACTUAL_KINDS = frozenset({NoteKind.FAKT, NoteKind.BEOBACHTUNG, NoteKind.AUSSAGE_DRITTER})

# Shown next to instrument ratings (LR-17, Sachsen form note).
INSTRUMENT_NOTE = (
    "Einschätzungsbögen sind nicht schematisch anzuwenden und ersetzen nicht das "
    "Fachgespräch; das Ergebnis ist eine fachliche Entscheidung."
)


def text_field(value: str, label: str, *, required: bool = True, limit: int = 20000) -> str:
    clean = value.strip()
    if required and not clean:
        raise ValidationError(label, "muss ausgefüllt werden.")
    if len(clean) > limit:
        raise ValidationError(label, f"ist zu lang (höchstens {limit} Zeichen).")
    return clean


def aware_field(value: datetime | None, label: str) -> datetime:
    if value is None:
        raise ValidationError(label, "muss angegeben werden.")
    if value.tzinfo is None:
        raise ValidationError(label, "ohne Zeitzone.")
    return value


def parse_datetime(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)


def parse_date(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value)


def iso_or_none(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def need_datetime(value: str | None) -> datetime:
    result = parse_datetime(value)
    assert result is not None
    return result
