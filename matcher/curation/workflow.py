"""Curation workflow: the statuses a proposal moves through and the rules every change obeys."""

from __future__ import annotations

from typing import Any

STATUSES = ("proposed", "shortlisted", "contacted", "agreed", "declined")


TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("shortlisted", "declined"),
    "shortlisted": ("contacted", "proposed", "declined"),
    "contacted": ("agreed", "declined"),
    "agreed": ("proposed",),  # reopen, with a reason
    "declined": ("proposed",),  # reopen, with a reason
}


OPEN = ("proposed", "shortlisted", "contacted")


MAX_NOTE = 10_000


class CurationError(ValueError):
    """A curation request that cannot be carried out; nothing was written.

    Like ``MatchError``, the message is English for the command line, ``code`` names the problem
    and ``params`` holds the values the message quotes, for the web to say it in its language.
    """

    def __init__(self, message: str, code: str = "curation", /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class InvalidTransition(CurationError):
    pass


def unknown_status(status: str) -> CurationError:
    return CurationError(
        f"unknown status {status!r}; use one of: {', '.join(STATUSES)}",
        "unknown_status",
        value=status,
        statuses=STATUSES,
    )


def require_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise CurationError(
            f"{what} needs a reason (--reason): say why, for the audit log", "reason_required"
        )
    return text


STATUS_LABELS = {
    "proposed": "提案",
    "shortlisted": "候補",
    "contacted": "打診中",
    "agreed": "合意",
    "declined": "見送り",
}
