"""Löschprotokoll PDF: proof of deletion without any deleted content (LR-36)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from casework.clock import FixedClock
from casework.forms.privacy.deletion_protocol import DeletionProtocolData, render_deletion_protocol
from casework.models.directory.profile import Organisation


def _data(organisation: Organisation) -> DeletionProtocolData:
    return DeletionProtocolData(
        organisation=organisation,
        request_id="01a1-request-0001",
        household_id="01a1fcea-fc41-77f6-8af9-a044f495e8df",
        household_label="Haushalt …95e8df",
        file_type="Quartiersarbeit",
        rule_label="Quartiersarbeit nach Fallabschluss",
        rule_source="Beispielwert, kein Gesetz",
        agreement_ref="",
        keep_until=date(2029, 11, 21),
        reason="Aufbewahrungsfrist abgelaufen",
        proposed_by="Leitung Eins", proposed_at=datetime(2030, 1, 2, 9, 0, tzinfo=UTC),
        approved_by="Leitung Zwei", approved_at=datetime(2030, 1, 3, 9, 0, tzinfo=UTC),
        executed_by="Leitung Zwei", executed_at=datetime(2030, 1, 3, 9, 5, tzinfo=UTC),
        counts=(("contact_notes", 3), ("households", 1), ("persons", 2), ("zz_neu", 4)),
        attachments=1,
    )


def test_protocol_lists_ids_counts_rule_and_four_eyes(
        organisation: Organisation, clock: FixedClock,
        pdf_text: Callable[[bytes], str], pdf_pages: Callable[[bytes], int]) -> None:
    text = pdf_text(render_deletion_protocol(_data(organisation), clock))
    for expected in ("Löschprotokoll", "Haushalt …95e8df",
                     "01a1fcea-fc41-77f6-8af9-a044f495e8df", "Quartiersarbeit nach Fallabschluss",
                     "21.11.2029", "Leitung Eins", "Leitung Zwei", "Personen", "2",
                     "Notizeinträge (inkl. Suchindex)", "zz_neu", "Aufbewahrungsfrist abgelaufen",
                     "keine gelöschten Inhalte", "VACUUM", organisation.name):
        assert expected in text, expected
    # both persons of the four-eyes decision sign (issue 19)
    assert "Unterschrift – Leitung Eins (Löschung vorgeschlagen)" in text
    assert "Unterschrift – Leitung Zwei (Löschung freigegeben)" in text
    assert text.count("Unterschrift –") == 2
    assert pdf_pages(render_deletion_protocol(_data(organisation), clock)) == 1
