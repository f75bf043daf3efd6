"""One saved revision of the vault's directory, without its (large) data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One saved revision, without its (large) data."""

    id: str
    profile_name: str
    revision: int
    content_hash: str
    changed_paths: tuple[str, ...]
    source: str  # edit | import | reset
    created_at: str  # UTC ISO
    created_by: str
    author_name: str
