"""Use cases: validate → one transaction → `Changes`. The only write path."""
