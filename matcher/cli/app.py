"""What every command shares: the settings, the store opened on first use, the Matcher, exits."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any, NoReturn

import click

from embeddings import EncoderUnavailableError, VectorIndexError
from matcher.facts.kinds import KINDS
from matcher.retrieval.matcher import Matcher, pending_notice
from matcher.settings import Settings
from matcher.store.session import Store, open_store


class App:
    """What every command needs: the settings, and the store opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    def matcher(self) -> Matcher:
        """The matching engine, or a clear exit when the index is missing or stale; a warning
        names the organisations of the store it leaves out (not in the index yet)."""
        try:
            m = Matcher(self.store, self.settings)
        except VectorIndexError as error:
            fail(str(error))
        except (ValueError, EncoderUnavailableError) as error:
            fail(f"--encoder / MUSUBI_ENCODER: {error}")
        notice = pending_notice(m.catalogue)
        if notice:
            click.echo(f"musubi: warning: {notice}", err=True)
        return m


pass_app = click.make_pass_decorator(App)


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"musubi: {message}", err=True)
    sys.exit(code)


def say_waiting() -> None:
    """Tell the user why an import or index run is not moving (the store's writer lock)."""
    click.echo(
        "musubi: another import or index run is writing to this store; waiting for it to finish",
        err=True,
    )


def echo_json(data: Any, *, indent: int | None = None) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent))


def kind_option(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):  # noqa: ANN201
    """Click callback: every value one of KINDS."""
    bad = [v for v in values if v not in KINDS]
    if bad:
        raise click.BadParameter(f"unknown kind {bad[0]!r}; use one of: {', '.join(KINDS)}")
    return values


def query_default(query: type, name: str) -> Any:
    """The default of field ``name`` of a query dataclass: options show the one the query uses."""
    return next(f.default for f in fields(query) if f.name == name)


def top_option(query: type, help: str = "How many results.") -> Callable:
    """``--top N``, defaulting to what ``query`` defaults to."""
    default = query_default(query, "top")
    return click.option("--top", type=int, default=default, show_default=True, help=help)
