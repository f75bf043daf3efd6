"""§ 8a Kinderschutz widgets and dialogs shared by the family tab and the screen.

- `common`: saving the § 8a documents (through `casework.ui.documents`), date/time
  inputs, `EntryDialog` (a form that shows a `ValidationError` next to its field).
- `dialogs_records`: observation, Meldung, assessment, iseF, involvement, result, dispute.
- `dialogs_steps`: opening a procedure, Schutzplan, Mitteilung, call, note, closing, the
  "keine gewichtigen Anhaltspunkte" step back, and the acute record.
- `guidance`: pure helpers saying what is needed next (no Qt).
- `procedure_view`: one procedure with its state, next steps, records, versions, history.
"""
