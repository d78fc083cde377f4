"""The tree model: one row per operational objective, plus the sector registry.

``Tree`` is a small immutable container around two DataFrames. Columns use the canonical
names of ``xl_albero.columns``; columns the program does not know are kept, in their
original order, after or between the known ones exactly as the source had them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F


def col_letter(index: int) -> str:
    """0-based column index -> Excel column letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Tree:
    """A performance tree as read from (or to be written to) a workbook.

    Attributes:
        data: one row per operational objective. Canonical columns (those present) plus
            unknown columns, in the source order. Values are text, numbers or None.
        sectors: the sector registry (``Settore``, ``Sigla``, ``Dirigente``, ``Email`` and
            any extra columns). When the workbook had none it is derived from the tree.
        sheet: name of the tree sheet in the source workbook.
        rows: Excel row number (1-based) of each data row, aligned with ``data``.
        letters: Excel column letter of each column of ``data`` in the source sheet.
        registry_declared: whether the workbook had a ``Settori`` sheet.
        registry_sheet: name of the registry sheet (if any).
        registry_rows: Excel row of each registry row (aligned with ``sectors``).
        read_findings: problems found while reading (layout, blank cells, formulas...).
        formulas: (row position, column) pairs whose source cell held a formula.
        source_sheets: names of all sheets of the source workbook, in order.
        derived: columns the sheet did not have, derived by the reader from other cells
            (``Periodo`` read from the multi-year text of the PDF layout).
        formulas_known: True when the reader saw every formula of the tree sheet, so that
            its DDE formulas and links to other files are all in ``read_findings``
            (``FORMULA_ESTERNA``); False is always safe.
    """

    data: pd.DataFrame
    sectors: pd.DataFrame
    sheet: str = C.SHEET_TREE
    rows: tuple[int, ...] = ()
    letters: dict[str, str] = field(default_factory=dict)
    registry_declared: bool = False
    registry_sheet: str = C.SHEET_SECTORS
    registry_rows: tuple[int, ...] = ()
    read_findings: pd.DataFrame = field(default_factory=F.empty)
    formulas: frozenset[tuple[int, str]] = frozenset()
    source_sheets: tuple[str, ...] = ()
    derived: frozenset[str] = frozenset()
    formulas_known: bool = False

    def __post_init__(self) -> None:
        if not self.rows:
            object.__setattr__(self, "rows", tuple(range(2, len(self.data) + 2)))
        if not self.letters:
            object.__setattr__(
                self, "letters", {c: col_letter(i) for i, c in enumerate(self.data.columns)}
            )
        if not self.registry_rows:
            object.__setattr__(
                self, "registry_rows", tuple(range(2, len(self.sectors) + 2))
            )

    # -- convenience ---------------------------------------------------------------
    @property
    def extra_columns(self) -> list[str]:
        """Columns of the source the program does not know (kept untouched)."""
        return [c for c in self.data.columns if c not in C.KNOWN_COLUMNS]

    @property
    def years(self) -> list[int]:
        """Distinct plan years found in ``Anno`` (sorted)."""
        if C.ANNO not in self.data:
            return []
        # a tree repeats one or two years on every row: convert the distinct values only
        distinct = pd.Series(pd.unique(self.data[C.ANNO].to_numpy(dtype=object)), dtype=object)
        vals = pd.to_numeric(distinct, errors="coerce").dropna().astype(int)
        return sorted(set(vals.tolist()))

    @property
    def year(self) -> int | None:
        """The plan year when the tree has exactly one, else ``None``."""
        ys = self.years
        return ys[0] if len(ys) == 1 else None

    def cell(self, pos: int, column: str) -> str:
        """Excel reference (``D12``) of data row ``pos`` (0-based) and a column."""
        letter = self.letters.get(column, "")
        return f"{letter}{self.rows[pos]}" if letter else ""

    def with_data(self, data: pd.DataFrame) -> Tree:
        """A copy with new data rows (row/letter mapping recomputed for a fresh sheet)."""
        return replace(self, data=data.reset_index(drop=True), rows=(), letters={},
                       formulas=frozenset(), read_findings=F.empty(), derived=frozenset())


def is_blank(value: object) -> bool:
    """An empty cell: None, NaN, pandas NA or text made only of white space."""
    return (value is None or value is pd.NA or (isinstance(value, float) and value != value)
            or not str(value).strip())


def as_percentage(v: object) -> object:
    """A number stored as a fraction of a percent-formatted cell (0.5 shown as 50 %) as the
    percentage shown (50); anything else unchanged."""
    if type(v) is bool or not isinstance(v, int | float) or v != v:
        return v
    p = round(float(v) * 100, 9)  # 0.07 * 100 = 7.000000000000001
    return int(p) if p.is_integer() and abs(p) < 1e15 else p


def cell_text(value: object) -> str | None:
    """A cell as trimmed text, or ``None`` when it is blank."""
    return None if is_blank(value) else str(value).strip()


def split_sectors(value: object) -> list[str]:
    """Split a ``Settori coinvolti`` cell into names (``; `` separated)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def join_sectors(names: list[str]) -> str:
    return C.SEPARATORE_SETTORI.join(names)
