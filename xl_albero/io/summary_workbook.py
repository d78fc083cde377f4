"""``riepilogo``: the summary workbook.

Sheets: ``Riepilogo`` (one block per ``summary.PivotSpec``: live COUNTIFS/SUMIFS formulas
over the Excel Table ``TabAlbero``, each with its cached value so any reader sees the right
figure without recalculating), ``Grafico`` (bar chart of objectives per sector), ``Albero``
(the tree as the Excel Table ``TabAlbero``; staff may edit it, the formulas follow) and
``Settori`` (the registry).

The formulas use structured references, so rows added to the table are counted. A new
category (a new area or sector) needs a new row in the summary: run *Riepilogo* again
(one click on the ribbon, or ``albero riepilogo``).

COUNTIFS treats ``* ? ~`` as wildcards, ``< > =`` at the start as operators and refuses
criteria longer than 255 characters (multi-year objectives are often longer): for such
labels the cell uses ``SUMPRODUCT`` with an exact comparison instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from xl_albero import columns as C
from xl_albero.io.atomic import write_atomic
from xl_albero.io.table_writer import (
    clean_value,
    new_workbook,
    registry_widths,
    setup_print,
    write_print_table,
)
from xl_albero.per_sector import ROLE_INVOLVED, ROLE_LED
from xl_albero.print_layout import (
    MIN_SCALE,
    header_height,
    lines_height,
    page_breaks,
    print_scale,
    text_units,
    wrapped_lines,
)
from xl_albero.summary import (
    SOURCE_INVOLVEMENT,
    TOTAL,
    PivotSpec,
    band_labels,
)
from xl_albero.usecases.riepilogo import RiepilogoResult

SHEET_SUMMARY = "Riepilogo"
SHEET_CHART = "Grafico"
TREE_TABLE = "TabAlbero"


@functools.lru_cache(maxsize=256)
def ref(column: str, table: str = TREE_TABLE) -> str:
    """Structured reference to a table column (``'`` escapes ``[ ] # '``)."""
    esc = "".join("'" + ch if ch in "[]#'" else ch for ch in column)
    return f"{table}[{esc}]"


def criterion_ok(label: object) -> bool:
    """Whether a label can be a COUNTIFS criterion as is (exact match)."""
    if not isinstance(label, str):
        return isinstance(label, (int, float))
    return (0 < len(label) <= 250 and not any(c in label for c in "*?~")
            and label[0] not in "<>=")


def _match(column: str, cell: str) -> tuple[str, str]:
    """(COUNTIFS pair, SUMPRODUCT factor) matching ``column`` to the value in ``cell``."""
    return f"{ref(column)},{cell}", f"--({ref(column)}={cell})"


def cell_formula(spec: PivotSpec, row_cell: str, row_label: object, col_cell: str | None,
                 col_label: object, band: tuple[float, float | None] | None,
                 tree_columns: list[str]) -> str:
    """The formula of one figure of a spec."""
    if spec.source == SOURCE_INVOLVEMENT:
        return _involvement_formula(row_cell, row_label, col_label, tree_columns)
    row = spec.rows[0]
    pairs, factors = [], []
    simple = criterion_ok(row_label)
    p, f = _match(row, row_cell)
    pairs.append(p)
    factors.append(f)
    if spec.columns:
        col = spec.columns[0]
        if band is not None:
            lo, hi = band
            pairs.append(f'{ref(col)},">="&{lo:g}')
            factors.append(f"--ISNUMBER({ref(col)})")
            factors.append(f"--({ref(col)}>={lo:g})")
            if hi is not None:
                pairs.append(f'{ref(col)},"<"&{hi:g}')
                factors.append(f"--({ref(col)}<{hi:g})")
        else:
            simple = simple and criterion_ok(col_label)
            p, f = _match(col, col_cell or "")
            pairs.append(p)
            factors.append(f)
    if spec.aggfunc == "sum":
        if simple:
            return f"SUMIFS({ref(spec.values)},{','.join(pairs)})"
        return f"SUMPRODUCT({','.join(factors)},{ref(spec.values)})"
    if simple:
        return f"COUNTIFS({','.join(pairs)})"
    return f"SUMPRODUCT({'*'.join(factors)})" if len(factors) > 1 else \
        f"SUMPRODUCT({factors[0]})"


def _involvement_formula(row_cell: str, row_label: object, role: object,
                         tree_columns: list[str]) -> str:
    resp = ref(C.RESPONSABILE)
    if role == ROLE_LED:
        if criterion_ok(row_label):
            return f"COUNTIFS({resp},{row_cell})"
        return f"SUMPRODUCT(--({resp}={row_cell}))"
    if C.COINVOLTI not in tree_columns:
        return "0"
    lst = f'";"&SUBSTITUTE(UPPER({ref(C.COINVOLTI)}),"; ",";")&";"'
    named = f'ISNUMBER(FIND(";"&UPPER({row_cell})&";",{lst}))'
    everyone = f'ISNUMBER(FIND(";{C.TUTTI};",{lst}))'
    return (f"SUMPRODUCT(--(({named}+{everyone})>0),"
            f"--(UPPER(TRIM({resp}))<>UPPER(TRIM({row_cell}))))")


def write_summary_workbook(result: RiepilogoResult, out_path: str | os.PathLike, *,
                           today: dt.date | None = None) -> Path:
    """Write the summary workbook of ``usecases.riepilogo`` atomically at ``out_path``.

    Renders the result: the figures are the use case's tables (cached values of the
    formulas), nothing is checked or computed again. With a measurement the
    ``Raggiungimento`` sheet (``io.measure_sheet``) comes last.
    """
    tree, registry = result.checked.tree, result.checked.registry
    specs, tables = result.specs, result.tables
    today = today or dt.date.today()

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        wb.set_properties({"title": f"Riepilogo dell'Albero della Performance {tree.year or ''}"
                           .strip(), "author": "xl-albero"})
        ws = wb.add_worksheet(SHEET_SUMMARY, worksheet_class=FormulaSheet)
        chart_ws = wb.add_worksheet(SHEET_CHART)
        tree_ws = wb.add_worksheet(C.SHEET_TREE)
        reg_ws = wb.add_worksheet(C.SHEET_SECTORS)
        write_print_table(wb, tree_ws, tree.data, table_name=TREE_TABLE,
                          title=f"Albero della Performance {tree.year or ''}".strip())
        write_print_table(wb, reg_ws, registry, table_name="TabSettori",
                          style="Table Style Medium 4", widths=registry_widths(registry),
                          title="Settori")
        # the data behind the figures: kept (the formulas read it) but not printed with
        # the summary; one click (Scopri) shows them
        tree_ws.hide()
        reg_ws.hide()
        blocks = _write_blocks(wb, ws, specs, tables, list(tree.data.columns), today,
                               tree.year)
        _chart(wb, chart_ws, specs, blocks)
        if result.measurement is not None:
            from xl_albero.io.measure_sheet import write_measure_sheet

            write_measure_sheet(wb, result.measurement)
        ws.activate()
        wb.close()

    return write_atomic(out_path, _write)


#: The functions the summary formulas use (none needs XlsxWriter's ``_xlfn.`` prefixes).
_PLAIN_FUNCTIONS = frozenset({"COUNTIFS", "SUMIFS", "SUMPRODUCT", "SUM", "ISNUMBER", "FIND",
                              "SUBSTITUTE", "UPPER", "TRIM"})
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


class FormulaSheet(Worksheet):
    """The ``Riepilogo`` sheet: tens of thousands of formulas with 1,500 sectors.

    XlsxWriter runs ~30 regular-expression substitutions on every formula (future and
    dynamic-array functions, ``@`` table references), most of the time of a large summary;
    formulas made only of ``_PLAIN_FUNCTIONS`` without ``@`` need none of them, so they
    are only stripped of ``=``. Anything else goes through XlsxWriter's own preparation.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):  # type: ignore[override]
        if formula.startswith("=") and "@" not in formula and "{" not in formula and all(
                f.upper() in _PLAIN_FUNCTIONS for f in _FUNCTION.findall(formula)):
            return formula[1:]
        return super()._prepare_formula(formula, expand_future_functions)


def _write_blocks(wb, ws, specs: list[PivotSpec], tables: list[pd.DataFrame],
                  tree_columns: list[str], today: dt.date, year: int | None
                  ) -> dict[str, tuple[int, int, int]]:
    """Write every spec's block; return name -> (header row, first data row, last data row)."""
    title_f = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79"})
    block_f = wb.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E79"})
    head_f = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                            "valign": "top", "border": 1})
    label_f = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    num_f = wb.add_format({"valign": "top", "border": 1, "num_format": "#,##0.##"})
    tot_label = wb.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2"})
    tot_num = wb.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2",
                             "num_format": "#,##0.##"})
    note_f = wb.add_format({"italic": True, "font_color": "#595959"})
    ncols = max((len(t.columns) for t in tables), default=1)
    value_w = value_width([c for t in tables for c in t.columns])
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, max(ncols, 1), value_w)
    heights: dict[int, float] = {0: 19.0, 1: 15.0}  # row -> points, for page breaks
    spans: list[tuple[int, int]] = []
    ws.write_string(0, 0, f"Riepilogo dell'Albero della Performance {year or ''}".strip(),
                    title_f)
    ws.write_string(1, 0, (f"Creato il {today:%d/%m/%Y}. Le cifre si aggiornano da sole "
                           f"quando si modifica l'albero completo, nel foglio nascosto "
                           f"«{C.SHEET_TREE}» (clic destro su una linguetta > Scopri); per "
                           "nuove aree o nuovi settori rifare il riepilogo."), note_f)
    r = 3
    blocks: dict[str, tuple[int, int, int]] = {}
    for spec, table in zip(specs, tables, strict=True):
        ws.write_string(r, 0, spec.title, block_f)
        heights[r] = 17.0
        start = r
        r += 1
        header = r
        ws.write_string(header, 0, spec.rows[0], head_f)
        cols = list(table.columns)
        heights[header] = header_height([spec.rows[0], *map(str, cols)],
                                        [LABEL_WIDTH, *[value_w] * len(cols)])
        ws.set_row(header, heights[header])
        bands: list[tuple[float, float | None] | None] = [None] * len(cols)
        if spec.bins:
            labels = band_labels(spec.bins, scale=100.0 if spec.bins[-1] > 1 else 1.0)
            edges = [*spec.bins[1:], None]
            lookup = {lab: (lo, hi) for lab, lo, hi in zip(labels, spec.bins, edges,
                                                             strict=True)}
            bands = [lookup.get(c) for c in cols]
        for j, c in enumerate(cols, start=1):
            _write_value(ws, header, j, c, head_f)
        first = header + 1
        body = [i for i in table.index if i != TOTAL]
        last = first + len(body) - 1
        figures = table.to_numpy().tolist()  # by position: .at per cell is slow
        for i, label in enumerate(body):
            row = first + i
            values = figures[i]
            _write_value(ws, row, 0, label, label_f)
            lines = wrapped_lines(str(clean_value(label)), LABEL_WIDTH)
            if lines > 1:
                heights[row] = lines_height(lines)
                ws.set_row(row, heights[row])
            row_cell = xl_rowcol_to_cell(row, 0, col_abs=True)
            for j, c in enumerate(cols, start=1):
                cached = clean_value(values[j - 1])
                if c == TOTAL:
                    f = f"SUM({xl_rowcol_to_cell(row, 1)}:{xl_rowcol_to_cell(row, j - 1)})"
                elif not spec.columns:
                    f = cell_formula(spec, row_cell, label, None, None, None, tree_columns)
                else:
                    col_cell = xl_rowcol_to_cell(header, j, row_abs=True)
                    f = cell_formula(spec, row_cell, label, col_cell, c, bands[j - 1],
                                     tree_columns)
                ws.write_formula(row, j, f"={f}", num_f, cached)
        tot = first + len(body)
        ws.write_string(tot, 0, TOTAL, tot_label)
        for j in range(1, len(cols) + 1):
            cached = clean_value(figures[-1][j - 1])
            if body:
                f = f"=SUM({xl_rowcol_to_cell(first, j)}:{xl_rowcol_to_cell(last, j)})"
            else:
                f = "=0"
            ws.write_formula(tot, j, f, tot_num, cached)
        blocks[spec.name] = (header, first, last)
        spans.append((start, tot))
        r = tot + 3
    ws.freeze_panes(3, 1)
    scale = print_scale([LABEL_WIDTH, *[value_w] * ncols])
    fixed = None
    if scale < MIN_SCALE:  # too many sectors for one legible page width
        scale = MIN_SCALE
        fixed = round(scale * 100)
        ws.repeat_columns(0)  # the labels on every page
    setup_print(ws, header_row=0, title="Riepilogo dell'Albero della Performance",
                scale=fixed)
    rows = [heights.get(i, 15.0) for i in range(r)]
    breaks = page_breaks(rows, spans, scale=scale, repeated_pt=rows[0])
    if breaks:
        ws.set_h_pagebreaks(breaks)
    return blocks


#: Width of the label column of the summary blocks (long labels wrap).
LABEL_WIDTH = 60.0


def value_width(labels: list[object]) -> float:
    """Width of the figure columns: room for the longest word of a header (sector names
    wrap over a few lines), between 12 and 18."""
    words = [w for lab in labels for w in str(lab).split()]
    longest = max((text_units(w, bold=True) for w in words), default=8.0)
    return float(min(max(longest + 2, 12.0), 18.0))


def _write_value(ws, row: int, col: int, v: object, fmt) -> None:
    v = clean_value(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        ws.write_number(row, col, v, fmt)
    else:
        ws.write_string(row, col, "" if v is None else str(v), fmt)


def _chart(wb, ws, specs: list[PivotSpec], blocks: dict[str, tuple[int, int, int]]) -> None:
    ws.write_string(0, 0, "Obiettivi per settore (responsabile e coinvolto)",
                    wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79"}))
    spec = next((s for s in specs if s.source == SOURCE_INVOLVEMENT), None)
    if spec is None or spec.name not in blocks:
        return
    header, first, last = blocks[spec.name]
    if last < first:
        return
    chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
    for j, role in enumerate((ROLE_LED, ROLE_INVOLVED), start=1):
        chart.add_series({
            "name": [SHEET_SUMMARY, header, j],
            "categories": [SHEET_SUMMARY, first, 0, last, 0],
            "values": [SHEET_SUMMARY, first, j, last, j],
            "fill": {"color": "#2F75B5" if role == ROLE_LED else "#9DC3E6"},
        })
    chart.set_title({"name": "Obiettivi per settore"})
    chart.set_x_axis({"name": "Obiettivi", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    n = last - first + 1
    chart.set_size({"width": 900, "height": max(320, 90 + 22 * n)})
    ws.insert_chart(2, 0, chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
