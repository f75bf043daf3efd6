"""Backups, restore and the organisation recovery key."""
