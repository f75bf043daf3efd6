"""Contacts: the family-file tabs Kontakte and Verlauf, and the quick contact entry."""
