"""Search filters: which texts a search may return, by role, kind, prefecture and organisation."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.facts.kinds import KINDS
from matcher.index.texts import TEXT_ROLES


@dataclass(frozen=True)
class Filters:
    """Which texts may be returned; an empty tuple means no restriction on that attribute."""

    roles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    prefectures: tuple[int, ...] = ()
    exclude_orgs: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name, values, valid in (("role", self.roles, TEXT_ROLES), ("kind", self.kinds, KINDS)):
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValueError(f"unknown {name} {bad[0]!r}; use one of: {', '.join(valid)}")
