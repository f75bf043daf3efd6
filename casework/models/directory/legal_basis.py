"""Which data-protection law applies, by the type of organisation (issue 19).

A freier Träger without church ties (e. V., gGmbH) and a private Träger process under the
GDPR and the Bundesdatenschutzgesetz, with the social-data rules of SGB VIII and SGB X; a
Caritas organisation under the Catholic Church's KDG, a Diakonie organisation under the
EKD's DSG-EKD (Art. 91 GDPR); a municipality under the Datenschutzgesetz NRW. The consent
form, the withdrawal confirmation and the Art. 15 letter name the law and the supervisory
authority of the profile's organisation type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrganisationKind(StrEnum):
    VEREIN = "verein"  # eingetragener Verein / gGmbH, freier Träger ohne Kirchenbindung
    PRIVAT = "privat"  # privat-gewerblicher Träger
    CARITAS = "caritas"  # katholischer Träger (Caritas)
    DIAKONIE = "diakonie"  # evangelischer Träger (Diakonie)
    KOMMUNE = "kommune"  # Stadt, Kreis, Gemeinde (öffentlicher Träger)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    OrganisationKind.VEREIN: "freier Träger (e. V., gGmbH)",
    OrganisationKind.PRIVAT: "privater Träger",
    OrganisationKind.CARITAS: "katholischer Träger (Caritas)",
    OrganisationKind.DIAKONIE: "evangelischer Träger (Diakonie)",
    OrganisationKind.KOMMUNE: "Kommune (öffentlicher Träger)",
}


@dataclass(frozen=True, slots=True)
class LegalBasis:
    law: str  # "… sind die …" – the full names
    short: str  # "DSGVO, BDSG, SGB VIII und SGB X"
    authority: str  # where to complain (Art. 77 DSGVO / church equivalent)


_LDI = ("der Landesbeauftragten für Datenschutz und Informationsfreiheit "
        "Nordrhein-Westfalen (LDI NRW)")
_SOCIAL = "dem Achten und Zehnten Buch Sozialgesetzbuch (SGB VIII, SGB X)"

BASES: dict[OrganisationKind, LegalBasis] = {
    OrganisationKind.VEREIN: LegalBasis(
        "die EU-Datenschutz-Grundverordnung (EU-DSGVO) und das Bundesdatenschutzgesetz "
        f"(BDSG) in Verbindung mit {_SOCIAL}", "DSGVO, BDSG, SGB VIII und SGB X", _LDI),
    OrganisationKind.PRIVAT: LegalBasis(
        "die EU-Datenschutz-Grundverordnung (EU-DSGVO) und das Bundesdatenschutzgesetz "
        f"(BDSG) in Verbindung mit {_SOCIAL}", "DSGVO, BDSG, SGB VIII und SGB X", _LDI),
    OrganisationKind.CARITAS: LegalBasis(
        "das Gesetz über den Kirchlichen Datenschutz (KDG) der katholischen Kirche in "
        f"Verbindung mit {_SOCIAL}", "KDG, SGB VIII und SGB X",
        "der kirchlichen Datenschutzaufsicht (für die (Erz-)Bistümer in "
        "Nordrhein-Westfalen: Katholisches Datenschutzzentrum, Dortmund)"),
    OrganisationKind.DIAKONIE: LegalBasis(
        "das Kirchengesetz über den Datenschutz der Evangelischen Kirche in Deutschland "
        f"(DSG-EKD) in Verbindung mit {_SOCIAL}", "DSG-EKD, SGB VIII und SGB X",
        "dem Beauftragten für den Datenschutz der EKD"),
    OrganisationKind.KOMMUNE: LegalBasis(
        "die EU-Datenschutz-Grundverordnung (EU-DSGVO) und das Datenschutzgesetz "
        f"Nordrhein-Westfalen (DSG NRW) in Verbindung mit {_SOCIAL}",
        "DSGVO, DSG NRW, SGB VIII und SGB X", _LDI),
}


def legal_basis(kind: OrganisationKind) -> LegalBasis:
    return BASES[kind]
