"""Character-bigram BM25 beside the dense index: search, filters and the partners' wants."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from matcher.lexical import LexicalIndex, wants
from matcher.matching import Matcher
from matcher.search import Filters
from matcher.settings import load_settings
from matcher.store import open_store
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
    by_ext = {o.ext_id: o.id for o in lexical.orgs}
    assert lexical.top("supply", "除雪ロボット", 1) == [by_ext["un-001"]]
    # 全角/半角 and case do not change the bigrams.
    assert lexical.top("supply", "除雪ﾛﾎﾞｯﾄ", 1) == [by_ext["un-001"]]
    keep = lexical.mask(Filters(kinds=("startup",)))
    assert by_ext["un-001"] not in lexical.top("supply", "除雪ロボット", 3, keep)


def test_wants_against_is_bm25_of_each_organisations_wants(lexical: LexicalIndex) -> None:
    origin = next(o for o in lexical.orgs if o.ext_id == "un-001")
    others = [o for o in lexical.orgs if o.id != origin.id]
    got = lexical.wants_against("supply", [o.id for o in others], origin.id)
    expected = [lexical.scores("supply", wants(o))[lexical.row_of[origin.id]] for o in others]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert lexical.wants_against("supply", [], origin.id).shape == (0,)
