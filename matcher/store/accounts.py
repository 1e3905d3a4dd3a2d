"""Coordinator accounts: names, scrypt password hashes and API tokens — the "who" of curation.

Public API (no Flask here; a login view calls one function and gets a frozen dataclass back):

    create_coordinator(store, name, password) -> NewCoordinator   # .token is shown once
    verify_password(store, name, password) -> CoordinatorInfo | None
    authenticate_token(store, token) -> CoordinatorInfo | None
    rotate_token(store, name) -> str                               # the new token, shown once
    get_coordinator(store, name) -> CoordinatorInfo                # UnknownCoordinator if none
    list_coordinators(store) -> tuple[CoordinatorInfo, ...]
    hash_password(password) -> str; check_password(encoded, password) -> bool

Passwords are hashed with ``hashlib.scrypt`` (per-user random salt; parameters stored with the
hash so they can be raised later). API tokens are 256-bit random strings; only their SHA-256 is
stored (a token has full entropy, so a fast hash is enough and lookups stay indexed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from matcher.store.models import Coordinator
from matcher.store.session import Store

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
TOKEN_PREFIX = "musubi_"


class AccountError(ValueError):
    """A bad name or password, or a name already taken; the message says what to change."""


class UnknownCoordinator(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no coordinator named {name!r}; create one with `musubi user add {name}`")
        self.name = name


@dataclass(frozen=True)
class CoordinatorInfo:
    id: int
    name: str
    created_at: datetime
    has_token: bool

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat() + "Z",
            "has_token": self.has_token,
        }


@dataclass(frozen=True)
class NewCoordinator:
    coordinator: CoordinatorInfo
    token: str  # shown to the user once; only its hash is stored


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
    return CoordinatorInfo(row.id, row.name, row.created_at, row.token_hash is not None)


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
        row = session.scalar(sa.select(Coordinator).where(Coordinator.name == name))
        if row is None:
            raise UnknownCoordinator(name)
        return _info(row)


def list_coordinators(store: Store) -> tuple[CoordinatorInfo, ...]:
    with store.session() as session:
        rows = session.scalars(sa.select(Coordinator).order_by(Coordinator.name))
        return tuple(_info(r) for r in rows)


def verify_password(store: Store, name: str, password: str) -> CoordinatorInfo | None:
    """The account when ``password`` is right, else None (also for an unknown name)."""
    with store.session() as session:
        row = session.scalar(sa.select(Coordinator).where(Coordinator.name == name))
        if row is None:
            # Spend the same time as a real check, so timing does not reveal which names exist.
            check_password(_DUMMY_HASH, password)
            return None
        return _info(row) if check_password(row.password_hash, password) else None


def authenticate_token(store: Store, token: str) -> CoordinatorInfo | None:
    """The account holding API token ``token``, else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    digest = _token_hash(token)
    with store.session() as session:
        row = session.scalar(sa.select(Coordinator).where(Coordinator.token_hash == digest))
        if row is None or not hmac.compare_digest(row.token_hash or "", digest):
            return None
        return _info(row)


def rotate_token(store: Store, name: str) -> str:
    """Replace ``name``'s API token (the old one stops working); returns the new one."""
    token = _new_token()
    with store.session.begin() as session:
        row = session.scalar(sa.select(Coordinator).where(Coordinator.name == name))
        if row is None:
            raise UnknownCoordinator(name)
        row.token_hash = _token_hash(token)
    return token


_DUMMY_HASH = "scrypt$16384$8$1$" + _b64(b"\0" * 16) + "$" + _b64(b"\0" * 32)
