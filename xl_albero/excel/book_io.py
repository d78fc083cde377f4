"""Read the open workbook (an xlwings ``Book``) into RawSheets and a ``Tree``.

On xlwings Server the book is the JSON payload Excel sends (``book.api``): each sheet
carries its used range as values anchored at A1, with empty cells as ``""`` and date
cells as ISO strings. The payload has no merged ranges and no formulas (only their
results), so RawSheets built here have ``merged=()`` and ``formulas=frozenset()``: the
layout parser must not rely on merges (the canonical layout has none) and formula
checks only run on files (``albero valida``). Sheets the add-in wrote itself (marked
with the sheet-scoped name ``AlberoGenerato``) are left out, so a sector sheet is never
mistaken for the tree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from xl_albero.io.rawsheet import RawSheet
from xl_albero.model import Tree

#: Sheet-scoped defined name marking the sheets written by the add-in.
GENERATED_NAME = "AlberoGenerato"

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def cell_value(value: Any) -> object:
    """A payload cell as a RawSheet value: ``""`` -> None, ISO dates -> datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return value
    return value


def raw_sheet(sheet_api: dict) -> RawSheet:
    """One payload sheet (``{"name", "values", ...}``) as a RawSheet."""
    values = sheet_api.get("values") or [[]]
    rows = [[cell_value(v) for v in row] for row in values]
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    return RawSheet(name=str(sheet_api["name"]), rows=rows)


def generated_sheets(book_api: dict) -> set[str]:
    """Names of the sheets the add-in generated (sheet-scoped ``AlberoGenerato``)."""
    out: set[str] = set()
    for name in book_api.get("names") or []:
        if name.get("book_scope"):
            continue
        short = str(name.get("name", "")).rsplit("!", 1)[-1]
        if short == GENERATED_NAME and name.get("scope_sheet_name"):
            out.add(str(name["scope_sheet_name"]))
    return out


def raw_sheets_from_api(book_api: dict, *, include_generated: bool = False) -> list[RawSheet]:
    skip = set() if include_generated else generated_sheets(book_api)
    return [raw_sheet(s) for s in book_api.get("sheets", []) if s.get("name") not in skip]


def raw_sheets_from_book(book: Any, *, include_generated: bool = False) -> list[RawSheet]:
    """Every (user) sheet of an xlwings ``Book`` as a RawSheet (values only)."""
    return raw_sheets_from_api(book.api, include_generated=include_generated)


def tree_from_book(book: Any, sheet: str | None = None) -> Tree:
    """Parse the tree and the sector registry of the open workbook.

    Raises ``InputFileError`` (Italian message) when no tree can be found.
    """
    from xl_albero.sheet_parser import tree_from_sheets

    names = tuple(str(s["name"]) for s in book.api.get("sheets", []))
    return tree_from_sheets(raw_sheets_from_book(book), sheet=sheet, source_sheets=names)
