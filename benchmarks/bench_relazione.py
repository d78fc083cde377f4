"""Benchmark of ``albero relazione`` on a generated 5,000-objective measured tree.

Whole process, file to file, side by side in one run (medians of ``--repeat`` runs):

* ours: ``albero relazione TREE -o OUT.docx`` through the CLI entry point: read
  (calamine), validate, measure (``measure.require_measured``), build the content
  (``relazione.report_data``), draw the two charts (matplotlib), render the shipped
  docxtpl template (table rows rendered as XML text by Jinja) and write the ``.docx``;
* naive: the same reading, measuring and content, then the document built the way a
  script usually does it, with python-docx: one ``add_table`` per multi-year objective
  and ``add_row`` / ``cell.text = ...`` for every cell, the same charts added with
  ``add_picture``.

Target (issue 11): ours ≤ 10 s for 5,000 objectives on the 2-core machine.

Usage: ``python benchmarks/bench_relazione.py [--rows 5000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import median_time, report  # noqa: E402
from benchmarks.gen_tree import make_tree  # noqa: E402
from xl_albero import columns as C  # noqa: E402
from xl_albero.io.table_writer import write_tree_workbook  # noqa: E402
from xl_albero.model import Tree  # noqa: E402


def generate_tree(n_ops: int) -> Tree:
    """The lead's synthetic tree with the year-end values a measured tree has."""
    tree = make_tree(n_ops)
    i = np.arange(n_ops)
    data = tree.data.assign(**{
        C.CONSUNTIVO: np.where(i % 4 == 0, "92%", np.where(i % 4 == 1, "sì", None)),
        C.NOTE: np.where(i % 3 == 0, "Attività conclusa nei tempi previsti; "
                                     "rendicontazione inviata al Nucleo di valutazione.", None),
    })
    return Tree(data=data, sectors=tree.sectors)


def ours(src: Path, out: Path) -> None:
    from xl_albero.app.ui import Ui
    from xl_albero.cli import main

    code = main(["relazione", str(src), "-o", str(out), "--sovrascrivi", "--comune",
                 "Comune di Prova"], ui=Ui(io.StringIO(), io.StringIO()))
    assert code == 0


def naive(src: Path, out: Path) -> None:
    import datetime as dt

    from docx import Document
    from docx.shared import Mm

    from xl_albero.io.charts import area_chart, band_chart
    from xl_albero.io.reader import load_tree
    from xl_albero.measure import require_measured
    from xl_albero.relazione import charts_data, report_data
    from xl_albero.validation import require_valid

    tree = load_tree(src)
    require_valid(tree)
    m = require_measured(tree)
    data = report_data(tree, m, comune="Comune di Prova", today=dt.date.today())
    charts = charts_data(m)
    doc = Document()
    doc.add_heading(data["comune"], 0)
    doc.add_heading(f"Relazione sulla performance {data['anno']}", 1)
    doc.add_paragraph(f"Grado complessivo: {data['complessivo']}")
    doc.add_picture(io.BytesIO(area_chart(charts.area_labels, charts.area_values)),
                    width=Mm(160))
    doc.add_picture(io.BytesIO(band_chart(charts.band_labels, charts.band_counts)),
                    width=Mm(128))
    head = ["Codice", "Obiettivo operativo", "Settore", "Indicatore", "Target",
            "Valore consuntivo", "Grado", "Nota del dirigente"]
    keys = ["codice", "titolo", "settore", "indicatore", "target", "consuntivo", "grado",
            "nota"]
    for a in data["aree"]:
        doc.add_heading(f"Area {a['codice']} – {a['titolo']}", 2)
        for s in a["strategici"]:
            doc.add_heading(f"{s['codice']} – {s['titolo']}", 3)
            for p in s["pluriennali"]:
                doc.add_heading(f"{p['codice']} – {p['titolo']}", 4)
                table = doc.add_table(rows=1, cols=len(head))
                table.style = "Table Grid"
                for cell, h in zip(table.rows[0].cells, head, strict=True):
                    cell.text = h
                for o in p["obiettivi"]:
                    cells = table.add_row().cells
                    for cell, k in zip(cells, keys, strict=True):
                        cell.text = str(o[k])
    doc.add_heading("Settori", 1)
    table = doc.add_table(rows=1, cols=5)
    for s in data["settori"]:
        cells = table.add_row().cells
        for cell, k in zip(cells, ("settore", "dirigente", "grado", "guidati", "coinvolto"),
                           strict=True):
            cell.text = str(s[k])
    doc.add_heading("Obiettivi non raggiunti", 1)
    table = doc.add_table(rows=1, cols=4)
    for o in data["non_raggiunti"]:
        cells = table.add_row().cells
        for cell, k in zip(cells, ("codice", "titolo", "grado", "nota"), strict=True):
            cell.text = str(o[k])
    doc.save(str(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "albero.xlsx"
        write_tree_workbook(generate_tree(args.rows), src)
        a, b = Path(tmp) / "ours.docx", Path(tmp) / "naive.docx"
        ours(src, a)  # warm-up: imports, font cache of matplotlib
        t_ours = median_time(lambda: ours(src, a), args.repeat)
        t_naive = median_time(lambda: naive(src, b), args.repeat)
        print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
        print(report(f"relazione, {args.rows:,} objectives, whole process (file -> .docx)",
                     t_ours, t_naive))
        print(f"  sizes     : ours {a.stat().st_size / 1e6:.1f} MB, naive "
              f"{b.stat().st_size / 1e6:.1f} MB")
        print(f"  target    : ≤ 10 s -> {'met' if t_ours[0] <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
