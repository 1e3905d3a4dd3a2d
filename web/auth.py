"""Coordinator login (Flask-Login, CSRF-protected form) and bearer tokens for API writes.

Accounts live in matcher.store.accounts (scrypt password hashes, hashed API tokens), created with
`musubi user add NAME`. The web only asks it two questions: is this name+password right, and
whose token is this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import UserMixin, current_user, login_user, logout_user

from matcher.store import accounts
from web.errors import error_response
from web.extensions import login_manager
from web.i18n import safe_next
from web.service import get_service

bp = Blueprint("auth", __name__)


class Coordinator(UserMixin):
    """The logged-in coordinator as Flask-Login sees it."""

    def __init__(self, id: str, name: str) -> None:  # noqa: A002
        self.id = id
        self.name = name


def _accounts():  # noqa: ANN202

    return accounts


@login_manager.user_loader
def load_user(user_id: str) -> Coordinator | None:
    accounts = _accounts()
    try:
        account = accounts.get_coordinator(get_service().store, user_id)
    except accounts.UnknownCoordinator:
        return None  # the account was removed: the session no longer logs anyone in
    return Coordinator(account.name, account.name)


def check_password(name: str, password: str) -> Coordinator | None:
    account = _accounts().verify_password(get_service().store, name, password)
    return Coordinator(account.name, account.name) if account else None


def check_token(token: str) -> Coordinator | None:
    account = _accounts().authenticate_token(get_service().store, token)
    return Coordinator(account.name, account.name) if account else None


@bp.route("/login", methods=("GET", "POST"))
def login():  # noqa: ANN201
    """Log a coordinator in."""
    target = safe_next(request.values.get("next"), url_for("consortia.index"))
    if request.method == "GET":
        return render_template("auth/login.html", next=target)
    name = (request.form.get("name") or "").strip()[:100]
    password = (request.form.get("password") or "")[:1000]
    user = check_password(name, password) if name and password else None
    if user is None:
        error = _("名前またはパスワードが違います。")
        return render_template("auth/login.html", next=target, error=error, name=name), 401
    login_user(user)
    flash(_("ログインしました。"), "ok")
    return redirect(target)


@bp.post("/logout")
def logout():  # noqa: ANN201
    """Log out (a POST with the CSRF token, so another site cannot log you out)."""
    logout_user()
    flash(_("ログアウトしました。"), "ok")
    return redirect(url_for("search.index"))


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """API writes: ``Authorization: Bearer <token>`` of a coordinator, else 401."""

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

    return wrapped


def actor() -> str:
    """Who is writing: the API token's coordinator, else the logged-in one."""
    user = g.get("coordinator")
    if user is not None:
        return user.name
    return current_user.name if current_user.is_authenticated else ""
