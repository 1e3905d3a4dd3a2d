"""Uploaded import files: their format guessed, their bytes validated by matcher.ingest.importer."""

from __future__ import annotations

from pathlib import Path

from matcher.ingest.importer import parse_records
from matcher.ingest.readers import FORMATS
from matcher.ingest.records import OrgRecord
from web.errors import BadRequest

MEDIA_TYPES = {
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-lines": "jsonl",
    "application/x-jsonlines": "jsonl",
    "text/csv": "csv",
}


def guess_format(filename: str | None, media_type: str | None, given: str | None) -> str:
    """The format named by the caller, else the file's suffix, else its media type."""
    if given:
        if given not in FORMATS:
            raise BadRequest(
                f"format={given[:20]!r} is not supported: use jsonl or csv",
                "unsupported_format",
                value=given[:20],
            )
        return given
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "txt"):
        return "csv"
    if media_type in MEDIA_TYPES:
        return MEDIA_TYPES[media_type]
    raise BadRequest(
        "cannot tell the file's format: name it .jsonl or .csv, or pass format=jsonl|csv",
        "unknown_format",
    )


def validate(data: bytes, fmt: str, name: str | None = None) -> tuple[list[OrgRecord], str, str]:
    """Validate the whole upload: (records, format, encoding), or ImportRejected with
    problems that name the file as the user did (never a path on the server)."""
    if not data:
        raise BadRequest("the upload is empty: choose a JSONL or CSV file", "empty_upload")
    return parse_records(data, Path(name).name if name else f"upload.{fmt}", fmt)


def problems_json(rejected) -> list[dict]:  # noqa: ANN001
    return [{"line": p.line, "field": p.field, "reason": p.reason} for p in rejected.problems]
