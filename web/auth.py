"""Coordinator login (Flask-Login, CSRF-protected form) and bearer tokens for API writes.

Accounts live in matcher.store.accounts (scrypt password hashes, hashed API tokens, the login
lockout, the session epoch and the account log), created with `musubi user add NAME`. The web
asks it: is this name+password right (or is the account locked), whose token is this, is this
session still valid, and end this coordinator's sessions.

Guessing is slowed twice: per account by the lockout kept in the store (every replica sees it),
and per client address by Flask-Limiter (failed logins, failed API tokens), counted in the
storage that ``rate_limit_storage`` names. Both answer 429 with ``Retry-After`` and a log line
on the ``musubi.auth`` logger.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import UserMixin, current_user, login_user, logout_user

from matcher.store import accounts
from web import messages
from web.errors import error_response
from web.extensions import limiter, login_manager
from web.i18n import safe_next
from web.service import get_service

bp = Blueprint("auth", __name__)
log = logging.getLogger("musubi.auth")


class Coordinator(UserMixin):
    """The logged-in coordinator as Flask-Login sees it.

    ``id``, which the session keeps, is ``EPOCH:NAME``: when the account's session epoch moves
    on (logout, a new password, a revoked token), every session holding the old one ends.
    """

    def __init__(self, account: accounts.CoordinatorInfo) -> None:
        self.name = account.name
        self.id = f"{account.session_epoch}:{account.name}"


@login_manager.user_loader
def load_user(user_id: str) -> Coordinator | None:
    epoch, sep, name = user_id.partition(":")
    if not sep or not epoch.isdecimal():
        return None  # a session from before session epochs
    try:
        account = accounts.get_coordinator(get_service().store, name)
    except accounts.UnknownCoordinator:
        return None  # the account was removed: the session no longer logs anyone in
    if account.session_epoch != int(epoch):
        return None  # this session was ended (logout, new password, revoked token)
    return Coordinator(account)


def check_password(name: str, password: str) -> Coordinator | None:
    """The coordinator if the password is right; AccountLocked while the account is locked."""
    account = accounts.verify_password(
        get_service().store,
        name,
        password,
        lockout=current_app.config["AUTH_LOCKOUT"],
        address=request.remote_addr,
    )
    return Coordinator(account) if account else None


def check_token(token: str) -> Coordinator | None:
    account = accounts.authenticate_token(get_service().store, token)
    return Coordinator(account) if account else None


def _wait(request_limit: RequestLimit) -> int:
    """Seconds until ``request_limit``'s window lets this address try again."""
    return max(1, math.ceil(request_limit.window.reset_time - time.time()))


def _refused(status: int) -> bool:
    """Counted against the address: wrong names or passwords, and logins refused."""
    return status in (401, 429)


def _login_page(target: str, status: int, error: str, retry_after: int | None = None) -> Response:
    """The login form again with ``error``, keeping the name typed (never the password)."""
    name = (request.form.get("name") or "").strip()[:100]
    response = make_response(
        render_template("auth/login.html", next=target, error=error, name=name), status
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _login_target() -> str:
    return safe_next(request.values.get("next"), url_for("consortia.index"))


def _too_many_logins(request_limit: RequestLimit) -> Response:
    """Flask-Limiter's answer when this address failed too many logins."""
    wait = _wait(request_limit)
    log.warning(
        "login refused: too many failed logins from %s (%s); retry in %d s",
        request.remote_addr,
        request_limit.limit,
        wait,
    )
    english = f"too many failed logins from this address; try again in {wait} s"
    minutes = math.ceil(wait / 60)
    message = messages.say("too_many_logins", {"minutes": minutes}, english)
    return _login_page(_login_target(), 429, message, wait)


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: _refused(response.status_code),
    on_breach=_too_many_logins,
)
def login():  # noqa: ANN201
    """Log a coordinator in."""
    target = _login_target()
    if request.method == "GET":
        return render_template("auth/login.html", next=target)
    name = (request.form.get("name") or "").strip()[:100]
    password = (request.form.get("password") or "")[:1000]
    try:
        user = check_password(name, password) if name and password else None
    except accounts.AccountLocked as locked:
        log.warning(
            "login refused: %r is locked (from %s); retry in %d s",
            locked.name,
            request.remote_addr,
            locked.retry_after,
        )
        return _login_page(target, 429, messages.localise(locked), locked.retry_after)
    if user is None:
        log.info("failed login for %r from %s", name, request.remote_addr)
        return _login_page(target, 401, _("名前またはパスワードが違います。"))
    _new_csrf_secret()
    login_user(user)
    flash(_("ログインしました。"), "ok")
    return redirect(target)


def _new_csrf_secret() -> None:
    """Forget the CSRF secret (Flask-WTF keeps it in the session): the pages after login get a
    new one, so a token planted in the browser before login is worthless after it."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


@bp.post("/logout")
def logout():  # noqa: ANN201
    """Log out everywhere (a POST with the CSRF token, so another site cannot log you out)."""
    if current_user.is_authenticated:
        accounts.end_sessions(
            get_service().store, current_user.name, logout=True, address=request.remote_addr
        )
    logout_user()
    flash(_("ログアウトしました。"), "ok")
    return redirect(url_for("search.index"))


def _too_many_tokens(request_limit: RequestLimit) -> Response:
    """Flask-Limiter's answer when this address sent too many wrong API tokens."""
    wait = _wait(request_limit)
    log.warning(
        "API request refused: too many wrong tokens from %s (%s); retry in %d s",
        request.remote_addr,
        request_limit.limit,
        wait,
    )
    response, _status = error_response(
        f"too many requests with a wrong API token from this address; try again in {wait} s",
        429,
    )
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """API writes: ``Authorization: Bearer <token>`` of a coordinator, else 401; an address
    that sends too many wrong tokens gets 429 for a while (``token_address_limit``)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):  # noqa: ANN202
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip() and len(token) < 500:
            user = check_token(token.strip())
        if user is None:
            response, status = error_response(
                "this endpoint needs a coordinator's API token: Authorization: Bearer <token> "
                "(`musubi user add NAME` prints one)",
                401,
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="musubi"'
            return response, status
        g.coordinator = user  # for this request only: the API sets no cookie
        return view(*args, **kwargs)

    limited = limiter.shared_limit(
        lambda: current_app.config["TOKEN_ADDRESS_LIMIT"],
        scope="api-token",
        deduct_when=lambda response: response.status_code == 401,
        on_breach=_too_many_tokens,
    )(wrapped)
    limited.requires_token = True  # the API document marks it, with its 401 and 429
    return limited


def actor() -> str:
    """Who is writing: the API token's coordinator, else the logged-in one."""
    user = g.get("coordinator")
    if user is not None:
        return user.name
    return current_user.name if current_user.is_authenticated else ""
