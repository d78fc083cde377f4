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
import shutil
import subprocess
import tempfile
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
