"""Backup archives, their encrypted file format, the deletion journal, the recovery key."""
