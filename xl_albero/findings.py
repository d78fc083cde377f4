"""Findings ("rilievi"): validation problems as data.

A findings table is a DataFrame with the columns of ``FINDING_FIELDS``. Every front end
renders the same table: a sheet with links in Excel, a table in the CLI, JSON with --json.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

ERRORE = "errore"
AVVISO = "avviso"

#: Column order of a findings table; the JSON keys are the same Italian words.
FINDING_FIELDS: tuple[str, ...] = (
    "foglio", "riga", "colonna", "cella", "gravita", "codice", "messaggio", "suggerimento",
)
#: Headers shown to users (sheet, CLI table).
FINDING_HEADERS: dict[str, str] = {
    "foglio": "Foglio", "riga": "Riga", "colonna": "Colonna", "cella": "Cella",
    "gravita": "Gravità", "codice": "Codice", "messaggio": "Messaggio",
    "suggerimento": "Suggerimento",
}


@dataclass(frozen=True)
class Finding:
    """One problem found in a workbook. ``riga`` is the Excel row (1-based) or ``None``."""

    foglio: str
    riga: int | None
    colonna: str
    cella: str
    gravita: str
    codice: str
    messaggio: str
    suggerimento: str = ""


def empty() -> pd.DataFrame:
    """An empty findings table with the right columns."""
    return pd.DataFrame({f: pd.Series(dtype="object") for f in FINDING_FIELDS})


def to_frame(items: Iterable[Finding]) -> pd.DataFrame:
    rows = [asdict(f) for f in items]
    return pd.DataFrame(rows, columns=list(FINDING_FIELDS)) if rows else empty()


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate findings tables and sort them by sheet, row, column, code."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty()
    out = pd.concat(frames, ignore_index=True)[list(FINDING_FIELDS)]
    out["_r"] = pd.to_numeric(out["riga"], errors="coerce").fillna(0)
    out = out.sort_values(["foglio", "_r", "cella", "codice"], kind="stable").drop(columns="_r")
    return out.reset_index(drop=True)


def has_errors(findings: pd.DataFrame) -> bool:
    return bool((findings["gravita"] == ERRORE).any()) if len(findings) else False


def counts(findings: pd.DataFrame) -> dict[str, int]:
    if not len(findings):
        return {"errori": 0, "avvisi": 0}
    g = findings["gravita"]
    return {"errori": int((g == ERRORE).sum()), "avvisi": int((g == AVVISO).sum())}


#: Extra first column of findings read from several files (``raccogli``).
FILE_FIELD = "file"


def _text_column(values: list[object]) -> list[str]:
    return [v if type(v) is str else "" if v is None or (isinstance(v, float) and v != v)
            else str(v) for v in values]


def to_records(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready list of findings (``riga`` as int or null, text as str), built a column
    at a time; a ``file`` column, when the findings have one, comes first."""
    fields = ([FILE_FIELD] if FILE_FIELD in findings.columns else []) + list(FINDING_FIELDS)
    if not len(findings):
        return []
    columns: list[list[Any]] = []
    for k in fields:
        values = findings[k].tolist()
        if k == "riga":
            columns.append([None if r is None or r != r else int(r) for r in values])
        else:
            columns.append(_text_column(values))
    return [dict(zip(fields, rec, strict=True)) for rec in zip(*columns, strict=True)]


def to_json(head: dict[str, Any], findings: pd.DataFrame, key: str = "rilievi") -> str:
    """``head`` plus ``key``: the findings, as indented JSON with one finding a line
    (each line made by the C encoder: 100,000 findings in a fraction of a second)."""
    text = json.dumps({**head, key: []}, ensure_ascii=False, indent=2)
    records = to_records(findings)
    if not records:
        return text
    before, sep, after = text.rpartition(f'"{key}": []')
    items = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in records)
    return f'{before}"{key}": [\n{items}\n  ]{after}'
