"""Household actions: modules exposing `LABEL`, `SHORTCUT` and `trigger(ctx, household_id,
parent_widget)`; the family-file header shows a button for each."""
