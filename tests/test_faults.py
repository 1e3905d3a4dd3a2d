"""Fault injection: `musubi import` and `musubi index` killed with SIGKILL at chosen points of
their work (``fault_runner.py`` patches the point in the child process) and at measured delays.
After the kill every command works or says what to run — never a traceback —, doing what it
says brings everything back, and nothing the killed process committed is lost."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest
from processes import assert_whole, late_records, org_ids, settings_of, start

from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.store.session import open_store
from support import Musubi, seeded, write_jsonl

SIZE = 200


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("faults") / "home"
    seeded(home, SIZE)
    return home


def fresh(postgres: str | None, seeded_home: Path, tmp_path: Path) -> Musubi:
    """An indexed store of SIZE seed organisations: a copy of the SQLite one, or on the
    PostgreSQL at URL ``postgres``, seeded anew."""
    home = tmp_path / "home"
    if postgres is None:
        shutil.copytree(seeded_home, home, ignore=shutil.ignore_patterns("*.lock"))
        return Musubi(home, encoder="hashing")
    musubi = Musubi(home, postgres, encoder="hashing")
    assert musubi("demo", "--size", str(SIZE)).exit_code == 0
    assert musubi("index").exit_code == 0
    return musubi


def killed(musubi: Musubi, kill: str, *args: str) -> None:
    process = start(musubi, *args, point=["--kill", kill])
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, f"not killed at {kill}: {stderr}"


def survey(musubi: Musubi, new_id: str) -> set[str]:
    """Run the everyday commands; each works, or fails saying what to run. The commands they
    say to run."""
    told = set()
    for args in (
        ("stats",),
        ("list", "--limit", "5"),
        ("show", "mu-00001"),
        ("match", "procurement", "--text", "独居高齢者の見守り", "--json"),
        ("match", "partners", "--org", new_id, "--json"),
        ("match", "joint", "--org", "mu-00001", "--json"),
        ("consortium", "--theme", "高齢者の見守り", "--json"),
    ):
        result = musubi(*args)  # in-process: an uncaught exception fails the test
        assert "Traceback" not in result.output
        if "`musubi index --rebuild`" in result.stderr:
            told.add("index --rebuild")
        elif "`musubi index`" in result.stderr:
            told.add("index")
        if result.exit_code != 0:
            assert told, (
                f"`musubi {' '.join(args)}` failed without saying what to run:\n{result.stderr}"
            )
    return told


def recover(musubi: Musubi, told: set[str]) -> None:
    """Do what the commands said (a damaged index says `--rebuild`); then all is well."""
    args = ("index", "--rebuild") if "index --rebuild" in told else ("index",)
    result = musubi(*args)
    assert result.exit_code == 0, result.output


POINTS = {
    # the import's own transaction, before it commits: nothing may be written
    "import: inside its transaction": ("import", "before:matcher.ingest.importer:_insert_children"),
    # committed, not indexed
    "import: before its index step": ("import", "after:matcher.cli.orgs:write_records"),
    "import: text ids given": ("import", "after:matcher.index.indexing:_sync_text_ids"),
    "import: while encoding": ("import", "after:embeddings.cache:EmbeddingCache.put_many"),
    "import: index saved, not its metadata": ("import", "after:embeddings.index:_atomic_write:1"),
    "import: index saved, texts not marked": (
        "import",
        "before:matcher.index.indexing:_mark_indexed",
    ),
    "import: texts marked, BM25 rows not saved": (
        "import",
        "before:matcher.index.indexing:refresh_lexical",
    ),
    "import: files saved, queue not cleared": ("import", "before:matcher.index.indexing:_finish"),
    "index: text ids given": ("index", "after:matcher.index.indexing:_sync_text_ids"),
    "index: index saved, not its metadata": ("index", "after:embeddings.index:_atomic_write:1"),
    "index: index saved, texts not marked": (
        "index",
        "before:matcher.index.indexing:_mark_indexed",
    ),
}
ON_POSTGRES = {
    "import: inside its transaction",
    "import: before its index step",
    "import: text ids given",
    "index: index saved, texts not marked",
}


@pytest.mark.parametrize(
    ("backend", "point"),
    [("sqlite", p) for p in POINTS]
    + [pytest.param("postgres", p, marks=pytest.mark.postgres) for p in sorted(ON_POSTGRES)],
)
def test_killed_at_a_point(
    backend: str, point: str, seeded_home: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    postgres = request.getfixturevalue("postgres") if backend == "postgres" else None
    musubi = fresh(postgres, seeded_home, tmp_path)
    before = org_ids(musubi)
    records = late_records(6)
    new_ids = {r["id"] for r in records}
    command, kill = POINTS[point]
    if command == "import":
        killed(musubi, kill, "import", str(write_jsonl(tmp_path / "late.jsonl", records)))
    else:
        store = open_store(settings_of(musubi))
        write_records(store, [validate(r, i)[0] for i, r in enumerate(records, 1)])
        store.close()
        killed(musubi, kill, "index")

    committed = new_ids <= org_ids(musubi)
    # All or nothing: killed inside the import's transaction, nothing of it is in the store.
    assert committed != (point == "import: inside its transaction")
    assert before <= org_ids(musubi)
    new_id = sorted(new_ids)[0]
    told = survey(musubi, new_id if committed else "mu-00002")
    recover(musubi, told)
    assert survey(musubi, new_id if committed else "mu-00002") == set()
    assert_whole(musubi, before | (new_ids if committed else set()))
    if committed:
        assert musubi("match", "partners", "--org", new_id).exit_code == 0


def test_killed_at_measured_delays(seeded_home: Path, tmp_path: Path) -> None:
    """Kills at a quarter, half and three quarters of the time a whole import takes here:
    wherever they land, the same holds."""
    records = late_records(400, random_state=12)
    path = write_jsonl(tmp_path / "late.jsonl", records)
    reference = fresh(None, seeded_home, tmp_path / "reference")
    started = time.monotonic()
    whole = start(reference, "import", str(path))
    whole.communicate(timeout=600)
    assert whole.returncode == 0
    duration = time.monotonic() - started

    for share in (0.25, 0.5, 0.75):
        musubi = fresh(None, seeded_home, tmp_path / f"at-{share}")
        before = org_ids(musubi)
        process = start(musubi, "import", str(path))
        time.sleep(share * duration)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=300)
        ids = org_ids(musubi)
        new_ids = {r["id"] for r in records}
        committed = new_ids <= ids
        assert committed or not (new_ids & ids), "an import is all or nothing"
        told = survey(musubi, sorted(new_ids)[0] if committed else "mu-00002")
        recover(musubi, told)
        assert_whole(musubi, before | (new_ids if committed else set()))
