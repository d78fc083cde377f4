"""``riepilogo`` in Excel: the summaries of ``albero riepilogo`` on a ``Riepilogo`` sheet.

The specs come from the core (``summary.summary_specs``), so Excel shows what the CLI
workbook shows, in the same order:

* summaries over the tree table are real PivotTables whose source is the whole tree
  (header row to last data row, first to last tree column); canonical column names are
  mapped to the headers of the user's tree sheet;
* a summary with ``bins`` (Avanzamento % per Settore) is a PivotTable over a helper range
  on the hidden generated sheet ``Riepilogo dati``: the row field, the counted field and
  the band of each objective (``summary.bands``), one row per objective with a value.
  The remote engine cannot group a PivotTable field into ranges, so the band is a column;
  labels carry an order number (``1) 0–24%`` ... ``5) 100%``) because Excel sorts pivot
  items alphabetically (``100%`` would come before ``25–49%``). When no objective has a
  value the summary is a one-line note instead (a PivotTable needs data rows);
* the involvement summary (led + involved per sector) comes from a list inside a cell,
  so no PivotTable over the tree can show it: it is a plain table computed by the core
  (``summary.compute`` over ``per_sector.involvement_table``), titled as such.

Pivots are stacked vertically with enough room between them. The previous ``Riepilogo``
sheet (and so its PivotTables) and the previous helper sheet are deleted first.

When the tree has monitoring values, the measured figures follow (``measure``, as in the
CLI's ``Raggiungimento`` sheet): the comune's grado, one table per area and per sector,
the bands, the notes, and a bar chart of the grado per sector whose data (a blank, never
0, for a sector not reported) is on the hidden helper sheet.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import find_sheet, replace_sheet, write_rows
from xl_albero.model import Tree

SHEET = "Riepilogo"
#: Hidden generated sheet with the helper ranges of the banded PivotTables.
DATA_SHEET = "Riepilogo dati"
#: Header of the band column on ``DATA_SHEET``.
BAND_FIELD = "Fascia di avanzamento"
COMPUTED_NOTE = ("Tabella calcolata (non è una tabella pivot): premere di nuovo «Riepilogo» "
                 "dopo aver modificato l'albero.")
AGG = {"count": "count", "sum": "sum", "mean": "average", "average": "average",
       "max": "max", "min": "min", "size": "count", "nunique": "count"}


def _letter_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch.upper()) - 64
    return n


def source_block(tree: Tree) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), 1-based, of the tree with its header row."""
    cols = [_letter_index(v) for v in tree.letters.values() if v]
    top = (min(tree.rows) - 1) if tree.rows else 1
    bottom = max(tree.rows) if tree.rows else 1
    return top, min(cols), bottom, max(cols)


def headers(book: Any, tree: Tree, top: int) -> dict[str, str]:
    """Canonical column -> header text in the tree sheet (what the pivot calls the field)."""
    sheet = find_sheet(book, tree.sheet)
    row: list[Any] = []
    if sheet is not None and tree.letters:
        last = max(_letter_index(v) for v in tree.letters.values() if v)
        row = sheet.range((top, 1), (top, last)).options(ndim=1).value or []
    out = {}
    for col, letter in tree.letters.items():
        j = _letter_index(letter) - 1 if letter else -1
        text = row[j] if 0 <= j < len(row) else None
        out[col] = str(text) if text not in (None, "") else str(col)
    return out


def height(data: pd.DataFrame, rows: list[str], columns: list[str]) -> int:
    """Upper bound of a compact pivot's height in rows."""
    n = 0
    for i in range(1, len(rows) + 1):
        present = [c for c in rows[:i] if c in data]
        n += data[present].astype(str).drop_duplicates().shape[0] if present else 1
    return n + 4 + (1 if columns else 0)


def ordered_label(i: int, label: str) -> str:
    """A band label that Excel's alphabetical item order keeps in band order."""
    return f"{i + 1}) {label}"


def band_rows(tree: Tree, spec: Any, names: dict[str, str]) -> list[list[Any]]:
    """Header + one row per objective with a band: row field, counted field, band."""
    from xl_albero import summary

    data = tree.data
    labels = summary.band_labels(spec.bins, scale=100.0 if spec.bins[-1] > 1 else 1.0)
    order = {lab: ordered_label(i, lab) for i, lab in enumerate(labels)}
    band = summary.bands(data[spec.columns[0]], spec.bins)
    row = summary._clean(data[spec.rows[0]])
    keep = band.notna() & row.notna()
    out: list[list[Any]] = [[names.get(spec.rows[0], spec.rows[0]),
                             names.get(spec.values, spec.values), BAND_FIELD]]
    for r, v, b in zip(row[keep], data.loc[keep, spec.values], band[keep], strict=True):
        out.append([r, v, order[b]])
    return out


def involvement_rows(table: pd.DataFrame) -> list[list[Any]]:
    """Header + rows (with ``Totale``) of the involvement summary (the use case's table)."""
    head = [str(table.index.name), *[str(c) for c in table.columns]]
    return [head, *[[str(i), *[int(v) for v in r]]
                    for i, r in zip(table.index, table.to_numpy().tolist(), strict=True)]]


def run(book: Any, ctx: ExcelContext, forza: bool = False, foglio: str | None = None,
        schema: str | None = None) -> dict[str, Any]:
    """Replace the ``Riepilogo`` sheet with the summaries of ``usecases.riepilogo``.

    Returns ``{"pivot": [PivotTable names], "tabelle": [titles of computed tables],
    "avvisi": [registry notices], "cifre": {title: {"riga|colonna": value}},
    "raggiungimento": whether the measured figures are shown}``: the figures are the use
    case's (the PivotTables Excel computes show the same).
    """
    from xl_albero import summary
    from xl_albero.usecases.riepilogo import riepilogo
    from xl_albero.usecases.sectors import SectorOptions

    result = riepilogo(ctx.source(book), SectorOptions(foglio=foglio, schema=schema,
                                                       forza=forza))
    tree, notices = result.checked.tree, result.notices
    specs = result.specs
    tables_by_title = {s.title: t for s, t in zip(specs, result.tables, strict=True)}
    top, left, bottom, right = source_block(tree)
    names = headers(book, tree, top)
    source = find_sheet(book, tree.sheet).range((top, left), (bottom, right))
    sheet = replace_sheet(book, SHEET)  # first: its pivots may use the helper sheet
    old_data = find_sheet(book, DATA_SHEET)
    if old_data is not None:
        old_data.delete()
    data_sheet = None
    data_col = 1
    row = 1
    created: list[str] = []
    tables: list[str] = []
    for spec in specs:
        sheet.range((row, 1)).value = spec.title
        sheet.range((row, 1)).font.bold = True
        if spec.source == summary.SOURCE_INVOLVEMENT:
            rows = involvement_rows(tables_by_title[spec.title])
            sheet.range((row + 1, 1)).value = COMPUTED_NOTE
            write_rows(sheet, rows, top=row + 2)
            tables.append(spec.title)
            row += 2 + len(rows) + 2
            continue
        columns = list(spec.columns)
        src = source
        if spec.bins:
            rows = band_rows(tree, spec, names)
            if len(rows) == 1:  # no objective has a value: a PivotTable would be empty
                field = names.get(spec.columns[0], spec.columns[0])
                sheet.range((row + 1, 1)).value = f"Nessun obiettivo ha un valore in «{field}»."
                row += 4
                continue
            if data_sheet is None:
                data_sheet = replace_sheet(book, DATA_SHEET)
            write_rows(data_sheet, rows, left=data_col)
            src = data_sheet.range((1, data_col), (len(rows), data_col + 2))
            data_col += 4
            columns = [BAND_FIELD]
        pivot = sheet.pivot_tables.add(src, sheet.range((row + 2, 1)), name=spec.name)
        for field in spec.rows:
            pivot.rows.add(names.get(field, field))
        for field in columns:
            pivot.columns.add(names.get(field, field))
        values = [spec.values] if isinstance(spec.values, str) else list(spec.values)
        for field in values:
            pivot.values.add(names.get(field, field),
                             function=AGG.get(str(spec.aggfunc), "count"))
        created.append(spec.name)
        row += 2 + height(tree.data, list(spec.rows), list(spec.columns)) + 2
    measured = _measured(book, sheet, result.measurement, row, data_sheet, data_col)
    if measured is not None:
        data_sheet = measured
    if data_sheet is not None:
        data_sheet.visible = False
    sheet.activate()
    figures = {title: {f"{r}|{c}": v for (r, c), v in cells.items()}
               for title, cells in result.figures().items()}
    return {"pivot": created, "tabelle": tables, "avvisi": notices, "cifre": figures,
            "raggiungimento": measured is not None}


def _measured(book: Any, sheet: Any, m: Any, row: int, data_sheet: Any, data_col: int
              ) -> Any:
    """Write the measurement ``m`` from ``row`` on; returns the helper sheet (or ``None``
    when the tree has no monitoring value: nothing is written, nothing shows 0 %)."""
    from xl_albero.measure_view import measure_rows

    if m is None:
        return None
    rows = measure_rows(m)
    top = row
    sheet.range((row, 1)).value = rows["title"]
    sheet.range((row, 1)).font.bold = True
    sheet.range((row + 1, 1)).value = rows["comune"]
    row += 3
    for key, label in (("areas", "Per area strategica"), ("sectors", "Per settore"),
                       ("bands", "Fasce")):
        sheet.range((row, 1)).value = label
        sheet.range((row, 1)).font.bold = True
        write_rows(sheet, rows[key], top=row + 1)
        row += len(rows[key]) + 3
    for note in rows["notes"]:
        sheet.range((row, 1)).value = note
        row += 1
    chart_rows = [["Settore", "Grado %"]] + [
        [rec[1], rec[2] if isinstance(rec[2], int | float) else None]
        for rec in rows["sectors"][1:]]
    if data_sheet is None:
        data_sheet = replace_sheet(book, DATA_SHEET)
    write_rows(data_sheet, chart_rows, left=data_col)
    if len(chart_rows) > 1:
        chart = sheet.charts.add(0, 0, 520, max(240, 60 + 22 * (len(chart_rows) - 1)),
                                 chart_type="bar_clustered", name="GradoPerSettore",
                                 anchor=sheet.range((top, 10)))
        chart.set_source_data(data_sheet.range((1, data_col),
                                               (len(chart_rows), data_col + 1)))
    return data_sheet
