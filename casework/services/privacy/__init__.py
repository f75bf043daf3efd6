"""Data-subject rights: Art. 15 disclosure, retention, restriction and real deletion."""
