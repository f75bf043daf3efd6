"""Directory (Verzeichnis): shipped reference-data profiles and the vault's edited copy."""
