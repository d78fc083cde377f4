"""Whole-process benchmark of one command: ``albero`` vs the naive way, side by side.

    python benchmarks/bench_cli.py valida --n 100000 --runs 5
    python benchmarks/bench_cli.py valida --n 100000 --disordinato   # vs the clean tree
    python benchmarks/bench_cli.py settori --n 100000 --runs 3
    python benchmarks/bench_cli.py valida --file workbooks/albero_2025.xlsx --runs 10

Each side runs as its own process (imports included: what a user waits for), the sides
alternated run by run; medians, every run, peak memory (``wait4``) and the load average
are printed with the ratio to ``albero``. For ``valida`` a third side reads the same
sheet with python-calamine alone (the reader the command uses, no parsing or validation),
and a fourth with fastexcel when available (calamine into Arrow columns;
``--fastexcel-python``): how close
the whole command is to reading the file. The naive way is
``benchmarks/naive.py`` (pandas ``read_excel`` with openpyxl, ``to_excel``, an openpyxl
load-add-save for ``settori``).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import tempfile
from pathlib import Path

from common import ALBERO, PYTHON, ROOT, alternate, load, summarize  # type: ignore[import-not-found]

NAIVE = [PYTHON, str(ROOT / "benchmarks" / "naive.py")]
READER_ONLY = ("from python_calamine import CalamineWorkbook; import sys; "
               "wb = CalamineWorkbook.from_path(sys.argv[1]); "
               "rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False); "
               "print(len(rows))")
#: fastexcel (calamine into Arrow columns, no Python object per cell): the fastest reader
#: there is for a whole sheet; timed when installed (``pip install fastexcel pyarrow``).
FASTEXCEL_ONLY = ("import fastexcel, sys; "
                  "t = fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=None, "
                  "dtypes='string').to_arrow(); print(t.num_rows)")
COMMANDS = ("valida", "settori", "esporta", "riepilogo", "nuovo-ciclo")


def sides(command: str, src: Path, out: Path, naive: bool,
          fastexcel_python: str | None = None) -> dict[str, list[str]]:
    s = str(src)
    if command == "valida":
        ours = [*ALBERO, "valida", "--json", s]
        other = [*NAIVE, "valida", s]
    elif command == "settori":
        ours = [*ALBERO, "settori", s, "-o", str(out / "settori.xlsx"), "--sovrascrivi"]
        other = [*NAIVE, "settori", s, str(out / "naive_settori.xlsx")]
    elif command == "esporta":
        ours = [*ALBERO, "esporta", s, "--cartella", str(out / "esporta"), "--sovrascrivi"]
        other = [*NAIVE, "esporta", s, str(out / "naive_esporta")]
    elif command == "riepilogo":
        ours = [*ALBERO, "riepilogo", s, "-o", str(out / "riepilogo.xlsx"), "--sovrascrivi"]
        other = [*NAIVE, "riepilogo", s, str(out / "naive_riepilogo.xlsx")]
    else:
        ours = [*ALBERO, "nuovo-ciclo", s, "--anno", "2026", "-o", str(out / "nuovo.xlsx"),
                "--sovrascrivi"]
        other = [*NAIVE, "nuovo-ciclo", s, str(out / "naive_nuovo.xlsx")]
    out_sides = {f"albero {command}": ours}
    if naive:
        out_sides[f"naive {command}"] = other
    if command == "valida":
        out_sides["python-calamine alone"] = [PYTHON, "-c", READER_ONLY, s]
        if fastexcel_python:
            out_sides["fastexcel alone"] = [fastexcel_python, "-c", FASTEXCEL_ONLY, s]
    return out_sides


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("command", choices=COMMANDS)
    p.add_argument("--n", type=int, default=100_000, help="objectives (default 100000)")
    p.add_argument("--runs", type=int, default=3, help="runs per side (default 3)")
    p.add_argument("--file", type=Path, help="an existing workbook instead of a generated one")
    p.add_argument("--disordinato", action="store_true",
                   help="the PDF layout with a finding on every row (see gen_tree.py), "
                        "timed side by side with the same objectives in the clean layout")
    p.add_argument("--senza-naive", action="store_true", help="skip the naive side")
    p.add_argument("--fastexcel-python", metavar="PYTHON",
                   help="a Python with fastexcel and pyarrow (kept out of the project's "
                        "environment: pyarrow changes pandas' string type) to time fastexcel "
                        "alone reading the sheet; default: this Python if it has them")
    a = p.parse_args(argv)
    from gen_tree import make_tree, write_messy_workbook  # type: ignore[import-not-found]

    from xl_albero.io.table_writer import write_tree_workbook

    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        out = Path(tmp)
        if a.file:
            src = a.file.resolve()
        else:
            src = out / f"albero_{a.n}.xlsx"
            if a.disordinato:
                write_messy_workbook(a.n, src)
            else:
                write_tree_workbook(make_tree(a.n), src)
        size = src.stat().st_size / 1e6
        naive = not a.senza_naive and not a.disordinato
        fx = a.fastexcel_python or (PYTHON if importlib.util.find_spec("fastexcel")
                                    and importlib.util.find_spec("pyarrow") else None)
        runs = sides(a.command, src, out, naive, fx)
        if a.disordinato and a.command == "valida" and not a.file:
            # the same objectives in the canonical layout, side by side: the messy tree
            # should cost about what the clean one does
            clean_src = out / f"albero_{a.n}_pulito.xlsx"
            write_tree_workbook(make_tree(a.n), clean_src)
            runs = {"albero valida (disordinato)": runs.pop("albero valida"),
                    "albero valida (pulito)": [*ALBERO, "valida", "--json", str(clean_src)],
                    **runs}

        def clean() -> None:
            for d in ("esporta", "naive_esporta"):
                shutil.rmtree(out / d, ignore_errors=True)

        print(f"{a.command}: {src.name}, {size:.1f} MB on disk, {a.runs} runs per side, "
              f"load {load():.1f} at start")
        print(summarize(alternate(runs, a.runs, before=clean)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
