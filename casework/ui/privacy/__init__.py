"""Datenschutz: access log, Art. 15 disclosure, retention and deletion requests."""
