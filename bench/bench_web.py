"""Load test of the web app on the embedded store: the shipped documents plus a 10,000-
enterprise fictional register, served by waitress (the production WSGI server) in a
second process on 127.0.0.1; this process runs CLIENTS concurrent clients (threads, each
with one keep-alive connection, no think time) for SECONDS over the main API endpoints,
the dashboard (page and JSON) and the graph endpoints (graph page, graph JSON with and
without measures, a bureau's neighbours, the standalone graph export) and prints
requests/s, p50/p95 latency per endpoint and the errors. The baseline, measured
in the same run, is one client at a time (no queueing): the service time of each endpoint.

    python -m bench.bench_web                      # 50 clients, 30 s, 10,000 enterprises
    python -m bench.bench_web --clients 8 --seconds 10 --threads 4
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import yaml

from bench.common import record

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-06-30"
ENDPOINTS: dict[str, str] = {
    # the district of the demo register (data/enterprises/demo-profile.yaml), not a fact in code
    "qualification-supports": "/api/queries/qualification-supports?district="
    + quote(yaml.safe_load((ROOT / "data/enterprises/demo-profile.yaml").read_text("utf-8"))["district"])
    + f"&as_of={AS_OF}",
    "articles-per-bureau": f"/api/queries/articles-per-bureau?as_of={AS_OF}",
    "enterprise": "/api/enterprises/{uscc}?as_of=" + AS_OF,
    "documents": "/api/documents",
    # issue 19: the dashboard (page and JSON) and the graph endpoints; {doc} is a loaded
    # document, {node} the bureau responsible for most of its articles (found at start)
    "dashboard": "/dashboard",
    "dashboard-api": "/api/dashboard",
    "graph-page": "/documents/{doc}/graph",
    "document-graph": "/api/documents/{doc}/graph",
    "document-graph-measures": "/api/documents/{doc}/graph?measures=1",
    "neighbours": "/api/nodes/{node}/neighbours",
    "graph-export": "/export/documents/{doc}/graph.html?measures=1",
    # issue 18: the central question's matrix (page and JSON) and a node's ego network
    "unlocks": "/unlocks",
    "unlocks-api": "/api/unlocks",
    "ego": "/api/nodes/{node}/ego?depth=2",
}
TARGET_P95_MS = 100  # issue 6 (query and eligibility endpoints) and issue 19 (dashboard, graphs): all
TIMEOUT_S = 30


def build(home: Path, count: int, seed: int) -> list[str]:
    """Write the demo register and build the embedded store under ``home``; the register's USCCs."""
    from graph.embedded_store import EmbeddedStore
    from loaders import document_batch, extract_file, ontology_batch
    from loaders.demo import write_demo_register
    from loaders.register import read_register, register_batch
    from ontology import load_ontology

    ont = load_ontology()
    register = home / "register.csv"
    write_demo_register(register, count=count, seed=seed, ontology=ont)
    reg = read_register(register, ontology=ont)
    docs = [document_batch(extract_file(p), ont) for p in sorted((ROOT / "data" / "policies").glob("*.txt"))]
    store = EmbeddedStore(home / "embedded", ont)
    store.write_many([ontology_batch(ont), *docs, register_batch(reg, ont)])
    store.close()
    return sorted(reg.enterprises)


def serve(home: Path, threads: int, workers: int = 1) -> None:
    """Run the app on 127.0.0.1 and a free port (waitress, or gunicorn with ``workers`` > 1);
    print the port, then serve."""
    from waitress.server import create_server

    from policykg.settings import Settings
    from policykg.webapp import build_app, serve_workers

    if workers > 1:
        serve_workers(Settings(home=home), "127.0.0.1", 0, workers=workers, threads=threads,
                      on_ready=lambda port: print(f"PORT {port}", flush=True))
        return
    app = build_app(Settings(home=home))
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


def start_server(home: Path, threads: int, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """The server subprocess and its port (waits until it answers)."""
    with open(home / "server.log", "w") as log:  # the child keeps its own copy of the handle
        proc = subprocess.Popen([sys.executable, "-m", "bench.bench_web", "--serve", str(home),
                                 "--threads", str(threads), "--workers", str(workers)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"server did not start: {line!r}; see {home / 'server.log'}")
        port = int(line.split()[1])
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, ENDPOINTS["documents"])[0] == 200:
                    return proc, port
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer within 60 s")
            time.sleep(0.2)
    except BaseException:  # never leave the server running
        stop_server(proc)
        raise


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server subprocess (kill it if it does not stop within 10 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    """GET ``path``: status and body (a fresh connection unless one is given)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    try:
        c.request("GET", path, headers={"Accept": "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        if conn is None:
            c.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of process ``pid`` and its live descendants (gunicorn
    workers), from Linux /proc."""
    stats: dict[int, tuple[int, int]] = {}  # pid -> (parent, ticks)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, ticks = {pid}, 0
    for p in sorted(stats):  # parents have smaller pids here (no pid wrap-around in a bench run)
        if p in tree or stats[p][0] in tree:
            tree.add(p)
            ticks += stats[p][1]
    return ticks / os.sysconf("SC_CLK_TCK")


Sample = tuple[str, float, bool]  # endpoint, seconds, ok


def answered(path: str, status: int, body: bytes) -> bool:
    """A success: 200, and for the JSON API a body that starts ``{"ok":true`` (pages and
    downloads: 200 only; the dashboard's "being computed" page is a 202, so a failure)."""
    return status == 200 and (not path.startswith("/api/") or body.startswith(b'{"ok":true'))


def client(port: int, deadline: float, pick: Callable[[random.Random], tuple[str, str]],
           rng: random.Random, out: list[Sample]) -> None:
    """Send requests back to back until ``deadline``; a failure is any non-200 or a body without ok."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    while time.perf_counter() < deadline:
        name, path = pick(rng)
        t = time.perf_counter()
        try:
            status, body = get(port, path, conn)
            ok = answered(path, status, body)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        out.append((name, time.perf_counter() - t, ok))
    conn.close()


def targets(port: int) -> dict[str, str]:
    """What ``{doc}`` and ``{node}`` stand for: the loaded document with the most articles,
    and the bureau responsible for most of them (read from the app's own JSON API)."""
    import json

    docs = json.loads(get(port, "/api/documents")[1])["documents"]
    doc = max(docs, key=lambda d: (d["counts"]["articles"], d["id"]))["id"]
    outline = json.loads(get(port, f"/api/documents/{doc}")[1])["document"]
    bureaus: dict[str, int] = {}
    for chapter in outline["chapters"]:
        for article in chapter["articles"]:
            for b in article["bureaus"]:
                bureaus[b["id"]] = bureaus.get(b["id"], 0) + 1
    return {"doc": doc, "node": max(bureaus, key=lambda b: (bureaus[b], b))}


def picker(usccs: list[str], ids: dict[str, str]) -> Callable[[random.Random], tuple[str, str]]:
    """Each request: one of the endpoints, equally likely; a random enterprise for eligibility."""
    names = list(ENDPOINTS)

    def pick(rng: random.Random) -> tuple[str, str]:
        name = rng.choice(names)
        return name, ENDPOINTS[name].format(uscc=rng.choice(usccs), **ids)

    return pick


def pct(values: list[float], q: float) -> float:
    """The ``q``-quantile (nearest rank) of ``values``, in milliseconds.

    >>> pct([0.001, 0.002, 0.003, 0.004], 0.5)
    2.0
    """
    s = sorted(values)
    return round(1000 * s[min(len(s) - 1, max(0, int(q * len(s) + 0.5) - 1))], 1) if s else 0.0


def summary(samples: list[Sample], seconds: float) -> dict[str, dict[str, float]]:
    """Per endpoint: requests, requests/s, errors, p50, p95, p99 and max (ms)."""
    out = {}
    for name in ENDPOINTS:
        times = [t for n, t, _ in samples if n == name]
        out[name] = {"requests": len(times), "rps": round(len(times) / seconds, 1),
                     "errors": sum(1 for n, _, ok in samples if n == name and not ok),
                     "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95), "p99_ms": pct(times, 0.99),
                     "max_ms": pct(times, 1.0)}
    return out


def run_load(port: int, usccs: list[str], ids: dict[str, str], clients: int, seconds: float,
             seed: int) -> tuple[list[Sample], float]:
    """``clients`` threads for ``seconds``: every sample, and the wall time."""
    pick = picker(usccs, ids)
    outs: list[list[Sample]] = [[] for _ in range(clients)]
    start = time.perf_counter()
    deadline = start + seconds
    threads = [threading.Thread(target=client, args=(port, deadline, pick, random.Random(seed + i), outs[i]))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [s for o in outs for s in o], time.perf_counter() - start


def baseline(port: int, usccs: list[str], ids: dict[str, str], per_endpoint: int,
             seed: int) -> dict[str, dict[str, float]]:
    """One client, one request at a time: each endpoint's service time without queueing."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    samples: list[Sample] = []
    for name, template in ENDPOINTS.items():
        for _ in range(per_endpoint):
            t = time.perf_counter()
            path = template.format(uscc=rng.choice(usccs), **ids)
            status, body = get(port, path, conn)
            samples.append((name, time.perf_counter() - t, answered(path, status, body)))
    conn.close()
    total = sum(t for _, t, _ in samples)
    return {k: {"p50_ms": v["p50_ms"], "p95_ms": v["p95_ms"], "errors": v["errors"]}
            for k, v in summary(samples, total).items()}


def main(argv: list[str] | None = None) -> None:
    """Build the store, start the server, measure the baseline and the load, print and record."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--count", type=int, default=10_000, help="enterprises in the demo register")
    ap.add_argument("--threads", type=int, default=8, help="threads per server process")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="server processes (gunicorn when > 1, waitress when 1); default: the CPU count")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: the server process
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve, args.threads, args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        home = Path(tmp)
        t = time.perf_counter()
        usccs = build(home, args.count, args.seed)
        build_s = time.perf_counter() - t
        proc, port = start_server(home, args.threads, args.workers)
        try:
            ids = targets(port)
            t = time.perf_counter()
            # warm up: first queries compile and cache; each worker computes the dashboard
            # once (a fresh connection per request reaches either worker)
            first = {name: get(port, template.format(uscc=usccs[0], **ids))[0] for name, template in ENDPOINTS.items()}
            warm_s = time.perf_counter() - t
            for template in ENDPOINTS.values():
                for i in range(10):
                    get(port, template.format(uscc=usccs[i % len(usccs)], **ids))
            base = baseline(port, usccs, ids, 100, args.seed)
            cpu0, client0 = cpu_seconds(proc.pid), time.process_time()
            samples, wall = run_load(port, usccs, ids, args.clients, args.seconds, args.seed)
            server_cpu, client_cpu = cpu_seconds(proc.pid) - cpu0, time.process_time() - client0
        finally:
            stop_server(proc)
    per = summary(samples, wall)
    gated = tuple(ENDPOINTS)
    figures = {
        "enterprises": len(usccs), "build_s": round(build_s, 1),
        "first_request_status": first, "first_requests_s": round(warm_s, 1), "graph_targets": ids,
        "clients": args.clients, "seconds": round(wall, 1),
        "server": "gunicorn gthread" if args.workers > 1 else "waitress",
        "workers": args.workers, "threads": args.threads,
        "requests": len(samples), "rps": round(len(samples) / wall, 1),
        "errors": sum(1 for _, _, ok in samples if not ok),
        "server_cpu_per_s": round(server_cpu / wall, 2), "client_cpu_per_s": round(client_cpu / wall, 2),
        "endpoints": per,
        "baseline_one_client": base,
        "p95_loaded_over_one_client": {k: round(per[k]["p95_ms"] / base[k]["p95_ms"], 1) if base[k]["p95_ms"] else None
                                       for k in ENDPOINTS},
        "target_met": all(per[k]["p95_ms"] <= TARGET_P95_MS for k in gated)
        and not any(per[k]["errors"] for k in ENDPOINTS),
    }
    record("web_load", figures)


if __name__ == "__main__":
    main()
