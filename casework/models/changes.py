"""What a service call changed, so screens refresh only that (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat


@dataclass(frozen=True, slots=True)
class Changes:
    """Entities touched by one operation: kind ("household", "contact" …) → ids."""

    touched: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    @classmethod
    def of(cls, kind: str, *ids: str) -> Changes:
        return cls(frozenset(zip(repeat(kind), ids)))  # an import names 30,000 households

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.touched | other.touched)

    def kinds(self) -> frozenset[str]:
        return frozenset(kind for kind, _ in self.touched)

    def ids(self, kind: str) -> frozenset[str]:
        return frozenset(i for k, i in self.touched if k == kind)

    def affects(self, *kinds: str) -> bool:
        return any(k in kinds for k, _ in self.touched)

    def __bool__(self) -> bool:
        return bool(self.touched)
