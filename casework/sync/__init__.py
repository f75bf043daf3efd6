"""PostgreSQL team hub: schema, administration, and the device's push/pull client.

The only package that talks to PostgreSQL (psycopg 3). Everything that touches the vault
goes through `casework.services.hub`.
"""
