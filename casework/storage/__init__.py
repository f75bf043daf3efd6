"""The vault: SQLCipher database, key handling, schema, change log, audit chain.

The only package that imports sqlcipher3 or writes SQL.
"""
