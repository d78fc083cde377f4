"""Benchmark: ``esporta`` and ``riepilogo`` against the naive pandas + openpyxl way.

    python benchmarks/bench_export.py [--n 100000] [--m 50] [--repeat 3]

The tree is generated in memory (``gen_sectors_tree.make_tree``: Italian texts of real
lengths, ~40 % of objectives with involved sectors, 1 % ``TUTTI``, an unknown column);
loading is the same for both ways and is not timed. Compared, side by side in one run:

* esporta (ours): ``export_all`` — XlsxWriter structure + streamed rows, cover sheet,
  protection, validation, one file per sector with the led *and* involved objectives.
* naive, same content: for each sector frame ``to_excel(engine="openpyxl")``.
* naive, issue's wording: ``groupby(Settore responsabile)`` then ``to_excel`` per group
  (only the led objectives: less data than ours, shown for reference).
* riepilogo (ours): ``write_summary_workbook`` (tree table + formulas with cached values +
  chart) vs naive: ``pivot_table`` per summary + tree and pivots ``to_excel`` (openpyxl).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import median_seconds as median_time  # noqa: E402
from benchmarks.gen_sectors_tree import make_tree  # noqa: E402
from xl_albero import columns as C  # noqa: E402
from xl_albero.io.sector_workbook import export_all  # noqa: E402
from xl_albero.io.summary_workbook import write_summary_workbook  # noqa: E402
from xl_albero.per_sector import sector_frames  # noqa: E402
from xl_albero.summary import pivot_specs  # noqa: E402
from xl_albero.usecases.riepilogo import riepilogo_of_tree  # noqa: E402
from xl_albero.usecases.sectors import SectorOptions, sectors_of_tree  # noqa: E402

FORCE = SectorOptions(forza=True)  # the benchmark measures writing, not refusing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--m", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    tree = make_tree(a.n, a.m)
    frames = sector_frames(tree)
    rows = sum(len(f) for f in frames.values())
    print(f"{a.n} obiettivi, {a.m} settori, {rows} righe nei file per settore "
          f"(responsabile + coinvolto); mediana di {a.repeat} esecuzioni")
    work = Path(tempfile.mkdtemp(prefix="bench_export_"))
    try:
        def ours_export() -> None:
            # the use case (registry check, frames) + the writer, as `albero esporta` runs
            export_all(sectors_of_tree(tree, FORCE), work / "ours", overwrite=True)

        def naive_same() -> None:
            (work / "naive").mkdir(exist_ok=True)
            for sigla, frame in sector_frames(tree).items():
                frame.to_excel(work / "naive" / f"{sigla}.xlsx", index=False, engine="openpyxl")

        def naive_groupby() -> None:
            (work / "naive_g").mkdir(exist_ok=True)
            for i, (_, g) in enumerate(tree.data.groupby(C.RESPONSABILE)):
                g.to_excel(work / "naive_g" / f"{i}.xlsx", index=False, engine="openpyxl")

        def ours_summary() -> None:
            write_summary_workbook(riepilogo_of_tree(tree, FORCE), work / "riepilogo.xlsx")

        def naive_summary() -> None:
            with pd.ExcelWriter(work / "riepilogo_naive.xlsx", engine="openpyxl") as xw:
                for k, spec in enumerate(pivot_specs(tree)):
                    if spec.source != "albero" or spec.bins:
                        continue
                    t = pd.pivot_table(tree.data, index=spec.rows, columns=spec.columns or None,
                                       values=spec.values, aggfunc=spec.aggfunc, margins=True,
                                       margins_name="Totale", fill_value=0)
                    t.to_excel(xw, sheet_name=f"R{k}")
                tree.data.to_excel(xw, sheet_name="Albero", index=False)

        results = {}
        for name, fn in [("esporta (xl-albero)", ours_export),
                         ("esporta naive, stesso contenuto", naive_same),
                         ("esporta naive, groupby responsabile", naive_groupby),
                         ("riepilogo (xl-albero)", ours_summary),
                         ("riepilogo naive", naive_summary)]:
            results[name] = median_time(fn, a.repeat)
            print(f"  {name:<40} {results[name]:7.2f} s", flush=True)
        e = results["esporta (xl-albero)"]
        print(f"esporta: {results['esporta naive, stesso contenuto'] / e:.1f}× più veloce del "
              f"naive con lo stesso contenuto, "
              f"{results['esporta naive, groupby responsabile'] / e:.1f}× del groupby naive")
        print(f"riepilogo: {results['riepilogo naive'] / results['riepilogo (xl-albero)']:.1f}× "
              "più veloce del naive")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
