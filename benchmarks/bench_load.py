"""Load and memory benchmark: `musubi serve` on the seed corpus under many concurrent users, then
across one-record imports, driven from a second process on loopback.

    python benchmarks/bench_load.py [--size 1600] [--home DIR] [--threads N] [--clients 50]
                                    [--seconds 60] [--think 1.0] [--saturate-seconds 30]
                                    [--imports 30] [--json]
    python benchmarks/bench_load.py --large        # 100,000 organisations (builds for a while)

Phases, each printed as it ends:

1. users: ``--clients`` closed-loop users for ``--seconds``, each reading ~``--think`` s
   between requests, over the search and joint pages, the organisation (partners) page and the
   JSON API (procurement, partners, joint, consortium, directory). Every query is distinct (a
   budget or a ``top`` never asked before), so the result cache never answers one.
2. back-to-back: the same users with no think time, for throughput.
3. imports: ``--imports`` one-record imports through ``POST /api/import``, each followed by
   22 queries (two of them on the new organisation); the server's RSS after each.

A phase given 0 seconds or 0 imports is skipped. Prints errors, p50/p95/p99 latency and
throughput per phase and per kind of request, the server's CPU per request (which other jobs
on the machine do not change, unlike latency) and its RSS (now and peak), and the machine's
load average.
Targets on the 1,600-organisation corpus: 0 errors, p95 ≤ 500 ms with think time, RSS ≤ 1.5 GB,
no growth across the imports; at 100,000, RSS ≤ 4 GB. Numbers only: nothing here fails a test.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

# The same challenges, free port and demo home as bench_web.py.
from bench_web import CHALLENGES, free_port, prepare, wait_up

THEMES = (
    "除雪の省力化",
    "高齢者の見守り",
    "鳥獣被害対策",
    "地域交通の確保",
    "空き家の活用",
    "農業のスマート化",
    "観光客の分散",
    "水道管の点検",
    "防災情報の共有",
    "子育て支援",
    "医療的ケア児の支援",
    "再生可能エネルギーの導入",
    "教員の働き方改革",
    "橋梁の点検",
    "買い物支援",
)
# Regional blocks of two or more prefectures: a consortium spans at least two.
REGIONS = ("東北", "関東", "中部", "近畿", "中国", "四国", "九州")
PLACES = ("福岡県", "北海道", "宮城県", "東京都", "愛知県", "大阪府", "広島県", "高知県")
MUSUBI = str(Path(sys.executable).parent / "musubi")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far, from /proc (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size of ``pid`` in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class Queries:
    """Paths of distinct queries: the n-th request of a kind never repeats an earlier one."""

    def __init__(self, orgs: list[dict]) -> None:
        self.ids = [o["id"] for o in orgs]
        self.municipalities = [o["id"] for o in orgs if o["kind"] == "municipality"]
        self.counters = {kind: itertools.count() for kind, _ in self.KINDS}
        self.weights = [w for _, w in self.KINDS]
        self.seen: set[str] = set()
        self.repeats = 0
        self.lock = threading.Lock()

    # (kind, share of requests): the pages people read, and the API programs call.
    KINDS = (
        ("search page", 20),
        ("joint page", 5),
        ("partners page", 15),
        ("procurement API", 20),
        ("partners API", 15),
        ("joint API", 10),
        ("consortium API", 5),
        ("directory API", 10),
    )

    def next(self, rng: random.Random) -> tuple[str, str]:
        kind = rng.choices([k for k, _ in self.KINDS], self.weights)[0]
        n = next(self.counters[kind])
        path = self.path(kind, n)
        with self.lock:
            if path in self.seen:
                self.repeats += 1
            self.seen.add(path)
        return kind, path

    def path(self, kind: str, n: int) -> str:
        # A page and its API make the same query from the same parameters, and share the
        # result cache: pages take the even numbers, the API the odd ones.
        n = 2 * n + kind.endswith("API")

        def on(orgs: list[str]) -> tuple[str, int]:
            # Organisation by organisation, then the next ``top``: distinct for len(orgs) × 95.
            return orgs[n % len(orgs)], 5 + (n // len(orgs)) % 95

        budget = 1_000_000 + 1_000 * n  # a budget nobody asked before
        text = CHALLENGES[n % len(CHALLENGES)]
        q = urllib.parse.urlencode
        if kind == "search page":
            return "/?" + q({"text": text, "budget": budget})
        if kind == "procurement API":
            return "/api/match/procurement?" + q({"text": text, "budget": budget})
        if kind == "joint page":
            org, top = on(self.municipalities)
            return "/?" + q({"mode": "joint", "org": org, "top": top})
        if kind == "joint API":
            org, top = on(self.municipalities)
            return "/api/match/joint?" + q({"org": org, "top": top})
        if kind == "partners page":
            org, top = on(self.ids)
            return f"/orgs/{org}?" + q({"top": top})
        if kind == "partners API":
            org, top = on(self.ids)
            return "/api/match/partners?" + q({"org": org, "top": top})
        if kind == "consortium API":
            theme = THEMES[n % len(THEMES)]
            region = REGIONS[(n // len(THEMES)) % len(REGIONS)]
            top = 1 + (n // (len(THEMES) * len(REGIONS))) % 10
            return "/api/consortium?" + q({"theme": theme, "region": region, "top": top})
        return "/api/orgs?" + q({"offset": n % 1000, "limit": 20 + n // 1000 % 30})


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def user(port: int, queries: Queries, stop: float, out: list, seed: str, think: float) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if think:
        time.sleep(rng.uniform(0, think))  # users do not all arrive in the same millisecond
    while time.time() < stop:
        kind, path = queries.next(rng)
        started = time.perf_counter()
        try:
            status = get(conn, path)
        except OSError:
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out.append((kind, time.perf_counter() - started, status))
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    conn.close()


def percentile(samples: list[float], p: float) -> float:
    samples = sorted(samples)
    return 1000 * samples[min(len(samples) - 1, int(p * len(samples)))] if samples else 0.0


def phase(
    port: int, pid: int, queries: Queries, name: str, clients: int, seconds: float, think: float
) -> dict:
    results: list[list] = [[] for _ in range(clients)]
    stop = time.time() + seconds
    started = time.time()
    cpu = cpu_seconds(pid)
    threads = [
        threading.Thread(target=user, args=(port, queries, stop, results[i], f"{name}/{i}", think))
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    peak = 0.0
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_mb(pid)[0])
        time.sleep(0.5)
    elapsed = time.time() - started
    cpu = cpu_seconds(pid) - cpu
    rows = [r for rs in results for r in rs]
    by_kind = {}
    for kind, _ in Queries.KINDS:
        mine = [d for k, d, _ in rows if k == kind]
        by_kind[kind] = {
            "n": len(mine),
            "p50": percentile(mine, 0.5),
            "p95": percentile(mine, 0.95),
        }
    errors = [s for _, _, s in rows if s != 200]
    return {
        "phase": name,
        "clients": clients,
        "think_s": think,
        "requests": len(rows),
        "rps": len(rows) / elapsed,
        "p50_ms": percentile([d for _, d, _ in rows], 0.5),
        "p95_ms": percentile([d for _, d, _ in rows], 0.95),
        "p99_ms": percentile([d for _, d, _ in rows], 0.99),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
        # The server's CPU per request: what the load costs, whatever else shares the machine.
        "cpu_ms_per_request": 1000 * cpu / max(len(rows), 1),
        "server_cpu_share": cpu / elapsed,
        "rss_mb": rss_mb(pid)[0],
        "rss_peak_in_phase_mb": peak,
        "by_kind": by_kind,
    }


def record(i: int) -> dict:
    return {
        "id": f"load-{os.getpid()}-{i:03d}",
        "kind": "startup",
        "name": f"株式会社ロードテスト{i}",
        "prefecture": PLACES[i % len(PLACES)],
        "description": f"{CHALLENGES[i % len(CHALLENGES)]}という課題に応えるサービスです。",
        "tags": ["IoT", "見守り"],
        "offers": [{"title": f"サービス{i}", "description": CHALLENGES[(i + 1) % len(CHALLENGES)]}],
    }


def imports(port: int, pid: int, queries: Queries, token: str, count: int) -> dict:
    rng = random.Random("imports")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    rss = [rss_mb(pid)[0]]
    seconds, errors = [], 0
    for i in range(count):
        body = json.dumps(record(i), ensure_ascii=False).encode("utf-8") + b"\n"
        started = time.perf_counter()
        conn.request(
            "POST",
            "/api/import",
            body=body,
            headers={"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        response.read()
        seconds.append(time.perf_counter() - started)
        errors += response.status != 201
        new = record(i)["id"]
        paths = [f"/api/match/partners?org={new}", f"/orgs/{new}"]
        paths += [queries.next(rng)[1] for _ in range(20)]
        for path in paths:
            errors += get(conn, path) != 200
        rss.append(rss_mb(pid)[0])
    conn.close()
    return {
        "imports": count,
        "errors": errors,
        "import_p50_s": sorted(seconds)[len(seconds) // 2],
        "rss_mb": rss,
    }


def coordinator_token(env: dict) -> str:
    name = f"load{os.getpid()}"
    made = subprocess.run(
        [MUSUBI, "user", "add", name, "--password-stdin"],
        env=env,
        input="load-benchmark-password\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def org_list(port: int) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    orgs, offset = [], 0
    while True:
        conn.request("GET", f"/api/orgs?limit=500&offset={offset}")
        page = json.loads(conn.getresponse().read())["orgs"]
        orgs += page
        offset += len(page)
        if len(page) < 500:
            return orgs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1600)
    parser.add_argument("--large", action="store_true", help="100,000 organisations")
    parser.add_argument("--encoder", default="hybrid")
    parser.add_argument("--home", type=Path, help="reuse a prepared home (skip building)")
    parser.add_argument("--threads", type=int, help="web_threads (default: the setting's)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between requests")
    parser.add_argument("--saturate-seconds", type=float, default=30)
    parser.add_argument("--imports", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    size = 100_000 if args.large else args.size

    home = args.home or Path(tempfile.mkdtemp(prefix="musubi-bench-load-"))
    if not args.home:
        print(f"building the seed corpus ({size:,}) and its index in {home} …", file=sys.stderr)
        prepare(home, size, args.encoder)
    env = {**os.environ, "MUSUBI_HOME": str(home), "MUSUBI_ENCODER": args.encoder}
    if args.threads:
        env["MUSUBI_WEB_THREADS"] = str(args.threads)
    token = coordinator_token(env)
    port = free_port()
    server = subprocess.Popen(
        [MUSUBI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    report: dict = {"size": size, "encoder": args.encoder, "loadavg_start": os.getloadavg()}
    try:
        report["ready_s"] = wait_up(port, server, timeout=600)
        report["banner"] = server.stdout.readline().strip()
        report["rss_ready_mb"] = rss_mb(server.pid)[0]
        queries = Queries(org_list(port))
        # Warm-up: every kind once, so the first phase does not time loading the templates.
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for kind, _ in Queries.KINDS:
            get(warm, queries.path(kind, 10**6))
        report["rss_warm_mb"] = rss_mb(server.pid)[0]
        report["phases"] = []
        for name, seconds, think in (
            ("users", args.seconds, args.think),
            ("back-to-back", args.saturate_seconds, 0),
        ):
            if seconds > 0:
                done = phase(port, server.pid, queries, name, args.clients, seconds, think)
                report["phases"].append(done)
                show(done, args.json)
        if args.imports:
            report["imports"] = imports(port, server.pid, queries, token, args.imports)
            show_imports(report["imports"], args.json)
        report["rss_end_mb"], report["rss_peak_mb"] = rss_mb(server.pid)
        report["loadavg_end"] = os.getloadavg()
        report["repeated_queries"] = queries.repeats
    finally:
        server.terminate()
        server.wait(timeout=60)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(
        f"server: {report['banner']}; ready in {report['ready_s']:.1f} s at "
        f"{report['rss_ready_mb']:.0f} MB, {report['rss_warm_mb']:.0f} MB warm; "
        f"RSS at the end {report['rss_end_mb']:.0f} MB, peak {report['rss_peak_mb']:.0f} MB; "
        f"{report['repeated_queries']} repeated queries; machine load average "
        f"{report['loadavg_start'][1]:.1f} at the start, {report['loadavg_end'][1]:.1f} at the end"
    )


def show_imports(i: dict, as_json: bool) -> None:
    if as_json:
        return
    rss = i["rss_mb"]
    print(
        f"imports: {i['imports']} one-record imports through the API "
        f"(p50 {i['import_p50_s']:.2f} s), {i['errors']} errors; "
        f"RSS {rss[0]:.0f} → {rss[len(rss) // 2]:.0f} → {rss[-1]:.0f} MB "
        f"(before, halfway, after; lowest {min(rss):.0f}, highest {max(rss):.0f})"
    )
    print("    RSS after each import (MB):", " ".join(f"{r:.0f}" for r in rss[1:]))
    sys.stdout.flush()


def show(r: dict, as_json: bool) -> None:
    if as_json:
        return
    print(
        f"{r['phase']}: {r['clients']} clients, think {r['think_s']:.1f} s: "
        f"{r['requests']} requests, {r['rps']:.1f} req/s, p50 {r['p50_ms']:.0f} ms, "
        f"p95 {r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, {r['errors']} errors "
        f"{r['error_statuses'] or ''}; server CPU {r['cpu_ms_per_request']:.1f} ms a request "
        f"({r['server_cpu_share']:.2f} cores); RSS {r['rss_mb']:.0f} MB (peak in phase "
        f"{r['rss_peak_in_phase_mb']:.0f} MB)"
    )
    for kind, k in r["by_kind"].items():
        print(f"    {kind:<16} {k['n']:>6} p50 {k['p50']:>6.0f} ms  p95 {k['p95']:>6.0f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
