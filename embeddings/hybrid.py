"""Embeddings stage, fusion: weighted concatenation of encoders with language-aware routing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embeddings.base import Encoder, l2_normalise
from embeddings.normalise import japanese_share

__all__ = ["HybridEncoder"]


class HybridEncoder(Encoder):
    """Concatenates unit-length component vectors scaled by sqrt(weight).

    The inner product of two hybrid vectors is then the weighted sum of the components'
    cosines (divided by the two norms), so one FAISS inner-product index ranks by the fused
    score exactly — no second index, and filters apply to the fusion as a whole.

    ``parts`` are always used. ``english`` (MiniLM by default) is routed: a text whose share
    of non-Japanese letters is at least ``english_threshold`` gets it with weight
    ``english_weight × that share``; other texts leave its block at zero. Japanese business
    text is sprinkled with IoT, AI and DX, and sending all of it through MiniLM (which cannot
    read Japanese) would add noise and cost 40× the encoding time. The English encoder is
    only called for texts routed to it, so it is never loaded for a Japanese-only corpus.
    """

    def __init__(
        self,
        parts: Sequence[tuple[Encoder, float]],
        *,
        english: Encoder | None = None,
        english_weight: float = 0.0,
        english_threshold: float = 0.5,
        name: str = "hybrid",
    ) -> None:
        if not parts:
            raise ValueError("a HybridEncoder needs at least one (encoder, weight) part")
        for encoder, weight in parts:
            if weight < 0:
                raise ValueError(f"weight {weight!r} for {encoder.name!r} must be >= 0")
        if english_weight < 0:
            raise ValueError(f"english_weight={english_weight!r} must be >= 0")
        self.parts = list(parts)
        self.english = english if english_weight > 0 else None
        self.english_weight = english_weight
        self.english_threshold = english_threshold
        self.name = name
        self.dim = sum(encoder.dim for encoder, _ in self.parts)
        if self.english is not None:
            self.dim += self.english.dim

    @property
    def is_loaded(self) -> bool:
        """True once every component is loaded (MiniLM stays unloaded while texts are Japanese)."""
        return all(e.is_loaded for e in self.encoders)

    @property
    def encoders(self) -> list[Encoder]:
        """The components in vector order: the parts, then the routed English encoder."""
        return [e for e, _ in self.parts] + ([self.english] if self.english else [])

    def _fingerprint_parts(self) -> str:
        parts = ";".join(f"{w:g}*[{e.fingerprint}]" for e, w in self.parts)
        english = (
            f";route={self.english_weight:g}@{self.english_threshold:g}*[{self.english.fingerprint}]"
            if self.english
            else ""
        )
        return f"hybrid:v1:{parts}{english}"

    def _query_reading(self) -> str:
        return ";".join(
            f"{e.name}:{e._query_reading()}" for e in self.encoders if e._query_reading()
        )

    def component_slices(self) -> dict[str, slice]:
        """Where each component's block sits in the vector (for explanations and debugging)."""
        slices, start = {}, 0
        for encoder in self.encoders:
            slices[encoder.name] = slice(start, start + encoder.dim)
            start += encoder.dim
        return slices

    def centred_blocks(self) -> tuple[slice, ...]:
        """Each component's centred blocks (``Encoder.centred_blocks``), where it sits."""
        blocks, start = [], 0
        for encoder in self.encoders:
            blocks += [slice(start + b.start, start + b.stop) for b in encoder.centred_blocks()]
            start += encoder.dim
        return tuple(blocks)

    def read_in_english(self, vectors: np.ndarray) -> np.ndarray:
        """Which of these hybrid vectors the English encoder read (their English block is not
        empty), array of bool of shape (len(vectors),). Other texts leave the block at zero;
        at the default weights a routed text's block holds over half of its length."""
        vectors = np.atleast_2d(vectors)
        if self.english is None:
            return np.zeros(len(vectors), dtype=bool)
        block = vectors[:, self.component_slices()[self.english.name]]
        return np.linalg.norm(block, axis=1) > 0.1

    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        blocks = []
        for encoder, weight in self.parts:
            vectors = encoder.encode(texts, role=role, batch_size=max(len(texts), 1))
            blocks.append(vectors * np.float32(np.sqrt(weight)))
        if self.english is not None:
            share = np.array([1.0 - japanese_share(text) for text in texts], dtype=np.float32)
            share[share < self.english_threshold] = 0.0
            routed = [i for i, s in enumerate(share) if s > 0]
            vectors = np.zeros((len(texts), self.english.dim), dtype=np.float32)
            if routed:
                vectors[routed] = self.english.encode(
                    [texts[i] for i in routed], role=role, batch_size=max(len(routed), 1)
                )
            blocks.append(vectors * np.sqrt(self.english_weight * share)[:, None])
        return l2_normalise(np.hstack(blocks).astype(np.float32))
