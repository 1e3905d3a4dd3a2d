"""The OpenAPI 3 document of the JSON API (served at /api/openapi.json, fuzzed by schemathesis)."""

from __future__ import annotations

from typing import Any

from matcher.facts.kinds import KINDS
from matcher.retrieval.matcher import MAX_TOP

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    words = {
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
    return {
        str(c): {"description": words[c], "content": {"application/json": {"schema": ERROR}}}
        for c in codes
    }


def _q(name: str, schema: dict, description: str, *, required: bool = False, many=False) -> dict:
    if many:
        schema = {"type": "array", "items": schema, "maxItems": 47}
    out = {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }
    if many:
        out.update(style="form", explode=True)
    return out


TEXT = {"type": "string", "maxLength": 2000}
ID = {"type": "string", "maxLength": 100}
TOP = {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": 10}
BOOL = {"type": "boolean"}

MATCH = {"$ref": "#/components/schemas/MatchResult"}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def document() -> dict[str, Any]:
    """The document; ``servers`` is relative so it is right behind any proxy."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Musubi API",
            "version": "0.1.0",
            "description": (
                "Matchmaking for regional innovation (地方創生2.0): procurement, partners, joint "
                "procurement and consortia, each result with its explanation as data. Reading is "
                "open; writes need `Authorization: Bearer <token>`. Every error is "
                '`{"ok": false, "error": "…", "status": N}`.'
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/match/procurement": {
                "get": {
                    "operationId": "matchProcurement",
                    "summary": "Suppliers whose offers solve a challenge, with procurement routes",
                    "parameters": [
                        _q("text", TEXT, "The challenge, in Japanese or English"),
                        _q("org", ID, "Start from this municipality's stored need instead"),
                        _q(
                            "need",
                            {"type": "integer", "minimum": 0, "maximum": 1000},
                            "Index of the need (default 0)",
                        ),
                        _q(
                            "kind",
                            {"type": "string", "enum": list(KINDS)},
                            "Supplier kinds (default startup, company)",
                            many=True,
                        ),
                        _q(
                            "prefecture",
                            {"type": "string", "maxLength": 100},
                            "Only suppliers in these prefectures (福岡県, 福岡, 40, Fukuoka)",
                            many=True,
                        ),
                        _q(
                            "region",
                            {"type": "string", "maxLength": 100},
                            "Only suppliers in these regional blocks (九州, Kanto …)",
                            many=True,
                        ),
                        _q(
                            "budget",
                            {"type": "integer", "minimum": 0, "maximum": 10**13},
                            "Budget in yen",
                        ),
                        _q(
                            "budget_man",
                            {"type": "integer", "minimum": 0, "maximum": 10**9},
                            "Budget in 万円 (units of 10,000 yen), as the search form asks; "
                            "wins over budget",
                        ),
                        _q("trial_order", BOOL, "Trial orders allowed"),
                        _q(
                            "prefer",
                            {"type": "string", "enum": ["near", "far"]},
                            "Favour suppliers near or far (with org)",
                        ),
                        _q("top", TOP, "How many results"),
                    ],
                    "responses": {**_ok(MATCH), **_errors(400, 404, 503)},
                }
            },
            "/api/match/partners": {
                "get": {
                    "operationId": "matchPartners",
                    "summary": "Partners of another sector and prefecture where both sides gain",
                    "parameters": [
                        _q("org", ID, "The organisation looking for partners", required=True),
                        _q("same_prefecture", BOOL, "Allow partners in its own prefecture"),
                        _q("same_kind", BOOL, "Allow partners of its own sector"),
                        _q("new_only", BOOL, "Leave out past partners"),
                        _q("top", TOP, "How many results"),
                    ],
                    "responses": {**_ok(MATCH), **_errors(400, 404, 503)},
                }
            },
            "/api/match/joint": {
                "get": {
                    "operationId": "matchJoint",
                    "summary": "Municipalities in other prefectures with the same challenge",
                    "parameters": [
                        _q("org", ID, "The municipality", required=True),
                        _q(
                            "need",
                            {"type": "integer", "minimum": 0, "maximum": 1000},
                            "Index of its need (default: all)",
                        ),
                        _q("top", TOP, "How many results"),
                    ],
                    "responses": {**_ok(MATCH), **_errors(400, 404, 503)},
                }
            },
            "/api/consortium": {
                "get": {
                    "operationId": "consortiumProposals",
                    "summary": "Consortium proposals (産官学金, ≥2 prefectures) for a theme",
                    "parameters": [
                        _q("theme", TEXT, "The theme", required=True),
                        _q(
                            "region",
                            {"type": "string", "maxLength": 100},
                            "Regional blocks",
                            many=True,
                        ),
                        _q(
                            "prefecture",
                            {"type": "string", "maxLength": 100},
                            "Prefectures",
                            many=True,
                        ),
                        _q("neighbours", BOOL, "Widen the prefectures by their neighbours"),
                        _q(
                            "role",
                            {"type": "string", "maxLength": 100},
                            "Role slots (municipality, industry, company, startup, university, "
                            "research_institute, financial); repeat for two slots",
                            many=True,
                        ),
                        _q(
                            "min_prefectures",
                            {"type": "integer", "minimum": 1, "maximum": 47},
                            "At least this many prefectures (default 2)",
                        ),
                        _q(
                            "min_kinds",
                            {"type": "integer", "minimum": 1, "maximum": 10},
                            "At least this many kinds (default 3)",
                        ),
                        _q(
                            "top",
                            {"type": "integer", "minimum": 1, "maximum": 10},
                            "How many proposals (default 3)",
                        ),
                    ],
                    "responses": {
                        **_ok({"type": "object", "required": ["ok", "proposals"]}),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/orgs": {
                "get": {
                    "operationId": "listOrgs",
                    "summary": "The directory",
                    "parameters": [
                        _q("q", {"type": "string", "maxLength": 100}, "Part of the name or id"),
                        _q("kind", {"type": "string", "enum": list(KINDS)}, "Kinds", many=True),
                        _q(
                            "prefecture",
                            {"type": "string", "maxLength": 100},
                            "Prefectures",
                            many=True,
                        ),
                        _q("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "Page size"),
                        _q("offset", {"type": "integer", "minimum": 0, "maximum": 10**7}, "Skip"),
                    ],
                    "responses": {
                        **_ok({"type": "object", "required": ["ok", "total", "orgs"]}),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/orgs/{org_id}": {
                "get": {
                    "operationId": "getOrg",
                    "summary": "One organisation in the import format",
                    "parameters": [
                        {
                            "name": "org_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 100},
                        }
                    ],
                    "responses": {
                        **_ok({"type": "object", "required": ["ok", "org"]}),
                        **_errors(404),
                    },
                }
            },
            "/api/stats": {
                "get": {
                    "operationId": "stats",
                    "summary": "Counts by kind and prefecture",
                    "responses": _ok({"type": "object", "required": ["ok", "stats"]}),
                }
            },
            "/api/import": {
                "post": {
                    "operationId": "importFile",
                    "summary": "Import organisations (all or nothing)",
                    "security": [{"bearer": []}],
                    "parameters": [
                        _q("dry_run", BOOL, "Validate only"),
                        _q("format", {"type": "string", "enum": ["jsonl", "csv"]}, "Format"),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-ndjson": {"schema": {"type": "string"}},
                            "text/csv": {"schema": {"type": "string"}},
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                    "required": ["file"],
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Dry run: valid",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "201": {
                            "description": "Imported",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(400, 401, 413, 415, 422, 429),
                    },
                }
            },
            **_curation_paths(),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
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
                                "properties": {
                                    "code": {"type": "string"},
                                    "params": {"type": "object"},
                                },
                            },
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "id",
                                    "name",
                                    "kind",
                                    "prefecture",
                                    "score",
                                    "explanation",
                                ],
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
            },
        },
    }


PID = {
    "name": "proposal_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
VERSION = {"type": "integer", "minimum": 1, "maximum": 10**9}
PROPOSAL = {"type": "object", "required": ["ok", "proposal"]}


def _json_body(properties: dict, required: list[str]) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": properties, "required": required}
            }
        },
    }


def _curation_paths() -> dict[str, Any]:
    """Saved consortia: list, save, read (with the audit log), status, notes, members."""
    write = {"security": [{"bearer": []}]}
    return {
        "/api/consortia": {
            "get": {
                "operationId": "listSavedConsortia",
                "summary": "Saved consortium proposals",
                "parameters": [
                    _q(
                        "status",
                        {
                            "type": "string",
                            "enum": ["proposed", "shortlisted", "contacted", "agreed", "declined"],
                        },
                        "Status",
                    )
                ],
                "responses": {
                    **_ok({"type": "object", "required": ["ok", "proposals"]}),
                    **_errors(400),
                },
            },
            "post": {
                **write,
                "operationId": "saveConsortium",
                "summary": "Save proposal k of a consortium query",
                "requestBody": _json_body(
                    {
                        "theme": TEXT,
                        "k": {"type": "integer", "minimum": 0, "maximum": 9},
                        "reason": TEXT,
                        "region": {"type": "array", "items": ID},
                        "prefecture": {"type": "array", "items": ID},
                    },
                    ["theme"],
                ),
                "responses": {
                    "201": {
                        "description": "Saved",
                        "content": {"application/json": {"schema": PROPOSAL}},
                    },
                    **_errors(400, 401, 415, 429, 503),
                },
            },
        },
        "/api/consortia/{proposal_id}": {
            "get": {
                "operationId": "getSavedConsortium",
                "summary": "One saved proposal with its audit log",
                "parameters": [PID],
                "responses": {**_ok(PROPOSAL), **_errors(404)},
            }
        },
        "/api/consortia/{proposal_id}/status": {
            "post": {
                **write,
                "operationId": "changeConsortiumStatus",
                "summary": "Change the status, with a reason",
                "parameters": [PID],
                "requestBody": _json_body(
                    {"status": ID, "reason": TEXT, "version": VERSION},
                    ["status", "reason", "version"],
                ),
                "responses": {**_ok(PROPOSAL), **_errors(400, 401, 403, 404, 409, 415, 429)},
            }
        },
        "/api/consortia/{proposal_id}/notes": {
            "post": {
                **write,
                "operationId": "addConsortiumNote",
                "summary": "Add a note",
                "parameters": [PID],
                "requestBody": _json_body(
                    {"text": {"type": "string", "maxLength": 10000}, "version": VERSION},
                    ["text", "version"],
                ),
                "responses": {**_ok(PROPOSAL), **_errors(400, 401, 403, 404, 409, 415, 429)},
            }
        },
        "/api/consortia/{proposal_id}/members": {
            "post": {
                **write,
                "operationId": "editConsortiumMembers",
                "summary": "Add, remove or swap a member, with a reason",
                "parameters": [PID],
                "requestBody": _json_body(
                    {
                        "action": {"type": "string", "enum": ["add", "remove", "swap"]},
                        "org": ID,
                        "member": ID,
                        "role": ID,
                        "reason": TEXT,
                        "version": VERSION,
                    },
                    ["action", "reason", "version"],
                ),
                "responses": {**_ok(PROPOSAL), **_errors(400, 401, 403, 404, 409, 415, 429, 503)},
            }
        },
        "/api/consortia/{proposal_id}/alternatives": {
            "get": {
                "operationId": "consortiumAlternatives",
                "summary": "Ranked candidates for a role, or to replace a member",
                "parameters": [
                    PID,
                    _q("member", ID, "The member to replace"),
                    _q("role", ID, "The role to fill"),
                    _q("top", TOP, "How many"),
                ],
                "responses": {
                    **_ok({"type": "object", "required": ["ok", "alternatives"]}),
                    **_errors(400, 404, 503),
                },
            }
        },
    }
