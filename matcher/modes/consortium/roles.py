"""Consortium roles: the slots of a team (産官学金), the kinds that fill each, the texts that show
their fit."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.facts.kinds import KINDS
from matcher.retrieval.matcher import MatchError


@dataclass(frozen=True)
class Role:
    """A slot of a consortium: which kinds may fill it and which of their texts show their fit.

    A role whose kinds are not in ``matcher.facts.kinds.KINDS`` is inactive; the 金 role takes
    part by default only in stores that hold a financial institution.
    """

    key: str
    kinds: tuple[str, ...]
    sector: str  # 産 官 学 金
    label: str
    texts: tuple[str, ...]


ROLE_TABLE: tuple[Role, ...] = (
    Role("municipality", ("municipality",), "官", "自治体", ("need", "profile")),
    Role("industry", ("company", "startup"), "産", "企業・スタートアップ", ("offer", "profile")),
    Role("company", ("company",), "産", "企業", ("offer", "profile")),
    Role("startup", ("startup",), "産", "スタートアップ", ("offer", "profile")),
    Role("university", ("university",), "学", "大学", ("offer", "profile")),
    Role("research_institute", ("research_institute",), "学", "研究機関", ("offer", "profile")),
    Role("financial", ("financial_institution",), "金", "金融機関", ("offer", "profile")),
)
ROLES: dict[str, Role] = {r.key: r for r in ROLE_TABLE}
# One slot each; "industry" takes a company or a startup. Ask for company and startup slots
# instead (roles=(("company", 1), ("startup", 1), …)) when both are wanted.
DEFAULT_ROLES: tuple[str, ...] = (
    "municipality",
    "industry",
    "university",
    "research_institute",
    "financial",
)


def active_roles() -> tuple[str, ...]:
    """Roles whose kinds exist in this version's KINDS."""
    return tuple(r.key for r in ROLE_TABLE if any(k in KINDS for k in r.kinds))


def kinds_of(role: Role) -> tuple[str, ...]:
    return tuple(k for k in role.kinds if k in KINDS)


def unknown_role(key: str) -> MatchError:
    """The error for a role that is not one of this version's roles."""
    active = active_roles()
    return MatchError(
        f"unknown role {key!r}; use one of: {', '.join(active)}",
        "unknown_role",
        value=key,
        roles=active,
    )
