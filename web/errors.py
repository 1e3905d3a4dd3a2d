"""Errors, in one place: JSON ({"ok": false, "error", "status"}) for the API, pages for people."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from matcher.curation.proposals import ConflictError, ProposalNotFound
from matcher.curation.workflow import CurationError
from matcher.modes.consortium.roles import active_roles
from matcher.retrieval.matcher import MatchError
from matcher.store.accounts import UnknownCoordinator
from web import messages
from web.extensions import limiter
from web.service import IndexUnavailable


class BadRequest(ValueError):
    """Input the boundary rejects: the message quotes the value and says what is allowed.

    Like ``MatchError`` it carries a ``code`` and the ``params`` its message quotes, from which
    ``web.messages`` says it in the page's language.
    """

    def __init__(
        self, message: str, code: str = "bad_request", /, status: int = 400, **params: Any
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.params = params


def not_a_member(org_id: str, proposal_id: int) -> BadRequest:
    return BadRequest(
        f"{org_id!r} is not a member of proposal #{proposal_id}",
        "not_a_member",
        org=org_id,
        proposal=proposal_id,
    )


def member_or_role_required() -> BadRequest:
    roles = active_roles()
    return BadRequest(
        f"give member=ID or role=ROLE ({', '.join(roles)})", "member_or_role_required", roles=roles
    )


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def error_response(message: str, status: int, **extra: Any) -> tuple[Response, int]:
    """The one error shape of the JSON API."""
    return jsonify({"ok": False, "error": message, "status": status, **extra}), status


def _http_text(status: int) -> tuple[str, str] | None:
    """A title and a sentence for the HTTP errors people meet, in the page's language."""
    return {
        400: (_("リクエストが正しくありません"), _("リクエストの形が正しくありません。")),
        403: (_("権限がありません"), _("このページを見る権限がありません。")),
        404: (
            _("見つかりません"),
            _(
                "このアドレスのページはありません。アドレスを確かめるか、メニューから探してください。"
            ),
        ),
        405: (_("この操作はできません"), _("このアドレスではこの操作を受け付けていません。")),
        413: (_("大きすぎます"), _("送られたデータが大きすぎます。")),
    }.get(status)


def _page(message: str, status: int, title: str | None = None) -> tuple[str, int]:
    return render_template("error.html", message=message, status=status, title=title), status


def init_app(app: Flask) -> None:
    @app.errorhandler(BadRequest)
    @app.errorhandler(MatchError)
    def bad_request(error: BadRequest | MatchError):  # noqa: ANN202
        status = getattr(error, "status", 400)
        if wants_json():
            return error_response(messages.english(error), status)
        return _page(messages.localise(error), status)

    @app.errorhandler(IndexUnavailable)
    def index_unavailable(error: IndexUnavailable):  # noqa: ANN202
        if wants_json():
            return error_response(str(error), 503)
        return _page(str(error), 503, _("索引がありません"))

    @app.errorhandler(CurationError)
    def curation_error(error: CurationError):  # noqa: ANN202
        status = 404 if isinstance(error, ProposalNotFound) else 400
        if isinstance(error, ConflictError):
            status = 409
        if wants_json():
            return error_response(messages.english(error), status)
        return _page(messages.localise(error), status)

    @app.errorhandler(UnknownCoordinator)
    def unknown_coordinator(error: UnknownCoordinator):  # noqa: ANN202
        if wants_json():
            return error_response(str(error), 403)
        return _page(messages.say("unknown_coordinator", {"name": error.name}, str(error)), 403)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # noqa: ANN202
        message = _(
            "フォームの有効期限が切れました。ページを再読み込みしてもう一度送信してください。"
        )
        if wants_json():
            return error_response(error.description, 400)
        return _page(message, 400)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):  # noqa: ANN202
        if error.response is not None:
            return error.response  # the limit's own answer (web/auth.py: login page, API JSON)
        # A limit without its own answer, or one whose answer failed: the usual shapes.
        current = limiter.current_limit
        wait = max(1, math.ceil(current.window.reset_time - time.time())) if current else 60
        if wants_json():
            response, status = error_response(f"too many requests; try again in {wait} s", 429)
        else:
            response, status = _page(
                _("リクエストが多すぎます。しばらくしてからもう一度お試しください。"), 429
            )
        return response, status, {"Retry-After": str(wait)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # noqa: ANN202
        status = error.code or 500
        if wants_json():
            response, status = error_response(error.description or error.name, status)
            if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
                response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
            return response, status
        if status == 405 and request.method in ("GET", "HEAD"):
            # A form's address reloaded or bookmarked (after a refused write, say): the page
            # the form was on, not an error page.
            return redirect(request.path.rsplit("/", 1)[0] or "/", 303)
        # Werkzeug's own descriptions are English; one given to abort() is already localised.
        text = _http_text(status)
        title = f"{status} {text[0] if text else error.name}"
        if error.description and error.description != type(error).description:
            return _page(error.description, status, title)
        return _page(text[1] if text else error.name, status, title)

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # noqa: ANN202
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        message = _("サーバーで予期しないエラーが起きました。")
        if wants_json():
            return error_response("internal server error", 500)
        return _page(message, 500)
