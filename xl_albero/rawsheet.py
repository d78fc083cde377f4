"""``RawSheet``: a worksheet as a plain grid, the common input of the layout parser.

Both the file reader (calamine) and the Excel adapter (an xlwings ``Book``) produce
RawSheets through a :class:`SheetSource`, so the same pure code turns either into a
``Tree``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RawSheet:
    """A worksheet's used range as values.

    Attributes:
        name: sheet name.
        rows: cell values row by row, starting at Excel row ``first_row`` and column A.
            Values are str, int, float, bool, datetime/date or None; Excel error values
            are kept as their text (``#REF!``, ``#RIF!``, ``#N/D``...).
        merged: merged ranges as 0-based inclusive (row0, col0, row1, col1) in grid
            coordinates (row 0 = ``first_row``).
        formulas: grid coordinates (row, col) of cells that hold a formula.
        first_row: Excel row number (1-based) of ``rows[0]``.
        plain_text: True when the source proves no text has stray white space, so the
            normalisation pass can be skipped (a speed hint; False is always safe).
        long_text: True when a text may exceed Excel's 32,767 characters (then checked).
        nfc_text: True when the source proves every text is in NFC (the normalisation
            pass is skipped; False is always safe).
        percent: grid coordinates (row, col) of cells formatted as a percentage (Excel
            stores 50 % as 0.5): in the 0–100 columns they are read as the percentage shown.
        formula_text: the formula (``=...``) of formula cells when the source knows it,
            to report DDE formulas and links to other files.
        formulas_known: True when ``formula_text`` holds every formula of the sheet (the
            source looked through all of it); False is always safe.
    """

    name: str
    rows: list[list[object]]
    merged: tuple[tuple[int, int, int, int], ...] = ()
    formulas: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    first_row: int = 1
    plain_text: bool = False
    long_text: bool = False
    nfc_text: bool = False
    percent: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    formula_text: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas_known: bool = False


class SheetSource(Protocol):
    """Where a workbook's sheets come from: a file (``io.file_source``) or an open Excel
    workbook (``excel.book_source``). The core decides which sheet is the tree and which
    the registry (``sheet_parser.tree_from_source``); a source only lists and reads.
    """

    def sheet_names(self) -> Sequence[str]:
        """The sheets that may hold the tree or the registry, in workbook order."""
        ...

    def read(self, name: str, *, formulas: bool = True) -> RawSheet:
        """One sheet as a RawSheet; ``formulas=False`` may skip locating formula cells."""
        ...
