"""Seed corpus — data files: reading the TOML files in seeds/data with errors that say where.

Each seed module reads its file once, at import, into frozen dataclasses. A malformed file
raises DataFileError naming the file and the line (for TOML syntax) or the entry and key (for a
missing, misspelt or mistyped value), so an edit that breaks the data says what to fix.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")

_REQUIRED: Any = object()


class DataFileError(ValueError):
    """A seed data file is malformed; the message starts with the file and the entry."""

    def __init__(self, path: str | os.PathLike[str], where: str, problem: str) -> None:
        self.path = os.fspath(path)
        self.where = where
        super().__init__(f"{self.path}: {where}: {problem}" if where else f"{self.path}: {problem}")


def read_toml(path: str | os.PathLike[str]) -> Table:
    """The top-level table of a TOML file; DataFileError with the line for a syntax error."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:  # its message ends "(at line 12, column 5)"
        raise DataFileError(path, "", f"not valid TOML: {e}") from None
    return Table(data, path, "")


def _is_text(value: Any, empty: bool = False) -> bool:
    return isinstance(value, str) and (empty or bool(value.strip()))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class Table:
    """A TOML table being read: typed getters whose errors name the file and the entry.

    ``where`` describes the entry in messages (``theme 'snow_removal', offer 2``); ``done``
    refuses keys nobody read, so a misspelt optional key is an error instead of a silent default.
    """

    def __init__(self, data: dict[str, Any], path: str | os.PathLike[str], where: str) -> None:
        self.data = data
        self.path = path
        self.where = where
        self._read: set[str] = set()

    def error(self, problem: str) -> DataFileError:
        return DataFileError(self.path, self.where, problem)

    def get(self, key: str, expected: str, check: Callable[[Any], bool], default: Any) -> Any:
        """The value of ``key`` if ``check`` accepts it; ``default`` if absent, unless required."""
        self._read.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise self.error(f"{key!r} is missing")
            return default
        value = self.data[key]
        if not check(value):
            raise self.error(f"{key!r} must be {expected}, got {value!r}")
        return value

    def text(self, key: str, default: Any = _REQUIRED) -> str:
        return self.get(key, "a non-empty string", _is_text, default)

    def texts(self, key: str, default: Any = _REQUIRED, *, empty: bool = False) -> tuple[str, ...]:
        """A non-empty list of strings, non-empty themselves unless ``empty``."""
        expected = "a non-empty list of " + ("strings" if empty else "non-empty strings")
        value = self.get(
            key,
            expected,
            lambda v: isinstance(v, list) and bool(v) and all(_is_text(x, empty) for x in v),
            default,
        )
        return tuple(value)

    def pairs(self, key: str) -> tuple[tuple[str, str], ...]:
        """A non-empty list of [text, text] pairs, such as [kana, romaji]."""
        value = self.get(
            key,
            "a non-empty list of [string, string] pairs",
            lambda v: (
                isinstance(v, list)
                and bool(v)
                and all(isinstance(p, list) and len(p) == 2 and all(map(_is_text, p)) for p in v)
            ),
            _REQUIRED,
        )
        return tuple((a, b) for a, b in value)

    def integer(self, key: str) -> int:
        return self.get(
            key,
            "a positive integer",
            lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
            _REQUIRED,
        )

    def integers(self, key: str, n: int) -> tuple[int, ...]:
        value = self.get(
            key,
            f"a list of {n} positive integers",
            lambda v: (
                isinstance(v, list)
                and len(v) == n
                and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
            ),
            _REQUIRED,
        )
        return tuple(value)

    def number(self, key: str, default: Any = _REQUIRED, *, at_most: float | None = None) -> float:
        """A number ≥ 0 (and ≤ ``at_most``), as a float."""
        expected = "a number ≥ 0" + (f" and ≤ {at_most}" if at_most is not None else "")
        value = self.get(
            key,
            expected,
            lambda v: _is_number(v) and v >= 0 and (at_most is None or v <= at_most),
            default,
        )
        return float(value)

    def flag(self, key: str, default: Any = _REQUIRED) -> bool:
        return self.get(key, "true or false", lambda v: isinstance(v, bool), default)

    def factors(self, key: str) -> tuple[tuple[str, float], ...]:
        """A table of name → number ≥ 0, as (name, float) pairs sorted by name; () if absent."""
        value = self.get(
            key,
            "a table of names and numbers ≥ 0",
            lambda v: isinstance(v, dict) and all(_is_number(x) and x >= 0 for x in v.values()),
            {},
        )
        return tuple(sorted((name, float(x)) for name, x in value.items()))

    def table(self, key: str, where: str) -> Table:
        value = self.get(key, "a table", lambda v: isinstance(v, dict), _REQUIRED)
        return Table(value, self.path, where)

    def tables(self, key: str, name: str, default: Any = _REQUIRED) -> list[Table]:
        """The tables of an array (``[[key]]`` or a list of inline tables), named ``name 1``, …"""
        value = self.get(
            key,
            "a non-empty list of tables",
            lambda v: isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v),
            default,
        )
        prefix = f"{self.where}, " if self.where else ""
        return [Table(x, self.path, f"{prefix}{name} {i}") for i, x in enumerate(value, start=1)]

    def named_tables(self, key: str, name: str) -> Iterator[tuple[str, Table]]:
        """The sub-tables of ``[key.<name>]`` in file order, each with its name."""
        value = self.get(
            key,
            "a table of tables",
            lambda v: (
                isinstance(v, dict) and bool(v) and all(isinstance(x, dict) for x in v.values())
            ),
            _REQUIRED,
        )
        for sub, data in value.items():
            yield sub, Table(data, self.path, f"{name} {sub!r}")

    def done(self) -> None:
        """Refuse keys nobody read: a misspelt key must not pass as a missing optional one."""
        unknown = [key for key in self.data if key not in self._read]
        if unknown:
            raise self.error("unknown key " + ", ".join(repr(k) for k in unknown))
