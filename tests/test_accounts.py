"""Coordinator accounts: scrypt password hashes, hashed API tokens, the `musubi user` command."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest

from matcher.store import accounts
from matcher.store.models import Coordinator
from matcher.store.session import Store
from support import Musubi

T0 = datetime(2026, 12, 1, 9, 0, 0)  # the tests' clock: every call is given its `now`
LOCKOUT = accounts.Lockout(3, timedelta(minutes=1), timedelta(minutes=4))


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
    listed = musubi_sqlite("user", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["ito", "sato"]


def _login(store: Store, password: str, at: datetime, name: str = "sato"):  # noqa: ANN202
    return accounts.verify_password(store, name, password, lockout=LOCKOUT, now=at)


def test_wrong_passwords_lock_the_account_with_a_doubling_lock(store: Store) -> None:
    accounts.create_coordinator(store, "sato", "right-password")
    for _ in range(2):
        assert _login(store, "wrong-password", T0) is None
    assert _login(store, "wrong-password", T0) is None  # the third: locked for 1 minute
    with pytest.raises(accounts.AccountLocked) as locked:
        _login(store, "right-password", T0 + timedelta(seconds=30))  # even the right one
    assert locked.value.retry_after == 30 and locked.value.code == "account_locked"
    assert locked.value.params == {"name": "sato", "minutes": 1}
    # Once the lock is over, one more wrong password locks again, twice as long …
    assert _login(store, "wrong-password", T0 + timedelta(minutes=1)) is None
    with pytest.raises(accounts.AccountLocked) as locked:
        _login(store, "right-password", T0 + timedelta(minutes=2, seconds=59))
    assert locked.value.retry_after == 1
    assert _login(store, "wrong-password", T0 + timedelta(minutes=3)) is None  # 4 minutes
    assert _login(store, "wrong-password", T0 + timedelta(minutes=7)) is None  # capped at 4
    with pytest.raises(accounts.AccountLocked) as locked:
        _login(store, "right-password", T0 + timedelta(minutes=7))
    assert locked.value.retry_after == 4 * 60
    # … and the right password after it opens the account and forgets the count.
    assert _login(store, "right-password", T0 + timedelta(minutes=11)).name == "sato"
    assert _login(store, "wrong-password", T0 + timedelta(minutes=11)) is None
    assert _login(store, "right-password", T0 + timedelta(minutes=11)).name == "sato"


def test_lockout_durations() -> None:
    lockout = accounts.Lockout(5, timedelta(minutes=1), timedelta(hours=1))
    minutes = [lockout.duration(n) for n in range(1, 14)]
    assert minutes[:4] == [None] * 4
    assert [m.total_seconds() / 60 for m in minutes[4:]] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert lockout.duration(10**9) == timedelta(hours=1)
    assert accounts.Lockout(0).duration(10**6) is None  # 0: never locks


def test_unlock_and_a_new_password_lift_the_lock(store: Store) -> None:
    accounts.create_coordinator(store, "sato", "right-password")
    for _ in range(3):
        _login(store, "wrong-password", T0)
    accounts.unlock(store, "sato")
    assert _login(store, "right-password", T0).name == "sato"
    for _ in range(3):
        _login(store, "wrong-password", T0)
    accounts.change_password(store, "sato", "a-new-password")
    assert _login(store, "right-password", T0) is None
    assert _login(store, "a-new-password", T0).name == "sato"


def test_parallel_guesses_cannot_pass_the_lock(store: Store) -> None:
    """Ten guesses at once, as from ten replicas: no more than three reach the password."""
    accounts.create_coordinator(store, "sato", "right-password")
    outcomes: list[str] = []
    start = threading.Barrier(10)

    def guess() -> None:
        start.wait()
        try:
            _login(store, "wrong-password", T0)
            outcomes.append("checked")
        except accounts.AccountLocked:
            outcomes.append("locked")

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["checked"] * 3 + ["locked"] * 7
    events = [e.event for e in accounts.account_log(store, "sato")]
    assert events.count("login_failed") == 3 and events.count("login_refused") == 7


def test_tokens_expire_and_can_be_revoked(store: Store) -> None:
    accounts.create_coordinator(store, "sato", "right-password")
    token = accounts.rotate_token(store, "sato", expires_in=timedelta(days=30), now=T0)
    info = accounts.authenticate_token(store, token, now=T0 + timedelta(days=29))
    assert info.name == "sato" and info.token_expires_at == T0 + timedelta(days=30)
    assert accounts.authenticate_token(store, token, now=T0 + timedelta(days=30)) is None
    forever = accounts.rotate_token(store, "sato", now=T0)
    assert accounts.authenticate_token(store, forever, now=T0 + timedelta(days=9999)) is not None
    epoch = accounts.get_coordinator(store, "sato").session_epoch
    accounts.revoke_token(store, "sato")
    assert accounts.authenticate_token(store, forever) is None
    after = accounts.get_coordinator(store, "sato")
    assert not after.has_token and after.session_epoch == epoch + 1
    with pytest.raises(accounts.UnknownCoordinator):
        accounts.revoke_token(store, "nobody")


def test_sessions_end_on_logout_password_change_and_revocation(store: Store) -> None:
    accounts.create_coordinator(store, "sato", "right-password")
    epochs = [accounts.get_coordinator(store, "sato").session_epoch]
    accounts.end_sessions(store, "sato", logout=True)
    epochs.append(accounts.get_coordinator(store, "sato").session_epoch)
    accounts.change_password(store, "sato", "a-new-password")
    epochs.append(accounts.get_coordinator(store, "sato").session_epoch)
    accounts.revoke_token(store, "sato")
    epochs.append(accounts.get_coordinator(store, "sato").session_epoch)
    accounts.rotate_token(store, "sato")  # a routine rotation leaves sessions alone
    epochs.append(accounts.get_coordinator(store, "sato").session_epoch)
    assert epochs == [0, 1, 2, 3, 3]


def test_logins_leave_an_append_only_record_without_the_password(store: Store) -> None:
    accounts.create_coordinator(store, "sato", "right-password")
    accounts.verify_password(store, "sato", "wrong-password", now=T0, address="192.0.2.7")
    accounts.verify_password(store, "sato", "right-password", now=T0, address="192.0.2.7")
    accounts.verify_password(store, "admin", "guess-password", now=T0, address="192.0.2.8")
    log = accounts.account_log(store)
    assert [(e.event, e.name, e.address) for e in log] == [
        ("login_failed", "admin", "192.0.2.8"),
        ("login", "sato", "192.0.2.7"),
        ("login_failed", "sato", "192.0.2.7"),
    ]
    assert [e.event for e in accounts.account_log(store, "sato", limit=1)] == ["login"]
    assert accounts.verify_password(store, "sa\x00to", "right-password", now=T0) is None
    assert accounts.account_log(store, limit=1)[0].name == "sa\ufffdto"
    assert "password" not in json.dumps([e.to_json() for e in log]).replace("login", "")


def test_user_password_token_logout_unlock_and_log_commands(musubi_sqlite: Musubi) -> None:
    musubi = musubi_sqlite
    old_token = musubi("user", "add", "sato", "--password-stdin", input="long-password\n")
    assert old_token.exit_code == 0
    changed = musubi("user", "password", "sato", "--password-stdin", input="new-long-pass\n")
    assert changed.exit_code == 0 and "every web session" in changed.stderr
    short = musubi("user", "password", "sato", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8" in short.stderr
    nobody = musubi("user", "password", "nobody", "--password-stdin", input="long-password\n")
    assert nobody.exit_code == 2 and "no coordinator named 'nobody'" in nobody.stderr

    rotated = musubi("user", "token", "rotate", "sato", "--expires-in", "30")
    assert rotated.exit_code == 0 and "30 day(s)" in rotated.stderr
    new_token = rotated.stdout.strip()
    assert new_token.startswith("musubi_") and new_token != old_token.stdout.strip()
    assert "API token until" in musubi("user", "list").stdout
    assert musubi("user", "token", "rotate", "sato", "--expires-in", "0").exit_code == 2
    assert musubi("user", "token", "revoke", "sato").exit_code == 0
    assert "no API token" in musubi("user", "list").stdout
    assert musubi("user", "token", "revoke", "nobody").exit_code == 2
    assert musubi("user", "logout", "sato").exit_code == 0
    assert musubi("user", "unlock", "sato").exit_code == 0

    lines = musubi("user", "log", "sato").stdout.splitlines()
    assert [line.split()[2] for line in lines] == [
        "unlocked",
        "sessions_ended",
        "token_revoked",
        "token_rotated",
        "password_changed",
    ]
    entries = [json.loads(line) for line in musubi("user", "log", "--json").stdout.splitlines()]
    assert entries[0]["event"] == "unlocked" and entries[0]["at"].endswith("Z")
