"""PostgreSQL team hub: schema, administration, and the device's push/pull client.

The only package that talks to PostgreSQL (psycopg 3). Everything that touches the vault
goes through `casework.services.hub`.
"""

from __future__ import annotations

from casework.errors import UserError

DRIVER_MISSING = ("Für den Team-Hub fehlt das Zusatzpaket „psycopg“. Installation: "
                  "pip install 'casework[hub]'")


def require_driver() -> None:
    """Fail with a German line, not a traceback, when the optional hub extra is missing.

    A plain `pip install casework` has no PostgreSQL driver; everything but the hub works
    without it, so nothing may import psycopg before a hub command actually runs.
    """
    try:
        import psycopg  # noqa: F401 - only checks that the hub extra is installed
    except ImportError as error:
        raise UserError(DRIVER_MISSING) from error
