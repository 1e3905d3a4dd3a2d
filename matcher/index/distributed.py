"""Encoding on a Dask cluster: the texts the embedding cache lacks, in partitions, on its workers.

Encoding is the one step of an index run that grows past a machine (Japan's ~4 million
companies at ~1,240 texts/s on 2 cores is most of a day). The workers only encode: their
vectors come back to this process, which writes them to the embedding cache as partitions
finish; the index run then finds every text in the cache and builds the same index as the
local path. A run stopped part way keeps the partitions it received.

Dask ships code and pickled data between the scheduler, the workers and this process, so
whoever can reach a scheduler can run code on its workers: ``local`` binds 127.0.0.1 only,
and a scheduler elsewhere must be ``tls://`` (Dask's own TLS settings: ``distributed.comm.tls``
in the Dask configuration, or ``DASK_DISTRIBUTED__COMM__TLS__…`` variables).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import urlsplit

import numpy as np

from embeddings import EmbeddingCache, Encoder, load_encoder, normalise_text, text_hash

#: Texts per task: large enough that shipping them costs little beside encoding them (~2 s of
#: a worker's time for the default encoder), small enough to spread over a few workers.
PARTITION = 2_048

#: Seconds to wait for a scheduler, and for a local cluster's workers, before giving up.
CONNECT_TIMEOUT = 30

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


class DaskError(RuntimeError):
    """The cluster cannot do the encoding; the message says why and what to change."""


def check_address(address: str) -> str:
    """``address`` when it is one Musubi may send work to, else DaskError saying why.

    ``local`` or ``local:N`` (a cluster of N workers on this machine), a ``tls://`` scheduler
    anywhere, or a plain ``tcp://`` one on this machine's loopback only.
    """
    address = address.strip()
    if address == "local" or (address.startswith("local:") and address[6:].isdigit()):
        if address != "local" and int(address[6:]) < 1:
            raise DaskError(f"dask scheduler {address!r}: a local cluster needs a worker or more")
        return address
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise DaskError(
            f"dask scheduler {address!r} is not an address: give local, local:N, "
            "tls://HOST:PORT, or tcp://127.0.0.1:PORT"
        )
    if parts.scheme == "tls":
        return address
    if parts.scheme == "tcp" and _loopback(host):
        return address
    raise DaskError(
        f"dask scheduler {address!r}: a scheduler off this machine must be reached over "
        "tls:// with certificates (Dask's distributed.comm.tls settings); plain tcp:// lets "
        "anyone on the network run code on the workers"
    )


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def cluster_client(address: str) -> Iterator:
    """A ``distributed.Client`` of ``address`` (see ``check_address``), closed afterwards."""
    address = check_address(address)
    try:
        from distributed import Client, LocalCluster  # an optional extra: musubi[dask]
    except ImportError:
        raise DaskError(
            "Dask is not installed: pip install 'musubi[dask]' (dask and distributed)"
        ) from None
    cluster = None
    try:
        if address.startswith("local"):
            workers = int(address[6:]) if address != "local" else None
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,  # the encoders are single-threaded Python
                host="127.0.0.1",
                dashboard_address=None,
                processes=True,
            )
            client = Client(cluster, timeout=CONNECT_TIMEOUT)
        else:
            client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise DaskError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@cache
def _worker_encoder(name: str) -> Encoder:
    """One encoder per name and worker process, loaded by its first partition."""
    return load_encoder(name)


def encode_partition(
    encoder_name: str, fingerprint: str, texts: list[str], batch_size: int
) -> np.ndarray:
    """On a worker: the document vectors of normalised ``texts`` by the named encoder, which
    must be the one this process indexes with (same model files, same settings)."""
    encoder = _worker_encoder(encoder_name)
    if encoder.fingerprint != fingerprint:
        raise DaskError(
            f"the worker's encoder {encoder.fingerprint!r} is not the indexing one "
            f"{fingerprint!r}: install the same Musubi and models on the workers"
        )
    return encoder.encode(texts, role="document", batch_size=batch_size)


def encode_on_cluster(
    address: str,
    encoder_name: str,
    encoder: Encoder,
    texts: list[str],
    cache: EmbeddingCache,
    progress: Callable[[int], object] | None = None,
    batch_size: int = 256,
) -> int:
    """Put the document vectors of ``texts`` the cache lacks into it, encoded on the cluster
    at ``address``; returns how many distinct texts were encoded. ``progress`` counts off
    ``len(texts)`` (the cached ones at once, the rest as partitions come back)."""
    items = [normalise_text(text) for text in texts]
    keys = [text_hash(text) for text in items]
    uses = Counter(keys)
    found = cache.get_many(encoder.fingerprint, "document", sorted(uses), encoder.dim)
    missing = {k: t for k, t in zip(keys, items, strict=True) if k not in found}
    if progress is not None and len(items) - sum(uses[k] for k in missing):
        progress(len(items) - sum(uses[k] for k in missing))
    if not missing:
        return 0
    order = list(missing)
    partitions = [order[i : i + PARTITION] for i in range(0, len(order), PARTITION)]
    with cluster_client(address) as client:
        from distributed import as_completed

        futures = {
            client.submit(
                encode_partition,
                encoder_name,
                encoder.fingerprint,
                [missing[k] for k in part],
                batch_size,
                pure=False,
            ): part
            for part in partitions
        }
        try:
            for future in as_completed(futures):
                part = futures[future]
                vectors = future.result()
                cache.put_many(encoder.fingerprint, "document", zip(part, vectors, strict=True))
                if progress is not None:
                    progress(sum(uses[k] for k in part))
        except DaskError:
            raise
        except Exception as error:  # noqa: BLE001 - a worker's failure, of any kind, ends here
            raise DaskError(
                f"encoding on the Dask cluster at {address} failed ({type(error).__name__}: "
                f"{error}); the partitions already back are in the embedding cache, so running "
                "`musubi index` again encodes only the rest"
            ) from None
    return len(missing)
