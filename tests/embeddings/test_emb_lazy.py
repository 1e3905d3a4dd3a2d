"""Embeddings tests: encoders are cheap to build; models load on the first encode needing them."""

import importlib.metadata
import json

import numpy as np
import pytest

from embeddings import EncoderUnavailableError, HybridEncoder, load_encoder
from embeddings.base import file_digest
from embeddings.ginza import GinzaEncoder
from embeddings.sentence_transformer import (
    SentenceTransformerEncoder,
    _configured_dimension,
    bundled_minilm_path,
)

JAPANESE = ["独居高齢者の見守り", "道路の除雪", "空き家の活用"]


def _components(hybrid: HybridEncoder) -> tuple[GinzaEncoder, SentenceTransformerEncoder]:
    ginza = next(e for e in hybrid.encoders if isinstance(e, GinzaEncoder))
    assert isinstance(hybrid.english, SentenceTransformerEncoder)
    return ginza, hybrid.english


def test_building_the_hybrid_and_reading_its_identity_loads_no_model(no_network):
    hybrid = load_encoder("hybrid")
    assert hybrid.dim == 300 + 256 + 384
    assert "ja_ginza" in hybrid.fingerprint and "minilm" in hybrid.fingerprint
    ginza, minilm = _components(hybrid)
    assert ginza._loaded is None and minilm._loaded is None
    assert not hybrid.is_loaded


def test_japanese_texts_never_load_minilm_and_the_fingerprint_holds(no_network):
    hybrid = load_encoder("hybrid")
    lazy = hybrid.fingerprint
    ginza, minilm = _components(hybrid)
    vectors = hybrid.encode(JAPANESE)
    assert ginza.is_loaded and not minilm.is_loaded
    assert not vectors[:, hybrid.component_slices()["minilm"]].any()
    assert ginza._vectors.table.shape[1] == ginza.dim
    assert hybrid.fingerprint == lazy


def test_lazy_minilm_fingerprint_equals_the_one_read_from_the_loaded_model(no_network, capfd):
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    encoder = load_encoder("minilm")
    lazy = encoder.fingerprint
    assert not encoder.is_loaded
    vector = encoder.encode("snow removal on rural roads")
    assert encoder.is_loaded and vector.shape == (1, encoder.dim)
    # The eager encoder's recipe, asked of the loaded model instead of its config files.
    model = encoder._model
    prompts = model.prompts
    eager = (
        f"st:v1:minilm:{file_digest(bundled_minilm_path() / 'model.safetensors')}"
        f":st-{importlib.metadata.version('sentence-transformers')}"
        f":maxlen={model.max_seq_length}"
        f":q={prompts.get('query', '')!r}:d={prompts.get('document', '')!r}"
    )
    assert lazy == encoder.fingerprint == f"{eager}|norm=v1"
    assert model.get_embedding_dimension() == encoder.dim
    # transformers' "Loading weights" bars are hidden during the load, and only then.
    assert "Loading weights" not in capfd.readouterr().err
    assert hf_logging.is_progress_bar_enabled() == bars


def _model_dir(tmp_path, modules, configs):
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    for folder, config in configs.items():
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "config.json").write_text(json.dumps(config))
    return tmp_path


def _module(kind, path):
    return {"idx": 0, "name": path or "0", "path": path, "type": f"sentence_transformers.{kind}"}


@pytest.mark.parametrize(
    ("pooling", "expected"),
    [
        ({"word_embedding_dimension": 384, "pooling_mode_mean_tokens": True}, 384),
        ({"word_embedding_dimension": 384}, 384),  # no mode flag: mean
        (
            {
                "word_embedding_dimension": 256,
                "pooling_mode_cls_token": True,
                "pooling_mode_max_tokens": True,
            },
            512,
        ),
        ({"embedding_dimension": 768, "pooling_mode": ["mean", "max"]}, 1536),
        ({"embedding_dimension": 768, "pooling_mode": "cls"}, 768),
    ],
)
def test_dimension_from_pooling_config(tmp_path, pooling, expected):
    modules = [
        _module("models.Transformer", ""),
        _module("models.Pooling", "1_Pooling"),
        _module("models.Normalize", "2_Normalize"),
    ]
    assert _configured_dimension(_model_dir(tmp_path, modules, {"1_Pooling": pooling})) == expected


def test_dimension_from_a_dense_layer_and_unknown_modules(tmp_path):
    modules = [
        _module("models.Transformer", ""),
        _module("models.Pooling", "1_Pooling"),
        _module("models.Dense", "2_Dense"),
    ]
    configs = {"1_Pooling": {"word_embedding_dimension": 768}, "2_Dense": {"out_features": 256}}
    assert _configured_dimension(_model_dir(tmp_path, modules, configs)) == 256
    modules.append(_module("models.SomethingNew", "3_New"))
    # A module we cannot read the width of: the encoder must ask the loaded model instead.
    assert _configured_dimension(_model_dir(tmp_path, modules, configs)) is None


def test_a_directory_without_a_model_is_refused_at_construction(tmp_path):
    (tmp_path / "README.md").write_text("not a model")
    with pytest.raises(EncoderUnavailableError, match="no sentence-transformers model"):
        load_encoder(f"st:{tmp_path}")


def test_config_changes_change_the_fingerprint_without_loading(tmp_path, no_network):
    source = bundled_minilm_path()
    copy = tmp_path / "minilm"
    copy.mkdir()
    for item in source.iterdir():
        (copy / item.name).symlink_to(item, target_is_directory=item.is_dir())
    base = load_encoder(f"st:{copy}").fingerprint
    (copy / "sentence_bert_config.json").unlink()
    (copy / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    shorter = load_encoder(f"st:{copy}")
    assert not shorter.is_loaded and shorter.max_seq_length == 128
    assert shorter.fingerprint != base
    (copy / "config_sentence_transformers.json").unlink()
    prompts = {"prompts": {"query": "query: ", "document": "passage: "}}
    (copy / "config_sentence_transformers.json").write_text(json.dumps(prompts))
    prompted = load_encoder(f"st:{copy}")
    assert prompted.prompts == {"query": "query: ", "document": "passage: "}
    assert prompted.fingerprint not in (base, shorter.fingerprint)
    assert not prompted.is_loaded


def test_lexical_encoding_is_unchanged_by_lazy_hashing():
    a = load_encoder("hashing", dim=64)
    b = load_encoder("hashing", dim=64)
    np.testing.assert_array_equal(a.encode(JAPANESE), b.encode(JAPANESE))
