"""The OpenAPI 3 document of the JSON API, generated from its routes (apispec's Flask plugin).

Each API view declares its operation with ``@operation``, naming the same parameter
declarations (web/params.py) that read its request; paths, path parameters and which writes
need a token come from the URL map and the views themselves. So the document cannot say one
thing while the code does another. Served at /api/openapi.json and fuzzed by schemathesis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask

from matcher.facts.kinds import KINDS
from web.params import MAX_VALUE, Param

ERRORS = {
    200: "OK",
    400: "Bad input: the message quotes the value and says what is allowed",
    401: "A coordinator's API token is needed",
    403: "The token's coordinator may not do this",
    404: "No such organisation or consortium",
    409: "The consortium changed since it was read (optimistic locking)",
    413: "The upload is too large",
    415: "Unsupported content type",
    422: "The file was rejected; problems lists every line",
    429: "Too many wrong API tokens from this address: Retry-After says when to try again",
    503: "The match index is not available yet (run `musubi index`)",
}
WRITE_ERRORS = (401, 415, 429)  # every write: no token, not JSON, throttled

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["ok", "error", "status"],
        "properties": {
            "ok": {"type": "boolean", "enum": [False]},
            "error": {"type": "string"},
            "status": {"type": "integer"},
        },
    },
    "MatchResult": {
        "type": "object",
        "required": ["ok", "query", "results"],
        "properties": {
            "ok": {"type": "boolean", "enum": [True]},
            "query": {"type": "object"},
            "note": {"type": "string"},
            "notices": {
                "type": "array",
                "description": "The note as codes and the values they quote",
                "items": {
                    "type": "object",
                    "required": ["code", "params"],
                    "properties": {"code": {"type": "string"}, "params": {"type": "object"}},
                },
            },
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "kind", "prefecture", "score", "explanation"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "prefecture": {"type": "string"},
                        "score": {"type": "number"},
                        "explanation": {
                            "type": "object",
                            "required": [
                                "features",
                                "contributions",
                                "links",
                                "shared_terms",
                                "facts",
                                "route_hints",
                                "flags",
                            ],
                        },
                    },
                },
            },
        },
    },
}

RULE_ARGUMENT = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    """What a view says about itself beyond its route: the rest is read from the app."""

    summary: str
    query: tuple[Param, ...] = ()
    body: tuple[Param, ...] = ()
    content: dict[str, Any] | None = None  # a request body that is not a JSON object of params
    returns: tuple[str, ...] = ()  # fields every success body has besides ok
    schema: str = ""  # or a named schema of the success body
    created: bool = False  # success is 201
    envelope: bool = True  # the success body has ok: true (all but the document itself)
    errors: tuple[int, ...] = ()

    def spec(self, view: Callable[..., Any], path_params: list[dict]) -> dict[str, Any]:
        write = getattr(view, "requires_token", False)
        success = (
            {"$ref": f"#/components/schemas/{self.schema}"}
            if self.schema
            else {"type": "object", "required": [*(["ok"] if self.envelope else []), *self.returns]}
        )
        read = (400,) if self.query or self.body else ()  # parameters can be wrong
        errors = {*self.errors, *(WRITE_ERRORS if write else ()), *read}
        error = {"$ref": "#/components/schemas/Error"}
        responses = {"201": _json("Created", success)} if self.created else {}
        for code in sorted({200, *errors} if not self.created else errors):
            responses[str(code)] = _json(ERRORS[code], success if code < 300 else error)
        out: dict[str, Any] = {
            "operationId": view.__name__,
            "summary": self.summary,
            "responses": dict(sorted(responses.items())),
        }
        parameters = [*path_params, *(p.openapi() for p in self.query)]
        if parameters:
            out["parameters"] = parameters
        if self.body:
            out["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _object(self.body)}},
            }
        elif self.content:
            out["requestBody"] = {"required": True, "content": self.content}
        if write:
            out["security"] = [{"bearer": []}]
        return out


def operation(summary: str, **declared: Any) -> Callable[[Callable], Callable]:
    """Declare an API view's operation (see ``Operation``) for the generated document."""

    def mark(view: Callable) -> Callable:
        view.operation = Operation(summary, **declared)  # type: ignore[attr-defined]
        return view

    return mark


def document(app: Flask) -> dict[str, Any]:
    """The document of every /api route of ``app``; ``servers`` is relative, so it is right
    behind any proxy. A route without ``@operation`` is an error: it would be undocumented."""
    spec = APISpec(
        title="Musubi API",
        version=version("musubi"),
        openapi_version="3.0.3",
        plugins=[FlaskPlugin()],
        info={
            "description": (
                "Matchmaking for regional innovation (地方創生2.0): procurement, partners, joint "
                "procurement and consortia, each result with its explanation as data. Reading is "
                "open; writes need `Authorization: Bearer <token>`. Every error is "
                '`{"ok": false, "error": "…", "status": N}`.'
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "operation", None)
        if declared is None:
            raise LookupError(f"{rule.rule} has no @operation: document it")
        (method,) = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        operations = {method.lower(): declared.spec(view, _path_params(app, rule.rule))}
        spec.path(view=view, app=app, operations=operations)
    return spec.to_dict()


def _path_params(app: Flask, rule: str) -> list[dict[str, Any]]:
    """A route's arguments, each typed by its converter's ``openapi`` schema (else a string)."""
    out = []
    for converter, name in RULE_ARGUMENT.findall(rule):
        schema = getattr(app.url_map.converters.get(converter or "default"), "openapi", None)
        out.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": schema or {"type": "string", "maxLength": MAX_VALUE},
            }
        )
    return out


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _object(declared: tuple[Param, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: p.schema(body=True) for p in declared},
    }
    required = [p.name for p in declared if p.required]
    if required:
        out["required"] = required
    return out
