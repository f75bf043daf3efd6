"""Hilfeplan (goals) family tab."""
