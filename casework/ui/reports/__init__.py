"""Berichte: the statistics reports screen."""
