"""Casework: encrypted, offline-first case file for social work in NRW."""

__version__ = "0.1.0"
