"""LibreOffice headless as an independent reader of the workbooks we write.

``lo_read(path)`` converts a workbook with LibreOffice (``soffice --headless --convert-to
xlsx``) and returns what LibreOffice saw: ``{sheet name: rows of values}``. With
``recalc=True`` LibreOffice recalculates every formula on load (its own results, not our
cached ones); with ``recalc=False`` it keeps the cached values, as a reader that does not
recalculate would show them. Each process and mode uses a private profile
(``-env:UserInstallation``) so parallel runs do not clash.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""

needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) non installato")


def _profile(recalc: bool) -> Path:
    base = Path(tempfile.gettempdir()) / f"xl_albero_lo_{os.getuid()}_{os.getpid()}"
    prof = base / ("recalc" if recalc else "cached")
    user = prof / "user"
    if not user.exists():
        user.mkdir(parents=True)
        # 0 = always recalculate, 1 = never
        (user / "registrymodifications.xcu").write_text(_XCU.format(mode=0 if recalc else 1))
    return prof


def lo_convert(paths: list[Path], outdir: Path, *, recalc: bool = False) -> list[Path]:
    """Open and re-save each workbook with LibreOffice; return the re-saved files."""
    assert SOFFICE, "soffice non trovato"
    outdir.mkdir(parents=True, exist_ok=True)
    prof = _profile(recalc)
    cmd = [SOFFICE, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir",
           str(outdir), *map(str, paths)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HOME": str(prof)})
    outs = [outdir / (Path(p).stem + ".xlsx") for p in paths]
    missing = [o for o in outs if not o.exists() or o.stat().st_size == 0]
    assert proc.returncode == 0 and not missing, (
        f"LibreOffice non ha aperto {missing}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return outs


def read_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def lo_read_many(paths: list[Path], *, recalc: bool = False) -> list[dict[str, list[tuple]]]:
    """What LibreOffice sees in each workbook (one LibreOffice run for all)."""
    with tempfile.TemporaryDirectory(prefix="lo_out_") as out:
        # distinct stems are needed since outputs land in one folder
        stems = [Path(p).stem for p in paths]
        assert len(set(stems)) == len(stems), "nomi di file ripetuti"
        return [read_values(o) for o in lo_convert([Path(p) for p in paths], Path(out),
                                                   recalc=recalc)]


def lo_read(path: Path, *, recalc: bool = False) -> dict[str, list[tuple]]:
    """What LibreOffice sees in one workbook: ``{sheet: rows}``."""
    return lo_read_many([path], recalc=recalc)[0]


# -- on paper: PDF pages, word boxes ------------------------------------------------------
PDFTOTEXT = shutil.which("pdftotext")
needs_pdf = pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                               reason="LibreOffice o pdftotext non installati")
_WORD = re.compile(r"\w+", re.UNICODE)


def lo_pdf(paths: list[Path], outdir: Path) -> list[Path]:
    """Print each workbook to PDF with LibreOffice (one run for all); the PDFs, in order."""
    assert SOFFICE, "soffice non trovato"
    outdir.mkdir(parents=True, exist_ok=True)
    prof = _profile(False)
    stems = [Path(p).stem for p in paths]
    assert len(set(stems)) == len(stems), "nomi di file ripetuti"
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--norestore",
         "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(prof)})
    outs = [outdir / f"{s}.pdf" for s in stems]
    missing = [o for o in outs if not o.exists()]
    assert proc.returncode == 0 and not missing, (missing, proc.stdout, proc.stderr)
    return outs


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def pdf_words(pdf: Path) -> list[Word]:
    """Every word of the PDF with its box (``pdftotext -bbox``), pages from 1."""
    html = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                      r"(.*?)</word>", line)
        if m:
            out.append(Word(page, *map(float, m.groups()[:4]), html_unescape(m.group(5))))
    return out


def overlapping_words(words: list[Word]) -> list[tuple[str, str, int]]:
    """Pairs of words whose boxes overlap (a glyph printed over another)."""
    bad = []
    by_page: dict[int, list[Word]] = {}
    for w in words:
        by_page.setdefault(w.page, []).append(w)
    for ws in by_page.values():
        ws.sort(key=lambda w: (w.y0, w.x0))
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                if b.y0 >= a.y1:
                    break
                dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if dx > 0.5 and dy > 0.3 * min(a.y1 - a.y0, b.y1 - b.y0):
                    bad.append((a.text, b.text, a.page))
    return bad


def _printed_cells(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sheet -> (cell, text) of every text cell LibreOffice should print: shown sheets,
    shown rows and columns, inside the print area when there is one."""
    from openpyxl.utils import range_boundaries

    wb = openpyxl.load_workbook(path)
    out: dict[str, list[tuple[str, str]]] = {}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        area = None
        if ws.print_area:
            ref = str(ws.print_area).split("!")[-1].replace("$", "")
            area = range_boundaries(ref)
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or not c.value.strip():
                    continue
                if c.value.startswith("="):
                    continue  # a formula: LibreOffice prints its result
                if area and not (area[0] <= c.column <= area[2] and area[1] <= c.row <= area[3]):
                    continue
                if ws.column_dimensions[c.column_letter].hidden or ws.row_dimensions[c.row].hidden:
                    continue
                cells.append((c.coordinate, c.value))
        out[ws.title] = cells
    return out


def cut_words(path: Path, words: list[Word]) -> list[tuple[str, str, str]]:
    """(sheet, cell, word) of the printed cells whose words are missing from the PDF:
    text cut at the cell's edge, lines clipped by a row too low, a word split by a column
    too narrow for it."""
    printed = {t.lower() for w in words for t in _WORD.findall(w.text)}
    missing = []
    for sheet, cells in _printed_cells(path).items():
        for ref, text in cells:
            for t in _WORD.findall(text):
                if t.lower() not in printed:
                    missing.append((sheet, ref, t))
    return missing


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)
