"""``RawSheet``: a worksheet as a plain grid, the common input of the layout parser.

Both the file reader (calamine) and the Excel adapter (an xlwings ``Book``) produce
RawSheets, so the same pure code turns either into a ``Tree``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
        formula_text: the formula (``=...``) of formula cells when known, to report
            DDE formulas and links to other files.
        plain_text: True when the source proves no text has stray white space, so the
            normalisation pass can be skipped (a speed hint; False is always safe).
    """

    name: str
    rows: list[list[object]]
    merged: tuple[tuple[int, int, int, int], ...] = ()
    formulas: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    first_row: int = 1
    plain_text: bool = False
    #: True when a text may exceed Excel's 32,767 characters (checked then, cut on writing).
    long_text: bool = False
    #: formula text (``=...``) of formula cells, where the reader knows it.
    formula_text: dict[tuple[int, int], str] = field(default_factory=dict)
