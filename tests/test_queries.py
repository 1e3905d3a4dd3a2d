"""One way to build a query: defaults from the dataclass, JSON shapes coerced, clear errors."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from matcher.facts.kinds import SUPPLIER_KINDS
from matcher.modes.consortium.results import ConsortiumQuery
from matcher.modes.joint import JointQuery
from matcher.modes.partners import PartnersQuery
from matcher.modes.procurement import ProcurementQuery
from matcher.modes.queries import build_query
from matcher.retrieval.matcher import MatchError
from web import params


def test_values_not_given_take_the_dataclass_defaults() -> None:
    q = build_query("procurement", {"text": "除雪", "kinds": [], "top": None, "prefer": ""})
    assert q == ProcurementQuery(text="除雪")
    assert q.kinds == SUPPLIER_KINDS and q.top == 10
    assert build_query("consortium", {"theme": "見守り"}).top == 3


def test_json_shapes_become_the_frozen_query_types() -> None:
    q = build_query(
        "procurement",
        {"text": "除雪", "kinds": ["startup"], "prefectures": "北海道", "need": "2", "top": 5},
    )
    assert q.kinds == ("startup",) and q.prefectures == ("北海道",) and q.need == 2 and q.top == 5
    assert build_query("joint", {"org": "mu-1", "need": 0}) == JointQuery("mu-1", 0)
    # False is a value, not an absence: a need's trial-order flag can be turned off.
    assert build_query("procurement", {"text": "x", "trial_order": False}).trial_order is False


def test_roles_from_every_shape_give_the_same_slots() -> None:
    want = (("industry", 2), ("university", 1))
    for roles in (
        {"industry": 2, "university": 1},
        ["industry", "university", "industry"],
        [("industry", 1), ("university", 1), ("industry", 1)],
    ):
        assert build_query("consortium", {"theme": "t", "roles": roles}).roles == want


def test_labels_and_other_names_are_ignored() -> None:
    line = {"qid": "p1", "mode": "partners", "org": "un-1", "relevant": {"co-1": 2}}
    assert build_query(line["mode"], line) == PartnersQuery("un-1")


@pytest.mark.parametrize(
    ("mode", "values", "code"),
    [
        ("partners", {}, "query_needs_org"),
        ("joint", {"org": ""}, "query_needs_org"),
        ("consortium", {"top": 2}, "query_needs_theme"),
        ("cartel", {}, "unknown_mode"),
        (None, {}, "unknown_mode"),
    ],
)
def test_what_cannot_be_built_is_a_match_error(mode, values, code) -> None:  # noqa: ANN001
    with pytest.raises(MatchError) as error:
        build_query(mode, values)
    assert error.value.code == code


def test_a_value_of_the_wrong_shape_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="top must be a whole number"):
        build_query("procurement", {"text": "x", "top": [3]})
    with pytest.raises(TypeError, match="role university must be a whole number"):
        build_query("consortium", {"theme": "t", "roles": {"university": ["un-1"]}})


def test_the_web_and_a_batch_line_build_the_same_query() -> None:
    args = MultiDict(
        [("text", "除雪"), ("kind", "startup"), ("region", "九州"), ("top", "5"), ("need", "")]
    )
    line = {
        "mode": "procurement",
        "text": "除雪",
        "kinds": ["startup"],
        "regions": ["九州"],
        "top": 5,
    }
    assert params.procurement_query(args) == build_query("procurement", line)
    themed = MultiDict([("theme", "見守り"), ("role", "industry"), ("role", "industry")])
    assert params.consortium_query(themed) == ConsortiumQuery("見守り", roles=(("industry", 2),))
