"""Validation of a tree with pandera schemas loaded from ``schemas/`` (errors are data).

``validate`` runs the schema once with ``lazy=True`` so every problem is collected, then
turns pandera's failure cases into findings (sheet, Excel row, column, cell, severity,
code, Italian message, suggestion). It never raises for a bad tree: it returns findings.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import TreeRefused
from xl_albero.model import Tree
from xl_albero.sector_registry import sector_names
from xl_albero.validation.contacts import contact_findings
from xl_albero.validation.context import CheckContext, using
from xl_albero.validation.extra import extra_findings, sector_suggestion
from xl_albero.validation.messages import make
from xl_albero.validation.pandera_import import pe
from xl_albero.validation.schema import load_messages, load_schema

#: Table-level checks and the column their findings point at.
TABLE_CHECK_COLUMNS: dict[str, str] = {
    "obiettivo_duplicato": C.OPERATIVO,
    "strategico_in_piu_aree": C.STRATEGICO,
    "codice_duplicato": C.CODICE,
    "codice_incoerente": C.CODICE,
    "periodo_non_copre_anno": C.PERIODO,
    "anni_diversi": C.ANNO,
    "pesi_settore": C.RESPONSABILE,
}
_BUILTIN_CODES = {"not_nullable": "CELLA_VUOTA", "column_in_dataframe": "COLONNA_MANCANTE"}


def _context(tree: Tree) -> CheckContext:
    formulas: dict[str, set[int]] = {}
    for pos, col in tree.formulas:
        formulas.setdefault(col, set()).add(pos)
    return CheckContext(
        sectors=frozenset(sector_names(tree)),
        formulas={k: frozenset(v) for k, v in formulas.items()},
        year=tree.year,
    )


def _plan_year(tree: Tree) -> int | None:
    if C.ANNO not in tree.data:
        return None
    y = pd.to_numeric(tree.data[C.ANNO], errors="coerce").dropna()
    return int(y.mode().iloc[0]) if len(y) else None


def _check_name(raw: object) -> str:
    return str(raw).split("(", 1)[0].strip()


def _failure_findings(tree: Tree, cases: pd.DataFrame) -> list[F.Finding]:
    data = tree.data
    year = _plan_year(tree)
    weight_sums: dict[object, float] = {}
    if C.PESO in data and C.RESPONSABILE in data:
        w = pd.to_numeric(data[C.PESO], errors="coerce")
        weight_sums = w.groupby(data[C.RESPONSABILE]).sum().to_dict()
    out: list[F.Finding] = []
    seen: set[tuple[object, ...]] = set()
    sectors = list(tree.sectors.get(C.SETTORE, pd.Series(dtype=object)).dropna())
    cat = load_messages()
    for rec in cases.to_dict("records"):
        name = _check_name(rec.get("check"))
        code = _BUILTIN_CODES.get(name, name.upper())
        if code == "COLONNA_MANCANTE":
            col = str(rec.get("failure_case"))
            accepted = ", ".join(f"«{h}»" for h in C.accepted_headers(col)[:6])
            out.append(make(code, sheet=tree.sheet, row=None, column=col, cell="",
                            catalogue=cat, accettate=accepted))
            continue
        if name.startswith("dtype") or rec.get("index") is None:
            continue
        pos = int(rec["index"])
        column = TABLE_CHECK_COLUMNS.get(name) or str(rec.get("column"))
        if code == "CELLA_VUOTA" and column in tree.derived:
            continue  # nothing was typed there: extra.unstated_periods says what is missing
        key = (code, pos, column)
        if key in seen:
            continue
        seen.add(key)
        value = data.at[pos, column] if column in data else rec.get("failure_case")
        extra: dict[str, object] = {"anno": year or ""}
        if code == "SETTORE_SCONOSCIUTO":
            extra["dettaglio"] = sector_suggestion(str(value), sectors)
        elif code == "SETTORI_COINVOLTI_SCONOSCIUTI":
            extra["dettaglio"] = sector_suggestion(str(value), sectors, many=True)
        elif code == "PESI_SETTORE":
            extra["dettaglio"] = f"{weight_sums.get(value, 0):g}"
        elif code == "FORMULA":
            value = value if value is not None else ""
        out.append(make(code, sheet=tree.sheet, row=tree.rows[pos], column=column,
                        cell=tree.cell(pos, column), catalogue=cat, valore=_show(value),
                        **extra))
    return out


def _show(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_CELL_CODES = ("ERRORE_EXCEL", "FORMULA")
_ONCE_PER_VALUE = ("PESI_SETTORE", "ANNI_DIVERSI")


def _dedupe(items: list[F.Finding]) -> list[F.Finding]:
    """One finding per broken cell (an Excel error hides the other rules on that cell);
    one finding per sector for the weight rule."""
    broken = {(f.riga, f.colonna) for f in items if f.codice in _CELL_CODES}
    seen: set[tuple] = set()
    out = []
    for f in items:
        if f.codice not in _CELL_CODES and (f.riga, f.colonna) in broken:
            continue
        if f.codice in _ONCE_PER_VALUE:
            key = (f.codice, f.messaggio)
            if key in seen:
                continue
            seen.add(key)
        out.append(f)
    return out


def validate(tree: Tree, schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """All findings of the tree (reading findings included), as a findings table."""
    sch = load_schema(schema)
    cases = None
    with using(_context(tree)):
        try:
            sch.validate(tree.data, lazy=True)
        except pe.SchemaErrors as exc:
            cases = exc.failure_cases
    found = F.to_frame(_dedupe(_failure_findings(tree, cases)) if cases is not None else [])
    return F.concat([tree.read_findings, found,
                     F.to_frame(extra_findings(tree) + contact_findings(tree))])


def _folded_codes(values: pd.Series) -> np.ndarray:
    """Integer code per row, equal for texts equal once folded (``columns.fold``); -1 for
    blanks. ``fold`` runs once per distinct value, not once per cell."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    if not len(uniques):
        return codes
    folded, _ = pd.factorize(np.array([C.fold(u) for u in uniques], dtype=object))
    return np.where(codes >= 0, folded[np.maximum(codes, 0)], -1)


def distinct_folded(frame: pd.DataFrame, codes: dict[str, np.ndarray] | None = None) -> int:
    """How many distinct rows ``frame`` has once every text is folded (``columns.fold``:
    case, accents, punctuation ignored); rows with a blank cell are left out.

    A tree repeats its area, strategic and multi-year titles on every row: each column is
    folded once per distinct value and rows are compared as integer codes (``codes``
    caches the codes of a column between calls)."""
    if not len(frame):
        return 0
    codes = {} if codes is None else codes
    key = None
    for name in frame.columns:
        if name not in codes:
            codes[name] = _folded_codes(frame[name])
        c = codes[name]
        if key is None:
            key = c.astype(np.int64)
        else:  # the pair (key, c) as one dense code
            key = np.where((key < 0) | (c < 0), -1, key * (int(c.max()) + 1) + c)
            key = np.where(key >= 0, pd.factorize(key)[0], -1)
    if key is None:
        return 0
    return int(len(pd.unique(key[key >= 0])))


def summary(tree: Tree, findings: pd.DataFrame) -> dict[str, int]:
    """``riepilogo`` counts: aree, obiettivi_strategici, ..., settori, errori, avvisi."""
    d = tree.data

    codes: dict[str, np.ndarray] = {}

    def distinct(cols: list[str]) -> int:
        if any(c not in d for c in cols):
            return 0
        return distinct_folded(d[cols], codes)

    n_sectors = int(tree.sectors[C.SETTORE].dropna().shape[0]) if C.SETTORE in tree.sectors else 0
    return {
        "aree": distinct([C.AREA]),
        "obiettivi_strategici": distinct([C.AREA, C.STRATEGICO]),
        "obiettivi_pluriennali": distinct([C.AREA, C.STRATEGICO, C.PLURIENNALE]),
        "obiettivi_operativi": int(len(d)),
        "settori": n_sectors,
        **F.counts(findings),
    }


def require_valid(tree: Tree, *, force: bool = False,
                  schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """Validate; raise ``TreeRefused`` (carrying the findings) when there are errori."""
    findings = validate(tree, schema)
    if F.has_errors(findings) and not force:
        n = F.counts(findings)["errori"]
        raise TreeRefused(
            f"L'albero ha {n} {'errore' if n == 1 else 'errori'}: "
            f"{'correggerlo' if n == 1 else 'correggerli'} (sono elencati "
            "dalla validazione) oppure scegliere di procedere comunque.", findings,
            option="forza")
    return findings
