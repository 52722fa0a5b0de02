"""Identifiers: ULIDs, unique and sortable by creation time, as text."""

from ulid import ULID


def new_id() -> str:
    """A new ULID as 26 characters of Crockford base32."""
    return str(ULID())
