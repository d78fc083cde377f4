"""How much the input gate (io.safety.check_input) costs on a large workbook.

Generates a tree-like workbook (default 100,000 rows) with XlsxWriter in a temporary folder
and prints the median time of ``check_input`` next to the naive ways of "checking" a file
(``zipfile.testzip`` decompresses every part; openpyxl read-only opening) and next to the
real read with python-calamine, so the gate's share of a load is visible.

    /work/venv/bin/python benchmarks/bench_safety.py [--rows 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import median_seconds as median_time  # noqa: E402
from xl_albero.io.safety import check_input  # noqa: E402


def make_workbook(path: Path, rows: int) -> None:
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("Albero")
    ws.write_row(0, 0, ["Codice", "Area strategica", "Obiettivo strategico",
                        "Obiettivo pluriennale", "Periodo", "Obiettivo operativo",
                        "Settore responsabile", "Settori coinvolti", "Peso", "Indicatore",
                        "Note"])
    rnd = random.Random(2025)
    words = ("servizi", "cittadini", "qualità", "efficienza", "digitale", "scuole", "verde",
             "mobilità", "sicurezza", "attività", "trasparenza", "bilancio", "più", "sociale")
    for r in range(1, rows + 1):
        a, s, p, o = r % 7 + 1, r % 5 + 1, r % 4 + 1, r
        ws.write_row(r, 0, [f"{a}.{s}.{p}.{o}", f"Area strategica {a}: città più vivibile",
                            f"Obiettivo strategico {a}.{s}", f"Valore pubblico {a}.{s}.{p}",
                            "2024-2025", f"Obiettivo operativo numero {o} per la comunità",
                            f"Settore {r % 23} - Attività produttive", "TUTTI", r % 10,
                            f"Indicatore {o}: " + " ".join(rnd.choices(words, k=8)),
                            f"Nota {rnd.randrange(10**9)}: " + " ".join(rnd.choices(words, k=6))])
    wb.close()


def openpyxl_open(path: Path) -> None:
    wb = openpyxl.load_workbook(path, read_only=True)
    wb.close()


def zip_testzip(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        zf.testzip()


def calamine_read(path: Path) -> None:
    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "albero_grande.xlsx"
        t0 = time.perf_counter()
        make_workbook(path, args.rows)
        print(f"workbook: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - t0:.1f} s)")
        check_input(path)  # warm the page cache
        gate = median_time(lambda: check_input(path), args.repeat)
        rows = [("io.safety.check_input", gate, args.repeat)]
        slow = max(3, args.repeat // 5)
        for label, fn in (("zipfile testzip (naive)", zip_testzip),
                          ("openpyxl read-only open (naive)", openpyxl_open),
                          ("calamine full read (real load)", calamine_read)):
            rows.append((label, median_time(lambda fn=fn: fn(path), slow), slow))
        print(f"{'operation':34} {'median':>10} {'runs':>5} {'x gate':>8}")
        for label, t, n in rows:
            print(f"{label:34} {t * 1000:8.2f} ms {n:5d} {t / gate:8.1f}")


if __name__ == "__main__":
    main()
