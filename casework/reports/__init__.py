"""Statistics for providers' reports: the Jahresbericht Quartiersarbeit and the
Programm-Monitoring Teilhabemanagement, as PDF (casework.forms.reports) and CSV.

Numbers are aggregated in SQL (casework.storage.reports); tables carry plain counts and
are suppressed below k when shown (casework.models.reports, LR-39).
"""
