"""Read a workbook file into RawSheets (python-calamine) and then into a ``Tree``.

python-calamine (Rust) reads values about ten times faster than openpyxl; it returns
cached values only and blanks Excel errors, so formula and error cells come from a light
scan of the sheet XML (``io.xmlscan``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import InputFileError
from xl_albero.io.rawsheet import RawSheet
from xl_albero.io.safety import check_input
from xl_albero.io.xmlscan import SheetScan, WorkbookXml, scan_data, sheet_extent
from xl_albero.model import Tree
from xl_albero.sheet_parser import find_header, tree_from_sheets


def _open(path: Path) -> CalamineWorkbook:
    try:
        with open(path, "rb") as fh:  # content decides the format, not the extension
            return CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # calamine raises its own error types
        raise InputFileError(
            f"Il file «{path.name}» non si può leggere come cartella di lavoro Excel "
            f"({type(exc).__name__}: {exc}). Aprirlo in Excel e salvarlo di nuovo come .xlsx."
        ) from exc


@contextlib.contextmanager
def _reading(p: Path) -> Iterator[CalamineWorkbook]:
    """The open workbook; any unexpected failure while reading it becomes an Italian
    ``InputFileError`` (``InputFileError`` passes through); the workbook is closed."""
    wb = _open(p)
    try:
        yield wb
    except InputFileError:
        raise
    except Exception as exc:
        raise InputFileError(
            f"Il file «{p.name}» è danneggiato o non è leggibile ({exc}).") from exc
    finally:
        wb.close()


def _raw(wb: CalamineWorkbook, name: str, scans: dict, sheet=None) -> RawSheet:
    sheet = sheet if sheet is not None else wb.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or []))
    scan = scans.get(name) or SheetScan()
    formulas, errors = scan.formulas, scan.errors
    # a formula without a cached value shows as its text, so checks see (and report) it
    for (r, c), text in [*((k, v) for k, v in formulas.items()), *errors.items()]:
        if r < len(rows):
            row = rows[r]
            if c >= len(row):
                row.extend([""] * (c + 1 - len(row)))
            if (r, c) in errors or row[c] in ("", None):
                row[c] = errors.get((r, c), text)
    return RawSheet(name=name, rows=rows, merged=merged, formulas=frozenset(formulas),
                    plain_text=scan.plain_text, formula_text=formulas,
                    long_text=scan.long_text)


def with_link_findings(tree: Tree, parts: list[str]) -> Tree:
    """The tree with an ``avviso`` when the workbook keeps links to other files."""
    if not parts:
        return tree
    found = F.Finding(tree.sheet, None, "", "", F.AVVISO, "collegamenti-esterni",
                      f"La cartella di lavoro contiene {len(parts)} collegament"
                      f"{'o' if len(parts) == 1 else 'i'} ad altri file: si usano i valori "
                      "salvati nel file, e i collegamenti non vengono mai riportati nei file "
                      "prodotti.",
                      "In Excel: Dati > Modifica collegamenti > Interrompi collegamento, se i "
                      "valori vanno bene così.")
    return replace(tree, read_findings=F.concat([tree.read_findings, F.to_frame([found])]))


def _worksheet_names(wb: CalamineWorkbook) -> list[str]:
    return [m.name for m in wb.sheets_metadata if "WorkSheet" in str(m.typ)]


def grid_problem(p: Path, name: str, data: bytes | None) -> InputFileError | None:
    """Why sheet ``name`` may not be read as a dense grid (``None``: it may).

    A cell reference beyond Excel's limits is an error; a few cells spread over a huge
    grid (one cell at XFD1048576) would make the reader allocate the whole grid, so the
    sheet is refused with the cell to delete. Time and memory stay proportional to the
    cells present (``io.xmlscan.sheet_extent``)."""
    ext = sheet_extent(data) if data is not None else None
    if ext is None:
        return None
    if ext.beyond is not None:
        return InputFileError(
            f"Il foglio «{name}» del file «{p.name}» contiene una cella con un riferimento "
            f"oltre i limiti di Excel («{ext.beyond[:20]}»: al massimo {MAX_COL_NAME}"
            f"{MAX_ROWS_TEXT}): il file non è stato salvato da Excel o è danneggiato. "
            "Aprirlo in Excel e salvarlo di nuovo.")
    if ext.sparse:
        return InputFileError(
            f"Il foglio «{name}» del file «{p.name}» ha una cella isolata in {ext.far}, "
            f"lontanissima dai dati: {_n(ext.cells)} celle sparse su un'area di "
            f"{_n(ext.area)} celle, che non viene letta per non esaurire la memoria. "
            "Cancellare quella cella (Ctrl+Fine in Excel mostra dove finisce il foglio) e "
            "salvare di nuovo.")
    return None


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


MAX_COL_NAME = "XFD"
MAX_ROWS_TEXT = "1048576"


def _checked_scan(p: Path, wx: WorkbookXml, name: str) -> tuple[bytes | None,
                                                               InputFileError | None]:
    data = wx.sheet(name)
    return data, grid_problem(p, name, data)


def read_raw_sheets(path: str | os.PathLike, names: list[str] | None = None) -> list[RawSheet]:
    """Sheets of a checked workbook file as RawSheets (values, merged ranges, formulas).

    Refuses (``InputFileError``) a sheet with cells beyond Excel's limits or a few cells
    spread over a huge grid (see ``grid_problem``)."""
    p = check_input(path)
    with _reading(p) as wb, WorkbookXml(p) as wx:
        wanted = names if names is not None else _worksheet_names(wb)
        out = []
        for n in wanted:
            data, problem = _checked_scan(p, wx, n)
            if problem is not None:
                raise problem
            out.append(_raw(wb, n, {n: scan_data(data, wx.shared)}))
        return out


_GC_LOCK = threading.Lock()
_gc_state = {"users": 0, "was_enabled": True}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of cell objects are created
    (it would rescan them again and again: ~10% of a big read). Thread-safe: the
    collector is restored, as it was, when the last concurrent reader finishes."""
    with _GC_LOCK:
        if _gc_state["users"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["users"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_state["users"] -= 1
            if _gc_state["users"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


def load_tree(path: str | os.PathLike, *, sheet: str | None = None) -> Tree:
    """Check the file, read it and parse the tree sheet and the sector registry.

    Only the sheets needed are read: the tree sheet (the one asked for, else the first
    whose headers look like a tree, sheets named ``Albero...`` first) and the registry.
    Raises ``InputFileError`` with an Italian message for anything unreadable.
    """
    p = check_input(path)
    with gc_paused(), _reading(p) as wb, WorkbookXml(p) as wx:
        names = _worksheet_names(wb)
        if not names:
            raise InputFileError(f"Il file «{p.name}» non contiene fogli di lavoro.")
        order = _order(names, sheet)
        reg_names = [n for n in names if C.fold(n).startswith("settor")]
        chosen: list[RawSheet] = []
        skipped: list[InputFileError] = []  # sheets too sparse to read as a grid
        for n in order:
            data, problem = _checked_scan(p, wx, n)
            if problem is not None:
                if sheet is not None:
                    raise problem
                skipped.append(problem)
                continue
            # the XML scan (bytes.find) runs while calamine parses the same sheet
            with ThreadPoolExecutor(max_workers=1) as pool:
                scan = pool.submit(scan_data, data, wx.shared)
                grid = wb.get_sheet_by_name(n)
                scans = {n: scan.result()}
            raw = _raw(wb, n, scans, sheet=grid)
            if sheet is not None or find_header(raw) is not None:
                chosen.append(raw)
                break
        if not chosen:
            if skipped:
                raise skipped[0]
            return tree_from_sheets([], source_sheets=tuple(names))
        for n in reg_names or [x for x in names if x != chosen[0].name]:
            if n == chosen[0].name:
                continue
            data, problem = _checked_scan(p, wx, n)
            if problem is not None:
                continue  # not read; the registry is then derived from the tree
            raw = _raw(wb, n, {n: scan_data(data, wx.shared)})
            if find_header(raw, registry=True) is not None:
                chosen.append(raw)
                break
        tree = tree_from_sheets(chosen, sheet=sheet, source_sheets=tuple(names))
        return with_link_findings(tree, wx.external_links)


def _order(names: list[str], sheet: str | None) -> list[str]:
    if sheet is not None:
        hits = [n for n in names if n == sheet] or [n for n in names
                                                     if C.fold(n) == C.fold(sheet)]
        if not hits:
            listed = ", ".join(f"«{n}»" for n in names)
            raise InputFileError(f"Il foglio «{sheet}» non esiste. Fogli presenti: {listed}.")
        return hits[:1]
    named = [n for n in names if C.fold(n).startswith("albero")]
    return named + [n for n in names if n not in named]
