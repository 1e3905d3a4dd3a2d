"""Embeddings tests: shared fixtures (a cheap deterministic encoder, the real offline models)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import numpy as np
import pytest

from embeddings import Encoder, HybridEncoder, load_encoder


def _is_local(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # AF_UNIX paths are local


class NetworkBlocked(OSError):
    """Raised by the socket guard: a test tried to reach the network."""


@pytest.fixture(scope="session")
def no_network() -> Iterator[None]:
    """Make any connection to a non-local address fail, as on an offline machine."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_create = socket.create_connection

    def connect(self: socket.socket, address: object) -> None:
        if not _is_local(address):
            raise NetworkBlocked(f"network access attempted: {address!r}")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_local(address):
            raise NetworkBlocked(f"network access attempted: {address!r}")
        return original_connect_ex(self, address)

    def create_connection(address: object, *args: object, **kwargs: object) -> socket.socket:
        if not _is_local(address):
            raise NetworkBlocked(f"network access attempted: {address!r}")
        return original_create(address, *args, **kwargs)

    saved = {key: os.environ.get(key) for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.create_connection = create_connection
    try:
        yield
    finally:
        socket.socket.connect = original_connect
        socket.socket.connect_ex = original_connect_ex
        socket.create_connection = original_create
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def hashing() -> Encoder:
    """The fast deterministic encoder most tests use."""
    return load_encoder("hashing", dim=64)


@pytest.fixture(scope="session")
def real_encoders(no_network: None) -> dict[str, Encoder]:
    """MiniLM, ginza and the default hybrid built from them, loaded once, offline."""
    minilm = load_encoder("minilm")
    ginza = load_encoder("ginza")
    lexical = load_encoder("lexical", analyzer="word", dim=256)
    hybrid = HybridEncoder([(ginza, 1.0), (lexical, 0.5)], english=minilm, english_weight=1.0)
    return {"minilm": minilm, "ginza": ginza, "lexical": lexical, "hybrid": hybrid}


def _clustered_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, so nearest neighbours are well defined."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(4, n // 50), dim))
    points = centres[rng.integers(0, len(centres), n)] + 0.3 * rng.standard_normal((n, dim))
    points = points.astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


@pytest.fixture(scope="session")
def clustered_vectors():
    """The synthetic-vector builder ``(n, dim, seed) -> array of shape (n, dim)``."""
    return _clustered_vectors
