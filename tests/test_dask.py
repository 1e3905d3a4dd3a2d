"""Encoding on Dask: a LocalCluster encodes what the cache lacks, and the index run writes the
same cache and index as the local path; refused and unreachable schedulers leave all as it was."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from embeddings import EmbeddingCache, load_encoder, normalise_text, text_hash
from embeddings.grouped import GroupedIndex
from matcher.index.distributed import DaskError, check_address
from matcher.index.indexing import refresh_index
from matcher.settings import load_settings
from matcher.store.session import open_store
from support import SAMPLE, Musubi, write_jsonl

pytest.importorskip("distributed")

ENCODER = "lexical"  # deterministic per text: cluster and local vectors must be equal


def home_with(tmp_path: Path, name: str, records: list[dict]) -> Musubi:
    musubi = Musubi(tmp_path / name, encoder=ENCODER)
    result = musubi("import", str(write_jsonl(tmp_path / f"{name}.jsonl", records)))
    assert result.exit_code == 0, result.output
    return musubi


def vectors(home: Path) -> tuple[np.ndarray, np.ndarray]:
    encoder = load_encoder(ENCODER)
    index = GroupedIndex.load(
        home / "index.faiss", fingerprint=encoder.fingerprint, dim=encoder.dim
    )
    return index.ids, index.vectors(index.ids)


def test_a_local_cluster_encodes_what_the_local_path_encodes(tmp_path: Path) -> None:
    local = home_with(tmp_path, "local", SAMPLE)
    assert local("index").exit_code == 0
    cluster = home_with(tmp_path, "cluster", SAMPLE)
    result = cluster("index", "--dask-scheduler", "local:2", "--json")
    assert result.exit_code == 0, result.output
    assert '"encoded": 7' in result.output and '"reused": 0' in result.output
    ids, by_cluster = vectors(cluster.home)
    local_ids, by_local = vectors(local.home)
    np.testing.assert_array_equal(ids, local_ids)
    np.testing.assert_array_equal(by_cluster, by_local)
    # The cache holds the cluster's vectors, under the keys the local path reads.
    encoder = load_encoder(ENCODER)
    texts = ["株式会社ミマモリテック。電力センサーで高齢者の生活リズムを見守るサービスを提供します"]
    key = text_hash(normalise_text(texts[0] + "。IoT、高齢者見守り"))
    with EmbeddingCache(cluster.home / "embeddings.sqlite") as cache:
        assert cache.count(encoder.fingerprint) == 7
        found = cache.get_many(encoder.fingerprint, "document", [key], encoder.dim)
    assert set(found) == {key}
    np.testing.assert_array_equal(
        found[key], encoder.encode([normalise_text(texts[0] + "。IoT、高齢者見守り")])[0]
    )
    # Matching reads the index the cluster's vectors built, as the local one.
    ask = ("match", "procurement", "--text", "高齢者の見守り", "--json")
    assert cluster(*ask).output == local(*ask).output


def test_the_setting_sends_an_imports_new_texts_only(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    musubi = home_with(tmp_path, "home", SAMPLE[:2])
    assert musubi("index").exit_code == 0
    monkeypatch.setenv("MUSUBI_DASK_SCHEDULER", "local:1")
    settings = load_settings({"home": str(musubi.home), "encoder": ENCODER})
    store = open_store(settings)
    result = musubi("import", str(write_jsonl(tmp_path / "more.jsonl", SAMPLE[2:])))
    assert result.exit_code == 0, result.output
    assert "3 encoded, 0 from the cache, 4 unchanged" in result.output  # un-001's three texts
    summary = refresh_index(store, settings)
    assert summary.encoded == 0 and summary.unchanged == summary.total  # the import indexed
    store.close()


@pytest.mark.parametrize(
    "address",
    ["tcp://10.1.2.3:8786", "10.1.2.3:8786", "tcp://scheduler.example:8786", "ws://[::1]:1"],
)
def test_a_remote_scheduler_must_be_tls(address: str, tmp_path: Path) -> None:
    musubi = home_with(tmp_path, "home", SAMPLE)
    result = musubi("index", "--dask-scheduler", address)
    assert result.exit_code == 2
    assert "tls://" in result.output and "Traceback" not in result.output
    assert not (musubi.home / "index.faiss").exists()


@pytest.mark.parametrize(
    "address", ["tls://scheduler.example:8786", "tcp://127.0.0.1:8786", "localhost:1", "local"]
)
def test_loopback_tls_and_local_are_accepted(address: str) -> None:
    assert check_address(address) == address


@pytest.mark.parametrize("address", ["local:0", "tls://", "nonsense"])
def test_not_an_address(address: str) -> None:
    with pytest.raises(DaskError):
        check_address(address)


def test_an_unreachable_scheduler_leaves_the_index_usable(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("matcher.index.distributed.CONNECT_TIMEOUT", 2)
    musubi = home_with(tmp_path, "home", SAMPLE[:2])
    assert musubi("index").exit_code == 0
    before = (musubi.home / "index.faiss").read_bytes()
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "more.jsonl").write_text("", "utf-8")
    result = musubi("index", "--dask-scheduler", f"tcp://127.0.0.1:{port}")
    assert result.exit_code == 0  # nothing changed: nothing to send
    more = write_jsonl(tmp_path / "more.jsonl", SAMPLE[2:])
    monkeypatch.setenv("MUSUBI_DASK_SCHEDULER", f"tcp://127.0.0.1:{port}")
    result = musubi("import", str(more))
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.output
    assert (musubi.home / "index.faiss").read_bytes() == before
    matched = musubi("match", "procurement", "--text", "高齢者の見守り")
    assert matched.exit_code == 0 and "ミマモリテック" in matched.output
    monkeypatch.delenv("MUSUBI_DASK_SCHEDULER")
    assert musubi("index").exit_code == 0  # rerunning completes the job
    assert "un-001" in musubi("list").output
