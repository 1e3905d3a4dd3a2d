"""Indexing and filtered search through the store: incremental, atomic, refusing foreign indexes."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sqlalchemy as sa

from embeddings import IndexMismatchError, VectorIndex, normalise_text, text_hash
from matcher.facts import prefectures, terms
from matcher.facts.kinds import KINDS, SUPPLIER_KINDS
from matcher.index import indexing, need_terms
from matcher.index.indexing import index_path, refresh_index
from matcher.index.need_terms import NeedTerms, terms_path
from matcher.index.texts import TEXT_ROLES, Text, iter_texts
from matcher.ingest.importer import load_records, write_records
from matcher.modes import partners
from matcher.modes.partners import PartnersQuery, partner_filters
from matcher.retrieval.catalogue import Catalogue
from matcher.retrieval.dense import Filters, TextSearch, region_codes
from matcher.retrieval.matcher import Matcher
from matcher.settings import Settings, load_settings
from matcher.store.models import TextEntry
from matcher.store.session import Store, open_store
from support import SAMPLE, Musubi, seeded, write_jsonl


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Musubi:
    """The CLI with the deterministic hashing encoder, on SQLite."""
    monkeypatch.setenv("MUSUBI_ENCODER", "hashing")
    return Musubi(home)


def _summary(musubi: Musubi, *args: str) -> dict:
    result = musubi("index", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_first_build_then_nothing_to_do(fast: Musubi, sample_file: Path) -> None:
    fast("import", str(sample_file))
    first = _summary(fast)
    assert first["total"] == 7 and first["encoded"] == 7 and first["unchanged"] == 0
    again = _summary(fast)
    assert again["encoded"] == 0 and again["reused"] == 0 and again["unchanged"] == 7


def test_import_refreshes_an_existing_index(
    fast: Musubi, sample_file: Path, tmp_path: Path
) -> None:
    fast("import", str(sample_file))
    _summary(fast)
    changed = dict(SAMPLE[0], needs=[{"title": "除雪車の運行管理"}, {"title": "空き家の活用"}])
    result = fast("import", str(write_jsonl(tmp_path / "c.jsonl", [changed])))
    assert result.exit_code == 0
    assert "2 encoded" in result.stdout and "6 unchanged" in result.stdout
    dropped = dict(SAMPLE[1], offers=[])
    result = fast("import", str(write_jsonl(tmp_path / "d.jsonl", [dropped])))
    assert "1 removed" in result.stdout


def test_rebuild_reuses_the_cache(fast: Musubi, sample_file: Path) -> None:
    fast("import", str(sample_file))
    _summary(fast)
    rebuilt = _summary(fast, "--rebuild")
    assert rebuilt["encoded"] == 0 and rebuilt["reused"] == 7


def test_index_of_another_encoder_is_refused(fast: Musubi, sample_file: Path, monkeypatch) -> None:  # noqa: ANN001
    fast("import", str(sample_file))
    _summary(fast)
    monkeypatch.setenv("MUSUBI_ENCODER", "lexical")
    result = fast("index")
    assert result.exit_code == 2
    assert "musubi index --rebuild" in result.stderr
    assert _summary(fast, "--rebuild")["encoded"] == 7


def test_truncated_index_is_reported_not_crashed_on(fast: Musubi, sample_file: Path) -> None:
    fast("import", str(sample_file))
    _summary(fast)
    path = fast.home / "index.faiss"
    path.write_bytes(path.read_bytes()[:100])
    result = fast("index")
    assert result.exit_code == 2 and "--rebuild" in result.stderr
    assert _summary(fast, "--rebuild")["total"] == 7


def test_unknown_encoder_is_a_clear_error(fast: Musubi, sample_file: Path, monkeypatch) -> None:  # noqa: ANN001
    fast("import", str(sample_file))
    monkeypatch.setenv("MUSUBI_ENCODER", "word2vec")
    result = fast("index")
    assert result.exit_code == 2
    assert "'word2vec'" in result.stderr and "hybrid" in result.stderr


@pytest.fixture
def searcher(fast: Musubi, sample_file: Path) -> TextSearch:
    fast("import", str(sample_file))
    _summary(fast)
    settings = load_settings({"home": str(fast.home)})
    return TextSearch(Catalogue(open_store(settings)), settings)


def test_filters_apply_inside_the_search(searcher: TextSearch) -> None:
    offers = searcher.search("見守り", 10, Filters(roles=("offer",)))
    assert {h.role for h in offers} == {"offer"} and len(offers) == 2
    startups = searcher.search("見守り", 10, Filters(kinds=("startup",)))
    assert {h.org_id for h in startups} == {2} and len(startups) == 2
    kyushu = searcher.search("見守り", 10, Filters(prefectures=region_codes(["九州"])))
    assert {h.org_id for h in kyushu} == {2}
    none = searcher.search("見守り", 10, Filters(prefectures=(prefectures.resolve("沖縄"),)))
    assert none == []
    without = searcher.search("見守り", 10, Filters(exclude_orgs=(1, 2)))
    assert {h.org_id for h in without} == {3}


def test_search_ranks_the_matching_text_first(searcher: TextSearch) -> None:
    best = searcher.search("電力センサーによる高齢者見守り", 3, Filters(roles=("offer",)))[0]
    assert (best.org_id, best.role, best.position) == (2, "offer", 0)


def test_best_of_keeps_each_organisations_best_text(searcher: TextSearch) -> None:
    text = "電力センサーによる高齢者見守り"
    query = searcher.encode_queries([text])
    every = searcher.search(text, 50)
    best = searcher.best_of(searcher.nearest(query, 50, Filters()), limit=10)
    assert [h.org_id for h in best] == list(dict.fromkeys(h.org_id for h in every))
    assert best == [next(h for h in every if h.org_id == b.org_id) for b in best]
    assert searcher.best_of(searcher.nearest(query, 50, Filters()), limit=1) == best[:1]
    # Two vectors' hits: each organisation once, by the better of its texts either found.
    other = searcher.encode_queries(["除雪ロボット"])
    both = searcher.best_of(searcher.nearest(np.vstack([query, other]), 50, Filters()), 50)
    assert len({h.org_id for h in both}) == len(both)
    assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)
    nowhere = Filters(prefectures=(prefectures.resolve("沖縄"),))
    assert searcher.best_of(searcher.nearest(query, 50, nowhere), limit=10) == []
    assert searcher.best_of([], limit=10) == []


def test_bad_filters_name_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown kind 'bank'"):
        Filters(kinds=("bank",))
    with pytest.raises(ValueError, match="unknown role"):
        Filters(roles=("wish",))


def test_refresh_before_any_import_builds_an_empty_index(settings) -> None:  # noqa: ANN001
    settings = load_settings({"home": settings.home, "encoder": "hashing"}, environ={})
    summary = refresh_index(open_store(settings), settings)
    assert summary.total == 0 and index_path(settings).exists()


def _sample_store(home: Path, sample_file: Path, **options: object) -> tuple[Store, Settings]:
    """The sample imported into a SQLite store, for refresh_index with the hashing encoder."""
    settings = load_settings({"home": str(home), "encoder": "hashing", **options}, environ={})
    store = open_store(settings)
    write_records(store, load_records(sample_file)[0])
    return store, settings


def test_vectors_stream_into_the_graph_chunk_by_chunk(
    home: Path, sample_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "ENCODE_CHUNK", 3)
    monkeypatch.setattr(indexing, "MAX_WAITING", 1)  # the reader waits for the graph
    # Each group's graph goes approximate past the threshold on its own: a second of each
    # sample record, every text reworded, puts two vectors in each (copies would share one).
    store, settings = _sample_store(home, sample_file, ann_threshold=1)
    twins = [
        dict(
            r,
            id=r["id"] + "-twin",
            name=r["name"] + " 二",
            **{
                role: [dict(item, title=item["title"] + " 二") for item in r[role]]
                for role in ("needs", "offers")
                if r.get(role)
            },
        )
        for r in SAMPLE
    ]
    write_records(store, load_records(write_jsonl(home.parent / "twins.jsonl", twins))[0])
    first = refresh_index(store, settings)
    assert first.index_type == "hnsw" and first.encoded + first.reused == 14
    index = indexing.open_index(settings, indexing.encoder_for("hashing"))
    assert {part.index_type for part in index.parts.values()} == {"hnsw"}
    assert len(index) == 14 and refresh_index(store, settings).unchanged == 14


def test_hashes_of_normalised_texts_are_relabelled_not_reencoded(
    home: Path, sample_file: Path
) -> None:
    store, settings = _sample_store(home, sample_file)
    refresh_index(store, settings)
    with store.session.begin() as session:  # as an index built before raw-content hashes
        for text in iter_texts(store):
            org, role, position = text.key
            session.execute(
                sa.update(TextEntry)
                .where(TextEntry.org_id == org, TextEntry.role == role)
                .where(TextEntry.position == position)
                .values(indexed_hash=text_hash(normalise_text(text.content)).hex())
            )
    again = refresh_index(store, settings)
    assert again.encoded == again.reused == 0 and again.unchanged == 7
    with store.session() as session:
        stored = set(session.scalars(sa.select(TextEntry.indexed_hash)))
    assert stored == {indexing._content_hash(t.content) for t in iter_texts(store)}


def test_an_index_of_the_ungrouped_format_is_made_anew_from_the_cache(
    fast: Musubi, sample_file: Path, tmp_path: Path
) -> None:
    fast("import", str(sample_file))
    _summary(fast)
    settings = load_settings({"home": str(fast.home), "encoder": "hashing"}, environ={})
    encoder = indexing.encoder_for("hashing")
    grouped = indexing.open_index(settings, encoder)
    ungrouped = VectorIndex(encoder.dim, fingerprint=encoder.fingerprint)
    ungrouped.add(grouped.ids, grouped.vectors(grouped.ids))
    ungrouped.save(index_path(settings))  # as Musubi saved it before roles had their graphs
    with pytest.raises(IndexMismatchError, match="format version 1.*--rebuild"):
        indexing.open_index(settings, encoder)
    # An import's run does the full run that upgrades it, with no text encoded again.
    changed = dict(SAMPLE[0], needs=[{"title": "除雪車の運行管理"}])
    result = fast("import", str(write_jsonl(tmp_path / "c.jsonl", [changed])))
    assert result.exit_code == 0, result.output
    assert "1 encoded, 6 from the cache" in result.stdout
    upgraded = indexing.open_index(settings, encoder)
    assert {group.split(":")[0] for group in upgraded.parts} == {"need", "offer", "profile"}
    assert len(upgraded) == 7
    assert json.loads(index_path(settings).with_suffix(".faiss.json").read_text())["groups"]


def _admitted_whole(filters: Filters) -> bool:
    """Whether ``filters`` admits each graph of the index either whole or not at all."""
    texts = [Text(0, role, 0, "", kind) for role in TEXT_ROLES for kind in KINDS]
    graphs: dict[str, set[bool]] = {}
    for text in texts:
        admitted = text.role in filters.roles and text.kind in filters.kinds
        graphs.setdefault(indexing._group(text), set()).add(admitted)
    return all(len(answers) == 1 for answers in graphs.values())


def test_the_modes_filters_admit_whole_graphs() -> None:
    # A filter admitting part of a graph probes it filtered: what the grouping avoids for the
    # searches every query makes.
    suppliers = Filters(roles=("offer", "profile"), kinds=SUPPLIER_KINDS)
    municipalities_needs = Filters(roles=("need",), kinds=("municipality",))
    assert _admitted_whole(suppliers) and _admitted_whole(municipalities_needs)
    for kind in ("university", "research_institute", "municipality"):
        origin = SimpleNamespace(kind=kind)
        query = PartnersQuery(org="any")
        assert _admitted_whole(partner_filters(origin, query, ("profile",), by_place=False))


def test_partners_search_each_role_once_and_find_what_each_family_finds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    seeded(home, 300)
    settings = load_settings({"home": str(home), "encoder": "hashing"}, environ={})
    store = open_store(settings)
    m = Matcher(store, settings)
    origins = [next(o for o in m.catalogue.orgs.values() if o.kind == kind) for kind in KINDS]
    for origin, same_kind in zip(origins, (False, True) * 3, strict=False):
        q = PartnersQuery(origin.ext_id, same_kind=same_kind)
        a = partners._sides(m, [origin])[0]
        expected: dict[int, tuple[int, float]] = {}
        for vectors, roles in (
            (a.needs, ("offer", "profile")),
            (a.offers, ("need", "profile")),
            (a.profile[None], ("profile",)),
        ):
            if len(vectors):  # each family's own search, its roles together
                filters = partner_filters(origin, q, roles, by_place=False)
                for c in m.candidates(vectors, filters, limit=15, pool=15):
                    best = expected.get(c.org.id)
                    if best is None or c.best.score > best[1]:
                        expected[c.org.id] = (c.best.text_id, c.best.score)
        found = partners._nearest_partners(m, origin, q, a, 15)
        assert len(found) >= 15
        assert {i: (c.best.text_id, pytest.approx(c.best.score)) for i, c in found.items()} == (
            expected
        )
    store.close()


def test_an_index_run_saves_the_key_terms_of_needs(
    fast: Musubi, sample_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast("import", str(sample_file))
    _summary(fast)
    settings = load_settings({"home": str(fast.home)})
    needs = [t.content for t in iter_texts(open_store(settings)) if t.role == "need"]
    expected = {text: terms.key_terms(text) for text in needs}
    assert needs and all(expected.values())
    stored = NeedTerms.load(terms_path(settings))

    def tokenised(text: str) -> tuple[str, ...]:
        raise AssertionError(f"tokenised {text!r}, which the file holds")

    monkeypatch.setattr(need_terms.terms, "key_terms", tokenised)
    assert {text: stored.key_terms(text) for text in needs} == expected
    with pytest.raises(AssertionError, match="tokenised"):  # a need the file lacks
        stored.key_terms("除雪車の運行管理")
    # Terms found by other code or another dictionary are not read.
    monkeypatch.undo()
    monkeypatch.setattr(need_terms, "fingerprint", lambda: "key-terms|other")
    assert NeedTerms.load(terms_path(settings)).saved is None
    assert need_terms.refresh_need_terms(settings, list(iter_texts(open_store(settings)))) == len(
        set(needs)
    )
