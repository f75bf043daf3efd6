"""Signatures that travel with sync (issue 17): a signature made in another vault is
bound to that vault's id, so that id is kept with it (a signature without a row here was
made in this vault). Its own table: `signatures` is append-only and created later (60)."""

VERSION = 53

SQL = """
CREATE TABLE signature_vaults (
    seq INTEGER PRIMARY KEY,
    vault_id TEXT NOT NULL
);
"""
