"""Read the sector workbooks that come back from the dirigenti (file edge of ``raccogli``).

``read_returned(path) -> Returned`` never raises for a bad file: a file that cannot be used
comes back with ``problem`` set (an Italian sentence), so that one bad attachment among
fifty becomes a finding, not the end of the run. Values come from python-calamine (cached
values); formula and error cells, the sheet protection and the last-saved time come from
the package XML (one pass over the ``Obiettivi`` sheet part).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook

from xl_albero import columns as C
from xl_albero.collect import Returned, prepare
from xl_albero.errors import InputFileError
from xl_albero.identity import SHEET_IDENTITY, parse_stamp
from xl_albero.io.number_formats import percent_cells, percent_styles
from xl_albero.io.safety import check_input
from xl_albero.io.xmlscan import scan_sheet_xml, sheet_parts
from xl_albero.model import as_percentage

SHEET_OBJECTIVES = "Obiettivi"
_PROTECTION = re.compile(rb"<(?:\w+:)?sheetProtection\b([^>]*)>")
_SHEET_ON = re.compile(rb'\ssheet="(?:1|true)"')
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


def expand_inputs(items: Iterable[str | os.PathLike]) -> list[Path]:
    """Files and folders given by the user -> the workbook files, sorted, each once.

    A folder contributes its ``.xlsx``/``.xlsm`` files (not sub-folders, not Excel's
    ``~$`` lock files). Raises ``InputFileError`` for a path that does not exist.
    """
    out: dict[Path, None] = {}
    for item in items:
        p = Path(item).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file()
                           and f.suffix.lower() in (".xlsx", ".xlsm")
                           and not f.name.startswith(("~$", ".~lock")))
            for f in found:
                out.setdefault(f.resolve(), None)
        elif p.exists():
            out.setdefault(p.resolve(), None)
        else:
            raise InputFileError(f"«{p}» non esiste: indicare le cartelle di lavoro restituite "
                                 "dai settori o la cartella che le contiene.")
    return sorted(out, key=lambda f: (f.name, str(f)))


def _saved_at(zf: zipfile.ZipFile) -> dt.datetime | None:
    try:
        m = _MODIFIED.search(zf.read("docProps/core.xml"))
    except KeyError:
        return None
    if not m:
        return None
    text = m.group(1).decode("ascii", "replace").strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def read_returned(path: str | os.PathLike) -> Returned:
    """One returned workbook (see the module docstring); never raises ``InputFileError``."""
    p = Path(path)
    try:
        checked = check_input(p)
        blob = checked.read_bytes()
    except InputFileError as exc:
        return Returned(name=p.name, path=str(p), problem=str(exc))
    except OSError as exc:
        return Returned(name=p.name, path=str(p),
                        problem=f"Il file «{p.name}» non si può leggere ({exc.strerror}).")
    sha = hashlib.sha256(blob).hexdigest()
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(blob))
    except Exception as exc:  # calamine raises its own error types
        return Returned(name=p.name, path=str(p), sha256=sha,
                        problem=f"Il file «{p.name}» non si può leggere come cartella di lavoro "
                        f"Excel ({exc}).")
    try:
        names = [m.name for m in wb.sheets_metadata]
        stamp = None
        if SHEET_IDENTITY in names:
            rows = wb.get_sheet_by_name(SHEET_IDENTITY).to_python(skip_empty_area=False)
            stamp = parse_stamp((r[0] if r else None, r[1] if len(r) > 1 else None)
                                for r in rows)
        if SHEET_OBJECTIVES not in names and stamp is None:
            return Returned(name=p.name, path=str(p), sha256=sha)  # not an export at all
        if SHEET_OBJECTIVES not in names:
            shown = ", ".join(f"«{n}»" for n in names)
            return Returned(name=p.name, path=str(p), sha256=sha, stamp=stamp,
                            problem=f"Il file «{p.name}» non ha il foglio «{SHEET_OBJECTIVES}» "
                            f"(fogli presenti: {shown}).")
        grid = wb.get_sheet_by_name(SHEET_OBJECTIVES).to_python(skip_empty_area=False)
    except Exception as exc:
        return Returned(name=p.name, path=str(p), sha256=sha,
                        problem=f"Il file «{p.name}» è danneggiato o non è leggibile ({exc}).")
    finally:
        wb.close()
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    protected: bool | None = None
    saved = None
    percent: frozenset[tuple[int, int]] = frozenset()
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            part = sheet_parts(zf).get(SHEET_OBJECTIVES)
            if part is not None:
                xml = zf.read(part)
                # only the cells: data validations (<formula1>) are no formula cells
                start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
                cells = xml[start:end] if 0 <= start < end else xml
                formulas, errors = scan_sheet_xml(cells)
                percent = percent_cells(cells, percent_styles(zf))
                # <sheetProtection> follows <sheetData> (the schema's order): look there
                m = _PROTECTION.search(xml, end if 0 <= start < end else 0)
                protected = bool(m and _SHEET_ON.search(m.group(1)))
            saved = _saved_at(zf)
    except (zipfile.BadZipFile, KeyError, OSError):
        pass
    header = [str(v).strip() if v not in (None, "") else "" for v in (grid[0] if grid else [])]
    for r, c in percent:  # "50%" typed in Excel is stored 0.5: read as the 50 it shows
        if 0 < r < len(grid) and c < min(len(header), len(grid[r])) \
                and header[c] in C.PERCENT_COLUMNS:
            grid[r][c] = as_percentage(grid[r][c])
    return Returned(name=p.name, path=str(p), sha256=sha, stamp=stamp, saved=saved,
                    header=tuple(header), rows=grid[1:],
                    formulas=formulas, errors=errors, protected=protected)


def _read_prepared(path: Path) -> Returned:
    """``read_returned`` with the per-row work that needs no tree done (``prepare``)."""
    return prepare(read_returned(path))


class ReturnedReader:
    """The returned workbooks read in the background, in worker processes.

    Reading starts when the reader is created (so it overlaps the reading and checking of
    the master); ``results()`` gives the same ``Returned`` values, in the same order, as
    ``[read_returned(p) for p in paths]``, and reads here the files no worker has
    started yet. With one file, one core, or when no worker can be started, the files
    are read in this process. Use it as a context manager: leaving it cancels whatever
    was not read yet.
    """

    def __init__(self, paths: Iterable[str | os.PathLike], workers: int = 2) -> None:
        self.paths = [Path(p) for p in paths]
        self._pool = None
        self._futures: list = []
        workers = min(workers, len(self.paths), os.cpu_count() or 1)
        if workers < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork on Linux: the workers inherit the imported modules (no re-import cost)
        ctx = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        try:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            self._futures = [self._pool.submit(_read_prepared, p) for p in self.paths]
        except (OSError, RuntimeError):  # no processes available: read here
            self.close()

    def results(self) -> Iterator[Returned]:
        if self._pool is None:
            for p in self.paths:
                yield _read_prepared(p)
            return
        for p, fut in zip(self.paths, self._futures, strict=True):
            # a file no worker has started yet is read here rather than waited for (the
            # workers go on with the next ones): the caller only waits for files in hand
            yield _read_prepared(p) if fut.cancel() else fut.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._futures = []

    def __enter__(self) -> ReturnedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
