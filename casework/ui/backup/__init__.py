"""Backup, restore and recovery-key dialogs, and scheduled backups while the app runs."""
