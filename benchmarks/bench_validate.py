"""Read + validate a 100,000-objective tree *in-process*: xl-albero vs the naive way.

    python benchmarks/bench_validate.py [N] [RUNS]

xl-albero: python-calamine + XML scan for formulas/errors + pandera schema (lazy).
Naive: ``pandas.read_excel(engine="openpyxl")`` then the same schema checks.
This times the library calls only (no imports, no summary, no output): what a user waits
for is the whole command, ``benchmarks/bench_cli.py valida``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import median_time, report  # type: ignore[import-not-found]

from benchmarks.gen_tree import make_tree
from xl_albero import columns as C
from xl_albero.io.reader import load_tree
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.model import Tree
from xl_albero.validation import validate


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int, nargs="?", default=100_000, help="objectives (100000)")
    p.add_argument("runs", type=int, nargs="?", default=3, help="runs per side (3)")
    a = p.parse_args()
    n, runs = a.n, a.runs
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "albero.xlsx"
        tree = make_tree(n, 50)
        write_tree_workbook(tree, path)
        size = path.stat().st_size / 1e6
        print(f"{n} operational objectives, {len(tree.data.columns)} columns, {size:.1f} MB")

        def ours() -> None:
            t = load_tree(path)
            f = validate(t)
            assert len(t.data) == n and not len(f[f.gravita == "errore"])

        def naive() -> None:
            import pandas as pd

            df = pd.read_excel(path, sheet_name=C.SHEET_TREE, engine="openpyxl", dtype=object)
            reg = pd.read_excel(path, sheet_name=C.SHEET_SECTORS, engine="openpyxl")
            df = df.astype(object).where(df.notna(), None)
            f = validate(Tree(data=df, sectors=reg))
            assert len(df) == n and not len(f[f.gravita == "errore"])

        print(report(f"read + validate {n} objectives", median_time(ours, runs),
                     median_time(naive, runs)))


if __name__ == "__main__":
    main()
