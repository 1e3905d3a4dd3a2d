"""Files of named arrays behind a JSON header, written atomically and memory-mapped by their
readers: the BM25 matrices and the word rows.

Layout: a magic line, the header's length (8 bytes, little-endian), the header (JSON: the
writer's fields and each array's dtype, length and offset), then the arrays, each at a 64-byte
boundary.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from embeddings.index import _atomic_write

ALIGN = 64


def aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def arrays_start(magic: bytes, header_length: int) -> int:
    """Where the arrays of a file with this magic and header length start."""
    return aligned(len(magic) + 8 + header_length)


def write_arrays(path: Path, magic: bytes, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write ``header`` (with the arrays' layout added) and ``arrays`` atomically: a temporary
    file, fsync, rename."""
    layout, offset = {}, 0
    for name, array in arrays.items():
        layout[name] = {"dtype": array.dtype.str, "length": len(array), "offset": offset}
        offset += aligned(array.nbytes)
    head = json.dumps(header | {"arrays": layout}).encode("utf-8")
    start = arrays_start(magic, len(head))

    def write(temporary: str) -> None:
        with open(temporary, "wb") as stream:
            stream.write(magic + len(head).to_bytes(8, "little") + head)
            stream.write(b"\0" * (start - stream.tell()))
            for array in arrays.values():
                stream.write(np.ascontiguousarray(array).tobytes())
                stream.write(b"\0" * (aligned(array.nbytes) - array.nbytes))

    _atomic_write(path, write)
