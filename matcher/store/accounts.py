"""Coordinator accounts: names, scrypt password hashes and API tokens — the "who" of curation.

Public API (no Flask here; a login view calls one function and gets a frozen dataclass back):

    create_coordinator(store, name, password) -> NewCoordinator   # .token is shown once
    verify_password(store, name, password, lockout=, now=, address=) -> CoordinatorInfo | None
                                                                   # AccountLocked when locked
    authenticate_token(store, token, now=) -> CoordinatorInfo | None
    rotate_token(store, name, expires_in=None) -> str              # the new token, shown once
    revoke_token(store, name); change_password(store, name, password)
    end_sessions(store, name); unlock(store, name)
    get_coordinator(store, name) -> CoordinatorInfo                # UnknownCoordinator if none
    list_coordinators(store) -> tuple[CoordinatorInfo, ...]
    account_log(store, name=None, limit=50) -> tuple[AccountLogEntry, ...]   # newest first
    hash_password(password) -> str; check_password(encoded, password) -> bool

Passwords are hashed with ``hashlib.scrypt`` (per-user random salt; parameters stored with the
hash so they can be raised later). API tokens are 256-bit random strings; only their SHA-256 is
stored (a token has full entropy, so a fast hash is enough and lookups stay indexed); a token may
carry an expiry. Wrong passwords are counted on the account's row and lock it (``Lockout``), so
every process serving the same store sees the same lock. ``session_epoch`` is part of every web
session's id: raising it (logout, a new password, a revoked token) ends all of that coordinator's
sessions. Logins, failed logins and account changes are appended to ``account_events``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from matcher.settings import Settings
from matcher.store.models import AccountEvent, Coordinator, utcnow
from matcher.store.session import Store

log = logging.getLogger("musubi.accounts")

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
TOKEN_PREFIX = "musubi_"


class AccountError(ValueError):
    """A bad name or password, or a name already taken; the message says what to change."""


class UnknownCoordinator(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no coordinator named {name!r}; create one with `musubi user add {name}`")
        self.name = name


class AccountLocked(RuntimeError):
    """A login refused without looking at the password: the account is locked until ``until``
    (UTC) after too many wrong passwords. Carries a ``code`` and ``params`` like MatchError."""

    code = "account_locked"

    def __init__(self, name: str, until: datetime, now: datetime) -> None:
        self.name = name
        self.until = until
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        self.params = {"name": name, "minutes": math.ceil(self.retry_after / 60)}
        super().__init__(
            f"coordinator {name!r} is locked after too many wrong passwords; try again in "
            f"{self.retry_after} s (at {until:%Y-%m-%d %H:%M:%S} UTC)"
        )


@dataclass(frozen=True)
class Lockout:
    """After ``attempts`` wrong passwords in a row an account is locked for ``first``; each
    further wrong password (one per lock: while locked, nothing is tried) doubles the lock, up
    to ``longest``. ``attempts`` 0 never locks.

    Exponential rather than fixed: a person who mistypes five times waits a minute, while a
    guesser gets 33 tries in the first day and then one an hour (with 1 minute doubling
    to 60), instead of 5 every 15 minutes (480 a day) with a fixed 15-minute lock.
    """

    attempts: int = 5
    first: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> Lockout:
        return cls(
            settings.login_lockout_attempts,
            timedelta(minutes=settings.login_lockout_minutes),
            timedelta(minutes=settings.login_lockout_max_minutes),
        )

    def duration(self, failures: int) -> timedelta | None:
        """The lock earned by ``failures`` wrong passwords in a row, or None."""
        if self.attempts <= 0 or failures < self.attempts:
            return None
        doublings = min(failures - self.attempts, 40)  # 2**40 is far past any sensible cap
        seconds = self.first.total_seconds() * 2.0**doublings
        return timedelta(seconds=max(0.0, min(seconds, self.longest.total_seconds())))


@dataclass(frozen=True)
class CoordinatorInfo:
    id: int
    name: str
    created_at: datetime
    has_token: bool
    token_expires_at: datetime | None = None
    locked_until: datetime | None = None
    session_epoch: int = 0

    def to_json(self) -> dict:
        expires = self.token_expires_at
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat() + "Z",
            "has_token": self.has_token,
            "token_expires_at": expires.isoformat() + "Z" if expires else None,
        }


@dataclass(frozen=True)
class NewCoordinator:
    coordinator: CoordinatorInfo
    token: str  # shown to the user once; only its hash is stored


EVENTS = {
    "login": "logged in",
    "login_failed": "wrong password or unknown name",
    "locked": "locked after too many wrong passwords",
    "login_refused": "login refused: the account was locked",
    "unlocked": "lock lifted by an administrator",
    "logout": "logged out (every session ended)",
    "sessions_ended": "every session ended by an administrator",
    "password_changed": "password changed (every session ended)",
    "token_rotated": "new API token",
    "token_revoked": "API token revoked (every session ended)",
}


@dataclass(frozen=True)
class AccountLogEntry:
    """One line of the account log: ``name`` as typed (failed logins may name no account)."""

    id: int
    at: datetime
    event: str
    name: str
    address: str | None

    def to_json(self) -> dict:
        return asdict(self) | {"at": self.at.isoformat() + "Z"}


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not name or len(name) > 64:
        raise AccountError(f"coordinator name {name!r}: use 1 to 64 characters")
    if any(unicodedata.category(ch).startswith(("C", "Z")) and ch != " " for ch in name):
        raise AccountError(f"coordinator name {name!r}: no control characters or line breaks")
    return name


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (salt and hash in base64) for a password."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def check_password(encoded: str, password: str) -> bool:
    """Whether ``password`` matches ``encoded`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password or "", base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _info(row: Coordinator) -> CoordinatorInfo:
    return CoordinatorInfo(
        row.id,
        row.name,
        row.created_at,
        row.token_hash is not None,
        row.token_expires_at,
        row.locked_until,
        row.session_epoch or 0,
    )


def _record(session: so.Session, event: str, name: str, address: str | None, at: datetime) -> None:
    session.add(AccountEvent(at=at, event=event, name=name[:64], address=(address or None)))


def _printable(text: str) -> str:
    """``text`` with control characters shown as U+FFFD, for the log."""
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _row(session: so.Session, name: str) -> Coordinator:
    row = session.scalar(sa.select(Coordinator).where(Coordinator.name == name))
    if row is None:
        raise UnknownCoordinator(name)
    return row


def create_coordinator(store: Store, name: str, password: str) -> NewCoordinator:
    """A new account with a new API token; AccountError if the name is taken or bad."""
    name = check_name(name)
    encoded = hash_password(password)
    token = _new_token()
    with store.session.begin() as session:
        if session.scalar(sa.select(Coordinator.id).where(Coordinator.name == name)):
            raise AccountError(f"a coordinator named {name!r} exists already")
        row = Coordinator(name=name, password_hash=encoded, token_hash=_token_hash(token))
        session.add(row)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            raise AccountError(f"a coordinator named {name!r} exists already") from None
        info = _info(row)
    return NewCoordinator(info, token)


def get_coordinator(store: Store, name: str) -> CoordinatorInfo:
    with store.session() as session:
        return _info(_row(session, name))


def list_coordinators(store: Store) -> tuple[CoordinatorInfo, ...]:
    with store.session() as session:
        rows = session.scalars(sa.select(Coordinator).order_by(Coordinator.name))
        return tuple(_info(r) for r in rows)


def verify_password(
    store: Store,
    name: str,
    password: str,
    *,
    lockout: Lockout = Lockout(),  # noqa: B008 - frozen, so one shared default is safe
    now: datetime | None = None,
    address: str | None = None,
) -> CoordinatorInfo | None:
    """The account when ``password`` is right, else None (also for an unknown name).

    Raises AccountLocked, without checking the password, while the account is locked. The
    attempt is counted as wrong *before* the password is checked and forgiven when it is right,
    so parallel guesses cannot slip past the lock while the (slow) hash is computed. Every
    outcome is appended to the account log with ``address``.
    """
    now = now or utcnow()
    typed = _printable(name)
    with store.session.begin() as session:
        # A name with control characters names no account (check_name refuses them), and
        # PostgreSQL refuses a NUL in a query: such a name is not looked up.
        row = None
        if typed == name:
            row = session.scalar(sa.select(Coordinator).where(Coordinator.name == name))
        if row is None:
            _record(session, "login_failed", typed, address, now)
    if row is None:
        # Spend the same time as a real check, so timing does not reveal which names exist.
        check_password(_DUMMY_HASH, password)
        return None
    lock = _count_attempt(store, row.id, name, lockout, now, address)
    if check_password(row.password_hash, password):
        with store.session.begin() as session:
            session.execute(
                sa.update(Coordinator)
                .where(Coordinator.id == row.id)
                .values(failed_logins=0, locked_until=None)
            )
            _record(session, "login", name, address, now)
        return _info(row)
    with store.session.begin() as session:
        _record(session, "login_failed", name, address, now)
        if lock is not None:
            _record(session, "locked", name, address, now)
    if lock is not None:
        log.warning("coordinator %r locked until %s UTC after wrong passwords", name, lock)
    return None


def _count_attempt(
    store: Store, id: int, name: str, lockout: Lockout, now: datetime, address: str | None
) -> datetime | None:
    """Count one wrong password on account ``id`` unless it is locked (then AccountLocked);
    returns the lock this attempt earns if it is wrong, else None.

    The increment is one conditional UPDATE, so concurrent attempts (threads, replicas) are
    serialised by the database's row lock: the one that reaches the limit sets the lock, and
    those waiting behind it find the account locked.
    """
    unlocked = sa.or_(Coordinator.locked_until.is_(None), Coordinator.locked_until <= now)
    with store.session.begin() as session:
        counted = session.execute(
            sa.update(Coordinator)
            .where(Coordinator.id == id, unlocked)
            .values(failed_logins=Coordinator.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        state = session.execute(
            sa.select(Coordinator.failed_logins, Coordinator.locked_until).where(
                Coordinator.id == id
            )
        ).one()
        if counted.rowcount == 0:
            _record(session, "login_refused", name, address, now)
            refused = AccountLocked(name, state.locked_until or now, now)
        else:
            refused = None
            duration = lockout.duration(state.failed_logins)
            if duration is not None:
                until = now + duration
                session.execute(
                    sa.update(Coordinator).where(Coordinator.id == id).values(locked_until=until)
                )
                return until
    if refused is not None:
        raise refused
    return None


def authenticate_token(
    store: Store, token: str, *, now: datetime | None = None
) -> CoordinatorInfo | None:
    """The account holding API token ``token``, unless it expired; else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    digest = _token_hash(token)
    with store.session() as session:
        row = session.scalar(sa.select(Coordinator).where(Coordinator.token_hash == digest))
        if row is None or not hmac.compare_digest(row.token_hash or "", digest):
            return None
        if row.token_expires_at is not None and row.token_expires_at <= (now or utcnow()):
            return None
        return _info(row)


def rotate_token(
    store: Store,
    name: str,
    *,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> str:
    """Replace ``name``'s API token (the old one stops working); returns the new one, which
    expires after ``expires_in`` when given."""
    now = now or utcnow()
    token = _new_token()
    with store.session.begin() as session:
        row = _row(session, name)
        row.token_hash = _token_hash(token)
        row.token_expires_at = now + expires_in if expires_in is not None else None
        _record(session, "token_rotated", name, None, now)
    return token


def revoke_token(store: Store, name: str, *, now: datetime | None = None) -> None:
    """Remove ``name``'s API token and end all of their web sessions (a leak is assumed)."""
    now = now or utcnow()
    with store.session.begin() as session:
        row = _row(session, name)
        row.token_hash = None
        row.token_expires_at = None
        row.session_epoch = (row.session_epoch or 0) + 1
        _record(session, "token_revoked", name, None, now)


def change_password(store: Store, name: str, password: str, *, now: datetime | None = None) -> None:
    """Set a new password (AccountError if too short), lift any lock, end every session."""
    now = now or utcnow()
    encoded = hash_password(password)
    with store.session.begin() as session:
        row = _row(session, name)
        row.password_hash = encoded
        row.failed_logins = 0
        row.locked_until = None
        row.session_epoch = (row.session_epoch or 0) + 1
        _record(session, "password_changed", name, None, now)


def end_sessions(
    store: Store,
    name: str,
    *,
    logout: bool = False,
    address: str | None = None,
    now: datetime | None = None,
) -> None:
    """End every web session of ``name`` (``logout``: the coordinator asked for it)."""
    now = now or utcnow()
    with store.session.begin() as session:
        row = _row(session, name)
        row.session_epoch = (row.session_epoch or 0) + 1
        _record(session, "logout" if logout else "sessions_ended", name, address, now)


def unlock(store: Store, name: str, *, now: datetime | None = None) -> None:
    """Lift ``name``'s lock and forget the wrong passwords counted so far."""
    now = now or utcnow()
    with store.session.begin() as session:
        row = _row(session, name)
        row.failed_logins = 0
        row.locked_until = None
        _record(session, "unlocked", name, None, now)


def account_log(
    store: Store, name: str | None = None, limit: int = 50
) -> tuple[AccountLogEntry, ...]:
    """The newest ``limit`` entries of the account log (of ``name`` only, when given)."""
    query = sa.select(AccountEvent).order_by(AccountEvent.id.desc()).limit(max(0, limit))
    if name is not None:
        query = query.where(AccountEvent.name == name)
    with store.session() as session:
        return tuple(
            AccountLogEntry(e.id, e.at, e.event, e.name, e.address) for e in session.scalars(query)
        )


_DUMMY_HASH = "scrypt$16384$8$1$" + _b64(b"\0" * 16) + "$" + _b64(b"\0" * 32)
