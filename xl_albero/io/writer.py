"""Write the canonical tree workbook (sheet ``Albero`` as an Excel Table + ``Settori``).

XlsxWriter is used for speed (about twice as fast as openpyxl on 100k rows) and because it
writes Excel Tables, widths, freeze panes and print setup natively. Strings are always
written as strings: text that starts with ``=`` stays text (``strings_to_formulas`` off).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_albero import columns as C
from xl_albero.io.atomic import write_atomic
from xl_albero.model import Tree

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": False,
    "nan_inf_to_errors": True,
}

#: Column widths (characters) for known columns; others get a width from their content.
WIDTHS: dict[str, float] = {
    C.CODICE: 11, C.ANNO: 7, C.AREA: 28, C.STRATEGICO: 32, C.PLURIENNALE: 45, C.PERIODO: 11,
    C.OPERATIVO: 55, C.RESPONSABILE: 30, C.COINVOLTI: 30, C.INDICATORE: 30, C.TARGET: 18,
    C.PESO: 8, C.STATO: 13, C.AVANZAMENTO: 13, C.CODICE_ORIGINE: 12,
    C.SETTORE: 45, C.SIGLA: 12, C.DIRIGENTE: 30, C.EMAIL: 34,
}
WRAP_COLUMNS = {C.AREA, C.STRATEGICO, C.PLURIENNALE, C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI,
                C.INDICATORE, C.SETTORE}


def new_workbook(path: str | os.PathLike) -> Workbook:
    """An XlsxWriter workbook with safe string handling."""
    return xlsxwriter.Workbook(str(path), {**WORKBOOK_OPTIONS})


def clean_value(v: object) -> object:
    """Convert pandas/numpy scalars to plain Python values XlsxWriter writes as-is."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def guess_width(name: str, values: pd.Series) -> float:
    if name in WIDTHS:
        return WIDTHS[name]
    sample = values.head(200).map(lambda v: len(str(v)) if v is not None else 0)
    longest = max([len(str(name)), *sample.tolist()])
    return float(min(max(longest + 2, 9), 50))


def write_table(wb: Workbook, ws: Worksheet, df: pd.DataFrame, *, table_name: str,
                style: str = "Table Style Medium 2", first_row: int = 0,
                widths: dict[str, float] | None = None, wrap: set[str] | None = None,
                locked: Sequence[str] | None = None) -> None:
    """Write ``df`` as an Excel Table at ``first_row`` with header, filters and widths.

    Values are written cell by cell with explicit types (strings never become formulas).
    ``locked``: when given, only these columns stay locked under sheet protection; the
    other columns are unlocked (editable).
    """
    cols = [str(c) for c in df.columns]
    wrap = WRAP_COLUMNS if wrap is None else wrap
    widths = widths or {}
    base = {"valign": "top"}
    formats = {}
    for c in cols:
        props = dict(base)
        if c in wrap:
            props["text_wrap"] = True
        if locked is not None and c not in locked:
            props["locked"] = False
            props["bg_color"] = "#FFF9E6"
        formats[c] = wb.add_format(props)
    for j, c in enumerate(cols):
        w = widths.get(c) or guess_width(c, df.iloc[:, j])
        ws.set_column(j, j, w, formats[c])
    n = len(df)
    values = df.to_numpy(dtype=object)
    for i in range(n):
        row = first_row + 1 + i
        for j in range(len(cols)):
            v = clean_value(values[i, j])
            fmt = formats[cols[j]]
            if v is None:
                ws.write_blank(row, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(row, j, v, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(row, j, v, fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(row, j, v, fmt)
            else:
                ws.write(row, j, v, fmt)
    last_row = first_row + max(n, 1)
    ws.add_table(first_row, 0, last_row, max(len(cols) - 1, 0), {
        "name": table_name,
        "style": style,
        "columns": [{"header": c} for c in cols],
        "autofilter": True,
    })
    ws.freeze_panes(first_row + 1, 0)


def setup_print(ws: Worksheet, header_row: int = 0, title: str = "", *,
                scale: int | None = None) -> None:
    """A4 landscape, header repeated on each page, fitted to the page width (or, with
    ``scale``, printed at that percentage over as many pages as needed)."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(header_row)
    if scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(scale)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if title:
        ws.set_header(f"&L&\"Calibri,Bold\"{_escape_hf(title)}&RPagina &P di &N")


def _escape_hf(text: str) -> str:
    return text.replace("&", "&&")


def write_tree_sheets(wb: Workbook, tree: Tree, *, tree_sheet: str = C.SHEET_TREE,
                      sectors_sheet: str = C.SHEET_SECTORS) -> None:
    """Add the tree sheet (table ``Albero``) and the registry sheet (table ``Settori``)."""
    ws = wb.add_worksheet(tree_sheet)
    write_table(wb, ws, tree.data, table_name="TabAlbero")
    setup_print(ws, title=f"Albero della Performance {tree.year or ''}".strip())
    ws2 = wb.add_worksheet(sectors_sheet)
    write_table(wb, ws2, tree.sectors, table_name="TabSettori", style="Table Style Medium 4")


def write_tree_workbook(tree: Tree, path: str | os.PathLike,
                        extra: Callable[[Workbook], None] | None = None) -> Path:
    """Write the canonical workbook atomically; ``extra(wb)`` may add more sheets."""

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        write_tree_sheets(wb, tree)
        if extra is not None:
            extra(wb)
        wb.close()

    return write_atomic(path, _write)
