"""The error of a query that cannot be answered as asked, shared by every retrieval module."""

from __future__ import annotations

from typing import Any


class MatchError(ValueError):
    """A query that cannot be answered as asked; the message says what to change.

    The message is English for the command line. ``code`` names the problem for programs (the
    web looks its own wording up by it) and ``params`` holds the values the message quotes.
    """

    def __init__(self, message: str, code: str = "invalid_query", /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
