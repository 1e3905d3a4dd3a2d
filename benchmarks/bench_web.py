"""Web load benchmark: the seed corpus behind `musubi serve` (waitress), driven from a second
process on loopback by 20 and 50 concurrent users on the search page and the match API.

    python benchmarks/bench_web.py [--size 1600] [--encoder hashing] [--seconds 20]

Prints p50/p95/p99 latency, throughput and errors per scenario. Target: zero errors and a p95
under 300 ms on the development machine. Uses the real default encoder unless told otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHALLENGES = [
    "独居高齢者の見守りを、訪問に頼らない仕組みで行いたい",
    "冬の道路除雪を省力化したい",
    "バスが廃止された地域の移動手段を確保したい",
    "空き家を移住者向けに活用したい",
    "イノシシやシカによる農作物の被害を減らしたい",
    "観光客の混雑を分散させたい",
    "学校の教員の働き方改革を進めたい",
    "水道管の老朽化を効率よく点検したい",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(home: Path, size: int, encoder: str) -> None:
    env = {**os.environ, "MUSUBI_HOME": str(home), "MUSUBI_ENCODER": encoder}
    musubi = [str(Path(sys.executable).parent / "musubi")]
    subprocess.run(
        [*musubi, "demo", "--size", str(size), "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_up(port: int, server: subprocess.Popen | None = None, timeout: float = 120) -> float:
    """Seconds until the server on ``port`` answers /api/stats; SystemExit when ``server``
    exits first or ``timeout`` passes."""
    started = time.time()
    while time.time() < started + timeout:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/stats")
            if conn.getresponse().status == 200:
                return time.time() - started
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def user(port: int, path_of, stop: float, out: list, rng: random.Random, think: float) -> None:  # noqa: ANN001
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    time.sleep(rng.uniform(0, think))  # users do not all arrive in the same millisecond
    while time.time() < stop:
        path = path_of(rng)
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            ok = False
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.perf_counter() - started, ok))
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def scenario(port: int, name: str, path_of, users: int, seconds: float, think: float) -> dict:  # noqa: ANN001
    results: list[list] = [[] for _ in range(users)]
    stop = time.time() + seconds
    threads = [
        threading.Thread(
            target=user,
            args=(port, path_of, stop, results[i], random.Random(f"{name}/{users}/{i}"), think),
        )
        for i in range(users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    samples = sorted(d for r in results for d, _ in r)
    errors = sum(1 for r in results for _, ok in r if not ok)

    def pct(p: float) -> float:
        return 1000 * samples[min(len(samples) - 1, int(p * len(samples)))] if samples else 0.0

    return {
        "scenario": name,
        "users": users,
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1600)
    parser.add_argument("--encoder", default="hybrid")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--home", type=Path, help="reuse a prepared home (skip building)")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a user reads between requests (0: back-to-back, saturation)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="musubi-bench-web-"))
    if not args.home:
        print(f"building the seed corpus ({args.size}) and its index in {home} …", file=sys.stderr)
        prepare(home, args.size, args.encoder)
    port = free_port()
    env = {
        **os.environ,
        "MUSUBI_HOME": str(home),
        "MUSUBI_ENCODER": args.encoder,
        "MUSUBI_WEB_THREADS": str(args.threads),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "musubi"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port)

        def distinct(rng: random.Random) -> dict:
            # A budget nobody asked before: a new query, so the result cache cannot answer it.
            return {"text": rng.choice(CHALLENGES), "budget": rng.randrange(10**6, 10**8)}

        def page(rng: random.Random) -> str:
            return "/?" + urllib.parse.urlencode(distinct(rng))

        def api(rng: random.Random) -> str:
            return "/api/match/procurement?" + urllib.parse.urlencode(distinct(rng))

        def page_again(rng: random.Random) -> str:
            return "/?" + urllib.parse.urlencode({"text": rng.choice(CHALLENGES)})

        def api_again(rng: random.Random) -> str:
            query = {"text": rng.choice(CHALLENGES)}
            return "/api/match/procurement?" + urllib.parse.urlencode(query)

        for path_of in (page_again, api_again):  # warm up: templates, encoder, the 8 queries
            for challenge in range(len(CHALLENGES) * 3):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path_of(random.Random(challenge)))
                conn.getresponse().read()
        rows = []
        for users in (20, 50):
            for name, path_of in (
                ("search page", page),
                ("match API", api),
                ("page (again)", page_again),
                ("API (again)", api_again),
            ):
                rows.append(scenario(port, name, path_of, users, args.seconds, args.think))
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.json:
        print(json.dumps({"size": args.size, "encoder": args.encoder, "results": rows}))
        return
    print(
        f"seed corpus {args.size} organisations, encoder {args.encoder}, "
        f"waitress {args.threads} threads, {args.seconds:.0f} s per scenario, loopback"
    )
    print(
        f"{'scenario':<13} {'users':>5} {'requests':>9} {'req/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    for r in rows:
        print(
            f"{r['scenario']:<13} {r['users']:>5} {r['requests']:>9} {r['rps']:>7} "
            f"{r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7} {r['errors']:>6}"
        )


if __name__ == "__main__":
    main()
