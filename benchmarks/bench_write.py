"""Benchmark: writing one big tree sheet, in-process, against the naive pandas + openpyxl way.

    python benchmarks/bench_write.py [--n 100000] [--repeat 3] [--naive-repeat 1]
    python benchmarks/bench_write.py --n 100000 --senza-naive

The tree (``gen_tree.make_tree``: 16 columns, long texts) is generated in memory; not
timed. Timed, side by side in one run, medians and every run:

* layout: ``print_layout.table_layout`` of the tree sheet (widths, wrapping, row heights:
  every distinct text of every column measured);
* ours: ``io.table_writer.write_tree_workbook`` (the layout, XlsxWriter structure,
  streamed rows, shared strings, compression: the ``Albero`` and ``Settori`` sheets every
  command writes);
* naive: ``DataFrame.to_excel(engine="openpyxl")`` of the same two sheets (no layout, no
  table, no print setup: less than ours).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import load, median_time  # noqa: E402
from benchmarks.gen_tree import make_tree  # noqa: E402
from xl_albero.io.table_writer import write_tree_workbook  # noqa: E402
from xl_albero.print_layout import table_layout  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--n", type=int, default=100_000, help="objectives (default 100000)")
    p.add_argument("--repeat", type=int, default=3, help="runs of ours (default 3)")
    p.add_argument("--naive-repeat", type=int, default=1, help="runs of naive (default 1)")
    p.add_argument("--senza-naive", action="store_true", help="skip the naive side")
    a = p.parse_args(argv)
    tree = make_tree(a.n)
    names = [str(c) for c in tree.data.columns]
    columns = [tree.data.iloc[:, j].tolist() for j in range(len(names))]
    with tempfile.TemporaryDirectory(prefix="bench_write_") as tmp:
        out = Path(tmp) / "albero.xlsx"

        def ours() -> None:
            write_tree_workbook(tree, out)
            os.remove(out)

        def naive() -> None:
            with pd.ExcelWriter(out, engine="openpyxl") as xw:
                tree.data.to_excel(xw, sheet_name="Albero", index=False)
                tree.sectors.to_excel(xw, sheet_name="Settori", index=False)
            os.remove(out)

        print(f"{a.n} objectives, {len(names)} columns, load {load():.1f} at start")
        rows = [("layout (table_layout)", median_time(lambda: table_layout(names, columns),
                                                      a.repeat)),
                ("ours (write_tree_workbook)", median_time(ours, a.repeat))]
        if not a.senza_naive:
            rows.append(("naive (to_excel, openpyxl)", median_time(naive, a.naive_repeat)))
        for title, (med, runs) in rows:
            print(f"  {title:<28} median {med:6.2f} s  runs {[round(t, 2) for t in runs]}")
        if not a.senza_naive:
            print(f"  ratio naive / ours: {rows[2][1][0] / rows[1][1][0]:.1f}x")
        print(f"  load {load():.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
