"""Benchmark of the add-in server: time per ribbon command, over real HTTP on 127.0.0.1.

For each workbook (the 2025 sample and a generated tree of ``--rows`` objectives) and
each ribbon command that is available, POSTs the JSON Excel sends ``--repeat`` times and
prints p50/p95 of the request time (server time + localhost transfer). Side by side, the
naive way the same check would be done without the add-in: save the workbook to a file
and reload it with pandas/openpyxl before validating (``read_excel`` + ``validate``).

Usage: ``python benchmarks/bench_server.py [--rows 5000] [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from benchmarks.gen_tree import make_tree  # noqa: E402
from tests.excel_model import WorkbookModel  # noqa: E402
from tests.server_support import SAMPLE, running_server  # noqa: E402
from xl_albero.io.table_writer import write_tree_workbook  # noqa: E402

COMMANDS = {"valida": [], "settori": [], "riepilogo": [], "nuovo_ciclo": [2026]}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


def naive(path: Path, repeat: int) -> list[float]:
    import pandas as pd

    from xl_albero.rawsheet import RawSheet
    from xl_albero.sheet_parser import tree_from_sheets
    from xl_albero.validation import validate

    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
        raws = [RawSheet(name, df.astype(object).where(df.notna(), None).values.tolist())
                for name, df in sheets.items()]
        validate(tree_from_sheets(raws))
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"albero_{a.rows}.xlsx"
        write_tree_workbook(make_tree(a.rows), big)
        with running_server(Path(tmp)) as url, httpx.Client(timeout=300) as client:
            print(f"{'cartella':<22}{'comando':<13}{'p50 ms':>9}{'p95 ms':>9}")
            for label, path in (("esempio 2025", SAMPLE), (f"{a.rows} obiettivi", big)):
                model = WorkbookModel.from_xlsx(path)
                for cmd, args in COMMANDS.items():
                    payload = model.payload(args=args)
                    times, status = [], None
                    for _ in range(a.repeat):
                        t = time.perf_counter()
                        r = client.post(f"{url}/xlwings/custom-scripts-call/{cmd}", json=payload)
                        times.append(time.perf_counter() - t)
                        status = r.status_code
                    if status != 200:
                        print(f"{label:<22}{cmd:<13}{'non disponibile (' + str(status) + ')':>18}")
                        continue
                    print(f"{label:<22}{cmd:<13}{pct(times, .5) * 1e3:>9.1f}"
                          f"{pct(times, .95) * 1e3:>9.1f}")
                nv = naive(path, max(3, a.repeat // 4))
                print(f"{label:<22}{'naive valida':<13}{pct(nv, .5) * 1e3:>9.1f}"
                      f"{pct(nv, .95) * 1e3:>9.1f}   (file + pandas/openpyxl + validate)")


if __name__ == "__main__":
    main()
