"""Files of named arrays behind a JSON header, written atomically and memory-mapped by their
readers: the BM25 matrices, the word rows and an index's twins.

Layout: a magic line, the header's length (8 bytes, little-endian), the header (JSON: the
writer's fields and each array's dtype, length and offset), then the arrays, each at a 64-byte
boundary.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ALIGN = 64


def aligned(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def arrays_start(magic: bytes, header_length: int) -> int:
    """Where the arrays of a file with this magic and header length start."""
    return aligned(len(magic) + 8 + header_length)


def atomic_write(path: Path, write: Any) -> None:
    """Write through a temporary file in the same directory, fsync, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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

    atomic_write(path, write)


def read_header(path: Path, magic: bytes, what: str, format_: int | None) -> tuple[dict, int]:
    """The header of the file at ``path``, once its arrays are shown to lie within it, and
    where they start; FileNotFoundError, or ValueError saying what is wrong (``what`` names the
    kind of file, e.g. "BM25 matrices"; a file of another ``format_`` is stale, None: a header
    without one)."""
    with path.open("rb") as stream:
        head = stream.read(len(magic) + 8)
        if len(head) < len(magic) + 8 or not head.startswith(magic):
            raise ValueError(f"{path} is not a {what} file (damaged)")
        length = int.from_bytes(head[len(magic) :], "little")
        size = stream.seek(0, 2)
        if length > size:
            raise ValueError(f"{what} {path} are truncated (damaged)")
        stream.seek(len(magic) + 8)
        try:
            header = json.loads(stream.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError(f"{what} {path} are damaged ({error})") from None
    if not isinstance(header, dict) or header.get("format") != format_:
        raise ValueError(f"{what} {path} are of another format (stale)")
    start = arrays_start(magic, length)
    try:
        end = max(
            (
                start + int(s["offset"]) + int(s["length"]) * np.dtype(s["dtype"]).itemsize
                for s in header["arrays"].values()
            ),
            default=start,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"{what} {path} are damaged ({error})") from None
    if end > size:
        raise ValueError(f"{what} {path} are truncated (damaged)")
    return header, start


def read_arrays(
    path: Path, magic: bytes, what: str, format_: int | None
) -> tuple[dict, dict[str, np.ndarray]]:
    """A file's header and its arrays, memory-mapped (read-only); raises as ``read_header``."""
    header, start = read_header(path, magic, what, format_)
    with path.open("rb") as stream:  # the header check saw a non-empty file
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    arrays = {
        name: np.frombuffer(
            mapped, np.dtype(spec["dtype"]), int(spec["length"]), start + int(spec["offset"])
        )
        for name, spec in header["arrays"].items()
    }
    return header, arrays
