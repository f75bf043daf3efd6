"""Termine (appointments): family tab, dialog, reminders."""
