"""The people who work in a vault."""
