"""A person attribute "unbegleitet" (unaccompanied minor, umA): at 18 the umA route of
the ASD applies instead of the general one (issue 20)."""

VERSION = 74

SQL = """
ALTER TABLE persons ADD COLUMN unaccompanied INTEGER NOT NULL DEFAULT 0;
"""
