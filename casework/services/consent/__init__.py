"""Consent (Einwilligungen): lifecycle and the question every transfer asks."""
