"""Starting fast: BM25 matrices saved beside the index, facts read on first use, no torch for a
Japanese query."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matcher.retrieval import names
from matcher.retrieval.bm25 import VIEWS, LexicalIndex
from matcher.retrieval.bm25_file import MAGIC, bm25_path, is_current
from matcher.retrieval.catalogue import Catalogue
from matcher.retrieval.matcher import Matcher, MatchError
from matcher.settings import load_settings
from matcher.store.session import open_store
from support import SAMPLE, Musubi, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXTRA = {
    "id": "co-009",
    "kind": "company",
    "name": "雪国除雪サービス株式会社",
    "prefecture": "新潟県",
    "description": "道路の除雪と排雪を請け負います。",
    "offers": [{"title": "除雪の請負", "description": "夜間の除雪に対応します。"}],
}


def indexed(home: Path, database_url: str | None, records: list[dict]) -> Musubi:
    musubi = Musubi(home, database_url, encoder="hashing")
    result = musubi("import", str(write_jsonl(home.parent / "corpus.jsonl", records)))
    assert result.exit_code == 0, result.output
    assert musubi("index").exit_code == 0
    return musubi


def opened(home: Path, database_url: str | None) -> Matcher:
    overrides = {"home": str(home), "encoder": "hashing", "database_url": database_url}
    settings = load_settings(overrides, environ={})
    return Matcher(open_store(settings), settings)


def assert_fitted(m: Matcher) -> None:
    """The matcher's matrices are the ones fitting its catalogue afresh gives."""
    fresh = LexicalIndex.build(m.catalogue)
    np.testing.assert_array_equal(m.lexical.org_ids, fresh.org_ids)
    for view in VIEWS:
        np.testing.assert_array_equal(
            m.lexical.columns[view].toarray(), fresh.columns[view].toarray()
        )


def test_the_index_run_saves_the_matrices_and_a_matcher_maps_them(
    home: Path, database_url: str
) -> None:
    indexed(home, database_url, SAMPLE)
    path = home / "index.bm25"
    assert path.read_bytes().startswith(MAGIC)
    m = opened(home, database_url)
    assert not m.lexical.columns["all"].data.flags.writeable  # mapped from the file
    assert is_current(path, m.catalogue)
    assert_fitted(m)
    by_ext = {m.lexical.org(r).ext_id: m.lexical.org(r).id for r in range(len(m.lexical))}
    assert m.lexical.top("supply", "除雪ロボット", 1) == [by_ext["un-001"]]


def test_matrices_of_other_texts_are_rebuilt(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    musubi = indexed(home, None, SAMPLE)
    result = musubi("import", str(write_jsonl(home.parent / "extra.jsonl", [EXTRA])))
    assert result.exit_code == 0, result.output
    (home / "index.bm25.delta").unlink()  # the new organisation's rows
    with caplog.at_level(logging.WARNING):
        m = opened(home, None)
    assert "stale" in caplog.text and "rebuilt" in caplog.text
    assert "co-009" in {m.lexical.org(r).ext_id for r in range(len(m.lexical))}
    assert_fitted(m)
    assert is_current(home / "index.bm25", m.catalogue)  # and saved for the next start


def _damage_indices(data: bytes) -> bytes:
    """Point one row index of the "all" matrix past the last organisation."""
    length = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    header = json.loads(data[len(MAGIC) + 8 : len(MAGIC) + 8 + length])
    start = -(-(len(MAGIC) + 8 + length) // 64) * 64
    at = start + header["arrays"]["all.indices"]["offset"]
    return data[:at] + (2**31 - 1).to_bytes(4, "little") + data[at + 4 :]


DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "not ours": lambda data: b"PK\x03\x04" + data[4:],
    "header garbled": lambda data: data[:20] + b"\xff{" + data[22:],
    "row out of range": _damage_indices,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_matrices_are_reported_and_rebuilt(
    damage: str, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    musubi = indexed(home, None, SAMPLE)
    expected = musubi("match", "procurement", "--text", "除雪ロボット", "--json").output
    path = home / "index.bm25"
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    with caplog.at_level(logging.WARNING):
        result = musubi("match", "procurement", "--text", "除雪ロボット", "--json")
    assert result.exit_code == 0, result.output
    assert result.output == expected
    assert "BM25 matrices" in caplog.text and "rebuilt" in caplog.text
    assert "Traceback" not in caplog.text
    assert is_current(path, Catalogue(opened(home, None).store))


def test_an_unwritable_home_still_matches(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    indexed(home, None, SAMPLE)
    bm25 = bm25_path(load_settings({"home": str(home)}, environ={}))
    bm25.unlink()
    bm25.mkdir()  # a directory where the file goes: the save fails, matching does not
    with caplog.at_level(logging.WARNING):
        m = opened(home, None)
    assert "not saved" in caplog.text
    assert_fitted(m)


def test_facts_are_read_on_first_use_and_equal_a_full_read(home: Path, database_url: str) -> None:
    indexed(home, database_url, [*SAMPLE, EXTRA])
    store = opened(home, database_url).store
    lazy, full = Catalogue(store), Catalogue(store)
    full.load_all()
    assert len(lazy) == 4 and "un-001" in lazy.by_ext_id and not lazy._loaded
    one = lazy.by_ext_id["un-001"]
    assert list(lazy._loaded) == [one.id]  # that one only
    assert one == full.by_ext_id["un-001"] and one.text_ids == full.by_ext_id["un-001"].text_ids
    assert lazy.orgs.values() == list(full.orgs.values())
    assert [o.text_ids for o in lazy.orgs.values()] == [o.text_ids for o in full.orgs.values()]
    assert list(lazy.by_ext_id) == [o.ext_id for o in full.orgs.values()]


def test_an_organisation_changed_after_opening_is_a_clear_error(home: Path) -> None:
    musubi = indexed(home, None, SAMPLE)
    m = opened(home, None)
    changed = {**SAMPLE[0], "needs": [*SAMPLE[0]["needs"], {"title": "除雪の担い手"}]}
    result = musubi("import", str(write_jsonl(home.parent / "changed.jsonl", [changed])))
    assert result.exit_code == 0, result.output
    with pytest.raises(MatchError, match="changed in the store") as raised:
        m.org("mu-001")
    assert raised.value.code == "store_changed"
    assert opened(home, None).org("mu-001").needs[1].title == "除雪の担い手"  # a new one reads it


def test_a_one_shot_japanese_query_imports_no_torch(home: Path) -> None:
    musubi = Musubi(home)  # the default hybrid encoder
    assert musubi("import", str(write_jsonl(home.parent / "s.jsonl", SAMPLE))).exit_code == 0
    assert musubi("index").exit_code == 0
    code = (
        "import sys\nfrom matcher.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('torch', 'spacy', 'sklearn') if m in sys.modules))"
    )
    argv = ["--home", str(home), "match", "procurement", "--text", "独居高齢者の見守り"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, check=True
    )
    assert "ミマモリテック" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_names_are_found_without_reading_any_facts(home: Path, database_url: str) -> None:
    indexed(home, database_url, SAMPLE)
    catalogue = Catalogue(opened(home, database_url).store)
    assert names.ext_id_of(catalogue, "あさひかわ") == "mu-001"
    assert [o.ext_id for o in names.find(catalogue.names, "ミマモリ")] == ["st-001"]
    assert not catalogue._loaded  # at 100,000 organisations reading them all took 8 s
    found = catalogue.facts(names.find(catalogue.names, "北星"))
    assert [o.offers[0].title for o in found] == ["除雪ロボットの自律走行"]
