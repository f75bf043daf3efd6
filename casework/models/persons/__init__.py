"""Persons who sign (issue 15): roles, key fingerprints, signed acts."""
