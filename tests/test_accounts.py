"""Coordinator accounts: scrypt password hashes, hashed API tokens, the `musubi user` command."""

from __future__ import annotations

import pytest

from matcher.store import accounts
from matcher.store.models import Coordinator
from matcher.store.session import Store
from support import Musubi


def test_password_hashing_is_salted_and_verifies() -> None:
    a, b = accounts.hash_password("correct horse"), accounts.hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert accounts.check_password(a, "correct horse")
    assert not accounts.check_password(a, "correct horsE")
    assert not accounts.check_password("garbage", "correct horse")
    with pytest.raises(accounts.AccountError, match="at least 8"):
        accounts.hash_password("short")


def test_create_verify_and_tokens(store: Store) -> None:
    created = accounts.create_coordinator(store, "山田 花子", "s3cret-pass")
    assert created.coordinator.name == "山田 花子" and created.token.startswith("musubi_")
    with store.session() as session:
        row = session.query(Coordinator).one()
        assert created.token not in (row.token_hash, row.password_hash)
        assert "s3cret-pass" not in row.password_hash
    assert accounts.verify_password(store, "山田 花子", "s3cret-pass").name == "山田 花子"
    assert accounts.verify_password(store, "山田 花子", "wrong-pass") is None
    assert accounts.verify_password(store, "nobody", "s3cret-pass") is None
    assert accounts.authenticate_token(store, created.token).name == "山田 花子"
    assert accounts.authenticate_token(store, created.token + "x") is None
    assert accounts.authenticate_token(store, "") is None
    new = accounts.rotate_token(store, "山田 花子")
    assert accounts.authenticate_token(store, created.token) is None
    assert accounts.authenticate_token(store, new).name == "山田 花子"
    with pytest.raises(accounts.AccountError, match="exists already"):
        accounts.create_coordinator(store, "山田 花子", "another-pass")
    with pytest.raises(accounts.AccountError, match="1 to 64"):
        accounts.create_coordinator(store, "  ", "another-pass")
    with pytest.raises(accounts.UnknownCoordinator, match="musubi user add"):
        accounts.get_coordinator(store, "nobody")


def test_user_add_prints_a_token_once(musubi_sqlite: Musubi) -> None:
    result = musubi_sqlite("user", "add", "sato", "--password-stdin", input="long-password\n")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("musubi_") and "shown once" in result.stderr
    again = musubi_sqlite("user", "add", "sato", "--password-stdin", input="long-password\n")
    assert again.exit_code == 2 and "exists already" in again.stderr
    short = musubi_sqlite("user", "add", "kato", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.stderr
    prompted = musubi_sqlite("user", "add", "ito", input="long-password\nlong-password\n")
    assert prompted.exit_code == 0, prompted.output
    assert musubi_sqlite("user", "list").stdout.split()[0::3] == ["ito", "sato"]
