"""An open workbook (xlwings ``Book``) as a :class:`~xl_albero.rawsheet.SheetSource`.

Only xlwings' public API is used (``Book.sheets``, ``Sheet.used_range``, ``Range.value``,
``Range.merge_cells`` / ``merge_area``, ``Sheet.names``), never ``.api``, so the same
adapter works in desktop Excel (classic add-in, ``RunPython``) and on xlwings Server's
remote engine (Office add-in).

Merged areas: desktop Excel answers ``merge_cells`` / ``merge_area``. The remote engine
cannot read them synchronously (its ``merge_area`` raises ``NotImplementedError``); the
Office add-in's JavaScript reads the merged areas of every sheet's used range and sends
them with the call (``merged_areas`` of each sheet in the payload, see docs/addin.md),
and the server passes them here as ``merged``. Without them (an older client) the PDF
layout's merged upper levels look blank.

Sheets the add-in wrote itself (marked with the sheet-scoped name ``AlberoGenerato``) are
left out, so a sector sheet is never mistaken for the tree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from xl_albero.errors import InputFileError
from xl_albero.rawsheet import RawSheet

#: Sheet-scoped defined name marking the sheets written by the add-in.
GENERATED_NAME = "AlberoGenerato"

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")

Area = tuple[int, int, int, int]  # 1-based inclusive (top, left, bottom, right)


def cell_value(value: Any) -> object:
    """A cell as a RawSheet value: ``""`` -> None, ISO date text -> datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return value
    return value


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_area(address: str) -> Area:
    """``'Albero'!$A$3:$A$10`` / ``A3:A10`` / ``B4`` -> (3, 1, 10, 1)."""
    text = str(address).rsplit("!", 1)[-1]
    first, _, last = text.partition(":")
    m1, m2 = _CELL.match(first.strip()), _CELL.match((last or first).strip())
    if not m1 or not m2:
        raise ValueError(f"not a cell range: {address!r}")
    r0, c0 = int(m1.group(2)), _col_number(m1.group(1))
    r1, c1 = int(m2.group(2)), _col_number(m2.group(1))
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def is_generated(sheet: Any) -> bool:
    """Whether the add-in wrote ``sheet`` (it carries the sheet-scoped ``AlberoGenerato``)."""
    try:
        names = list(sheet.names)
    except Exception:  # an engine without sheet-scoped names: nothing is marked
        return False
    return any(str(n.name).rsplit("!", 1)[-1] == GENERATED_NAME for n in names)


def merged_areas(used: Any) -> list[Area] | None:
    """Merged areas inside ``used`` through the public API (desktop Excel), or ``None``
    when the engine cannot tell (xlwings Server's remote engine).

    Few calls: the used range first, then each column that has merges, then its cells
    (skipping the cells of areas already found).
    """
    try:
        state = used.merge_cells
    except NotImplementedError:
        return None
    if state is False:
        return []
    areas: list[Area] = []
    covered: set[tuple[int, int]] = set()
    for column in used.columns:
        if column.merge_cells is False:
            continue
        for cell in column:
            key = (cell.row, cell.column)
            if key in covered or not cell.merge_cells:
                continue
            area = cell.merge_area
            top, left = area.row, area.column
            nrows, ncols = area.shape
            box = (top, left, top + nrows - 1, left + ncols - 1)
            areas.append(box)
            covered.update((r, c) for r in range(box[0], box[2] + 1)
                           for c in range(box[1], box[3] + 1))
    return areas


class BookSource:
    """The sheets of an xlwings ``Book``.

    ``merged``: sheet name -> merged area addresses, when the caller has them (the
    Office add-in sends them); otherwise they are asked to the engine (desktop Excel).
    """

    def __init__(self, book: Any, merged: Mapping[str, Sequence[str]] | None = None) -> None:
        self.book = book
        self.merged = merged

    @property
    def label(self) -> str:
        return str(self.book.name)

    def _sheet(self, name: str) -> Any:
        for sheet in self.book.sheets:
            if sheet.name == name:
                return sheet
        raise InputFileError(f"Il foglio «{name}» non esiste più nella cartella di lavoro.")

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets if not is_generated(s)]

    def all_sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read(self, name: str, *, formulas: bool = True) -> RawSheet:
        sheet = self._sheet(name)
        used = sheet.used_range
        top, left = used.row, used.column
        values = used.options(ndim=2).value or [[]]
        rows = [[None] * (left - 1) + [cell_value(v) for v in row] for row in values]
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        if self.merged is not None:
            areas = [parse_area(a) for a in self.merged.get(name, ())]
        else:
            areas = merged_areas(used) or []
        merged = tuple((r0 - top, c0 - 1, r1 - top, c1 - 1) for r0, c0, r1, c1 in areas
                       if r1 >= top)
        # values only: formula cells are not known here (checked on files by valida)
        return RawSheet(name=name, rows=rows, merged=merged, first_row=top)
