"""An import's index run writes only what changed, beside the main files, and reads the same as
a run over every text."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from embeddings.delta import IndexDelta
from matcher.index import indexing
from matcher.index.indexing import refresh_index
from matcher.ingest.importer import write_records
from matcher.ingest.records import validate
from matcher.retrieval.bm25 import VIEWS, LexicalIndex, document
from matcher.retrieval.bm25_file import is_current
from matcher.retrieval.filters import Filters
from matcher.retrieval.matcher import Matcher
from matcher.settings import load_settings
from matcher.store.models import IndexQueue
from matcher.store.session import open_store
from support import SAMPLE, Musubi, json_of, write_jsonl

NEW = {
    "id": "co-901",
    "kind": "company",
    "name": "雪国除雪サービス株式会社",
    "prefecture": "新潟県",
    "description": "道路の除雪と排雪を請け負います。",
    "offers": [{"title": "夜間除雪の請負", "description": "豪雪地帯の夜間除雪に対応します。"}],
}
# The startup now offers drone delivery instead of its power-sensor monitoring.
CHANGED = copy.deepcopy(SAMPLE[1]) | {
    "description": "山間部の集落へドローンで日用品を届けます。",
    "offers": [{"title": "ドローン配送", "description": "離島と山間部に対応します。"}],
}
MAIN_FILES = ("index.faiss", "index.faiss.json", "index.bm25")
DELTA_FILES = ("index.faiss.delta", "index.faiss.delta.json", "index.bm25.delta")


@pytest.fixture
def musubi(home: Path, monkeypatch: pytest.MonkeyPatch) -> Musubi:
    """The sample plus 300 seed organisations, indexed in an HNSW graph (its threshold lowered),
    so the delta is applied to a graph as it is at scale."""
    monkeypatch.setenv("MUSUBI_ANN_THRESHOLD", "200")
    musubi = Musubi(home, encoder="hashing")
    assert musubi("demo", "--size", "300").exit_code == 0
    assert musubi("import", str(write_jsonl(home.parent / "sample.jsonl", SAMPLE))).exit_code == 0
    assert json_of(musubi, "index")["index_type"] == "hnsw"
    return musubi


def imported(musubi: Musubi, records: list[dict], name: str = "change.jsonl") -> None:
    result = musubi("import", str(write_jsonl(musubi.home.parent / name, records)))
    assert result.exit_code == 0, result.output


def opened(home: Path) -> Matcher:
    settings = load_settings({"home": str(home), "encoder": "hashing"}, environ={})
    return Matcher(open_store(settings), settings)


def folded(musubi: Musubi, tmp_path: Path) -> Matcher:
    """The same store after a full index run, in a copy of the home."""
    twin = tmp_path / "twin"
    shutil.copytree(musubi.home, twin)
    summary = json_of(Musubi(twin, encoder="hashing"), "index")
    assert summary["scope"] == "all"
    assert not any((twin / name).exists() for name in DELTA_FILES)
    return opened(twin)


def test_an_import_writes_deltas_that_read_as_a_full_run(musubi: Musubi, tmp_path: Path) -> None:
    home = musubi.home
    before = {name: (home / name).read_bytes() for name in MAIN_FILES}
    old = opened(home)
    imported(musubi, [NEW, CHANGED])

    assert {name: (home / name).read_bytes() for name in MAIN_FILES} == before
    assert all((home / name).exists() for name in DELTA_FILES)
    m, full = opened(home), folded(musubi, tmp_path)
    np.testing.assert_array_equal(m.catalogue.text_ids, full.catalogue.text_ids)
    ids = m.catalogue.text_ids
    np.testing.assert_allclose(m.vectors(ids), full.vectors(ids), atol=1e-6)
    assert len(m.search.index) == len(full.search.index) == len(ids)

    vectors = m.vectors(ids)  # the delta is searched exactly, and the main index merged in
    for query in ("夜間除雪の請負", "ドローンで日用品を届ける", "電力センサーで見守り"):
        exact = ids[np.argsort(-(vectors @ m.search.encode_queries([query])[0]))[:5]].tolist()
        assert [h.text_id for h in m.search.search(query, 5)] == exact
        offers = Filters(roles=("offer",))  # a filter splits between the two indexes
        allowed = m.search.allowed_ids(offers)
        rows = np.isin(ids, allowed)
        ranked = ids[rows][np.argsort(-(vectors[rows] @ m.search.encode_queries([query])[0]))]
        found = [h.text_id for h in m.search.search(query, 5, offers)]
        # The main index is an HNSW graph: its own hits may differ from exact near the cut.
        assert found[:3] == ranked[:3].tolist() and set(found) <= set(allowed.tolist())
    new, changed = m.catalogue.by_ext_id["co-901"].id, m.catalogue.by_ext_id["st-001"].id
    assert m.lexical.top("supply", "夜間除雪の請負", 1) == [new]
    assert full.lexical.top("supply", "夜間除雪の請負", 1) == [new]
    drone = "ドローン配送"
    assert m.lexical.top("supply", drone, 1) == full.lexical.top("supply", drone, 1)
    assert m.lexical.scores("supply", drone)[m.lexical.row_of[changed]] > 0
    # The startup's old offer is gone from its row; every untouched row reads as before.
    assert m.lexical.scores("supply", "電力センサー")[m.lexical.row_of[changed]] == 0
    query = "冬の道路の除雪を担う人が足りない"
    untouched = [o for o in old.catalogue.org_ids.tolist() if o != changed]
    np.testing.assert_array_equal(
        m.lexical.scores("supply", query)[[m.lexical.row_of[o] for o in untouched]],
        old.lexical.scores("supply", query)[[old.lexical.row_of[o] for o in untouched]],
    )
    # A mode's candidates only, in the order they come, read as every row does.
    for lexical, rows in (
        (m.lexical, [m.lexical.row_of[new], 3, m.lexical.row_of[changed], 0, 41]),
        (full.lexical, [full.lexical.row_of[new], 7, 2]),
    ):
        for every in (False, True):
            np.testing.assert_allclose(
                lexical.scores_at("all", query, rows, all_bigrams=every),
                lexical.scores("all", query, all_bigrams=every)[rows],
                rtol=1e-5,
            )
        # Or from their documents: the delta's rows too, and a whole document as the query.
        docs = [document(lexical.org(row), VIEWS["all"]) for row in rows]
        queries = [(query, False), (query, True), (docs[0], False), (docs[0], True)]
        np.testing.assert_allclose(
            lexical.scores_of("all", docs, queries),
            [lexical.scores("all", text, all_bigrams=every)[rows] for text, every in queries],
            rtol=1e-5,
        )


def test_imports_add_to_the_delta_until_it_is_folded_in(
    musubi: Musubi, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = musubi.home
    imported(musubi, [NEW], "one.jsonl")
    imported(musubi, [CHANGED], "two.jsonl")
    m = opened(home)
    delta = IndexDelta.load(
        home / "index.faiss.delta",
        fingerprint=m.search.encoder.fingerprint,
        dim=m.search.encoder.dim,
        base=m.search.index.checksum,
    )
    # Both profiles and offers: the new organisation's, and the changed one's.
    assert delta is not None and len(delta.added) == 4
    assert set(m.lexical.delta.org_ids.tolist()) == {
        m.catalogue.by_ext_id["co-901"].id,
        m.catalogue.by_ext_id["st-001"].id,
    }
    # Past the limit the import's run reads every text and saves the main files.
    monkeypatch.setattr(indexing, "DELTA_LIMIT", 4)
    many = [NEW | {"id": f"co-9{k:02d}", "name": f"除雪会社{k}"} for k in range(10, 14)]
    imported(musubi, many, "three.jsonl")
    assert not any((home / name).exists() for name in DELTA_FILES)
    m = opened(home)
    assert m.lexical.delta is None and is_current(home / "index.bm25", m.catalogue)
    fresh = LexicalIndex.build(m.catalogue)
    for view in VIEWS:
        np.testing.assert_array_equal(
            m.lexical.columns[view].toarray(), fresh.columns[view].toarray()
        )


def test_a_leftover_delta_is_ignored(musubi: Musubi, tmp_path: Path) -> None:
    """A run that saved the main files and died before deleting the deltas leaves deltas for
    main files that no longer exist: the main files already hold their changes."""
    home = musubi.home
    imported(musubi, [NEW])
    saved = {name: (home / name).read_bytes() for name in DELTA_FILES}
    assert json_of(musubi, "index")["scope"] == "all"
    expected = opened(home)
    for name, data in saved.items():
        (home / name).write_bytes(data)
    imported(musubi, [CHANGED])  # a new delta on the current main files, not on the leftover
    m = opened(home)
    assert json.loads((home / "index.faiss.delta.json").read_text())["removed"] == []
    assert m.lexical.delta.org_ids.tolist() == [m.catalogue.by_ext_id["st-001"].id]
    ids = expected.catalogue.text_ids
    unchanged = ids[expected.catalogue.text_org != m.catalogue.by_ext_id["st-001"].id]
    np.testing.assert_allclose(m.vectors(unchanged), expected.vectors(unchanged), atol=1e-6)


def test_an_import_killed_before_its_index_step_waits_in_the_queue(musubi: Musubi) -> None:
    settings = load_settings({"home": str(musubi.home), "encoder": "hashing"}, environ={})
    store = open_store(settings)
    write_records(store, [validate(NEW, 1)[0]])  # the records only: the process died here
    assert "co-901" in opened(musubi.home).catalogue.pending
    summary = refresh_index(store, settings)
    assert summary.scope == "queued" and summary.encoded + summary.reused == 2
    m = opened(musubi.home)
    assert "co-901" in m.catalogue.by_ext_id and not m.catalogue.pending
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IndexQueue)) == 0
