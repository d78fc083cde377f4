"""Open a workbook file and read its sheets as RawSheets (python-calamine).

python-calamine (Rust) reads values about ten times faster than openpyxl; it returns
cached values only and blanks Excel errors, so formula and error cells come from a light
scan of the sheet XML (``io.xmlscan``).

Light on purpose (no pandas): ``prefetch`` starts reading the tree sheet in a thread as
soon as the command line is parsed, while the rest of the program is still loading
(python-calamine parses without holding the GIL), and ``FileSource`` takes over what it
read.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from python_calamine import CalamineSheet, CalamineWorkbook

from xl_albero.errors import InputFileError, SheetTooSparse
from xl_albero.io.number_formats import percent_cells, percent_styles
from xl_albero.io.safety import check_input
from xl_albero.io.sheet_extent import sheet_extent
from xl_albero.io.xmlscan import SheetScan, WorkbookXml, scan_data
from xl_albero.rawsheet import RawSheet
from xl_albero.sheet_choice import registry_candidates, registry_named, tree_candidates

if TYPE_CHECKING:
    from xl_albero import findings as F

_Problem = InputFileError | None  # why a sheet may not be read as a grid (None: it may)
_Extras = tuple[SheetScan, frozenset[tuple[int, int]]]  # formula/error scan, percent cells


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


def _raw(name: str, sheet: CalamineSheet, scan: SheetScan | None = None,
         percent: frozenset[tuple[int, int]] = frozenset()) -> RawSheet:
    rows = grid_rows(sheet)
    merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or []))
    scan = scan or SheetScan()
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
                    long_text=scan.long_text, nfc_text=scan.nfc_text, percent=percent,
                    formulas_known=scan.complete)


def grid_rows(sheet: CalamineSheet) -> list[list[object]]:
    """The sheet's cells row by row from A1 (as ``to_python(skip_empty_area=False)``),
    with equal texts as one object.

    The reader makes a new string for every cell, so a tree repeats its area, strategic
    and multi-year titles (and sector names) as hundreds of thousands of copies. Shared,
    they take the memory of one, and every later pass (checks, writers) compares them by
    identity and reuses their hash. Rows are converted one at a time (``iter_rows``), so
    the copies never exist all at once: the peak memory of reading a big sheet is that
    of the shared texts, not of one string per cell."""
    start = sheet.start
    if start is None:
        return []
    memo: dict[str, str] = {}
    get = memo.setdefault
    rows = [[get(v, v) if v.__class__ is str else v for v in row] for row in sheet.iter_rows()]
    if start[1]:  # iter_rows starts at row 1 but at the first used column: back to column A
        pad = [""] * start[1]
        rows = [pad + row for row in rows]
    return rows


#: Sheets of at least this many cells (~330,000 objectives) give back the memory the
#: reader freed (below that, the memory is small and the call not worth its time).
TRIM_CELLS = 5_000_000


def release_freed_memory() -> None:
    """Give the memory the reader freed back to the system (glibc's ``malloc_trim``).

    calamine holds a big sheet as one allocation per cell, in the reading thread's own
    malloc arena: once freed, that memory stays with the process, and the rest of the
    command (which allocates in the main thread's arena) cannot reuse it. A tree of
    1,000,000 objectives leaves about a gigabyte so. Elsewhere (macOS, Windows, musl) a
    no-op."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def link_findings(sheet: str, parts: list[str]) -> list[F.Finding]:
    """An ``avviso`` when the workbook keeps links to other files (``xl/externalLinks``)."""
    if not parts:
        return []
    from xl_albero import findings as F  # pandas: loaded by then, not before reading

    return [F.Finding(sheet, None, "", "", F.AVVISO, "COLLEGAMENTI_ESTERNI",
                      f"La cartella di lavoro contiene {len(parts)} collegament"
                      f"{'o' if len(parts) == 1 else 'i'} ad altri file: si usano i valori "
                      "salvati nel file, e i collegamenti non vengono mai riportati nei file "
                      "prodotti.",
                      "In Excel: Dati > Modifica collegamenti > Interrompi collegamento, se i "
                      "valori vanno bene così.")]


def _worksheet_names(wb: CalamineWorkbook) -> list[str]:
    return [m.name for m in wb.sheets_metadata if "WorkSheet" in str(m.typ)]


def grid_problem(p: Path, name: str, data: bytes | None) -> InputFileError | None:
    """Why sheet ``name`` may not be read as a dense grid (``None``: it may).

    A cell reference beyond Excel's limits is an error; a few cells spread over a huge
    grid (one cell at XFD1048576) would make the reader allocate the whole grid, so the
    sheet is refused with the cell to delete. Time and memory stay proportional to the
    cells present (``io.sheet_extent.sheet_extent``)."""
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
        return SheetTooSparse(
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
    with FileSource(path) as src:
        return [src.read(n) for n in (names if names is not None else src.sheet_names())]


_GC_LOCK = threading.Lock()
_gc_state = {"users": 0, "was_enabled": True, "freeze": False}


def freeze_when_resumed() -> None:
    """For a short-lived process (the ``albero`` command): when the collector resumes after
    reading, the objects alive then (the modules loaded meanwhile, the tree read) are moved
    to the permanent generation instead of being traversed once more (~0.04 s per 100,000
    objectives); they live until the process ends anyway."""
    _gc_state["freeze"] = True


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
                if _gc_state["freeze"]:
                    gc.freeze()
                gc.enable()


class FileSource:
    """A workbook file as a :class:`~xl_albero.rawsheet.SheetSource` (use as a context
    manager: the file is checked and opened on enter, closed on exit).

    A sheet read with ``formulas=True`` (a tree candidate) is scanned for formula and
    error cells (``io.xmlscan``) while calamine parses it.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._wb: CalamineWorkbook | None = None
        self._stack: contextlib.ExitStack | None = None
        self._wx: WorkbookXml | None = None
        self._names: list[str] = []
        self._ready: dict[tuple[str, bool], RawSheet] = {}  # read ahead by ``prefetch``
        self._percent_styles: frozenset[int] | None = None
        self._helper: ThreadPoolExecutor | None = None  # the XML work beside calamine
        self._early: dict[str, tuple[Future[_Problem], Future[_Extras] | None]] = {}

    def __enter__(self) -> FileSource:
        p = check_input(self.path)
        self.path = p
        early = _take_prefetched(p)
        if early is not None:  # already open, its likely sheets read: take it over
            vars(self).update(vars(early))
            return self
        return self._open(p)

    def _open(self, p: Path, *, ahead: bool = False, sheet: str | None = None) -> FileSource:
        """Open the workbook. ``ahead`` (``prefetch``): the package is opened first and
        the likely tree sheet's XML work (``_prepare``) starts in the helper thread while
        calamine opens the workbook; otherwise calamine opens it first, so that a file it
        cannot read is said in its words."""
        self.path = p
        stack = contextlib.ExitStack()
        stack.enter_context(gc_paused())
        self._stack = stack
        try:
            if ahead:
                self._open_package(stack)
                worksheets = [n for n, part in self._wx.parts.items() if "/worksheets/" in part]
                if worksheets:
                    self._prepare(tree_candidates(worksheets, sheet)[0], formulas=True)
            self._wb = stack.enter_context(_reading(p))
            if not ahead:
                self._open_package(stack)
        except BaseException:
            self._stack = None
            stack.close()
            raise
        self._names = _worksheet_names(self._wb)
        if not self._names:
            self._stack = None
            stack.close()
            raise InputFileError(f"Il file «{p.name}» non contiene fogli di lavoro.")
        return self

    def _open_package(self, stack: contextlib.ExitStack) -> None:
        """The package (``WorkbookXml``) and one thread for the XML work of the sheets
        read (it reads the package: it is stopped, waiting for any task under way, before
        the package is closed)."""
        self._wx = stack.enter_context(WorkbookXml(self.path))
        helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="albero-xml")
        stack.callback(helper.shutdown, wait=True, cancel_futures=True)
        self._helper = helper

    def _prepare(self, name: str, *, formulas: bool) -> None:
        """Start, in the helper thread, the XML work of sheet ``name``: its part, the grid
        check (``grid_problem``, which must pass before calamine reads the sheet), and for
        a tree candidate the formula/error scan and the percent cells, which then run while
        calamine parses the sheet."""
        assert self._helper is not None and self._wx is not None
        known = self._early.get(name)
        if known is not None and (known[1] is not None or not formulas):
            return
        wx, path = self._wx, self.path
        # the sheet's XML (hundreds of MB for a big tree) lives only until it is scanned
        xml: list[bytes | None] = []

        def checked() -> _Problem:
            data, problem = _checked_scan(path, wx, name)
            if formulas:
                xml.append(data)
            return problem

        problem = known[0] if known is not None else self._helper.submit(checked)

        def extras() -> _Extras:
            if problem.result() is not None:
                return SheetScan(), frozenset()
            data = xml.pop() if xml else wx.sheet(name)
            return scan_data(data, wx.shared), self._percent_cells(data)

        self._early[name] = (problem, self._helper.submit(extras) if formulas else None)

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            stack, self._stack, self._wb = self._stack, None, None
            stack.close()  # errors raised by the caller pass through unchanged

    @property
    def label(self) -> str:
        return self.path.name

    def sheet_names(self) -> list[str]:
        return list(self._names)

    def read(self, name: str, *, formulas: bool = True) -> RawSheet:
        wb = self._wb
        if wb is None:
            raise RuntimeError("FileSource used outside its 'with' block")
        assert self._wx is not None
        early = self._ready.pop((name, True), None) or (
            None if formulas else self._ready.pop((name, False), None))
        if early is not None:  # handed out once: the grid is not kept alive here
            return early
        self._prepare(name, formulas=formulas)
        checked, extras = self._early.pop(name)
        # before calamine allocates the grid: cells beyond Excel's limits, or a few cells
        # spread over a huge grid, refuse the sheet (memory stays proportional to cells)
        problem = checked.result()
        if problem is not None:
            raise problem
        try:
            if extras is None:
                return _raw(name, wb.get_sheet_by_name(name))
            # the XML scan (bytes.find) runs while calamine parses the same sheet
            grid = wb.get_sheet_by_name(name)
            scan, percent = extras.result()
            raw = _raw(name, grid, scan, percent)
            del grid
            if len(raw.rows) * (len(raw.rows[0]) if raw.rows else 0) >= TRIM_CELLS:
                self._helper.submit(release_freed_memory)  # beside the parsing (GIL-free)
            return raw
        except InputFileError:
            raise
        except Exception as exc:
            raise InputFileError(
                f"Il file «{self.path.name}» è danneggiato o non è leggibile ({exc}).") from exc


    def _percent_cells(self, data: bytes | None) -> frozenset[tuple[int, int]]:
        """Cells of a sheet formatted as a percentage (``io.number_formats``)."""
        if data is None or self._wx is None:
            return frozenset()
        if self._percent_styles is None:
            self._percent_styles = percent_styles(self._wx.package)
        return percent_cells(data, self._percent_styles)

    def workbook_findings(self, sheet: str) -> list[F.Finding]:
        """Findings about the whole file (links to other files), shown on ``sheet``."""
        return link_findings(sheet, self._wx.external_links if self._wx is not None else [])


# --- reading ahead ------------------------------------------------------------------------
_Identity = tuple[int, int, int, int]
_PREFETCH_LOCK = threading.Lock()
_prefetched: dict[Path, tuple[threading.Thread, list[FileSource], _Identity | None]] = {}


def _identity(p: Path) -> _Identity | None:
    try:
        st = p.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def prefetch(path: str | os.PathLike, sheet: str | None = None) -> None:
    """Start opening ``path`` and reading its likely tree sheet (``sheet`` if given, else
    the first of ``sheet_choice.tree_candidates``) and a ``Settori...`` registry sheet,
    in a background thread: python-calamine parses without holding the GIL, so the
    reading overlaps the loading of pandas and pandera (~0.4 s of every command).

    The next ``FileSource`` of the same, unchanged file takes over what was read; any
    problem is left for that ``FileSource`` to find and report as usual. Call
    ``discard_prefetched`` when the command ends."""
    try:
        p = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return
    before = _identity(p)
    if before is None:
        return
    box: list[FileSource] = []

    def work() -> None:
        src = FileSource(p)
        try:
            src._open(check_input(p), ahead=True, sheet=sheet)
        except Exception:
            return  # the command opens it again and says what is wrong
        box.append(src)
        try:
            names = src.sheet_names()
            tree = tree_candidates(names, sheet)[0]
            src._ready[(tree, True)] = src.read(tree, formulas=True)
            registry = registry_candidates(names, tree)
            if registry and registry_named(registry[0]):
                src._ready[(registry[0], False)] = src.read(registry[0], formulas=False)
        except Exception:
            pass  # read again, and reported, by the command

    thread = threading.Thread(target=work, name="albero-prefetch", daemon=True)
    with _PREFETCH_LOCK:
        if p in _prefetched:
            return
        _prefetched[p] = (thread, box, before)
    thread.start()


def _take_prefetched(p: Path) -> FileSource | None:
    """The source ``prefetch`` opened for ``p`` (waiting for it), if the file is unchanged."""
    with _PREFETCH_LOCK:
        entry = _prefetched.pop(p, None)
    if entry is None:
        return None
    thread, box, before = entry
    thread.join()
    if not box:
        return None
    if _identity(p) != before:  # saved again meanwhile: read it afresh
        box[0].__exit__(None, None, None)
        return None
    return box[0]


def discard_prefetched() -> None:
    """Close whatever ``prefetch`` read and nobody took (the command ended first)."""
    with _PREFETCH_LOCK:
        entries = list(_prefetched.values())
        _prefetched.clear()
    for thread, box, _ in entries:
        thread.join()
        for src in box:
            src.__exit__(None, None, None)
