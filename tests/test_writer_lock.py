"""The store's writer lock: imports and index runs of several processes take turns (two at once
failed on the ``texts`` table's unique key after the loser's records were committed); one that
waits says so; a holder killed with SIGKILL frees it. On SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from processes import assert_whole, late_records, org_ids, settings_of, start

from matcher.store.session import Store, open_store
from support import Musubi, write_jsonl

WAITING = "another import or index run is writing to this store; waiting for it to finish"


@pytest.fixture
def indexed(database_url: str, home: Path) -> Musubi:
    musubi = Musubi(home, database_url, encoder="hashing")
    assert musubi("demo", "--size", "150").exit_code == 0
    assert musubi("index").exit_code == 0
    return musubi


def run(musubi: Musubi, tmp_path: Path, name: str, records: list[dict]) -> tuple:
    """`musubi import` of ``records`` in another process; its standard error goes to a file we
    can read while it runs."""
    err = tmp_path / f"{name}.err"
    path = write_jsonl(tmp_path / f"{name}.jsonl", records)
    return start(musubi, "import", str(path), stdout=subprocess.DEVNULL, stderr=err.open("w")), err


def wait_for(condition, what: str) -> None:  # noqa: ANN001
    """Poll ``condition`` (generously bounded: a hang must fail, not block the run)."""
    deadline = time.monotonic() + 300
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_imports_wait_for_the_lock_and_say_so(indexed: Musubi, tmp_path: Path) -> None:
    before = org_ids(indexed)
    first, second = late_records(40, random_state=21), late_records(40, random_state=22)
    second = [dict(r, id="y" + r["id"][1:]) for r in second]
    store = open_store(settings_of(indexed))
    with store.writer():
        a, a_err = run(indexed, tmp_path, "a", first)
        b, b_err = run(indexed, tmp_path, "b", second)
        for err in (a_err, b_err):
            wait_for(lambda err=err: WAITING in err.read_text(), f"{err.name} to say it waits")
        assert a.poll() is None and b.poll() is None
        assert org_ids(indexed) == before  # nothing written while the lock is held
    assert a.wait(timeout=300) == 0, a_err.read_text()
    assert b.wait(timeout=300) == 0, b_err.read_text()
    store.close()
    for err in (a_err, b_err):
        assert "Error" not in err.read_text()
    assert_whole(indexed, before | {r["id"] for r in first + second})


def test_two_imports_at_once_both_land(indexed: Musubi, tmp_path: Path) -> None:
    """No lock held by the test: two imports started together both succeed, whoever wins."""
    before = org_ids(indexed)
    first, second = late_records(60, random_state=31), late_records(60, random_state=32)
    second = [dict(r, id="y" + r["id"][1:]) for r in second]
    runs = [run(indexed, tmp_path, "a", first), run(indexed, tmp_path, "b", second)]
    for process, err in runs:
        assert process.wait(timeout=300) == 0, err.read_text()
    assert_whole(indexed, before | {r["id"] for r in first + second})


def test_a_killed_holder_frees_the_lock(indexed: Musubi, tmp_path: Path) -> None:
    flag = tmp_path / "holding"
    records = late_records(5, random_state=41)
    process = start(
        indexed,
        "import",
        str(write_jsonl(tmp_path / "late.jsonl", records)),
        point=["--hold", "after:matcher.index.indexing:_sync_text_ids", str(flag)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = open_store(settings_of(indexed))
    wait_for(flag.exists, "the import to reach its index step")
    assert store.writer_busy()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    wait_for(lambda: not store.writer_busy(), "the lock to be freed")
    store.close()
    assert indexed("index").exit_code == 0
    assert_whole(indexed, org_ids(indexed))


def test_the_lock_is_reentrant_and_excludes_other_threads(store: Store) -> None:
    inside = threading.Event()
    with store.writer():
        with store.writer():  # an import holds it across its own index step
            assert not store.writer_busy()  # this thread holds it: not busy for itself
        waited: list[bool] = []

        def other() -> None:
            with store.writer(lambda: waited.append(True)):
                inside.set()

        thread = threading.Thread(target=other)
        thread.start()
        wait_for(lambda: waited, "the other thread to wait")
        assert not inside.is_set()
    thread.join(timeout=60)
    assert inside.is_set() and waited == [True]
