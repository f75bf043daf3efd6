"""Households: the family list, the family file, its overview and members tabs, CSV import."""
