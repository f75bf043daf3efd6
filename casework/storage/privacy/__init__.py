"""Retention rows and the real deletion (purge) of a household."""
