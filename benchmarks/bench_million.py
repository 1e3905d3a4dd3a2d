"""Benchmark: a million organisations on one machine — import, index, match latency per mode,
recall@10 of the approximate index against exact search, and the server's peak RSS.

    python benchmarks/bench_million.py --workdir /tmp/bench1m

Every stage is timed and printed, and a summary table ends the run. The work directory keeps
the corpus and the home: a second run reuses what the first finished (imports already made
are skipped, indexing is incremental and the embedding cache holds every vector encoded), so
a run that crashed or was stopped resumes where it was.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match import CHALLENGES, report  # noqa: E402
from bench_web import free_port, wait_up  # noqa: E402

import seeds  # noqa: E402
from matcher.index.indexing import refresh_index  # noqa: E402
from matcher.index.texts import iter_texts  # noqa: E402
from matcher.ingest.importer import parse_records, write_records  # noqa: E402
from matcher.retrieval.bm25_file import refresh_lexical  # noqa: E402
from matcher.retrieval.dense import Filters, TextSearch  # noqa: E402
from matcher.retrieval.matcher import Matcher  # noqa: E402
from matcher.settings import load_settings  # noqa: E402
from matcher.store import queries  # noqa: E402
from matcher.store.session import open_store  # noqa: E402

GIB = 1024**3


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_gib() -> float:
    """This process's resident set now, in GiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / GIB


def settings_for(home: Path, encoder: str):  # noqa: ANN201
    return load_settings({"home": str(home), "encoder": encoder}, environ={})


# ---- corpus --------------------------------------------------------------------------------


def generate(path: Path, size: int) -> float | None:
    """Write the seed corpus unless a finished one is there; seconds taken, None if reused."""
    if path.exists():
        log(f"corpus: reusing {path}")
        return None
    log(f"corpus: generating {size:,} organisations …")
    started = time.perf_counter()
    tmp = path.with_name(path.name + ".tmp")  # renamed only when whole, so a rerun can trust it
    seeds.write_jsonl(tmp, seeds.build_corpus(size))
    tmp.replace(path)
    return time.perf_counter() - started


def read_slice(path: Path, k: int, slices: int) -> bytes:
    """Every ``slices``-th line from line ``k``: each slice a sample of all kinds. The corpus
    lists one kind after another; slices in file order would grow the HNSW graph one kind at a
    time, which costs recall (matcher/index/indexing.py)."""
    with path.open("rb") as f:
        return b"".join(line for i, line in enumerate(f) if i % slices == k)


# ---- import and index (run in a child process, see main) ---------------------------------


def build(corpus: Path, home: Path, encoder: str, slices: int) -> dict:
    """Import the corpus slice by slice, indexing each slice after its import.

    ``refresh_index`` keeps every vector it encodes until it returns (940 float32 each: ~12 GiB
    for 3.4 million texts) and fits BM25 over the whole store at its end, with the index still
    loaded; over a million organisations neither fits in 24 GiB. Slices bound the first; BM25
    is left to ``fit_bm25``, once, in a process of its own.
    """
    settings = settings_for(home, encoder)
    store = open_store(settings)
    out = {"import_s": 0.0, "imported": 0, "index_s": 0.0, "encoded": 0, "reused": 0}
    for k in range(slices):
        data = read_slice(corpus, k, slices)
        started = time.perf_counter()
        records, _, _ = parse_records(data, f"{corpus.stem}-{k}.jsonl")
        del data
        if queries.records_by_id(store, [records[-1].id]):
            log(f"slice {k + 1}/{slices}: {len(records):,} organisations already imported")
        else:
            write_records(store, records)
            seconds = time.perf_counter() - started
            out["import_s"] += seconds
            out["imported"] += len(records)
            log(
                f"slice {k + 1}/{slices}: imported {len(records):,} organisations in "
                f"{seconds:.1f} s ({len(records) / seconds:,.0f}/s), RSS {rss_gib():.1f} GiB"
            )
        del records
        with mock.patch("matcher.index.indexing.refresh_lexical", lambda *a, **kw: False):
            summary = index_with_progress(store, settings, f"slice {k + 1}/{slices}")
        out["index_s"] += summary.seconds
        out["encoded"] += summary.encoded
        out["reused"] += summary.reused
        out["texts"] = summary.total
    store.close()
    out["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB
    return out


def fit_bm25(home: Path, encoder: str) -> dict:
    """The BM25 matrices over every indexed organisation, as an index run saves them."""
    settings = settings_for(home, encoder)
    store = open_store(settings)
    log("BM25: fitting the matrices over every organisation …")
    started = time.perf_counter()
    refresh_lexical(store, settings, list(iter_texts(store)))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB
    log(f"BM25: {seconds:.1f} s, peak RSS {peak:.1f} GiB")
    store.close()
    return {"bm25_s": seconds, "bm25_peak_rss_gib": peak}


def index_with_progress(store, settings, label: str):  # noqa: ANN001, ANN201
    """refresh_index, with a line on stderr every ~50,000 texts (a run lasts the best part
    of an hour)."""
    state = {"total": 0, "done": 0, "next": 50_000, "started": time.perf_counter()}

    def on_start(total: int) -> None:
        state.update(total=total, started=time.perf_counter())
        log(f"{label}: indexing {total:,} texts")

    def progress(n: int) -> None:
        state["done"] += n
        if state["done"] >= state["next"] or state["done"] == state["total"]:
            state["next"] += 50_000
            seconds = time.perf_counter() - state["started"]
            log(
                f"{label}: {state['done']:,}/{state['total']:,} texts, "
                f"{state['done'] / seconds:,.0f}/s, RSS {rss_gib():.1f} GiB"
            )

    summary = refresh_index(store, settings, on_start=on_start, progress=progress)
    log(
        f"{label}: {summary.total:,} texts in the index, {summary.encoded:,} encoded, "
        f"{summary.reused:,} from the cache in {summary.seconds:.1f} s ({summary.index_type})"
    )
    return summary


# ---- the server's peak memory ----------------------------------------------------------------


def sample_ids(corpus: Path, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` organisation ids and ``n`` municipality ids (the ones with needs), at random."""
    ids, municipalities = [], []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            ids.append(record["id"])
            if record["kind"] == "municipality" and record.get("needs"):
                municipalities.append(record["id"])
    rng = random.Random(seed)
    return rng.sample(ids, n), rng.sample(municipalities, n)


def status_gib(pid: int, field: str = "VmHWM") -> float:
    """A memory field of /proc/PID/status (VmHWM: peak RSS; RssAnon: the process's own pages
    now; RssFile: pages of mapped files now), summed over the process and its children, in
    GiB."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith(f"{field}:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total * 1024 / GIB


def serve_and_warm(
    home: Path,
    encoder: str,
    orgs: list[str],
    municipalities: list[str],
    requests: int,
    workdir: Path,
) -> dict:
    """Start ``musubi serve`` on the home, send ``requests`` match requests round the three
    modes (each one new, so the result cache answers none), then read its peak RSS."""
    port = free_port()
    env = {**os.environ, "MUSUBI_HOME": str(home), "MUSUBI_ENCODER": encoder}
    started = time.perf_counter()
    with (workdir / "serve.log").open("w") as server_log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "musubi"), "serve", "--port", str(port)],
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_up(port, server, timeout=1800)
            ready = time.perf_counter() - started
            log(f"server: ready in {ready:.1f} s, RSS so far {status_gib(server.pid):.1f} GiB")
            times: dict[str, list[float]] = {"procurement": [], "partners": [], "joint": []}
            errors = 0
            # Mapped files (the BM25 matrices) count in RSS as their pages are read, but the
            # kernel can drop those pages: the process's own memory is told apart.
            anon = file_ = 0.0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            q = urllib.parse.urlencode
            for n in range(requests):
                mode = ("procurement", "partners", "joint")[n % 3]
                if mode == "procurement":
                    text = CHALLENGES[n % len(CHALLENGES)]
                    path = "/api/match/procurement?" + q({"text": text, "budget": 10**6 + n})
                elif mode == "partners":
                    path = "/api/match/partners?" + q({"org": orgs[n % len(orgs)]})
                else:
                    path = "/api/match/joint?" + q({"org": municipalities[n % len(municipalities)]})
                request_started = time.perf_counter()
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                times[mode].append((time.perf_counter() - request_started) * 1000)
                errors += response.status != 200
                anon = max(anon, status_gib(server.pid, "RssAnon"))
                file_ = max(file_, status_gib(server.pid, "RssFile"))
                if (n + 1) % 100 == 0:
                    log(f"server: {n + 1} requests, peak RSS {status_gib(server.pid):.2f} GiB")
            peak = status_gib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
    return {
        "ready_s": ready,
        "peak_rss_gib": peak,
        "peak_anon_gib": anon,
        "peak_file_gib": file_,
        "errors": errors,
        "times": times,
    }


# ---- recall of the approximate index ------------------------------------------------------


def query_texts(corpus: Path, n: int, seed: int = 0) -> list[str]:
    """The challenges, then stored texts of random organisations (profile, need or offer,
    rebuilt as indexing builds them) to make ``n`` queries."""
    from matcher.index.texts import texts_of
    from matcher.ingest.records import validate

    with corpus.open("rb") as f:
        total = sum(1 for _ in f)
    rng = random.Random(seed)
    wanted = set(rng.sample(range(total), max(0, n - len(CHALLENGES))))
    texts = list(CHALLENGES[:n])
    with corpus.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i in wanted:
                record, _ = validate(json.loads(line), i + 1)
                texts.append(rng.choice(texts_of(0, record)).content)
    return texts


def recall_at_10(search: TextSearch, texts: list[str]) -> dict[str, dict[str, float]]:
    """recall@10 of the index's own search against exact inner products over the same stored
    vectors, with no filter and with procurement's filter on suppliers' offers and profiles."""
    index = search.index
    queries_ = search.encode_queries(texts).astype(np.float32)
    suppliers = Filters(roles=("offer", "profile"), kinds=("startup", "company"))
    filters = {"all texts": None, "suppliers": search.allowed_ids(suppliers)}
    approx = {
        name: [h.ids for h in index.search_many(queries_, 10, allowed_ids=allowed)]
        for name, allowed in filters.items()
    }
    # Exact: every stored vector read back in chunks (all at once: 12 GiB), a running top 10.
    ids = index.ids
    best = {
        name: (np.full((len(texts), 0), -np.inf), np.zeros((len(texts), 0), np.int64))
        for name in filters
    }
    started = time.perf_counter()
    for start in range(0, len(ids), 65_536):
        chunk = ids[start : start + 65_536]
        scores = queries_ @ index.vectors(chunk).T
        for name, allowed in filters.items():
            keep = np.ones(len(chunk), bool) if allowed is None else np.isin(chunk, allowed)
            s = np.hstack([best[name][0], scores[:, keep]])
            i = np.hstack([best[name][1], np.broadcast_to(chunk[keep], (len(texts), keep.sum()))])
            top = np.argsort(-s, axis=1)[:, :10]
            best[name] = (np.take_along_axis(s, top, 1), np.take_along_axis(i, top, 1))
        if start // 65_536 % 10 == 0:
            log(f"recall: exact search {start + len(chunk):,}/{len(ids):,} vectors")
    log(f"recall: exact search over {len(ids):,} vectors in {time.perf_counter() - started:.1f} s")

    # The corpus repeats some texts word for word: among equal scores either id is right, so
    # a hit counts when its exact score reaches the 10th exact score (ids alike: "same ids").
    out = {}
    for name in filters:
        found, exact = approx[name], best[name]
        present = np.unique(np.concatenate(found))
        row = {i: r for r, i in enumerate(present.tolist())}
        vectors = index.vectors(present)
        hits, same = [], []
        for q, ids_ in enumerate(found):
            scores = queries_[q] @ vectors[[row[i] for i in ids_.tolist()]].T
            hits.append(np.sum(scores >= exact[0][q, -1] - 1e-5))
            same.append(len(set(ids_.tolist()) & set(exact[1][q].tolist())))
        out[name] = {"recall": float(np.mean(hits)) / 10, "same ids": float(np.mean(same)) / 10}
    return out


# ---- match latency ------------------------------------------------------------------------


def latency(m: Matcher, repeats: int) -> dict[str, tuple[float, float]]:
    """bench_match's table on this home, echoed, and its p50 / p95 by row."""
    table = io.StringIO()
    with contextlib.redirect_stdout(table):
        report(m, repeats)
    print(table.getvalue(), end="")
    rows = {}
    for line in table.getvalue().splitlines()[1:]:
        name, numbers = line[:26].strip(), line[26:].split()
        rows[name] = (float(numbers[0]), float(numbers[1]))
    return rows


def disk_sizes(home: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(home.iterdir()) if p.is_file()}


# ---- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="organisations (+3%% banks)")
    parser.add_argument("--workdir", type=Path, required=True, help="corpus and home; reused")
    parser.add_argument("--encoder", default="hybrid")
    parser.add_argument("--slices", type=int, default=4, help="imports (each then indexed)")
    parser.add_argument("--queries", type=int, default=300, help="per mode, for latency")
    parser.add_argument("--recall-queries", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300, help="to warm the server up")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.workdir / f"seed-{args.size}.jsonl"
    home = args.workdir / "home"
    results: dict = {}

    # A child process for the build, so the memory it held is returned before the server
    # and the queries measure theirs. A finished build leaves its times in build.json and is
    # not redone; an unfinished one resumes, and its times then cover what was left.
    built = args.workdir / "build.json"
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
        results["generate_s"] = child.submit(generate, corpus, args.size).result()
        if built.exists():
            log(f"build: reusing {home}, times from {built}")
        else:
            started = time.perf_counter()
            done = child.submit(build, corpus, home, args.encoder, args.slices).result()
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as fresh:
                done |= fresh.submit(fit_bm25, home, args.encoder).result()
            built.write_text(json.dumps({**done, "wall_s": time.perf_counter() - started}))
    results["build"] = json.loads(built.read_text())

    orgs, municipalities = sample_ids(corpus, args.requests)
    log(f"server: starting on {home} …")
    results["server"] = serve_and_warm(
        home, args.encoder, orgs, municipalities, args.requests, args.workdir
    )

    log("latency: loading the home …")
    started = time.perf_counter()
    settings = settings_for(home, args.encoder)
    m = Matcher(open_store(settings), settings)
    log(f"latency: matcher ready in {time.perf_counter() - started:.1f} s")
    results["recall"] = recall_at_10(m.search, query_texts(corpus, args.recall_queries))
    log(f"recall@10: {results['recall']}")
    results["latency"] = latency(m, args.queries)
    results["disk"] = disk_sizes(home)
    (args.workdir / "results.json").write_text(json.dumps(results, indent=1))
    summary(results)


def summary(r: dict) -> None:
    b, s = r["build"], r["server"]
    texts = b["encoded"] + b["reused"]
    rows = [
        ("corpus generated", "reused" if r["generate_s"] is None else f"{r['generate_s']:.0f} s"),
        ("organisations imported", f"{b['imported']:,} in {b['import_s']:.0f} s"),
        ("import", f"{b['imported'] / b['import_s']:,.0f} orgs/s" if b["import_s"] else "reused"),
        ("texts in the index", f"{b['texts']:,}"),
        ("index (encode + graph)", f"{texts:,} texts in {b['index_s']:.0f} s"),
        ("index throughput", f"{texts / b['index_s']:,.0f} texts/s" if b["index_s"] else "—"),
        ("BM25 fit", f"{b['bm25_s']:.0f} s"),
        ("index runs peak RSS", f"{b['peak_rss_gib']:.1f} GiB"),
        ("BM25 fit peak RSS", f"{b['bm25_peak_rss_gib']:.1f} GiB"),
        ("server ready", f"{s['ready_s']:.1f} s"),
        ("server peak RSS after warm-up", f"{s['peak_rss_gib']:.2f} GiB (target ≤ 12)"),
        ("  of it, its own memory at most", f"{s['peak_anon_gib']:.2f} GiB"),
        ("  of it, mapped files' pages at most", f"{s['peak_file_gib']:.2f} GiB"),
        ("server warm-up errors", str(s["errors"])),
    ]
    for mode, values in s["times"].items():
        p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
        rows.append((f"server {mode}, HTTP", f"p50 {p50:.0f} / p95 {p95:.0f} ms"))
    for name, (p50, p95) in r["latency"].items():
        rows.append((name, f"p50 {p50:.1f} / p95 {p95:.1f} ms"))
    for name, value in r["recall"].items():
        rows.append(
            (
                f"recall@10, {name}",
                f"{value['recall']:.3f} (floor 0.95; same ids {value['same ids']:.3f})",
            )
        )
    for name, size in r["disk"].items():
        rows.append((f"disk: {name}", f"{size / GIB:.2f} GiB"))
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
