"""The people who work in a vault (Fachkraft, Leitung, Teilhabemanagement, Admin)."""
