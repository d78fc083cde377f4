"""Benchmark: ``albero raccogli`` of 50 returned workbooks of a 100,000-objective tree,
side by side with the naive way, both as whole processes.

    python benchmarks/bench_collect.py [--n 100000] [--m 50] [--repeat 3] [--naive-repeat 1]

Setup (not timed, cached in ``$TMPDIR/bench_collect_<n>_<m>``): a tree from
``gen_tree.make_tree`` written as a workbook, ``esporta`` of one workbook per sector, then
each workbook filled in with openpyxl the way a dirigente would (Avanzamento %, Stato and
Valore consuntivo of every objective the sector leads) and saved.

Timed, each a fresh Python process (imports, reading, merging, writing the master):

* xl-albero: ``python -m xl_albero raccogli TREE FOLDER -o OUT --rilevazione 30/06``
  (validates the tree, reads every file with calamine, checks identity/structure/values,
  writes the master with the ``Raccolta`` log).
* naive: ``pandas.read_excel`` (openpyxl) of the tree, openpyxl read of each returned
  workbook's ``Obiettivi`` sheet, concatenation, rows whose role is ``Responsabile``,
  ``merge`` on ``Codice`` into the tree, ``to_excel`` (openpyxl) of the master. No checks
  at all: strictly less work than ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAIVE = r'''
import sys
from pathlib import Path
import openpyxl
import pandas as pd

tree_path, folder, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
tree = pd.read_excel(tree_path, sheet_name="Albero", engine="openpyxl")
frames = []
for f in sorted(folder.glob("*.xlsx")):
    wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
    rows = list(wb["Obiettivi"].iter_rows(values_only=True))
    wb.close()
    frames.append(pd.DataFrame(rows[1:], columns=rows[0]))
returned = pd.concat(frames, ignore_index=True)
led = returned[returned["Ruolo del settore"] == "Responsabile"]
cols = ["Stato", "Avanzamento %", "Valore consuntivo", "Note"]
led = led[["Codice", *cols]].rename(columns={c: f"{c} 30/06" for c in cols})
master = tree.merge(led, on="Codice", how="left")
master.to_excel(out, sheet_name="Albero", index=False, engine="openpyxl")
'''


def setup(n: int, m: int) -> tuple[Path, Path]:
    """The tree workbook and the folder of filled-in returned workbooks (cached)."""
    import datetime as dt

    import openpyxl

    from benchmarks.gen_tree import make_tree
    from xl_albero.io.reader import load_tree
    from xl_albero.io.sector_workbook import export_all
    from xl_albero.io.table_writer import write_tree_workbook

    base = Path(tempfile.gettempdir()) / f"bench_collect_{n}_{m}"
    tree_path, returned = base / "albero.xlsx", base / "restituite"
    if (base / "ok").exists():
        return tree_path, returned
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    write_tree_workbook(make_tree(n, m), tree_path)
    export_all(load_tree(tree_path), base / "esportate", now=dt.datetime(2025, 6, 20, 9, 0))
    returned.mkdir()
    for i, f in enumerate(sorted((base / "esportate").iterdir())):
        wb = openpyxl.load_workbook(f)
        ws = wb["Obiettivi"]
        head = [c.value for c in ws[1]]
        role, adv, state, actual = (head.index(h) + 1 for h in (
            "Ruolo del settore", "Avanzamento %", "Stato", "Valore consuntivo"))
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, role).value == "Responsabile":
                ws.cell(r, adv).value = (r * 7 + i) % 101
                ws.cell(r, state).value = "In corso"
                ws.cell(r, actual).value = r % 13
        wb.save(returned / f.name)
    (base / "ok").write_text("ok")
    return tree_path, returned


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    took = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or "Traceback (most recent call last)" in proc.stderr:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-repeat", type=int, default=1)
    a = ap.parse_args()
    t0 = time.perf_counter()
    tree_path, returned = setup(a.n, a.m)
    files = sorted(returned.iterdir())
    print(f"{a.n} obiettivi, {len(files)} cartelle restituite "
          f"(setup {time.perf_counter() - t0:.0f} s); load: {os.getloadavg()}")
    work = Path(tempfile.mkdtemp(prefix="bench_collect_out_"))
    try:
        ours_cmd = [sys.executable, "-m", "xl_albero", "raccogli", str(tree_path),
                    str(returned), "-o", str(work / "ours.xlsx"), "--rilevazione", "30/06",
                    "--sovrascrivi", "--json"]
        naive_cmd = [sys.executable, "-c", NAIVE, str(tree_path), str(returned),
                     str(work / "naive.xlsx")]
        ours, naive = [], []
        for i in range(max(a.repeat, a.naive_repeat)):  # interleaved: same machine load
            if i < a.repeat:
                ours.append(timed(ours_cmd))
            if i < a.naive_repeat:
                naive.append(timed(naive_cmd))
        print(f"raccogli, whole process, {len(files)} files into {a.n} objectives")
        mo = statistics.median(ours) if ours else float("nan")
        print(f"  xl-albero : median {mo:.2f} s  runs {[round(t, 2) for t in ours]}")
        if naive:
            mn = statistics.median(naive)
            print(f"  naive     : median {mn:.2f} s  runs {[round(t, 2) for t in naive]}")
            print(f"  ratio     : {mn / mo:.1f}x faster")
        print(f"  load after: {os.getloadavg()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
