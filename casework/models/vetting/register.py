"""The § 72a register: persons of the organisation (staff, side-job, volunteers — never
clients), their activities, the inspections of their extended certificates, and what
follows from them on a given day (may this person work with children now? what is due?
what must be deleted?).

§ 72a Abs. 5 SGB VIII: of an inspection only the fact that it took place, the date of
the certificate and whether a relevant conviction is recorded may be stored (LR-38);
`Inspection` holds exactly that (plus the day of the inspection, needed for the
three-month rule). There is no free text and no upload anywhere in an inspection; not
even whether it followed concrete indications (that follows from the dates).

Deletion (§ 72a Abs. 5): without delay if no activity follows the inspection, otherwise
at the latest three months (scheme: `deletion_months_after_end`) after the activity ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from casework.errors import ValidationError
from casework.models.vetting.scheme import Answers, Assessment, Engagement, Scheme, assess

MAX_NAME = 120
MAX_TITLE = 120
MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class MemberDraft:
    name: str
    engagement: Engagement
    adult_on: date | None = None  # the 18th birthday of a minor; None: an adult

    def validated(self) -> MemberDraft:
        name = " ".join(self.name.split())
        if not name:
            raise ValidationError("Name", "darf nicht leer sein.")
        if len(name) > MAX_NAME:
            raise ValidationError("Name", f"ist zu lang (höchstens {MAX_NAME} Zeichen).")
        try:
            engagement = Engagement(self.engagement)
        except ValueError:
            raise ValidationError("Art der Mitarbeit", "ist unbekannt.") from None
        return MemberDraft(name, engagement, self.adult_on)


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    data: MemberDraft

    @property
    def name(self) -> str:
        return self.data.name

    def is_minor(self, day: date) -> bool:
        return self.data.adult_on is not None and day < self.data.adult_on


class Decision(StrEnum):
    """The Leitung may decide differently from the scheme (with a reason)."""

    SCHEME = "nach Prüfschema"
    REQUIRED = "erforderlich (abweichend)"
    NOT_REQUIRED = "nicht erforderlich (abweichend)"


@dataclass(frozen=True, slots=True)
class ActivityDraft:
    member_id: str
    title: str
    starts_on: date
    answers: Answers
    ends_on: date | None = None
    decision: Decision = Decision.SCHEME
    decision_reason: str = ""

    def validated(self, scheme: Scheme) -> ActivityDraft:
        title = " ".join(self.title.split())
        if not title:
            raise ValidationError("Tätigkeit", "darf nicht leer sein.")
        if len(title) > MAX_TITLE:
            raise ValidationError("Tätigkeit", f"ist zu lang (höchstens {MAX_TITLE} Zeichen).")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValidationError("Ende", "liegt vor dem Beginn.")
        reason = " ".join(self.decision_reason.split())
        decision = Decision(self.decision)
        if decision is not Decision.SCHEME and not reason:
            raise ValidationError("Begründung", "bitte angeben, warum vom Prüfschema "
                                                "abgewichen wird.")
        if len(reason) > MAX_REASON:
            raise ValidationError("Begründung", f"ist zu lang (höchstens {MAX_REASON} Zeichen).")
        return ActivityDraft(self.member_id, title, self.starts_on,
                             self.answers.validated(scheme), self.ends_on, decision,
                             reason if decision is not Decision.SCHEME else "")


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    data: ActivityDraft

    def current(self, day: date) -> bool:
        return self.data.starts_on <= day and (self.data.ends_on is None
                                               or day <= self.data.ends_on)

    def ahead_or_current(self, day: date) -> bool:
        return self.data.ends_on is None or day <= self.data.ends_on

    def assessment(self, scheme: Scheme, member: Member, day: date) -> Assessment:
        return assess(scheme, member.data.engagement, self.data.answers,
                      minor=member.is_minor(day))

    def requires_certificate(self, scheme: Scheme, member: Member, day: date) -> bool:
        if self.data.decision is Decision.REQUIRED:
            return True
        if self.data.decision is Decision.NOT_REQUIRED:
            return False
        return self.assessment(scheme, member, day).required


@dataclass(frozen=True, slots=True)
class InspectionDraft:
    """Only what § 72a Abs. 5 allows: inspected (the record itself), the date of the
    certificate, relevant entry yes/no."""

    member_id: str
    inspected_on: date
    certificate_date: date
    relevant_entry: bool

    def validated(self, scheme: Scheme, today: date) -> InspectionDraft:
        if self.inspected_on > today:
            raise ValidationError("Einsicht am", "liegt in der Zukunft.")
        if self.certificate_date > self.inspected_on:
            raise ValidationError("Datum des Führungszeugnisses",
                                  "liegt nach der Einsichtnahme.")
        oldest = self.inspected_on - relativedelta(months=scheme.certificate_max_age_months)
        if self.certificate_date < oldest:
            # Trägervereinbarung: not older than three months when it is inspected.
            raise ValidationError(
                "Datum des Führungszeugnisses",
                f"Das Führungszeugnis war bei der Einsichtnahme älter als "
                f"{scheme.certificate_max_age_months} Monate. Bitte ein aktuelles "
                "Führungszeugnis vorlegen lassen.")
        return InspectionDraft(self.member_id, self.inspected_on, self.certificate_date,
                               bool(self.relevant_entry))


@dataclass(frozen=True, slots=True)
class Inspection:
    id: str
    data: InspectionDraft
    inspected_by: str  # worker id

    def valid_until(self, scheme: Scheme) -> date:
        """Renewal at intervals of at most five years, counted from the certificate."""
        until: date = self.data.certificate_date + relativedelta(years=scheme.renewal_years)
        return until


@dataclass(frozen=True, slots=True)
class Indication:
    """Concrete indications of a relevant conviction: a current certificate is requested
    at once, regardless of the five-year interval. Only the date is stored — nothing of
    what was observed (that belongs to the § 8a or HR file, not to this register)."""

    id: str
    member_id: str
    requested_on: date


class Clearance(StrEnum):
    """Whether the person may currently work with children and young people."""

    CLEARED = "ja"
    NOT_NEEDED = "ja, ohne Führungszeugnis"
    MISSING = "nein – Einsicht fehlt"
    EXPIRED = "nein – abgelaufen"
    INDICATION = "nein – Anlassprüfung offen"
    EXCLUDED = "nein – einschlägige Eintragung"
    INACTIVE = "derzeit keine Tätigkeit mit Kindern"

    @property
    def may_work(self) -> bool:
        return self in (Clearance.CLEARED, Clearance.NOT_NEEDED)


@dataclass(frozen=True, slots=True)
class MemberFile:
    member: Member
    activities: tuple[Activity, ...]
    inspections: tuple[Inspection, ...]  # oldest first
    indications: tuple[Indication, ...]  # oldest first

    @property
    def latest(self) -> Inspection | None:
        return self.inspections[-1] if self.inspections else None

    def open_indication(self) -> Indication | None:
        if not self.indications:
            return None
        last = self.indications[-1]
        latest = self.latest
        if latest is not None and latest.data.inspected_on >= last.requested_on:
            return None
        return last


@dataclass(frozen=True, slots=True)
class Status:
    clearance: Clearance
    detail: str  # one German line
    valid_until: date | None
    needs_certificate: bool


def status(scheme: Scheme, file: MemberFile, day: date) -> Status:
    latest = file.latest
    valid_until = latest.valid_until(scheme) if latest is not None else None
    current = [a for a in file.activities if a.current(day)]
    needs = any(a.requires_certificate(scheme, file.member, day) for a in current)
    if latest is not None and latest.data.relevant_entry:
        # § 72a Abs. 1/4: nobody convicted of a listed offence works with children.
        return Status(Clearance.EXCLUDED, "einschlägige Eintragung: kein Einsatz mit Kindern "
                      "und Jugendlichen", valid_until, needs)
    indication = file.open_indication()
    if indication is not None:
        return Status(Clearance.INDICATION, f"aktuelles Führungszeugnis angefordert am "
                      f"{indication.requested_on:%d.%m.%Y}; bis zur Einsicht kein Einsatz",
                      valid_until, needs)
    with_children = [a for a in current if a.data.answers.children_contact]
    if not with_children:
        return Status(Clearance.INACTIVE, "keine laufende Tätigkeit mit Kindern oder "
                      "Jugendlichen", valid_until, needs)
    if not needs:
        return Status(Clearance.NOT_NEEDED, "Führungszeugnis für die laufende Tätigkeit nicht "
                      "erforderlich", valid_until, False)
    if latest is None or valid_until is None:
        return Status(Clearance.MISSING, "Einsicht in das erweiterte Führungszeugnis fehlt",
                      None, True)
    if valid_until <= day:
        return Status(Clearance.EXPIRED, f"Führungszeugnis abgelaufen am {valid_until:%d.%m.%Y}",
                      valid_until, True)
    return Status(Clearance.CLEARED, f"eingesehen am {latest.data.inspected_on:%d.%m.%Y}, "
                  f"gültig bis {valid_until:%d.%m.%Y}", valid_until, True)


class DueKind(StrEnum):
    MISSING = "Einsicht fehlt"
    RENEWAL = "Erneuerung"
    INDICATION = "Anlassprüfung"
    ADULT = "wird volljährig"
    DELETION = "Löschen nach § 72a Abs. 5"


@dataclass(frozen=True, slots=True)
class Due:
    kind: DueKind
    member_id: str
    member_name: str
    on: date
    text: str

    def overdue(self, day: date) -> bool:
        return self.on < day


def deletion_due_on(scheme: Scheme, file: MemberFile) -> date | None:
    """When the inspection data of this person must be deleted (None: nothing stored, or
    an activity with children is still running or planned without an end)."""
    if not file.inspections and not file.indications:
        return None
    first_kept = min([i.data.inspected_on for i in file.inspections]
                     + [i.requested_on for i in file.indications])
    relevant = [a for a in file.activities if a.data.answers.children_contact]
    if any(a.data.ends_on is None for a in relevant):
        return None
    following = [a for a in relevant if a.data.ends_on is not None
                 and a.data.ends_on >= first_kept]
    if not following:
        # No activity follows the inspection: delete without delay.
        return first_kept
    last_end = max(a.data.ends_on for a in following if a.data.ends_on is not None)
    due_on: date = last_end + relativedelta(months=scheme.deletion_months_after_end)
    return due_on


def due_items(scheme: Scheme, file: MemberFile, day: date) -> list[Due]:
    """What the Leitung has to do for this person, from `day` on (reminders start
    `remind_days_before` ahead)."""
    out: list[Due] = []
    member = file.member
    name = member.name
    horizon = day + relativedelta(days=scheme.remind_days_before)
    deletion = deletion_due_on(scheme, file)
    if deletion is not None and deletion <= horizon:
        out.append(Due(DueKind.DELETION, member.id, name, deletion,
                       f"Daten zum Führungszeugnis löschen (spätestens {deletion:%d.%m.%Y})"))
    latest = file.latest
    if latest is not None and latest.data.relevant_entry:
        return out
    indication = file.open_indication()
    if indication is not None:
        out.append(Due(DueKind.INDICATION, member.id, name, indication.requested_on,
                       "konkrete Anhaltspunkte: aktuelles Führungszeugnis einsehen"))
        return out
    upcoming = [a for a in file.activities if a.ahead_or_current(day)
                and a.data.starts_on <= horizon]
    needing = [a for a in upcoming
               if a.requires_certificate(scheme, member, max(day, a.data.starts_on))]
    valid_until = latest.valid_until(scheme) if latest is not None else None
    if needing:
        start = min(a.data.starts_on for a in needing)
        if valid_until is None:
            out.append(Due(DueKind.MISSING, member.id, name, start,
                           f"Einsicht in das erweiterte Führungszeugnis fehlt "
                           f"({needing[0].data.title})"))
        elif valid_until <= horizon:
            out.append(Due(DueKind.RENEWAL, member.id, name, valid_until,
                           f"Führungszeugnis läuft am {valid_until:%d.%m.%Y} ab: neues "
                           "anfordern"))
    adult_on = member.data.adult_on
    if (adult_on is not None and day <= adult_on <= horizon and valid_until is None
            and not needing):
        later = [a for a in upcoming if a.ahead_or_current(adult_on)
                 and a.requires_certificate(scheme, member, adult_on)]
        if later:
            out.append(Due(DueKind.ADULT, member.id, name, adult_on,
                           f"wird am {adult_on:%d.%m.%Y} volljährig: Führungszeugnis für "
                           f"„{later[0].data.title}“ dann erforderlich"))
    return out
