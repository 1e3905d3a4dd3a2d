"""Queries: the one way the command line, the web and the evaluation turn named values into a
query of a mode, and run it.

Each boundary parses its own input (options, a query string, a JSON line) into values named as
the query's fields; ``build_query`` takes them, leaves out what was not given (so each field's
default lives in one place, the dataclass), and coerces JSON's lists and objects to the tuples
the frozen queries hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

import numpy as np

from matcher.modes import joint, partners, procurement
from matcher.modes.consortium.assembly import consortium
from matcher.modes.consortium.results import ConsortiumQuery, ConsortiumResult
from matcher.modes.joint import JointQuery
from matcher.modes.partners import PartnersQuery
from matcher.modes.procurement import ProcurementQuery
from matcher.ranking.explain import MatchResult
from matcher.retrieval.matcher import Matcher, MatchError

Query = ProcurementQuery | PartnersQuery | JointQuery | ConsortiumQuery
Result = MatchResult | ConsortiumResult

MODES: dict[str, tuple[type, Callable[[Matcher, Any], Any]]] = {
    "procurement": (ProcurementQuery, procurement.procurement),
    "partners": (PartnersQuery, partners.partners),
    "joint": (JointQuery, joint.joint),
    "consortium": (ConsortiumQuery, consortium),
}


@dataclass(frozen=True)
class Ranked:
    """A mode that ranks organisations, in its stages: the feature stage (``pool``: query →
    candidates with their feature rows), the shown list (``rank``: pool, scores → order), what
    its match strength reads (``strength``: pool → one row of calibration inputs per
    candidate), and its features with their unlearned weights and their groups."""

    pool: Callable[[Matcher, Any], Any]
    rank: Callable[[Any, np.ndarray], list[int]]
    strength: Callable[[Any], np.ndarray]
    features: Mapping[str, float]
    groups: Mapping[str, tuple[str, ...]]


RANKED: dict[str, Ranked] = {
    name: Ranked(
        module.candidate_pool,
        module.rank,
        module.strength_inputs,
        module.FEATURES,
        module.FEATURE_GROUPS,
    )
    for name, module in (("procurement", procurement), ("partners", partners), ("joint", joint))
}
_TUPLES = {"kinds", "prefectures", "regions"}
_INTEGERS = {"need", "budget_jpy", "top", "min_prefectures", "min_kinds"}
_FLAGS = {"same_prefecture", "same_kind", "new_only", "neighbours", "trial_order", "expand"}


def build_query(mode: str | None, values: Mapping[str, Any]) -> Query:
    """The ``mode`` query from ``values`` named as its fields (other names are ignored).

    A value that is None, empty text or an empty list counts as not given. MatchError for an
    unknown mode or a missing required field; TypeError or ValueError for a value of the
    wrong shape (a list where a number belongs).
    """
    if mode not in MODES:
        raise MatchError(
            f"unknown mode {mode!r}; use one of: {', '.join(MODES)}",
            "unknown_mode",
            value=mode,
            choices=tuple(MODES),
        )
    cls = MODES[mode][0]
    given: dict[str, Any] = {}
    for field in fields(cls):
        value = values.get(field.name)
        if value is None or (isinstance(value, (str, list, tuple, dict)) and not value):
            if field.default is MISSING:
                raise MatchError(
                    f'a {mode} query needs "{field.name}"',
                    f"query_needs_{field.name}",
                    mode=mode,
                )
            continue
        given[field.name] = _coerce(field.name, value)
    return cls(**given)


def _coerce(name: str, value: Any) -> Any:
    if name in _TUPLES:
        return (value,) if isinstance(value, str) else tuple(str(v) for v in value)
    if name in _INTEGERS:
        return _whole(name, value)
    if name in _FLAGS:
        return bool(value)
    if name == "roles":
        return _roles(value)
    return value


def _roles(value: Any) -> tuple[tuple[str, int], ...]:
    """Role slots from {role: count}, [role, …] (a role named twice is two slots) or pairs."""
    if isinstance(value, Mapping):
        pairs = value.items()
    else:
        counts: dict[str, int] = {}
        for item in value:
            if isinstance(item, (tuple, list)):
                key, count = item
                counts[str(key)] = counts.get(str(key), 0) + int(count)
            else:
                counts[str(item)] = counts.get(str(item), 0) + 1
        pairs = counts.items()
    return tuple((str(key), _whole(f"role {key}", count)) for key, count in pairs)


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
    return int(value)


def run(m: Matcher, query: Query) -> Result:
    """Answer ``query`` with its mode's function."""
    for cls, find in MODES.values():
        if isinstance(query, cls):
            return find(m, query)
    raise TypeError(f"not a query: {query!r}")
