"""Households, their members, and the import of existing household lists (CSV)."""
