"""The findings report workbook (``albero valida --report``): one row per finding with a
link that opens the offending cell of the source workbook."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from xl_albero import findings as F
from xl_albero.io.atomic import write_atomic
from xl_albero.io.table_writer import new_workbook, setup_print
from xl_albero.print_layout import table_layout

SHEET = "Rilievi"
_WIDTHS = {"foglio": 14, "riga": 6, "colonna": 18, "cella": 7, "gravita": 8, "codice": 30,
           "messaggio": 55, "suggerimento": 50}


def _link_target(report: Path, source: Path) -> str:
    try:
        rel = os.path.relpath(source.resolve(), report.resolve().parent)
    except ValueError:  # another drive on Windows
        rel = str(source.resolve())
    return rel


def write_report(findings: pd.DataFrame, counts: dict[str, int], source: str | os.PathLike,
                 out: str | os.PathLike) -> Path:
    """Write the findings (sheet ``Rilievi``) and the counts (sheet ``Riepilogo``)."""
    source, out = Path(source), Path(out)
    target = _link_target(out, source)
    recs = F.to_records(findings)

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        ws = wb.add_worksheet(SHEET)
        head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "white",
                              "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        link = wb.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"})
        red = wb.add_format({"bg_color": "#F8D7DA", "valign": "top"})
        yellow = wb.add_format({"bg_color": "#FFF3CD", "valign": "top"})
        # widths, wrapping and row heights from print_layout, as every table sheet
        keys = list(F.FINDING_FIELDS)
        names = [F.FINDING_HEADERS[k] for k in keys]
        layout = table_layout(names, [[r[k] for r in recs] for k in keys],
                              widths={F.FINDING_HEADERS[k]: w for k, w in _WIDTHS.items()})
        wraps = dict(zip(keys, layout.wrap, strict=True))
        wrap_top = {True: wrap, False: wb.add_format({"valign": "top"})}
        for j, key in enumerate(keys):
            ws.set_column(j, j, layout.widths[j], wrap_top[wraps[key]])
            ws.write_string(0, j, F.FINDING_HEADERS[key], head)
        ws.set_row(0, layout.header_height)
        for i, height in enumerate(layout.heights, start=1):
            if height is not None:
                ws.set_row(i, height)
        for i, r in enumerate(recs, start=1):
            for j, key in enumerate(F.FINDING_FIELDS):
                v = r[key]
                if key == "cella" and v:
                    sheet = r["foglio"].replace("'", "''")
                    ws.write_url(i, j, f"external:{target}#'{sheet}'!{v}", link, string=v,
                                 tip="Apri la cella nel file dell'albero")
                elif key == "gravita":
                    ws.write_string(i, j, v, red if v == F.ERRORE else yellow)
                elif v is None:
                    ws.write_blank(i, j, None)
                elif isinstance(v, int):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v), wrap_top[wraps[key]])
        ws.autofilter(0, 0, max(len(recs), 1), len(F.FINDING_FIELDS) - 1)
        ws.freeze_panes(1, 0)
        setup_print(ws, title=f"Rilievi della validazione — {source.name}")
        ws2 = wb.add_worksheet("Riepilogo")
        ws2.set_column(0, 0, 28)
        ws2.set_column(1, 1, max(12, min(len(source.name) + 2, 80)))
        ws2.write_string(0, 0, "File", head)
        ws2.write_string(0, 1, source.name)
        for i, (k, v) in enumerate(counts.items(), start=1):
            ws2.write_string(i, 0, k.replace("_", " ").capitalize())
            ws2.write_number(i, 1, v)
        setup_print(ws2, title=f"Riepilogo della validazione — {source.name}")
        wb.close()

    return write_atomic(out, _write)
