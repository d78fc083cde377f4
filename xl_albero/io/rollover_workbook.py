"""Write the workbook of a new cycle: new tree, registry, frozen old plan, passage sheet.

Sheets: ``Albero`` (the new tree, ``Anno`` = new year), ``Settori`` (registry),
``Storico 2025`` (the old plan, protected: read only), ``Passaggio 2025→2026`` (the counts,
then one row per old objective with its fate). The output is deterministic: the workbook
properties carry a fixed date (``Rollover.created``) and XlsxWriter stamps the zip members
with a fixed time, so the same input gives the same bytes.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from xlsxwriter.workbook import Workbook

from xl_albero.io.atomic import write_atomic
from xl_albero.io.table_writer import new_workbook, write_print_table, write_tree_sheets
from xl_albero.rollover import (
    COUNT_LABELS,
    Rollover,
    history_sheet_name,
    passage_sheet_name,
)

PASSAGE_WIDTHS: dict[str, float] = {
    "Livello": 22, "Codice": 11, "Testo": 50, "Riga": 7, "Esito": 12, "Da rivedere": 11,
    "Motivo": 40, "Nuovo codice": 12,
}


def add_rollover_sheets(wb: Workbook, ro: Rollover) -> None:
    """Add the tree, registry, history and passage sheets of ``ro`` to ``wb``."""
    wb.set_properties({
        "title": f"Albero della Performance {ro.year}",
        "subject": f"Nuovo ciclo {ro.old_year}\u2192{ro.year}",
        "created": datetime(ro.created.year, ro.created.month, ro.created.day),
    })
    write_tree_sheets(wb, ro.tree)

    hist = wb.add_worksheet(history_sheet_name(ro.old_year))
    write_print_table(wb, hist, ro.history, table_name="TabStorico", style="Table Style Light 1",
                      title=f"Albero della Performance {ro.old_year} (storico)")
    # Frozen copy: every cell locked, filters still usable, hidden columns can be shown.
    hist.protect("", {"autofilter": True, "select_locked_cells": True,
                      "select_unlocked_cells": True, "format_columns": True})

    ws = wb.add_worksheet(passage_sheet_name(ro.old_year, ro.year))
    bold = wb.add_format({"bold": True})
    plain = wb.add_format({"indent": 2})
    title = wb.add_format({"bold": True, "font_size": 13})
    ws.write_string(0, 0, f"Passaggio dal piano {ro.old_year} al piano {ro.year}", title)
    ws.set_row(0, 20)
    row = 1
    # the labels span the first three columns (Livello, Codice, Testo): never cut
    for key, label in COUNT_LABELS.items():
        fmt = plain if label.startswith("di cui") else bold
        ws.merge_range(row, 0, row, 2, "", fmt)
        ws.write_string(row, 0, label, fmt)
        ws.write_number(row, 3, ro.counts.get(key, 0))
        row += 1
    passage = ro.passage.astype(object).where(ro.passage != "", None)
    write_print_table(wb, ws, passage, table_name="TabPassaggio", first_row=row + 1,
                      widths=PASSAGE_WIDTHS, style="Table Style Medium 7",
                      title=f"Passaggio {ro.old_year}\u2192{ro.year}")


def write_rollover_workbook(ro: Rollover, path: str | os.PathLike) -> Path:
    """Write the new-cycle workbook atomically at ``path`` (checked by the caller)."""

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        add_rollover_sheets(wb, ro)
        wb.close()

    return write_atomic(path, _write)
