"""``raccogli`` in Excel (ribbon «Raccogli dai settori»): merge the returned sector
workbooks into the tree of the open workbook and show the findings like ``valida``.

The returned workbooks arrive as ``cartelle``: in the Office add-in the task pane reads
the files the user picks and posts them as ``{"nome": file name, "dati": base64}``; the
classic add-in passes the paths chosen in a file dialog. The files are read exactly as
by ``albero raccogli`` (``io.returned``, into a private temporary folder that is removed
afterwards) and merged by the same core (``collect``). In the open workbook:

* the changed cells of the tree sheet are written in place (each round's columns are
  added after the tree's last column when missing);
* ``Raccolta`` and ``Raccolta file`` (the log, earlier runs kept) and ``Rilievi
  raccolta`` (the findings with their file) are replaced.

Nothing is written when no returned workbook is usable (``TreeRefused``, exit 2 in the
CLI): the Italian message and the findings are shown instead. The workbook is not saved.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from xl_albero import findings as F
from xl_albero.collect import CHANGE_COLUMNS, FILE_COLUMNS, Collected, Returned
from xl_albero.errors import InputFileError
from xl_albero.excel.context import ExcelContext
from xl_albero.excel.sheet_writer import (
    ERROR_FILL,
    WARNING_FILL,
    find_sheet,
    replace_sheet,
    write_rows,
)
from xl_albero.model import col_letter

SHEET_CHANGES = "Raccolta"
SHEET_FILES = "Raccolta file"
SHEET_FINDINGS = "Rilievi raccolta"
FINDING_HEADERS: tuple[str, ...] = ("File", *(F.FINDING_HEADERS[f] for f in F.FINDING_FIELDS))
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
#: Upper bound of one returned workbook sent by the task pane (decoded).
MAX_FILE_BYTES = 50 * 1_048_576


class NothingToCollect(InputFileError):
    """No returned workbook could be used: the tree was not touched (findings shown)."""


def _safe_name(name: str, i: int) -> str:
    base = _UNSAFE.sub("_", Path(str(name)).name).strip(". ") or f"cartella_{i + 1}.xlsx"
    return base[:120]


def read_inputs(items: list[Any]) -> list[Returned]:
    """The returned workbooks from paths or ``{"nome", "dati"}`` items (base64)."""
    from xl_albero.io.returned import expand_inputs, read_returned

    if not items:
        raise InputFileError("Nessuna cartella restituita indicata: scegliere i file dei "
                             "settori da raccogliere.")
    uploads = [x for x in items if isinstance(x, dict)]
    paths = [x for x in items if not isinstance(x, dict)]
    out = [read_returned(p) for p in expand_inputs(paths)] if paths else []
    if uploads:
        with tempfile.TemporaryDirectory(prefix="albero-raccogli-") as tmp:
            used: set[str] = set()
            for i, item in enumerate(uploads):
                name = _safe_name(str(item.get("nome") or ""), i)
                while name.casefold() in used:
                    name = f"{i + 1}_{name}"
                used.add(name.casefold())
                try:
                    data = base64.b64decode(str(item.get("dati") or ""), validate=True)
                except (binascii.Error, ValueError):
                    out.append(Returned(name=name, problem=f"Il file «{name}» non è arrivato "
                                        "intero al server: sceglierlo di nuovo."))
                    continue
                if len(data) > MAX_FILE_BYTES:
                    out.append(Returned(name=name, problem=f"Il file «{name}» supera i "
                                        f"{MAX_FILE_BYTES // 1_048_576} MB ammessi."))
                    continue
                target = Path(tmp) / name
                target.write_bytes(data)
                out.append(read_returned(target))
    return out


def _table(book: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    sheet = find_sheet(book, name)
    if sheet is None:
        return None
    values = sheet.used_range.options(ndim=2).value or [[]]
    if not values or not set(columns) <= {str(h) for h in values[0]}:
        return None
    head = [str(h) for h in values[0]]
    idx = [head.index(c) for c in columns]
    rows = [[(r[j] if j < len(r) and r[j] != "" else None) for j in idx] for r in values[1:]
            if any(v not in (None, "") for v in r)]
    rows = [[v.lstrip("'") if isinstance(v, str) else
             (int(v) if isinstance(v, float) and v.is_integer() else v) for v in r]
            for r in rows]
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def _write_tree_cells(book: Any, tree: Any, result: Collected) -> int:
    """Write the changed cells (and new columns' headers) into the tree sheet."""
    sheet = book.sheets[tree.sheet]
    header_row = (min(tree.rows) - 1) if tree.rows else 1
    letters = dict(tree.letters)
    last = max((_index(v) for v in letters.values() if v), default=0)
    new_cols = [c for c in result.tree.data.columns if c not in letters]
    for k, c in enumerate(new_cols, start=1):
        letters[c] = col_letter(last + k - 1)  # 0-based: the k-th column after the last
        sheet.range(f"{letters[c]}{header_row}").value = c
    for pos, column, value in result.cells:
        sheet.range(f"{letters[column]}{tree.rows[pos]}").value = _literal(value)
    return len(result.cells)


def _index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch.upper()) - 64
    return n


def _literal(value: Any) -> Any:
    from xl_albero.excel.sheet_writer import excel_literal

    return excel_literal(value)


def _write_findings(book: Any, findings: pd.DataFrame) -> None:
    records = F.to_records(findings)
    sheet = replace_sheet(book, SHEET_FINDINGS)
    rows: list[list[Any]] = [list(FINDING_HEADERS)]
    for rec in records:
        rows.append([rec.get("file") or None,
                     *[rec[f] if rec[f] != "" else None for f in F.FINDING_FIELDS]])
    write_rows(sheet, rows)
    if not records:
        sheet.range((2, 1)).value = "Nessun rilievo: tutte le cartelle sono state raccolte."
    col = 1 + 1 + F.FINDING_FIELDS.index("gravita")
    for i, rec in enumerate(records, start=2):
        sheet.range((i, col)).color = ERROR_FILL if rec["gravita"] == F.ERRORE else WARNING_FILL
    sheet.autofit("c")


def _write_log(book: Any, result: Collected) -> None:
    for name, frame, columns in ((SHEET_CHANGES, result.changes, CHANGE_COLUMNS),
                                 (SHEET_FILES, result.files, FILE_COLUMNS)):
        sheet = replace_sheet(book, name)
        body = frame.reindex(columns=list(columns)).astype(object)
        body = body.where(pd.notna(body), None)
        write_rows(sheet, [list(columns), *body.values.tolist()])
        sheet.autofit("c")


def run(book: Any, ctx: ExcelContext, cartelle: list[Any] | None = None,
        rilevazione: str | None = None, forza: bool = False, foglio: str | None = None,
        schema: str | None = None) -> dict[str, Any]:
    """Collect the returned workbooks into the open workbook's tree (module docstring).

    Returns ``{"riepilogo": counts, "non_restituite": [sector names], "celle": n,
    "avvisi": [registry notices]}``.
    """
    from xl_albero.usecases.raccogli import NothingCollected, RaccogliOptions, raccogli

    if not rilevazione:
        raise InputFileError("Indicare la rilevazione (30/06 o 31/12) a cui appartengono i "
                             "valori raccolti.")
    try:
        done = raccogli(ctx.source(book),
                        RaccogliOptions(rilevazione=rilevazione, foglio=foglio, schema=schema,
                                        forza=forza),
                        lambda: read_inputs(list(cartelle or [])),
                        lambda: (_table(book, SHEET_CHANGES, CHANGE_COLUMNS),
                                 _table(book, SHEET_FILES, FILE_COLUMNS)))
    except NothingCollected as exc:
        _write_findings(book, exc.findings)
        book.sheets[SHEET_FINDINGS].activate()
        raise NothingToCollect(f"{exc} L'albero non è stato modificato; i motivi sono nel "
                               f"foglio «{SHEET_FINDINGS}».") from None
    tree, result = done.checked.tree, done.collected
    n = _write_tree_cells(book, tree, result)
    _write_log(book, result)
    _write_findings(book, result.findings)
    book.sheets[SHEET_FINDINGS].activate()
    return {"riepilogo": result.summary, "non_restituite": list(result.not_returned),
            "celle": n, "avvisi": done.notices}
