"""Directory (Verzeichnis): the reference-data profile of a city and its German texts."""
