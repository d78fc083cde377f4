"""``valida`` in Excel: the ``Validazione`` sheet, coloured cells, counts for the task pane.

Each run first removes the fill of the cells the previous run coloured (read back from
the previous ``Validazione`` sheet, which lists them), then colours the cells of the new
findings: light red for ``errore``, light yellow for ``avviso``. A user fill on a cell
that had a finding is therefore cleared too (the payload does not carry fills).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from xl_albero import findings as F
from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import (
    ERROR_FILL,
    WARNING_FILL,
    address,
    find_sheet,
    replace_sheet,
    write_rows,
)

SHEET = "Validazione"
HEADERS: tuple[str, ...] = tuple(F.FINDING_HEADERS[f] for f in F.FINDING_FIELDS)
NO_FINDINGS = "Nessun rilievo: l'albero è valido."


def previous_cells(book: Any) -> set[tuple[str, str]]:
    """(sheet, cell) pairs listed on the previous ``Validazione`` sheet."""
    sheet = find_sheet(book, SHEET)
    if sheet is None:
        return set()
    values = sheet.used_range.options(ndim=2).value or [[]]
    if not values or len(values[0]) < len(HEADERS):
        return set()
    head = [str(v) for v in values[0]]
    try:
        i_sheet, i_cell = head.index(F.FINDING_HEADERS["foglio"]), head.index(
            F.FINDING_HEADERS["cella"])
    except ValueError:
        return set()
    out = set()
    for row in values[1:]:
        if len(row) > max(i_sheet, i_cell) and row[i_sheet] and row[i_cell]:
            out.add((str(row[i_sheet]), str(row[i_cell]).lstrip("'")))
    return out


def findings_rows(records: list[dict]) -> list[list[Any]]:
    rows: list[list[Any]] = [list(HEADERS)]
    for rec in records:
        rows.append([rec[f] if rec[f] != "" else None for f in F.FINDING_FIELDS])
    return rows


def _colour(book: Any, cells: dict[tuple[str, str], str | None]) -> None:
    names = {s.name for s in book.sheets}
    for (sheet_name, cell), fill in cells.items():
        if sheet_name in names and cell:
            book.sheets[sheet_name][cell].color = fill


def write_findings(book: Any, findings: pd.DataFrame) -> dict[str, int]:
    """Write the ``Validazione`` sheet and colours for a findings table."""
    old = previous_cells(book)
    records = F.to_records(findings)
    new: dict[tuple[str, str], str | None] = {}
    for rec in records:
        key = (rec["foglio"], rec["cella"])
        if rec["cella"] and new.get(key) != ERROR_FILL:
            new[key] = ERROR_FILL if rec["gravita"] == F.ERRORE else WARNING_FILL
    changes: dict[tuple[str, str], str | None] = {k: None for k in old - set(new)}
    changes.update(new)
    _colour(book, changes)

    sheet = replace_sheet(book, SHEET)
    write_rows(sheet, findings_rows(records))
    if not records:
        sheet.range((2, 1)).value = NO_FINDINGS
    i_cell = F.FINDING_FIELDS.index("cella") + 1
    for i, rec in enumerate(records, start=2):
        if rec["cella"] and rec["foglio"]:
            sheet.range((i, i_cell)).add_hyperlink(
                address(rec["foglio"], rec["cella"]), rec["cella"],
                f"Vai alla cella {rec['cella']} del foglio {rec['foglio']}")
    sheet.autofit("c")
    sheet.activate()
    return F.counts(findings)


def run(book: Any, ctx: ExcelContext, foglio: str | None = None,
        schema: str | None = None) -> dict[str, int]:
    """Validate the tree of the open workbook (``usecases.valida``) and show the findings."""
    from xl_albero.usecases.valida import ValidaOptions, valida

    result = valida(ctx.source(book), ValidaOptions(foglio=foglio, schema=schema))
    return write_findings(book, result.findings)
