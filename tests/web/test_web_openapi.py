"""The API against its own OpenAPI document, fuzzed by schemathesis (property-based).

Every operation of the document is generated from its schema (valid and invalid inputs) and
checked: no server error, documented status codes and content types, bodies matching their
schemas. This is the CI's schemathesis run.
"""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from conftest import make_app
from flask import Flask
from hypothesis import HealthCheck, given, settings

from web import ProposalId, api, params
from web.openapi import document, operation


def api_only() -> Flask:
    """The API's routes on a bare app: enough to generate the document at collection time."""
    app = Flask("spec")
    app.url_map.converters["proposal_id"] = ProposalId
    app.register_blueprint(api.bp)
    return app


OPERATIONS = [
    (path, method) for path, methods in document(api_only())["paths"].items() for method in methods
]


@pytest.fixture(scope="module")
def fuzzed_app(corpus, tmp_path_factory):  # noqa: ANN001, ANN201
    """A private copy of the corpus: a generated import may be valid and would be written."""
    home = tmp_path_factory.mktemp("schemathesis") / "home"
    shutil.copytree(corpus["home"], home)
    app = make_app(home, PROPAGATE_EXCEPTIONS=False)
    yield app
    app.extensions["musubi"].store.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed_app):  # noqa: ANN001, ANN201
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed_app)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_operation_conforms_to_the_document(api_schema, token, path, method) -> None:  # noqa: ANN001
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case) -> None:  # noqa: ANN001
        # positive_data_acceptance is left out: the document cannot say "an id that exists" or
        # "text or org, not both", so schema-valid requests are rightly refused with 400/404/422.
        case.call_and_validate(
            headers=headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
        )

    check()


def test_every_api_route_is_in_the_document(app) -> None:  # noqa: ANN001
    doc = document(app)
    rules = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (
            path.replace("{proposal_id}", "<proposal_id:proposal_id>").replace(
                "{org_id}", "<org_id>"
            ),
            m,
        )
        for path, methods in doc["paths"].items()
        for m in methods
    }
    assert documented == rules
    writes = {
        (path, m)
        for path, methods in doc["paths"].items()
        for m, op in methods.items()
        if "security" in op
    }
    assert writes == {(p, m) for p, m in OPERATIONS if m == "post"}
    assert all("401" in doc["paths"][p][m]["responses"] for p, m in writes)


def test_a_route_without_an_operation_is_refused() -> None:
    app = api_only()
    app.add_url_rule("/api/undocumented", "undocumented", lambda: "")
    with pytest.raises(LookupError, match="/api/undocumented has no @operation"):
        document(app)
    app = Flask("spec")
    app.add_url_rule("/api/one", "one", operation("One", returns=("x",))(lambda: ""))
    assert document(app)["paths"]["/api/one"]["get"]["responses"]["200"]


def test_path_parameters_take_their_converters_schema() -> None:
    doc = document(api_only())
    (pid,) = doc["paths"]["/api/consortia/{proposal_id}"]["get"]["parameters"]
    assert pid["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    (org,) = doc["paths"]["/api/orgs/{org_id}"]["get"]["parameters"]
    assert org["schema"]["type"] == "string"


def test_query_parameters_are_the_ones_the_view_reads(client) -> None:  # noqa: ANN001
    doc = client.get("/api/openapi.json").get_json()
    names = [p["name"] for p in doc["paths"]["/api/match/procurement"]["get"]["parameters"]]
    assert names == [p.name for p in params.PROCUREMENT]
    # What the document calls lenient is accepted: spaces, a comma in a number, TRUE, a list.
    ok = client.get(
        "/api/match/procurement?text=除雪&budget=1,000,000&trial_order=TRUE&kind=startup,%20company"
    )
    assert ok.status_code == 200, ok.get_json()
    query = ok.get_json()["query"]
    assert query["budget_jpy"] == 1_000_000 and query["trial_order"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"theme": "除雪", "min_kinds": "3"}, "min_kinds"),
        ({"theme": "除雪", "neighbours": 1}, "neighbours"),
        ({"theme": "除雪", "k": True}, "k"),
    ],
)
def test_a_json_body_says_numbers_and_booleans_as_json(client, token, body, field) -> None:  # noqa: ANN001
    response = client.post(
        "/api/consortia", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    wanted = "boolean" if field == "neighbours" else "number"
    assert response.get_json()["error"] == f"{field} must be a JSON {wanted}."


def test_a_json_version_must_be_a_number(client, token) -> None:  # noqa: ANN001
    response = client.post(
        "/api/consortia/1/notes",
        json={"text": "メモ", "version": "1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "version must be a JSON number."


def test_values_are_counted_before_repeats_are_dropped(client) -> None:  # noqa: ANN001
    many = "&".join(["kind=startup"] * 61)
    response = client.get(f"/api/match/procurement?text=除雪&{many}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "kind has 61 values: the limit is 60."
