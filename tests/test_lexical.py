"""Character-bigram BM25 beside the dense index: search, filters and the partners' wants."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import matcher.retrieval.bm25
from embeddings import normalise_text
from matcher.ingest.records import NeedRecord, OfferRecord
from matcher.retrieval.bm25 import VIEWS, Bigrams, LexicalIndex, bm25_weights, document
from matcher.retrieval.catalogue import OrgFacts
from matcher.retrieval.dense import Filters
from matcher.retrieval.matcher import Matcher
from matcher.settings import load_settings
from matcher.store.session import open_store
from support import SAMPLE, Musubi, write_jsonl


@pytest.fixture(scope="module")
def lexical(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LexicalIndex]:
    root = tmp_path_factory.mktemp("lexical")
    home = root / "home"
    musubi = Musubi(home, encoder="hashing")
    assert musubi("import", str(write_jsonl(root / "sample.jsonl", SAMPLE))).exit_code == 0
    assert musubi("index").exit_code == 0
    settings = load_settings({"home": str(home), "encoder": "hashing"}, environ={})
    store = open_store(settings)
    yield Matcher(store, settings).lexical
    store.close()


def test_bigrams_find_the_supplier_and_filters_apply(lexical: LexicalIndex) -> None:
    by_ext = {o.ext_id: o.id for o in map(lexical.org, range(len(lexical)))}
    assert lexical.top("supply", "除雪ロボット", 1) == [by_ext["un-001"]]
    # 全角/半角 and case do not change the bigrams.
    assert lexical.top("supply", "除雪ﾛﾎﾞｯﾄ", 1) == [by_ext["un-001"]]
    keep = lexical.mask(Filters(kinds=("startup",)))
    assert by_ext["un-001"] not in lexical.top("supply", "除雪ロボット", 3, keep)


DOCS = [
    "除雪ロボットで道路の雪を片付ける",
    "",
    "a",
    "AI見守りサービス for Elderly",
    "見守り 見守り 見守り",
    "x",
    "",
]


def reference(fit: list[str], docs: list[str]) -> tuple[list[str], np.ndarray]:
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32).fit(fit)
    return list(vectorizer.get_feature_names_out()), vectorizer.transform(docs).toarray()


@pytest.mark.parametrize("chunk", [50_000, 2], ids=["at-once", "two-at-a-time"])
@pytest.mark.parametrize("table", [True, False], ids=["table", "binary-search"])
def test_bigram_counts_are_countvectorizers(
    table: bool, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not table:
        monkeypatch.setattr(Bigrams, "MAX_TABLE", 0)
    monkeypatch.setattr(matcher.retrieval.bm25, "FIT_CHUNK", chunk)
    bigrams, fitted = Bigrams.fit(DOCS)
    names, expected = reference(DOCS, DOCS)
    assert sorted(bigrams.vocabulary, key=bigrams.vocabulary.get) == names
    np.testing.assert_array_equal(fitted.toarray(), expected)
    # Unseen characters and unseen bigrams of known characters drop; empty documents stay rows.
    others = ["", "雪だるまの見守り", "ロボ", "", "zz見守", "除"]
    np.testing.assert_array_equal(bigrams.counts(others).toarray(), reference(DOCS, others)[1])
    assert bigrams.counts([]).shape == (0, len(names))
    columns = bigrams.columns("見守りロボット")
    wanted = {"見守", "守り", "りロ", "ロボ", "ボッ", "ット"}
    assert [names[c] for c in columns] == sorted(wanted & set(names))


def test_weights_weighed_a_few_rows_at_a_time_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts = Bigrams.fit(DOCS * 3)[1]
    before = counts.toarray()
    at_once = bm25_weights(counts).toarray()
    monkeypatch.setattr(matcher.retrieval.bm25, "FIT_CHUNK", 2)
    np.testing.assert_array_equal(bm25_weights(counts).toarray(), at_once)
    np.testing.assert_array_equal(counts.toarray(), before)  # the counts are left as they were
    assert at_once.max() > 0


def test_bigrams_of_nothing() -> None:
    bigrams, fitted = Bigrams.fit(["", "a"])
    assert fitted.shape == (2, 0) and bigrams.vocabulary == {}
    assert bigrams.counts(["ab"]).shape == (1, 0)
    assert len(bigrams.columns("ab")) == 0


def test_each_view_is_bm25_of_countvectorizers_counts(lexical: LexicalIndex) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    orgs = [lexical.org(row) for row in range(len(lexical))]
    docs = {view: [document(o, roles) for o in orgs] for view, roles in VIEWS.items()}
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32)
    vectorizer.fit(docs["all"])
    for view in VIEWS:
        expected = bm25_weights(vectorizer.transform(docs[view])).toarray()
        np.testing.assert_allclose(lexical.columns[view].toarray(), expected, rtol=1e-6)


@pytest.mark.parametrize("table", [True, False], ids=["table", "binary-search"])
def test_scores_read_from_candidates_documents_are_those_of_their_rows(
    lexical: LexicalIndex, table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not table:
        monkeypatch.setattr(lexical.bigrams, "_table", None)
        monkeypatch.setattr(Bigrams, "MAX_TABLE", 0)
    rows = [2, 0, 1, 2]  # in any order, one twice
    docs = [document(lexical.org(row), VIEWS["supply"]) for row in rows]
    queries = [("除雪ロボットの実証", False), ("除雪ロボットの実証", True), (docs[1], True)]
    expected = [lexical.scores("supply", text, all_bigrams=every)[rows] for text, every in queries]
    found = lexical.scores_of("supply", docs, queries)
    np.testing.assert_allclose(found, expected, rtol=1e-5)
    assert found.shape == (3, 4) and (found > 0).any(axis=1).all()
    # Bigrams the index has never seen count for nothing; no documents, no scores.
    assert not lexical.scores_of("supply", ["ゐゑ"], [("ゐゑ", True)]).any()
    assert lexical.scores_of("supply", [], queries).shape == (3, 0)


def test_a_document_is_its_texts_normalised_one_by_one() -> None:
    """Each text is normalised once and the documents join them: the same as normalising the
    joined texts, with 全角/半角, spaces of every kind, controls and combining marks at the
    joins."""
    org = OrgFacts(
        id=1,
        ext_id="x",
        kind="startup",
        name="ﾐﾏﾓﾘ　テック\t",
        prefecture=13,
        city=None,
        description="  ＡＩで見守り\u200b。",
        employees=None,
        public_sector_record=0,
        tags=("ＩｏＴ", " "),
        certifications=(),
        collaborations=(),
        needs=(NeedRecord(" ", ""), NeedRecord("\u3099゛除雪", "道路\x07の雪\n\n")),
        offers=(OfferRecord("ｶﾞｲﾄﾞ", "  "), OfferRecord("Ｓｕｐｐｏｒｔ　Ⅲ", "①②")),
    )
    for roles in [*VIEWS.values(), ("profile",), ("need",), ("offer", "need")]:
        raw = [
            org.text(role, k)
            for role in roles
            for k in range(1 if role == "profile" else len(getattr(org, role + "s")))
        ]
        assert document(org, roles) == normalise_text(" ".join(raw)), roles


def test_bigrams_in_most_documents_are_left_out_of_matching_queries(
    lexical: LexicalIndex,
) -> None:
    common = lexical.common["supply"]
    assert common.any() and not common.all()
    text = "除雪ロボットで道路の雪を片付けたいと考えています"
    full = lexical.scores("supply", text, all_bigrams=True)
    matching = lexical.scores("supply", text)
    columns = lexical.query(text)
    rare = columns[~common[columns]]
    assert 0 < len(rare) < len(columns)  # some of the query's bigrams are common here
    # Nor do bigrams of hiragana alone count: grammar (たい, てい, いま) says nothing asked.
    vocabulary = {column: bigram for bigram, column in lexical.bigrams.vocabulary.items()}
    grammar = {"たい", "てい", "いま"} & {vocabulary[c] for c in rare}
    kept = np.array([c for c in rare if lexical.bigrams.content[c]])
    assert grammar and {vocabulary[c] for c in kept}.isdisjoint(grammar)
    assert "道路" in {vocabulary[c] for c in kept}
    np.testing.assert_allclose(
        matching, np.asarray(lexical.columns["supply"][:, kept].sum(axis=1)).ravel(), rtol=1e-6
    )
    assert (matching <= full + 1e-6).all() and matching.argmax() == full.argmax()
    # A query of grammar alone keeps its bigrams rather than matching nothing.
    alone = sorted(grammar)[0]
    assert lexical.scores("supply", alone).any()


def test_a_bigram_holds_content_when_either_character_does() -> None:
    bigrams, _ = Bigrams.fit(["除雪をしたい", "iotで見守る"])
    content = {b: bool(bigrams.content[c]) for b, c in bigrams.vocabulary.items()}
    assert content["除雪"] and content["雪を"] and content["io"] and content["で見"]
    assert not content["をし"] and not content["した"] and not content["たい"]
    assert content["見守"]
