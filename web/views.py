"""Helpers every page family shares: the fetch-or-404 loader and page-side query running."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_babel import gettext as _

from matcher import directory
from matcher.catalog import OrgFacts
from matcher.matching import Matcher, MatchError
from matcher.records import OrgRecord
from web.engine import get_engine, get_matcher
from web.errors import BadRequest
from web.messages import localise

T = TypeVar("T")


def get_org_or_404(org_id: str, m: Matcher | None = None) -> OrgFacts:
    """The organisation with external id ``org_id``, or a 404 that names it."""
    m = m or get_matcher()
    org = m.catalogue.by_ext_id.get(org_id)
    if org is None:
        abort(404, _("組織 %(id)s は見つかりません。", id=org_id[:80]))
    return org


def get_record_or_404(org_id: str) -> OrgRecord:
    """The stored record (every field, as imported) of ``org_id``, or a 404 that names it."""
    try:
        return directory.get(get_engine().store, org_id)
    except directory.UnknownOrganisation:
        abort(404, _("組織 %(id)s は見つかりません。", id=org_id[:80]))


def attempt(run: Callable[[], T]) -> tuple[T | None, str | None]:
    """Run a query for a page: (result, None), or (None, the message to show beside the form)."""
    try:
        return run(), None
    except (MatchError, BadRequest) as error:
        return None, localise(error)


def org_names(m: Matcher, ids: Any) -> dict[str, str]:
    """Names of the organisations with these external ids (unknown ids are left out)."""
    out = {}
    for ext_id in ids:
        org = m.catalogue.by_ext_id.get(ext_id)
        if org is not None:
            out[ext_id] = org.name
    return out


def score_scale(items: list[dict]) -> float:
    """The widest positive contribution sum in a list, so bars are comparable across cards."""
    sums = [sum(v for v in r["explanation"]["contributions"].values() if v > 0) for r in items]
    return max(sums, default=1.0) or 1.0
