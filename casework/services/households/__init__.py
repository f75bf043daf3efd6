"""Households and their members, and the CSV import of existing lists."""
