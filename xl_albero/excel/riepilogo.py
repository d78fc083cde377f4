"""``riepilogo`` in Excel: real PivotTables over the tree on a ``Riepilogo`` sheet.

The specs come from the core (``summary.pivot_specs``); this adapter only maps canonical
column names to the headers of the user's tree sheet, picks the source range (the whole
tree: header row to last data row, first to last tree column) and stacks the pivots
vertically with enough room between them. The previous ``Riepilogo`` sheet (and so its
PivotTables) is deleted first.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from xl_albero.excel._core import valid_tree
from xl_albero.excel.sheets import find_sheet, replace_sheet
from xl_albero.model import Tree

SHEET = "Riepilogo"
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
    values = sheet.api.get("values") if sheet is not None else None
    out = {}
    for col, letter in tree.letters.items():
        text = None
        if values and len(values) >= top:
            j = _letter_index(letter) - 1
            row = values[top - 1]
            text = row[j] if j < len(row) else None
        out[col] = str(text) if text not in (None, "") else str(col)
    return out


def height(data: pd.DataFrame, rows: list[str], columns: list[str]) -> int:
    """Upper bound of a compact pivot's height in rows."""
    n = 0
    for i in range(1, len(rows) + 1):
        present = [c for c in rows[:i] if c in data]
        n += data[present].astype(str).drop_duplicates().shape[0] if present else 1
    return n + 4 + (1 if columns else 0)


def run(book: Any, foglio: str | None = None, schema: str | None = None,
        forza: bool = False) -> list[str]:
    """Replace the ``Riepilogo`` sheet with one PivotTable per spec; return their names."""
    from xl_albero import summary

    tree = valid_tree(book, foglio=foglio, schema=schema, forza=forza)
    specs = summary.pivot_specs(tree)
    top, left, bottom, right = source_block(tree)
    names = headers(book, tree, top)
    source = find_sheet(book, tree.sheet).range((top, left), (bottom, right))
    sheet = replace_sheet(book, SHEET)
    row = 1
    created = []
    for spec in specs:
        sheet.range((row, 1)).value = spec.title
        sheet.range((row, 1)).font.bold = True
        pivot = sheet.pivot_tables.add(source, sheet.range((row + 2, 1)), name=spec.name)
        for field in spec.rows:
            pivot.rows.add(names.get(field, field))
        for field in spec.columns:
            pivot.columns.add(names.get(field, field))
        values = [spec.values] if isinstance(spec.values, str) else list(spec.values)
        for field in values:
            pivot.values.add(names.get(field, field),
                             function=AGG.get(str(spec.aggfunc), "count"))
        created.append(spec.name)
        row += 2 + height(tree.data, list(spec.rows), list(spec.columns)) + 2
    sheet.activate()
    return created
