"""Embeddings tests: a query is encoded without importing spaCy, torch or scikit-learn, and the
vectors are the ones those libraries give."""

import json
import subprocess
import sys

import numpy as np
import pytest

from embeddings import load_encoder, normalise_text
from embeddings.ginza import GinzaEncoder, ginza_vectors_dir, spacy_key
from embeddings.lexical import _hashed_counts

TEXTS = [
    "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい",
    "IoT見守り for Elderly people living alone",
    "除雪ロボットで道路の雪を片付ける。冬季の通学路を確保します",
    "😀👨‍👩‍👧 ①②③ ｶﾀｶﾅ ＡＢＣ",
    "",
    "a",
    "snow removal on rural roads",
]


def test_word_keys_are_spacys() -> None:
    from spacy.strings import hash_string

    strings = json.loads((ginza_vectors_dir() / "strings.json").read_text("utf-8"))
    sample = strings[:: max(1, len(strings) // 20_000)] + ["", "a", "見守り", "🙂", "x" * 17]
    assert [spacy_key(s) for s in sample] == [hash_string(s) for s in sample]


def test_the_vector_table_is_the_one_spacy_reads() -> None:
    from spacy.vectors import Vectors

    ours = GinzaEncoder()._vectors
    theirs = Vectors().from_disk(str(ginza_vectors_dir()))
    np.testing.assert_array_equal(ours.table, theirs.data)
    assert ours.key2row == dict(theirs.key2row)


@pytest.mark.parametrize("name", ["hashing", "lexical"])
def test_small_batches_hash_as_scikit_learn_does(name: str) -> None:
    encoder = load_encoder(name)
    texts = [normalise_text(t) for t in TEXTS * 3]
    theirs = encoder._hasher.transform(texts).tocsr()
    theirs.sum_duplicates()
    ours = _hashed_counts([encoder._analyse(t) for t in texts])
    assert (theirs != ours).nnz == 0
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    batch = encoder.encode(TEXTS * 3, batch_size=64)  # 21 texts: scikit-learn's path
    one_by_one = np.vstack([encoder.encode([t]) for t in TEXTS * 3])
    np.testing.assert_array_equal(batch, one_by_one)


def test_a_japanese_query_imports_neither_spacy_nor_torch_nor_scikit_learn() -> None:
    code = (
        "import sys; from embeddings import load_encoder;"
        "load_encoder('hybrid').encode(['独居高齢者の見守り', '除雪'], role='query');"
        "print(sorted(m for m in ('spacy', 'torch', 'sklearn', 'thinc') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
