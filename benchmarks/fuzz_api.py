"""Fuzz the JSON API against its own OpenAPI document with schemathesis, at volume.

Every operation gets ``--examples`` requests the schema calls valid and as many it calls
invalid, half of them naming an organisation or a saved proposal that exists, with a
coordinator's token for the writes. Each response is checked as the test suite checks it: no
server error, a documented status code and content type, a body matching its schema, and an
invalid request refused (the document is no stricter than the code). A valid request may still
be refused with 400 (an unknown prefecture, text and org both given): the document cannot say
everything, and those are counted, not failed. Prints the cases run, the statuses seen and every
failure by operation and check; exit status 1 on any failure.

    python benchmarks/fuzz_api.py [--examples 150] [--size 300]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup

import seeds
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.settings import load_settings
from matcher.store.accounts import create_coordinator
from matcher.store.session import open_store
from web import create_app


def build(home: Path, size: int) -> tuple[str, list[str]]:
    """A home of ``size`` seed organisations, indexed, with one coordinator; its API token and
    the external ids."""
    settings = load_settings({"home": str(home), "encoder": "hashing"}, environ={})
    store = open_store(settings)
    records = [validate(raw, n)[0] for n, raw in enumerate(seeds.build_corpus(size), start=1)]
    write_records(store, records)
    refresh_index(store, settings)
    token = create_coordinator(store, "fuzz", "fuzz-password-1").token
    store.close()
    return token, [r.id for r in records]


def sent_query_is_valid(parameters: list[dict], url: str) -> bool:
    """Whether the query string actually sent is valid by the document. A negative case can
    lose its mutation on the way: the array ``[""]``, the string ``""`` and ``null`` are all
    ``x=``, so the server rightly accepts what arrives."""
    sent = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for parameter in parameters:
        if parameter["in"] != "query":
            continue
        values = sent.get(parameter["name"])
        if values is None:
            if parameter.get("required"):
                return False
            continue
        schema = parameter["schema"]
        if schema.get("type") != "array":
            if len(values) > 1:
                return False
            values = values[0]
        if not jsonschema.Draft4Validator(schema).is_valid(values):
            return False
    return True


def only_accepted_negative(error: BaseException) -> bool:
    if isinstance(error, FailureGroup):
        return all(isinstance(e, AcceptedNegativeData) for e in error.exceptions)
    return isinstance(error, AcceptedNegativeData)


def bound(check, label: str):  # noqa: ANN001, ANN201
    """``check`` with its operation's label, as hypothesis wants: a function of the case only."""

    def run(case) -> None:  # noqa: ANN001
        check(case, label)

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=150, help="requests per operation and mode")
    parser.add_argument("--size", type=int, default=300, help="seed organisations")
    args = parser.parse_args()
    logging.getLogger("musubi").setLevel(logging.ERROR)  # refusals are the point here
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        token, ids = build(home, args.size)
        app = create_app(
            {
                "MUSUBI": {
                    "home": str(home),
                    "encoder": "hashing",
                    # The fuzzer sends wrong tokens on purpose: throttling them would answer 429
                    # to everything after the tenth and hide the rest of the API.
                    "token_address_limit": "1000000 per minute",
                },
                "TESTING": True,
                "SECRET_KEY": "fuzz",
                "PROPAGATE_EXCEPTIONS": False,
            }
        )
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        saved = client.post("/api/consortia", json={"theme": "独居高齢者の見守り"}, headers=auth)
        proposal = saved.get_json()["proposal"]["id"] if saved.status_code == 201 else 1
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        rng = random.Random(0)
        cases = Counter()
        failures: Counter[tuple[str, str]] = Counter()
        examples: dict[tuple[str, str], str] = {}
        statuses: Counter[tuple[str, int]] = Counter()
        lost: Counter[str] = Counter()  # negative cases whose mutation did not survive sending
        document = client.get("/api/openapi.json").get_json()
        modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
        for mode, result in itertools.product(modes, schema.get_all_operations()):
            operation = result.ok()
            method = document["paths"][operation.path][operation.method.lower()]
            parameters = method.get("parameters", [])
            label = f"{operation.method.upper()} {operation.path} ({mode.value})"

            def check(  # noqa: ANN202
                case,  # noqa: ANN001
                label: str,
                mode: str = mode.value,
                parameters: list = parameters,
            ):
                # Half the requests name something that exists, so the happy paths are fuzzed too.
                if rng.random() < 0.5:
                    if case.path_parameters and "proposal_id" in case.path_parameters:
                        case.path_parameters["proposal_id"] = proposal
                    if case.path_parameters and "org_id" in case.path_parameters:
                        case.path_parameters["org_id"] = rng.choice(ids)
                    if isinstance(case.query, dict) and "org" in case.query:
                        case.query["org"] = rng.choice(ids)
                cases[label] += 1
                response = None
                try:
                    response = case.call(headers=auth)
                    statuses[(mode, response.status_code)] += 1
                    case.validate_response(
                        response,
                        headers=auth,
                        excluded_checks=[schemathesis.checks.positive_data_acceptance],
                    )
                except (Exception, FailureGroup) as error:  # noqa: BLE001 - counted, none stops
                    if (
                        response is not None
                        and only_accepted_negative(error)
                        and not case.body
                        and sent_query_is_valid(parameters, response.request.url)
                    ):
                        lost[label] += 1
                        return
                    name = type(error).__name__
                    key = (label, name)
                    failures[key] += 1
                    examples.setdefault(key, str(error).splitlines()[0][:200] if str(error) else "")

            run = given(case=operation.as_strategy(generation_mode=mode))(
                settings(
                    max_examples=args.examples,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )(bound(check, label))
            )
            try:
                run()
            except Unsatisfiable:  # no parameters: nothing can be invalid
                pass
        total = sum(cases.values())
        print(f"{total:,} cases over {len(cases)} operations and generation modes")
        for label, count in sorted(cases.items()):
            print(f"  {count:6,}  {label}")
        for mode in modes:
            seen = sorted((code, n) for (m, code), n in statuses.items() if m == mode.value)
            print(f"  {mode.value} statuses: " + ", ".join(f"{code} ×{n}" for code, n in seen))
        if lost:
            print(
                f"  {sum(lost.values()):,} negative cases arrived valid (the mutation did not "
                "survive serialising the query) and were rightly accepted: "
                + ", ".join(f"{label} ×{n}" for label, n in sorted(lost.items()))
            )
        for (label, name), count in sorted(failures.items()):
            print(f"  FAIL {label}: {name} ×{count}  {examples[(label, name)]}")
        print(f"{sum(failures.values())} failing cases")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
