"""Start-up benchmark: a cold one-shot `musubi match` per mode and `musubi serve` until it answers,
each a fresh process (Python start, imports, catalogue, index and BM25 matrices included).

    python benchmarks/bench_start.py --home DIR [--repeats 3]   # a home already indexed
    python benchmarks/bench_start.py --size 100000              # builds /tmp/musubi-start-100000

Prints each command's wall seconds (median and worst of ``--repeats`` runs) and peak RSS.
"Cold" means a new process; the files may be in the page cache, as they are on a machine that
serves them. The first run after an index run also writes the BM25 matrices when the index run
did not. Target at 100,000 organisations: ≤ 5 s for each. Numbers only: nothing here fails.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

MUSUBI = str(Path(sys.executable).parent / "musubi")
CHALLENGE = "独居高齢者の見守りを訪問に頼らない仕組みで行いたい"


def run(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def serve_ready(env: dict) -> tuple[float, float]:
    """Seconds from starting `musubi serve` until /api/stats answers, and its RSS then (MB)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen(
        [MUSUBI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"musubi serve exited with {server.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/stats")
                if conn.getresponse().status == 200:
                    seconds = time.perf_counter() - started
                    break
            except OSError:
                time.sleep(0.05)
        status = Path(f"/proc/{server.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
        return seconds, rss / 1024
    finally:
        server.terminate()
        server.wait()


def sample_ids(home: Path) -> tuple[str, str]:
    """An organisation with needs (for joint) and a university (for partners) of the home."""
    with sqlite3.connect(home / "musubi.db") as db:
        (municipality,) = db.execute(
            "select o.ext_id from organisations o join needs n on n.org_id = o.id "
            "where o.kind = 'municipality' order by o.id limit 1"
        ).fetchone()
        (university,) = db.execute(
            "select ext_id from organisations where kind = 'university' order by id limit 1"
        ).fetchone()
    return municipality, university


def build(size: int) -> Path:
    home = Path(f"/tmp/musubi-start-{size}")
    if not (home / "index.faiss").exists():
        print(f"building {home} ({size:,} organisations; minutes at 100,000)", flush=True)
        env = {**os.environ, "MUSUBI_HOME": str(home)}
        subprocess.run(
            [MUSUBI, "demo", "--size", str(size), "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="An indexed home (SQLite store).")
    parser.add_argument("--size", type=int, help="Build a demo home of this many organisations.")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if (args.home is None) == (args.size is None):
        parser.error("give --home or --size")
    home = args.home or build(args.size)
    env = {**os.environ, "MUSUBI_HOME": str(home)}
    municipality, university = sample_ids(home)
    commands = {
        "match procurement --text": ["match", "procurement", "--text", CHALLENGE],
        "match partners --org": ["match", "partners", "--org", university],
        "match joint --org": ["match", "joint", "--org", municipality],
    }
    run([MUSUBI, *commands["match procurement --text"]], env)  # writes the matrices if missing
    print(f"{home}: {'command':<28} {'median s':>9} {'worst s':>8} {'peak RSS MB':>12}")
    for name, argv in commands.items():
        runs = [run([MUSUBI, *argv], env) for _ in range(args.repeats)]
        seconds = [s for s, _ in runs]
        print(
            f"  {name:<28} {statistics.median(seconds):>9.2f} {max(seconds):>8.2f} "
            f"{max(r for _, r in runs):>12.0f}"
        )
    runs = [serve_ready(env) for _ in range(args.repeats)]
    seconds = [s for s, _ in runs]
    print(
        f"  {'serve: ready (/api/stats)':<28} {statistics.median(seconds):>9.2f} "
        f"{max(seconds):>8.2f} {max(r for _, r in runs):>12.0f}"
    )


if __name__ == "__main__":
    main()
