"""Musubi: matchmaking for regional innovation (地方創生2.0).

The public API, for programs that match without the command line or the web::

    from matcher import Matcher, ProcurementQuery, load_settings, open_store, procurement

    settings = load_settings({"home": "var/demo"})
    m = Matcher(open_store(settings), settings)
    result = procurement(m, ProcurementQuery(text="独居高齢者の見守り"))

The names load on first use: ``import matcher.settings`` alone must not load FAISS, SudachiPy
and the store, which the command line pays for only when a command needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "Matcher": "matcher.retrieval.matcher",
    "MatchError": "matcher.retrieval.matcher",
    "MatchResult": "matcher.ranking.explain",
    "procurement": "matcher.modes.procurement",
    "ProcurementQuery": "matcher.modes.procurement",
    "partners": "matcher.modes.partners",
    "PartnersQuery": "matcher.modes.partners",
    "joint": "matcher.modes.joint",
    "JointQuery": "matcher.modes.joint",
    "consortium": "matcher.modes.consortium.assembly",
    "ConsortiumQuery": "matcher.modes.consortium.results",
    "ConsortiumResult": "matcher.modes.consortium.results",
    "load_settings": "matcher.settings",
    "open_store": "matcher.store.session",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
