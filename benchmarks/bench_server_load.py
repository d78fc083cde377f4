"""Concurrency benchmark of the add-in server: small requests while big ones run.

On 127.0.0.1, ``--big`` clients send, back to back, a ``valida`` of a generated tree of
``--big-rows`` objectives (the "one big workbook" of the issue), while ``--small``
clients send, back to back, a ``valida`` of the 2025 sample (48 objectives, what a normal
click sends). For ``--seconds`` it records every small request: p50/p95 latency, how
many per second the server answered, how many it refused (503, queue full). ``GET /``
is timed too.

Side by side in one run: the server as it is (worker processes, ``workers`` = 2 by
default) and the naive way it worked before (``workers = 0``: every command in the
server's event loop).

Back-to-back clients are a worst case: a person clicks a button at most every few
seconds, so one back-to-back client stands for many people. ``users ≈ answered/s ×
think time`` (the README takes 10 s between clicks) while p95 stays under a second.

Usage: ``python benchmarks/bench_server_load.py [--big-rows 60000] [--big 1]
[--small 1 4 16] [--seconds 20] [--workers N]`` (default: the server's default). The clients share the machine with the
server: on a 2-core machine the figures are lower bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.excel_model import WorkbookModel  # noqa: E402
from tests.server_support import SAMPLE, running_server  # noqa: E402

HEADERS = {"Content-Type": "application/json"}


def tree_payload(n: int) -> bytes:
    """The JSON Excel sends for a generated tree of ``n`` objectives."""
    import xlwings as xw

    from benchmarks.gen_tree import make_tree

    tree = make_tree(n)
    head = [str(c) for c in tree.data.columns]
    rows = [["" if v is None else v for v in r] for r in tree.data.itertuples(index=False)]
    reg = tree.sectors.astype(object).fillna("")
    sheets = [{"name": name, "values": values, "visibility": "Visible", "pictures": [],
               "shapes": [], "charts": [], "tables": [], "pivot_tables": [], "notes": []}
              for name, values in (("Albero", [head, *rows]),
                                   ("Settori", [list(reg.columns), *reg.values.tolist()]))]
    return json.dumps({"client": "Office.js", "version": xw.__version__,
                       "book": {"name": f"albero_{n}.xlsx", "active_sheet_index": 0},
                       "names": [], "sheets": sheets}).encode()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(q * (len(values) - 1))))]


def run(url: str, big_body: bytes, small_body: bytes, n_big: int, n_small: int,
        seconds: float) -> dict:
    stop = threading.Event()
    small_times: list[float] = []
    root_times: list[float] = []
    refused = [0]
    errors = [0]
    big_done = [0]
    lock = threading.Lock()

    def big_client() -> None:
        with httpx.Client(timeout=600) as c:
            while not stop.is_set():
                r = c.post(url + "/xlwings/custom-scripts-call/valida", content=big_body,
                           headers=HEADERS)
                with lock:
                    big_done[0] += r.status_code == 200

    def small_client() -> None:
        with httpx.Client(timeout=600) as c:
            while not stop.is_set():
                t = time.perf_counter()
                r = c.post(url + "/xlwings/custom-scripts-call/valida", content=small_body,
                           headers=HEADERS)
                dt = time.perf_counter() - t
                with lock:
                    if r.status_code == 200:
                        small_times.append(dt)
                    elif r.status_code == 503:
                        refused[0] += 1
                        time.sleep(float(r.headers.get("retry-after", "1")) / 10)
                    else:
                        errors[0] += 1

    def root_client() -> None:
        with httpx.Client(timeout=600) as c:
            while not stop.is_set():
                t = time.perf_counter()
                c.get(url + "/")
                root_times.append(time.perf_counter() - t)
                time.sleep(0.5)

    threads = [threading.Thread(target=big_client) for _ in range(n_big)]
    for t in threads:
        t.start()
    time.sleep(1.5 if n_big else 0)  # the big requests are in
    others = ([threading.Thread(target=small_client) for _ in range(n_small)]
              + [threading.Thread(target=root_client)])
    start = time.perf_counter()
    for t in others:
        t.start()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - start
    for t in others + threads:
        t.join()
    return {"p50": pct(small_times, .5), "p95": pct(small_times, .95),
            "max": max(small_times, default=float("nan")),
            "per_s": len(small_times) / elapsed, "n": len(small_times),
            "refused": refused[0], "errors": errors[0], "big": big_done[0],
            "root_p95": pct(root_times, .95), "root_max": max(root_times, default=0.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big-rows", type=int, default=60_000)
    ap.add_argument("--big", type=int, default=1, help="clients sending the big tree")
    ap.add_argument("--small", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-naive", action="store_true")
    a = ap.parse_args()
    big_body = tree_payload(a.big_rows)
    small_body = json.dumps(WorkbookModel.from_xlsx(SAMPLE).payload()).encode()
    print(f"big tree: {a.big_rows} objectives, {len(big_body) / 1e6:.1f} MB; small: sample "
          f"2025, {len(small_body) / 1e3:.0f} KB; {a.seconds:g} s per line; load "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'server':<20}{'big':>4}{'small':>6}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
          f"{'small/s':>8}{'503':>5}{'GET / p95':>10}{'GET / max':>10}{'big done':>9}")
    from xl_albero.server.settings import ServerSettings

    workers = a.workers if a.workers is not None else ServerSettings().workers
    modes = [(f"workers={workers}", str(workers))]
    if not a.skip_naive:
        modes.append(("naive (workers=0)", "0"))
    for label, workers in modes:
        with tempfile.TemporaryDirectory() as tmp, running_server(
                Path(tmp), ALBERO_SERVER_WORKERS=workers, XLWINGS_LOG_LEVEL="WARNING") as url:
            httpx.post(url + "/xlwings/custom-scripts-call/valida", content=small_body,
                       headers=HEADERS, timeout=120)  # warm
            for big in sorted({0, a.big}):
                for small in a.small:
                    if big == 0 and small != max(a.small):
                        continue
                    r = run(url, big_body, small_body, big, small, a.seconds)
                    print(f"{label:<20}{big:>4}{small:>6}{r['p50'] * 1e3:>8.0f}"
                          f"{r['p95'] * 1e3:>8.0f}{r['max'] * 1e3:>8.0f}{r['per_s']:>8.1f}"
                          f"{r['refused']:>5}{r['root_p95'] * 1e3:>10.0f}"
                          f"{r['root_max'] * 1e3:>10.0f}{r['big']:>9}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
