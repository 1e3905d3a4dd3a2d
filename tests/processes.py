"""Test support for other processes: `musubi` in a subprocess (through the fault runner, which
can kill it or hold it at a chosen point), and the check that store and index agree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import sqlalchemy as sa

import seeds
from matcher.index.indexing import encoder_for, open_index
from matcher.retrieval.catalogue import Catalogue
from matcher.settings import Settings, load_settings
from matcher.store.models import Organisation, TextEntry
from matcher.store.session import open_store
from support import Musubi

RUNNER = Path(__file__).with_name("fault_runner.py")
ROOT = RUNNER.parents[1]


def late_records(n: int, random_state: int = 11) -> list[dict]:
    """``n`` organisations a seeded store does not have (their ids start with z)."""
    return [dict(r, id="z" + r["id"]) for r in seeds.build_corpus(n, random_state=random_state)]


def settings_of(musubi: Musubi) -> Settings:
    values = {"home": str(musubi.home), "encoder": musubi.encoder or "hashing"}
    if musubi.database_url:
        values["database_url"] = musubi.database_url
    return load_settings(values, environ={})


def environment(musubi: Musubi) -> dict:
    """The environment of a `musubi` process on the same store as ``musubi``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MUSUBI_HOME": str(musubi.home)}
    env["MUSUBI_ENCODER"] = musubi.encoder or "hashing"
    env.pop("MUSUBI_DATABASE_URL", None)
    if musubi.database_url:
        env["MUSUBI_DATABASE_URL"] = musubi.database_url
    return env


def start(musubi: Musubi, *args: str, point: list[str] = (), **popen) -> subprocess.Popen:  # noqa: ANN003
    """`musubi ARGS` in another process, through the fault runner with ``point`` (its
    ``--kill SPEC`` or ``--hold SPEC FILE`` options)."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *point, "--", *args],
        env=environment(musubi),
        text=True,
        **popen,
    )


def org_ids(musubi: Musubi) -> set[str]:
    store = open_store(settings_of(musubi))
    with store.session() as session:
        found = set(session.scalars(sa.select(Organisation.ext_id)))
    store.close()
    return found


def assert_whole(musubi: Musubi, expected: set[str]) -> None:
    """Every organisation expected is in the store, and store and index agree exactly: every
    text is marked indexed, the index holds exactly those, no organisation is pending."""
    settings = settings_of(musubi)
    assert expected <= org_ids(musubi)
    store = open_store(settings)
    catalogue = Catalogue(store)
    with store.session() as session:
        marked = set(
            session.scalars(sa.select(TextEntry.id).where(TextEntry.indexed_hash.is_not(None)))
        )
        texts = session.scalar(sa.select(sa.func.count()).select_from(TextEntry))
    store.close()
    assert catalogue.pending == {}
    assert len(marked) == texts
    stored = open_index(settings, encoder_for(settings.encoder)).ids
    np.testing.assert_array_equal(np.sort(stored), np.array(sorted(marked)))
