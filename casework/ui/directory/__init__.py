"""Directory (Verzeichnis): the screen, its table models and edit dialogs."""
