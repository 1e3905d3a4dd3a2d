"""Embeddings stage, configuration: build an encoder from its settings name."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from embeddings.base import Encoder

__all__ = ["DEFAULT_ENCODER", "ENCODER_NAMES", "HYBRID_DEFAULTS", "load_encoder"]

#: The settings default: the best encoder that works offline here (see benchmarks/README).
DEFAULT_ENCODER = "hybrid"

#: Fusion weights of the default hybrid. Each is a load_encoder option. JSTS valid Spearman:
#: ginza-sif alone 0.747, + char 1–3-gram ×0.35 (256-d) 0.761. On the project's labelled set
#: (nDCG@10 of the full ranking, procurement / partners / joint), lexical ×0.15: 0.828 / 0.692
#: / 0.939; ×0.35: 0.822 / 0.702 / 0.943; ×0.6: 0.812 / 0.681 / 0.938; ×1: 0.765 / 0.663 /
#: 0.937 — 0.35 has the best mean of the three and the best JSTS score. A query's character
#: block reads only n-grams holding a content character (LexicalEncoder.content_queries): eval-dev
#: procurement 0.851 → 0.863 over ten random assignments of themes to folds, the others unchanged.
HYBRID_DEFAULTS: dict[str, Any] = {
    "ginza_weight": 1.0,
    "ginza_pooling": "sif",
    "lexical_weight": 0.35,
    "lexical_analyzer": "char",
    "lexical_ngram_range": (1, 3),
    "lexical_dim": 256,
    "lexical_content_queries": True,
    "english_weight": 1.0,
    "english_threshold": 0.5,
}


def _minilm(**options: Any) -> Encoder:
    # Each encoder's module is imported when it is chosen: torch and spaCy take seconds.
    from embeddings.sentence_transformer import SentenceTransformerEncoder, bundled_minilm_path

    return SentenceTransformerEncoder(bundled_minilm_path(), name="minilm", **options)


def _ginza(**options: Any) -> Encoder:
    from embeddings.ginza import GinzaEncoder

    return GinzaEncoder(**options)


def _lexical(**options: Any) -> Encoder:
    from embeddings.lexical import LexicalEncoder

    return LexicalEncoder(**options)


def _hashing(*, dim: int = 256) -> Encoder:
    """Character 1–3-gram hashing: no model, no Sudachi, deterministic; for tests and smoke runs."""
    from embeddings.lexical import LexicalEncoder

    encoder = LexicalEncoder(analyzer="char", ngram_range=(1, 3), dim=dim)
    encoder.name = "hashing"
    return encoder


def _hybrid(
    *,
    ginza_weight: float = HYBRID_DEFAULTS["ginza_weight"],
    lexical_weight: float = HYBRID_DEFAULTS["lexical_weight"],
    english_weight: float = HYBRID_DEFAULTS["english_weight"],
    english_threshold: float = HYBRID_DEFAULTS["english_threshold"],
    ginza_pooling: str = HYBRID_DEFAULTS["ginza_pooling"],
    lexical_analyzer: str = HYBRID_DEFAULTS["lexical_analyzer"],
    lexical_ngram_range: tuple[int, int] = HYBRID_DEFAULTS["lexical_ngram_range"],
    lexical_dim: int = HYBRID_DEFAULTS["lexical_dim"],
    lexical_content_queries: bool = HYBRID_DEFAULTS["lexical_content_queries"],
    english: str = "minilm",
    lexical_state: str | None = None,
) -> Encoder:
    from embeddings.hybrid import HybridEncoder

    parts = [(_ginza(pooling=ginza_pooling), ginza_weight)]
    if lexical_weight > 0:
        lexical = _lexical(
            analyzer=lexical_analyzer,
            ngram_range=tuple(lexical_ngram_range),
            dim=lexical_dim,
            state=lexical_state,
            content_queries=lexical_content_queries,
        )
        parts.append((lexical, lexical_weight))
    english_encoder = load_encoder(english) if english_weight > 0 else None
    return HybridEncoder(
        parts,
        english=english_encoder,
        english_weight=english_weight,
        english_threshold=english_threshold,
    )


_FACTORIES: dict[str, Callable[..., Encoder]] = {
    "hybrid": _hybrid,
    "ginza": _ginza,
    "lexical": _lexical,
    "minilm": _minilm,
    "hashing": _hashing,
}

#: Names accepted by :func:`load_encoder`, plus "st:<model name or local path>".
ENCODER_NAMES: tuple[str, ...] = (*_FACTORIES, "st:<model>")


def _options_of(factory: Callable[..., Encoder]) -> list[str]:
    target = factory
    # Imported here for the same reason as in the factories: only the chosen one is loaded.
    if factory is _ginza:
        from embeddings.ginza import GinzaEncoder as target
    elif factory is _lexical:
        from embeddings.lexical import LexicalEncoder as target
    elif factory is _minilm or factory is _st:
        from embeddings.sentence_transformer import SentenceTransformerEncoder as target
    parameters = inspect.signature(target).parameters.values()
    hidden = {"model", "name"} if factory is _minilm else {"model"}
    return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name not in hidden]


def _st(model: str, **options: Any) -> Encoder:
    from embeddings.sentence_transformer import SentenceTransformerEncoder

    return SentenceTransformerEncoder(model, **options)


def load_encoder(name: str = DEFAULT_ENCODER, **options: Any) -> Encoder:
    """Build the encoder called ``name`` with keyword ``options``.

    Names: "hybrid" (default: ginza + lexical, MiniLM routed for English), "ginza",
    "lexical", "minilm", "hashing", and "st:<model name or local path>" for any
    sentence-transformers model already on disk. Unknown names or options raise ValueError
    listing the valid ones. Nothing is ever downloaded.
    """
    if not isinstance(name, str):
        raise ValueError(f"encoder name must be a str, got {name!r}")
    if name.startswith("st:"):
        model = name[3:].strip()
        if not model:
            raise ValueError(
                "encoder name 'st:' needs a model, e.g. 'st:intfloat/multilingual-e5-small'"
            )
        factory: Callable[..., Encoder] = _st
        args: tuple[str, ...] = (model,)
    elif name in _FACTORIES:
        factory, args = _FACTORIES[name], ()
    else:
        raise ValueError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODER_NAMES)}")
    valid = _options_of(factory)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(unknown)} for encoder {name!r}; "
            f"valid options: {', '.join(valid) or 'none'}"
        )
    return factory(*args, **options)
