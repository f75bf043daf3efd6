"""Persons who sign (issue 15): re-authentication for reserved acts."""
