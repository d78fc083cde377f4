"""The logic of the ``ALBERO.*`` custom functions, on plain 2-D value lists (pure);
``RILIEVI`` renders ``usecases.valida``.

Excel passes a range argument as rows of values (``None`` for empty cells). The range is
expected to include the header row; title rows above it are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import AlberoError
from xl_albero.rawsheet import RawSheet
from xl_albero.sector_registry import fold_name

Grid = Sequence[Sequence[object]]


class FunctionError(AlberoError):
    """A custom-function argument that cannot be used (Italian message)."""


def _header(values: Grid, wanted: str, registry: bool = False) -> tuple[int, dict[str, int]]:
    """(row index, {canonical column: column index}) of the first row holding ``wanted``."""
    for i, row in enumerate(values[:30]):
        cols: dict[str, int] = {}
        for j, v in enumerate(row):
            canon = C.match_header(v, registry=registry) if v not in (None, "") else None
            if canon and canon not in cols:
                cols[canon] = j
        if wanted in cols:
            return i, cols
    raise FunctionError(f"Nell'intervallo non c'è l'intestazione «{wanted}»: selezionare "
                        "l'intervallo compresa la riga delle intestazioni.")


def _cell(row: Sequence[object], j: int | None) -> object:
    return row[j] if j is not None and j < len(row) else None


def count_objectives(values: Grid, sector: str, area: object = None) -> int:
    """Operational objectives whose ``Settore responsabile`` is ``sector``.

    ``area`` (optional) restricts to an area: its name, or its number (the first part of
    ``Codice``).
    """
    if not sector or not str(sector).strip():
        raise FunctionError("Indicare il settore.")
    top, cols = _header(values, C.RESPONSABILE)
    want = fold_name(str(sector))
    area_name = area_num = None
    if area not in (None, ""):
        if isinstance(area, (int, float)) or str(area).strip().isdigit():
            area_num = str(int(float(area)))  # type: ignore[arg-type]
        else:
            area_name = fold_name(str(area))
    n = 0
    for row in values[top + 1:]:
        resp = _cell(row, cols[C.RESPONSABILE])
        if resp in (None, "") or fold_name(str(resp)) != want:
            continue
        if area_name is not None and fold_name(str(_cell(row, cols.get(C.AREA)) or "")) != area_name:
            continue
        if area_num is not None and str(_cell(row, cols.get(C.CODICE)) or "").split(".")[0] != area_num:
            continue
        n += 1
    return n


def sigla(values: Grid, sector: str) -> str:
    """The ``Sigla`` of ``sector`` in a registry range (``Settore``, ``Sigla`` columns)."""
    top, cols = _header(values, C.SETTORE, registry=True)
    if C.SIGLA not in cols:
        raise FunctionError("Nell'intervallo non c'è la colonna «Sigla».")
    want = fold_name(str(sector or ""))
    for row in values[top + 1:]:
        name = _cell(row, cols[C.SETTORE])
        if name not in (None, "") and fold_name(str(name)) == want:
            return str(_cell(row, cols[C.SIGLA]) or "")
    raise FunctionError(f"Settore «{sector}» non trovato nell'elenco dei settori.")


FINDINGS_COLUMNS: tuple[str, ...] = ("cella", "gravita", "codice", "messaggio", "suggerimento")


def findings_array(values: Grid, sheet: str = C.SHEET_TREE) -> list[list[object]]:
    """Validation findings of a tree range, with a header row (dynamic array).

    Cell references assume the range starts at A1 of its sheet.
    """
    from xl_albero.sheet_parser import ListSource
    from xl_albero.usecases.valida import valida

    rows = [[None if v == "" else v for v in r] for r in values]
    result = valida(ListSource([RawSheet(name=sheet, rows=rows)]))
    found = F.to_records(result.findings)
    out: list[list[object]] = [[F.FINDING_HEADERS[c] for c in FINDINGS_COLUMNS]]
    out += [[rec[c] for c in FINDINGS_COLUMNS] for rec in found]
    if not found:
        out.append(["", "", "", "Nessun rilievo", ""])
    return out
