"""Benchmark of ``albero nuovo-ciclo`` on a generated 100,000-objective tree.

Measures, side by side in one run (medians of ``--repeat`` runs):

* core: ``roll_over`` on an in-memory Tree (the figure the issue bounds at 3 s);
* ours, file to file: read (``io.reader.load_tree``, or calamine when the reader is not
  there yet) + ``roll_over`` + ``write_rollover_workbook`` (XlsxWriter, 4 sheets);
* naive, file to file: ``pandas.read_excel`` (openpyxl) + copy/filter in pandas +
  ``DataFrame.to_excel`` (openpyxl) of the new tree, the registry and the history.

Usage: ``python benchmarks/bench_rollover.py [--rows 100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xl_albero import columns as C  # noqa: E402
from xl_albero.io.rollover_workbook import write_rollover_workbook  # noqa: E402
from xl_albero.io.writer import write_tree_workbook  # noqa: E402
from xl_albero.model import Tree  # noqa: E402
from xl_albero.rollover import roll_over  # noqa: E402

SECTORS = [f"SETTORE {i} {name}" for i, name in enumerate(
    ["TECNICO ED INNOVAZIONE", "SERVIZI ALLA PERSONA", "ECONOMICO-FINANZIARIO E PATRIMONIO",
     "SEGRETARIO GENERALE", "POLIZIA LOCALE", "CULTURA, SPORT E TEMPO LIBERO"])]


def generate_tree(n_ops: int, year: int = 2025, seed: int = 7) -> Tree:
    """A plausible tree: 6 areas, ~10 operational objectives per multi-year objective."""
    rng = np.random.default_rng(seed)
    i = np.arange(n_ops)
    per_p = 10
    p = i // per_p
    s = p // 8
    a = s % 6
    o = i % per_p + 1
    stati = np.array(list(C.STATI), dtype=object)[rng.integers(0, len(C.STATI), n_ops)]
    starts = year - (p % 3)
    ends = starts + 1 + (p % 2)
    codes = [f"{x + 1}.{y + 1}.{z + 1}.{w}" for x, y, z, w in zip(a, s, p, o, strict=True)]
    op_text = [f"Obiettivo operativo {c}: attività del {year} per la città" if k % 17 == 0
               else f"Obiettivo operativo {c}: riqualificazione e servizi" for k, c in
               enumerate(codes)]
    data = pd.DataFrame({
        C.CODICE: codes,
        C.ANNO: year,
        C.AREA: [f"AREA STRATEGICA {x + 1}" for x in a],
        C.STRATEGICO: [f"Obiettivo strategico {y + 1}" for y in s],
        C.PLURIENNALE: [f"Obiettivo pluriennale {z + 1}: azioni nel biennio {b}-{e}"
                        for z, b, e in zip(p, starts, ends, strict=True)],
        C.PERIODO: [f"{b}-{e}" for b, e in zip(starts, ends, strict=True)],
        C.OPERATIVO: op_text,
        C.RESPONSABILE: [SECTORS[k % len(SECTORS)] for k in i],
        C.COINVOLTI: [SECTORS[(k + 1) % len(SECTORS)] if k % 3 == 0 else None for k in i],
        C.INDICATORE: "n. atti adottati",
        C.TARGET: "100%",
        C.PESO: 10,
        C.STATO: stati,
        C.AVANZAMENTO: rng.integers(0, 101, n_ops),
        f"Target {year + 1}": "110%",
        "Note interne": [f"nota {k}" for k in i],
        "Risultato raggiunto": "raggiunto",
    })
    sectors = pd.DataFrame({C.SETTORE: SECTORS, C.SIGLA: [f"S{k}" for k in range(len(SECTORS))],
                            C.DIRIGENTE: "Dirigente", C.EMAIL: "d@example.org"})
    return Tree(data=data, sectors=sectors)


def _load(path: Path) -> Tree:
    try:
        from xl_albero.io.reader import load_tree

        return load_tree(path)
    except NotImplementedError:
        data = pd.read_excel(path, sheet_name="Albero", engine="calamine")
        sectors = pd.read_excel(path, sheet_name="Settori", engine="calamine")
        return Tree(data=data, sectors=sectors)


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


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


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
        print(f"core + scrittura (XlsxWriter)      mediana {core + wr:7.2f} s"
              f"  (scrittura {wr:.2f} s)")
        e2e = median_time(lambda: ours(src, Path(tmp) / "ours.xlsx", year), args.repeat)
        print(f"nostro, file -> file               mediana {e2e:7.2f} s")
        if not args.skip_naive:
            nv = median_time(lambda: naive(src, Path(tmp) / "naive.xlsx", year), args.repeat)
            print(f"ingenuo pandas+openpyxl, file->file mediana {nv:7.2f} s")
            print(f"rapporto ingenuo / nostro: {nv / e2e:.1f}x")


if __name__ == "__main__":
    main()
