"""Embeddings stage: texts → vectors → FAISS index. Knows nothing of organisations.

Public API::

    encoder = load_encoder("hybrid")                  # or "ginza", "lexical", "minilm", "st:…"
    vectors = encoder.encode(texts, role="document")  # float32 (n, encoder.dim), unit rows
    with EmbeddingCache(home / "embeddings.sqlite") as cache:
        vectors, n_encoded, n_reused = encode_cached(encoder, texts, cache)
    index = VectorIndex(encoder.dim, fingerprint=encoder.fingerprint)
    index.add(ids, vectors)                           # int64 database ids; re-adding updates
    hits = index.search(encoder.encode(q, role="query")[0], k=10, allowed_ids=ids_ok)
    index.save(home / "index.faiss")
    index = VectorIndex.load(home / "index.faiss", fingerprint=encoder.fingerprint, dim=encoder.dim)
"""

from embeddings.base import ENCODING_ROLES, Encoder, EncoderUnavailableError, Progress, Role
from embeddings.cache import CachedEncoding, EmbeddingCache, encode_cached
from embeddings.hybrid import HybridEncoder
from embeddings.index import (
    INDEX_KINDS,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    SearchHits,
    VectorIndex,
    VectorIndexError,
    merge_hits,
)
from embeddings.normalise import (
    MAX_CHARS,
    holds_content,
    japanese_share,
    normalise_text,
    text_hash,
)
from embeddings.registry import DEFAULT_ENCODER, ENCODER_NAMES, HYBRID_DEFAULTS, load_encoder

__all__ = [
    "DEFAULT_ENCODER",
    "ENCODER_NAMES",
    "HYBRID_DEFAULTS",
    "INDEX_KINDS",
    "MAX_CHARS",
    "ENCODING_ROLES",
    "CachedEncoding",
    "EmbeddingCache",
    "Encoder",
    "EncoderUnavailableError",
    "HybridEncoder",
    "IndexCorruptError",
    "VectorIndexError",
    "IndexMismatchError",
    "IndexMissingError",
    "Progress",
    "Role",
    "SearchHits",
    "VectorIndex",
    "encode_cached",
    "holds_content",
    "japanese_share",
    "load_encoder",
    "merge_hits",
    "normalise_text",
    "text_hash",
]
