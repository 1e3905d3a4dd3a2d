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
from hypothesis import HealthCheck, given, settings

from web.openapi import document

OPERATIONS = [(path, method) for path, methods in document()["paths"].items() for method in methods]


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
