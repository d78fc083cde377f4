"""The master workbook written by ``raccogli``, and the log of earlier collections.

Sheets: ``Albero`` (the tree with the collected values), ``Settori``, ``Raccolta`` (every
changed cell: file, stamps, old -> new), ``Raccolta file`` (what each file gave, the
sectors that did not return theirs), ``Rilievi raccolta`` (findings with their file).
The document dates come from the inputs' stamps, so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from xl_albero import findings as F
from xl_albero.collect import CHANGE_COLUMNS, FILE_COLUMNS, FINDING_COLUMNS, Collected
from xl_albero.io.atomic import write_atomic
from xl_albero.io.table_writer import new_workbook, write_print_table, write_tree_sheets

SHEET_CHANGES = "Raccolta"
SHEET_FILES = "Raccolta file"
SHEET_FINDINGS = "Rilievi raccolta"
_HEADERS = {"file": "File", **F.FINDING_HEADERS}
_WIDTHS = {"File": 26, "Settore": 30, "Rilevazione": 11, "Esportato il": 19, "Salvato il": 19,
           "Codice": 11, "Obiettivo operativo": 45, "Colonna": 22, "Cella": 14, "Prima": 24,
           "Dopo": 24, "Sigla": 12, "Esito": 14, "Righe prese": 9, "Celle cambiate": 9,
           "Errori": 8, "Avvisi": 8, "Impronta file": 18, "Foglio": 12, "Riga": 7,
           "Gravità": 9, "Messaggio": 70, "Suggerimento": 50}


def write_collected(collected: Collected, out: str | os.PathLike, *, created: dt.datetime
                    ) -> Path:
    """Write the master workbook atomically (nothing is left behind on failure)."""

    def _write(tmp: Path) -> None:
        wb = new_workbook(tmp)
        wb.set_properties({"title": "Albero della Performance – raccolta "
                           f"{collected.rilevazione}", "author": "xl-albero",
                           "created": created})
        write_tree_sheets(wb, collected.tree)
        # every sheet laid out for A4 (print_layout): widths, wrapping, row heights
        ws = wb.add_worksheet(SHEET_CHANGES)
        write_print_table(wb, ws, collected.changes.reindex(columns=list(CHANGE_COLUMNS)),
                          table_name="TabRaccolta", style="Table Style Medium 4",
                          widths=_WIDTHS, title="Raccolta dai settori – celle cambiate")
        ws = wb.add_worksheet(SHEET_FILES)
        write_print_table(wb, ws, collected.files.reindex(columns=list(FILE_COLUMNS)),
                          table_name="TabRaccoltaFile", style="Table Style Medium 4",
                          widths=_WIDTHS, title="Raccolta dai settori – file")
        ws = wb.add_worksheet(SHEET_FINDINGS)
        findings = collected.findings.reindex(columns=list(FINDING_COLUMNS))
        write_print_table(wb, ws, findings.rename(columns=_HEADERS),
                          table_name="TabRilieviRaccolta", style="Table Style Medium 3",
                          widths=_WIDTHS, title="Raccolta dai settori – rilievi")
        wb.close()

    return write_atomic(out, _write)


def read_history(path: str | os.PathLike) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The ``Raccolta`` and ``Raccolta file`` tables of a master written earlier (or None).

    ``path`` has already been checked by the tree reader."""
    with open(path, "rb") as fh:
        wb = CalamineWorkbook.from_filelike(fh)
    try:
        names = set(wb.sheet_names)
        return (_table(wb, SHEET_CHANGES, CHANGE_COLUMNS) if SHEET_CHANGES in names else None,
                _table(wb, SHEET_FILES, FILE_COLUMNS) if SHEET_FILES in names else None)
    finally:
        wb.close()


def _table(wb: CalamineWorkbook, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    if not rows:
        return None
    header = [str(h).strip() for h in rows[0]]
    if not set(columns) <= set(header):
        return None
    idx = [header.index(c) for c in columns]
    body = [[_plain(r[j]) if j < len(r) else None for j in idx] for r in rows[1:]
            if any(v not in (None, "") for v in r)]
    return pd.DataFrame(body, columns=list(columns), dtype=object)


def _plain(v: object) -> object:
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
