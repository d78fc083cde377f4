"""Benchmark of ``albero nuovo-ciclo`` on a generated 100,000-objective tree.

Measures, side by side in one run (medians of ``--repeat`` runs):

* core: ``roll_over`` on an in-memory Tree (the figure the issue bounds at 3 s);
* ours, file to file: read (``io.reader.load_tree``, calamine) + ``roll_over`` +
  ``write_rollover_workbook`` (4 sheets: XlsxWriter for the structure, table rows
  streamed by ``io.xml_rows``);
* naive, file to file: ``pandas.read_excel`` (openpyxl) + copy/filter in pandas +
  ``DataFrame.to_excel`` (openpyxl) of the new tree, the registry and the history.

Usage: ``python benchmarks/bench_rollover.py [--rows 100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import median_seconds as median_time  # noqa: E402
from benchmarks.gen_tree import make_tree  # noqa: E402
from xl_albero import columns as C  # noqa: E402
from xl_albero.io.rollover_workbook import write_rollover_workbook  # noqa: E402
from xl_albero.io.table_writer import write_tree_workbook  # noqa: E402
from xl_albero.model import Tree  # noqa: E402
from xl_albero.rollover import roll_over  # noqa: E402


def generate_tree(n_ops: int, year: int = 2025) -> Tree:
    """The lead's synthetic tree (``benchmarks/gen_tree.make_tree``) plus the columns a
    rollover touches: a target for the next year and a result column."""
    tree = make_tree(n_ops, year=year)
    i = np.arange(n_ops)
    data = tree.data.assign(**{
        f"Target {year + 1}": np.where(i % 2 == 0, "110%", "entro dicembre"),
        "Risultato raggiunto": np.where(i % 4 == 0, "raggiunto", None),
    })
    # a few texts naming the plan year, as real plans do
    data[C.OPERATIVO] = np.where(i % 17 == 0, data[C.OPERATIVO] + f" nel {year}",
                                 data[C.OPERATIVO])
    return Tree(data=data, sectors=tree.sectors)


def _load(path: Path) -> Tree:
    from xl_albero.io.reader import load_tree

    return load_tree(path)


def ours(src: Path, out: Path, year: int) -> None:
    tree = _load(src)
    write_rollover_workbook(roll_over(tree, year), out)


def naive(src: Path, out: Path, year: int) -> None:
    """What a script would do by hand: openpyxl in, filter/copy in pandas, openpyxl out."""
    old = pd.read_excel(src, sheet_name="Albero", engine="openpyxl")
    sectors = pd.read_excel(src, sheet_name="Settori", engine="openpyxl")
    closed = old[C.STATO].isin(C.STATI_CHIUSI)
    new = old[~closed].copy()
    new.insert(1, C.CODICE_ORIGINE, new[C.CODICE])
    new[C.ANNO] = year
    new[C.STATO] = "Da avviare"
    new[C.AVANZAMENTO] = None
    new[C.TARGET] = new.pop(f"Target {year}")
    passage = pd.DataFrame({"Codice": old[C.CODICE],
                            "Esito": np.where(closed, "archiviato", "riportato")})
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        new.to_excel(xw, sheet_name="Albero", index=False)
        sectors.to_excel(xw, sheet_name="Settori", index=False)
        old.to_excel(xw, sheet_name=f"Storico {year - 1}", index=False)
        passage.to_excel(xw, sheet_name="Passaggio", index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--core-repeat", type=int, default=7)
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    tree = generate_tree(args.rows)
    year = 2026
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "albero_2025.xlsx"
        write_tree_workbook(tree, src)
        print(f"righe: {args.rows}  (file di partenza {src.stat().st_size / 1e6:.1f} MB)")
        core = median_time(lambda: roll_over(tree, year), args.core_repeat)
        print(f"core roll_over (in memoria)        mediana {core:7.2f} s"
              f"  (limite 3 s: {'OK' if core <= 3 else 'SUPERATO'})")
        ro = roll_over(tree, year)
        wr = median_time(lambda: write_rollover_workbook(ro, Path(tmp) / "w.xlsx"), args.repeat)
        print(f"core + scrittura                   mediana {core + wr:7.2f} s"
              f"  (scrittura {wr:.2f} s)")
        e2e = median_time(lambda: ours(src, Path(tmp) / "ours.xlsx", year), args.repeat)
        print(f"nostro, file -> file               mediana {e2e:7.2f} s")
        if not args.skip_naive:
            nv = median_time(lambda: naive(src, Path(tmp) / "naive.xlsx", year), args.repeat)
            print(f"ingenuo pandas+openpyxl, file->file mediana {nv:7.2f} s")
            print(f"rapporto ingenuo / nostro: {nv / e2e:.1f}x")


if __name__ == "__main__":
    main()
