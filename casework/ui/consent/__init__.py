"""Consent (Einwilligungen): the screen, the family tab and their dialogs."""
