"""Printable documents (PDF via reportlab): one module per document, shared parts in
`casework.forms.base`. Forms take plain data and a `Clock`; they never open the database.
"""
