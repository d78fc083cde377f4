"""Identity of an exported sector workbook, so that it can be recognised when it comes back.

Each workbook written by ``esporta`` / ``invia`` carries:

* an **identity sheet** (``Identità``, hidden): format version, sector, Sigla, plan year,
  the tree's fingerprint, the export time and the row count, as ``Voce | Valore`` text
  cells (Excel, LibreOffice and a save-as keep hidden sheets and plain cells);
* a **row key** in every row of the ``Obiettivi`` table (column ``Chiave riga``, locked
  and hidden): the row's position in the tree and a short hash of the editable values as
  exported (``123-9f3a2b1c``), so a sorted or filtered sheet is still matched row by row,
  and a row whose editable cells were not touched is recognised as such.

The fingerprint covers the structure of the tree only (the canonical tree columns, row
by row, in order), not the monitoring values: the master workbook written by
``raccogli`` has the same fingerprint as the tree it came from, so returned workbooks can
be collected into it again. Pure functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree

#: Hidden sheet with the identity of the workbook.
SHEET_IDENTITY = "Identità"
#: Column of the row keys in the ``Obiettivi`` table.
KEY_COLUMN = "Chiave riga"
#: Version of the identity format (raised when the layout changes).
FORMAT = "xl-albero/1"
#: Columns the dirigente fills in (unlocked in the exported workbook), in order.
EDITABLE_COLUMNS: tuple[str, ...] = (*C.MONITORING_COLUMNS, C.CONSUNTIVO, C.NOTE)
#: Editable columns that hold plan data (one value, not one per monitoring round).
PLAN_COLUMNS: tuple[str, ...] = (C.INDICATORE, C.TARGET, C.PESO)

# labels of the identity sheet (what a curious user sees if they unhide it)
K_FORMAT = "Formato"
K_SECTOR = "Settore"
K_SIGLA = "Sigla"
K_YEAR = "Anno"
K_FINGERPRINT = "Impronta dell'albero"
K_EXPORTED = "Esportato il"
K_ROWS = "Righe"
NOTE_TEXT = ("Non modificare questo foglio: serve a riconoscere la cartella quando torna "
             "all'ufficio che la riunisce all'albero.")


@dataclass(frozen=True)
class Stamp:
    """What identifies an exported workbook."""

    sector: str
    sigla: str
    year: int | None
    fingerprint: str
    exported: dt.datetime
    rows: int
    format: str = FORMAT

    def items(self) -> list[tuple[str, str]]:
        """``(label, text)`` pairs as written on the identity sheet (all text cells)."""
        return [(K_FORMAT, self.format), (K_SECTOR, self.sector), (K_SIGLA, self.sigla),
                (K_YEAR, str(self.year) if self.year else ""),
                (K_FINGERPRINT, self.fingerprint),
                (K_EXPORTED, self.exported.replace(microsecond=0).isoformat()),
                (K_ROWS, str(self.rows))]


def parse_stamp(pairs: Iterable[tuple[object, object]]) -> Stamp | None:
    """The stamp from the identity sheet's ``(label, value)`` rows; ``None`` if unusable."""
    d: dict[str, str] = {}
    for k, v in pairs:
        if k is None:
            continue
        d[str(k).strip()] = norm(v)
    try:
        exported = dt.datetime.fromisoformat(d[K_EXPORTED])
        year = int(float(d[K_YEAR])) if d.get(K_YEAR) else None
        rows = int(float(d.get(K_ROWS) or 0))
        if not d[K_SIGLA] or not d[K_FINGERPRINT] or not d.get(K_FORMAT, "").startswith(
                "xl-albero/"):
            return None
        return Stamp(sector=d.get(K_SECTOR, ""), sigla=d[K_SIGLA], year=year,
                     fingerprint=d[K_FINGERPRINT], exported=exported, rows=rows,
                     format=d[K_FORMAT])
    except (KeyError, ValueError):
        return None


def norm(value: object) -> str:
    """A cell value as comparable text: blank -> ``""``; whole numbers without ``.0``;
    other numbers with up to 12 significant digits; dates as ISO text; text trimmed.

    The same value written by xl-albero and read back from Excel, LibreOffice or
    openpyxl gives the same text (2025 and 2025.0 and ``"2025"`` are not the same
    *cell*, but a number read back as a float compares equal to the int written)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "VERO" if value else "FALSO"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return norm(value.item())
    return str(value).strip()


def _digest(parts: Iterable[str], size: int) -> str:
    text = "\x1f".join(parts) + "\x1f"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=size).hexdigest()


def _norm_all(values: Iterable[object]) -> list[str]:
    """``norm`` of many values (text, the common case, without the function call)."""
    return [v.strip() if type(v) is str else "" if v is None else norm(v) for v in values]


def fingerprint(tree: Tree) -> str:
    """Fingerprint of the tree's structure (canonical tree columns, every row, in order)."""
    data = tree.data
    cols = [c for c in C.TREE_COLUMNS if c in data]
    parts: list[str] = [str(len(data)), *cols]
    for c in cols:
        parts.extend(_norm_all(data[c].tolist()))
    return _digest(parts, 10)


def values_hash(values: Sequence[object]) -> str:
    """Short hash of a row's editable values (in ``EDITABLE_COLUMNS`` order)."""
    return values_hashes([values])[0]


def values_hashes(rows: Iterable[Sequence[object]]) -> list[str]:
    """``values_hash`` of many rows: ``_digest(_norm_all(values), 4)`` of each, written
    out so that a file's rows take no function call each."""
    blake2b = hashlib.blake2b
    return [blake2b(("\x1f".join([v.strip() if type(v) is str else "" if v is None
                                   else norm(v) for v in values]) + "\x1f"
                     ).encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
            for values in rows]


def row_key(position: int, values: Sequence[object]) -> str:
    """The key of the tree row at ``position`` (0-based) with its exported editable values."""
    return f"{position + 1}-{values_hash(values)}"


def parse_key(key: object) -> tuple[int, str] | None:
    """(0-based position, values hash) of a row key; ``None`` when it is not one."""
    text = key.strip() if type(key) is str else norm(key)
    head, sep, tail = text.partition("-")
    if not sep or not head.isdigit() or len(tail) != 8:
        return None
    try:
        int(tail, 16)
    except ValueError:
        return None
    return int(head) - 1, tail
