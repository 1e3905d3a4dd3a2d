"""Reading import files: encoding detection (UTF-8, UTF-8 with BOM, CP932) and JSONL/CSV rows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.ingest.records import FIELDS, REQUIRED, Problem

FORMATS = ("jsonl", "csv")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
# A cell of 1 MB is bad input to report by field, not a csv.Error to crash on.
csv.field_size_limit(64 * 1024 * 1024)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

# Python's JSON parser recurses once per level: a line of a million brackets exhausts it.
TOO_DEEP = "invalid JSON: nested too deeply (a record is objects and lists a few levels deep)"


class FileRejected(Exception):
    """The file as a whole cannot be read; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    """A decoded import file: its name (for messages), its text, its encoding and format."""

    name: str
    text: str
    encoding: str
    format: str


def read_source(path: str | Path, fmt: str | None = None) -> Source:
    """Read and decode ``path``; raise FileRejected for a missing, binary or undecodable file."""
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileRejected(
            [Problem(0, "", f"file not found: {path}", "import_not_found", {"file": str(path)})]
        ) from None
    except IsADirectoryError:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    f"{path} is a directory, not a file",
                    "import_directory",
                    {"file": str(path)},
                )
            ]
        ) from None
    except OSError as error:
        reason = f"cannot read {path}: {error.strerror}"
        raise FileRejected(
            [
                Problem(
                    0, "", reason, "import_unreadable", {"file": str(path), "error": error.strerror}
                )
            ]
        ) from None
    return source_of(data, str(path), fmt)


def source_of(data: bytes, name: str, fmt: str | None = None) -> Source:
    """Decode the bytes of a file called ``name`` (an upload is not on disk)."""
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    text, encoding = decode(data, name)
    return Source(name, text, encoding, fmt or _guess_format(name, text))


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or not), else CP932, the encoding Excel uses for Japanese CSV."""
    if b"\x00" in data[:65536]:
        reason = f"{path} looks like a binary file, not JSONL or CSV"
        raise FileRejected([Problem(0, "", reason, "import_binary", {"file": path})])
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data, "utf-8-sig", path), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp932")
            # CP932 maps stray bytes such as 0xFD-0xFF to private-use characters (外字), which a
            # real office export does not contain; seeing them means the bytes are not CP932.
            if not _PRIVATE_USE.search(text):
                return text, "cp932"
            raise UnicodeDecodeError("cp932", data, 0, 1, "private-use character")
        except UnicodeDecodeError:
            line = data[: utf8_error.start].count(b"\n") + 1
            raise FileRejected(
                [
                    Problem(
                        line,
                        "",
                        f"cannot decode {path}: neither UTF-8 nor CP932 (Shift_JIS); "
                        f"first bad byte at offset {utf8_error.start}. Save the file as UTF-8.",
                        "import_undecodable",
                        {"file": path, "offset": utf8_error.start},
                    )
                ]
            ) from None


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRejected(
            [
                Problem(
                    line,
                    "",
                    f"cannot decode {path} as {encoding} at offset {error.start}",
                    "import_bad_encoding",
                    {"file": path, "encoding": encoding, "offset": error.start},
                )
            ]
        ) from None


def _guess_format(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def rows(source: Source) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    """Yield (line number, raw record or None, problems) for each record in the file."""
    if source.format == "jsonl":
        yield from _jsonl_rows(source.text)
    else:
        yield from _csv_rows(source.text)


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield (
                number,
                None,
                [
                    Problem(
                        number,
                        "",
                        f"invalid JSON: {error.msg} (column {error.colno})",
                        "import_invalid_json",
                        {"error": error.msg, "column": error.colno},
                    )
                ],
            )
            continue
        except RecursionError:
            yield number, None, [Problem(number, "", TOO_DEEP, "import_too_deep")]
            continue
        if not isinstance(value, dict):
            kind = type(value).__name__
            reason = f"expected a JSON object {{…}}, got {kind}"
            yield (
                number,
                None,
                [Problem(number, "", reason, "import_not_json_object", {"type": kind})],
            )
            continue
        yield number, value, []


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | None, list[Problem]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    _check_header(header)
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileRejected(
                [
                    Problem(
                        line, "", f"malformed CSV: {error}", "import_bad_csv", {"error": str(error)}
                    )
                ]
            ) from None
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            reason = f"{len(cells)} cells but the header has {len(header)} columns"
            counts = {"count": len(cells), "columns": len(header)}
            yield start, None, [Problem(start, "", reason, "import_too_many_cells", counts)]
            continue
        record: dict[str, Any] = {}
        problems: list[Problem] = []
        for column, cell in zip(header, cells, strict=False):
            if cell.strip() == "":
                continue
            if column in ("offers", "needs"):
                try:
                    record[column] = json.loads(cell)
                except json.JSONDecodeError as error:
                    reason = f"must hold a JSON list of objects: {error.msg} (column {error.colno})"
                    where = {"error": error.msg, "column": error.colno}
                    problems.append(Problem(start, column, reason, "import_json_cell", where))
                    continue
                except RecursionError:
                    problems.append(Problem(start, column, TOO_DEEP, "import_too_deep"))
                    continue
            else:
                record[column] = cell
        yield start, (None if problems else record), problems


def _check_header(header: list[str]) -> None:
    problems = []
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        problems.append(
            Problem(
                1,
                unknown[0],
                f"unknown column(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(FIELDS)}",
                "import_unknown_columns",
                {"columns": unknown, "allowed": FIELDS},
            )
        )
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        reason = f"missing column(s): {', '.join(missing)}"
        problems.append(
            Problem(1, missing[0], reason, "import_missing_columns", {"columns": missing})
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        reason = f"duplicated column(s): {', '.join(duplicated)}"
        params = {"columns": duplicated}
        problems.append(Problem(1, duplicated[0], reason, "import_duplicated_columns", params))
    if problems:
        raise FileRejected(problems)
