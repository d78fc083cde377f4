"""Write workbooks: the one table writer, and the canonical tree workbook.

XlsxWriter writes the structure (sheets, Excel Tables, widths, freeze panes, print setup,
protection) because it does so natively and fast; the data rows of tables are streamed
as XML by ``io.xml_rows`` and spliced in when the workbook closes, about eight
times faster than XlsxWriter's cell-by-cell writing on big tables. Strings are always
written as strings: text that starts with ``=`` stays text (``strings_to_formulas`` off,
and table rows only ever become string, number, boolean or date cells).

Use ``new_workbook(path)`` for every workbook and ``write_table`` for every table;
``close()`` writes the file (callers wrap it in ``io.atomic.write_atomic``).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_albero import columns as C
from xl_albero.io.atomic import write_atomic
from xl_albero.io.xml_rows import Bulk, safe_text
from xl_albero.model import Tree
from xl_albero.print_layout import MIN_SCALE, SheetLayout, longest_units, table_layout

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
#: Fill of the editable (unlocked) columns of a protected table.
EDITABLE_FILL = "#FFF9E6"


class AlberoWorkbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook whose tables' rows are streamed in on ``close()``.

    XlsxWriter writes the package into memory; ``close()`` then writes ``path`` with the
    rows of every ``write_table`` table spliced into their sheets (``io.xml_rows``).
    """

    def __init__(self, path: str | os.PathLike | io.BytesIO) -> None:
        self.target = path
        self._structure = io.BytesIO()
        super().__init__(self._structure, {**WORKBOOK_OPTIONS, "in_memory": True})
        self.bulk = Bulk(self)

    def close(self) -> None:
        if self.fileclosed:
            return
        self.bulk.check()
        super().close()
        if self.bulk:
            self.bulk.finish(self._structure, self.target)
        else:  # no streamed table: the same part cleaning, through an empty Bulk pass
            self.bulk.finish(self._structure, self.target)
        self._structure = io.BytesIO()


def new_workbook(path: str | os.PathLike | io.BytesIO) -> AlberoWorkbook:
    """A workbook with safe string handling and fast tables, written on ``close()``."""
    return AlberoWorkbook(path)


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
                locked: Sequence[str] | None = None, header_wrap: bool = False,
                freeze: bool = True, heights: Sequence[float | None] | None = None,
                header_height: float | None = None, hidden: Collection[str] = ()) -> None:
    """Write ``df`` as an Excel Table at ``first_row`` with header, filters and widths.

    ``wb`` must come from ``new_workbook``: the header, formats and table are written by
    XlsxWriter now, the rows by ``io.xml_rows`` when ``wb`` closes, so nothing else may
    be written below ``first_row`` on ``ws``. Values keep their types: strings stay text
    (never formulas), numbers, booleans, dates (``dd/mm/yyyy``); NaN/None/"" are empty
    cells. ``wrap``: columns with wrapped text (default ``WRAP_COLUMNS``). ``locked``:
    when given, only these columns stay locked under sheet protection; the other columns
    are unlocked and tinted (editable). ``header_wrap``: bold, wrapped header cells.
    For print layouts (``xl_albero.print_layout``): ``heights``, one row height in points (or
    ``None``, Excel's default) per data row, written on the streamed rows;
    ``header_height``, the header row's height; ``hidden``, columns hidden in a
    collapsible outline group (left out of the print, still in the table).
    """
    if not isinstance(wb, AlberoWorkbook):
        raise TypeError("write_table: la cartella deve essere creata con new_workbook")
    cols = [str(c) for c in df.columns]
    # the header Excel will see: valid and unique ignoring case (the reader already names
    # the user's columns so and says so; this is the net for every other table)
    headers = C.unique_column_names(list(df.columns))
    wrap = WRAP_COLUMNS if wrap is None else wrap
    widths = widths or {}
    formats, date_formats = [], []
    for j, c in enumerate(cols):
        props: dict[str, object] = {"valign": "top"}
        if c in wrap:
            props["text_wrap"] = True
        if locked is not None and c not in locked:
            props["locked"] = False
            props["bg_color"] = EDITABLE_FILL
        fmt = wb.add_format(props)
        formats.append(fmt)
        date_formats.append(wb.add_format({**props, "num_format": "dd/mm/yyyy"}))
        options = {"hidden": True, "level": 1} if c in hidden else None
        ws.set_column(j, j, widths.get(c) or guess_width(c, df.iloc[:, j]), fmt, options)
    columns: list[dict[str, object]] = [{"header": h} for h in headers]
    if header_wrap:
        header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        for spec in columns:
            spec["header_format"] = header
    # The table is declared over the header and one row (XlsxWriter checks every cell of
    # the range, which is slow); ``io.xml_rows`` writes the real range when ``wb`` closes.
    ws.add_table(first_row, 0, first_row + 1, max(len(cols) - 1, 0), {
        "name": table_name, "style": style, "autofilter": True, "columns": columns,
    })
    if freeze:
        ws.freeze_panes(first_row + 1, 0)
    if header_height:
        ws.set_row(first_row, header_height)
    wb.bulk.add(ws, [df.iloc[:, j].tolist() for j in range(len(cols))],
                first_row=first_row + 1, table_name=table_name, formats=formats,
                date_formats=date_formats,
                blanks=[locked is not None and c not in locked for c in cols],
                heights=heights)


def write_print_table(wb: Workbook, ws: Worksheet, df: pd.DataFrame, *, table_name: str,
                      title: str, style: str = "Table Style Medium 2", first_row: int = 0,
                      widths: dict[str, float] | None = None,
                      room: dict[str, float] | None = None,
                      locked: Sequence[str] | None = None, hide: bool = True) -> SheetLayout:
    """``write_table`` laid out for reading and printing (``print_layout.table_layout``):
    compact widths, wrapped long texts, row heights that fit them, a wrapped bold header,
    the least important columns hidden (in a group) when they would not fit one legible
    A4 page width; then ``setup_print`` (header row repeated on every page). ``room``:
    columns to be written by hand keep at least that width. ``hide=False`` (a sheet to be
    filled in on screen, as the blank template): no column is hidden; when they do not fit
    one legible page width the sheet prints at ``MIN_SCALE`` over more pages, the first
    column repeated. Returns the layout."""
    names = [str(c) for c in df.columns]
    layout = table_layout(names, [df.iloc[:, j].tolist() for j in range(len(names))],
                          widths=widths, room=room)
    scale = None
    if not hide and layout.hidden:
        layout = replace(layout, printed=(True,) * len(names))
        scale = round(MIN_SCALE * 100) if layout.scale < MIN_SCALE else None
    write_table(wb, ws, df, table_name=table_name, style=style, first_row=first_row,
                widths=dict(zip(layout.names, layout.widths, strict=True)),
                wrap={n for n, w in zip(layout.names, layout.wrap, strict=True) if w},
                locked=locked, header_wrap=True, heights=layout.heights,
                header_height=layout.header_height, hidden=layout.hidden)
    setup_print(ws, header_row=first_row, title=title, scale=scale)
    if scale is not None:
        ws.repeat_columns(0)
    return layout


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
    """Text for a page header/footer: ``&`` doubled (Excel's codes start with ``&``)."""
    return safe_text(text).replace("&", "&&")


#: Widths of the registry's columns (the e-mail address gets the width it needs).
REGISTRY_WIDTHS: dict[str, float] = {C.SETTORE: 40, C.SIGLA: 14, C.DIRIGENTE: 28}


def registry_widths(sectors: pd.DataFrame) -> dict[str, float]:
    """Widths of the registry sheet: an e-mail address never wraps (no space to wrap at)."""
    out = dict(REGISTRY_WIDTHS)
    if C.EMAIL in sectors:
        out[C.EMAIL] = min(max(longest_units(sectors[C.EMAIL].tolist()) + 2, 12), 60)
    return out


def write_tree_sheets(wb: Workbook, tree: Tree, *, tree_sheet: str = C.SHEET_TREE,
                      sectors_sheet: str = C.SHEET_SECTORS, hide: bool = True) -> None:
    """Add the tree sheet (table ``Albero``) and the registry sheet (table ``Settori``),
    both laid out to print legibly on A4 (``hide``: see ``write_print_table``)."""
    ws = wb.add_worksheet(tree_sheet)
    write_print_table(wb, ws, tree.data, table_name="TabAlbero", hide=hide,
                      title=f"Albero della Performance {tree.year or ''}".strip())
    ws2 = wb.add_worksheet(sectors_sheet)
    write_print_table(wb, ws2, tree.sectors, table_name="TabSettori",
                      style="Table Style Medium 4", widths=registry_widths(tree.sectors),
                      title="Settori")


def write_tree_workbook(tree: Tree, path: str | os.PathLike,
                        extra: Callable[[Workbook], None] | None = None, *,
                        hide: bool = True) -> Path:
    """Write the canonical workbook atomically; ``extra(wb)`` may add more sheets."""

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        write_tree_sheets(wb, tree, hide=hide)
        if extra is not None:
            extra(wb)
        wb.close()

    return write_atomic(path, _write)
