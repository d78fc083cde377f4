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


def _case_codes(cases: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Check name and finding code of each failure case (worked out per distinct check)."""
    checks, uniq = pd.factorize(cases["check"].astype(str))
    names = [_check_name(u) for u in uniq]
    codes = [_BUILTIN_CODES.get(n, n.upper()) for n in names]
    idx = cases.index
    return (pd.Series(np.asarray(names, dtype=object)[checks], index=idx),
            pd.Series(np.asarray(codes, dtype=object)[checks], index=idx))


def _failure_findings(tree: Tree, cases: pd.DataFrame) -> pd.DataFrame:
    """pandera's failure cases as a findings table, built column-wise: one finding per
    (code, row, column); each distinct message rendered once per (code, column, value)."""
    data = tree.data
    cases = cases.reset_index(drop=True)
    names, codes = _case_codes(cases)
    cat = load_messages()
    missing = codes == "COLONNA_MANCANTE"
    head: list[F.Finding] = []
    for col in cases.loc[missing, "failure_case"].astype(str):
        accepted = ", ".join(f"«{h}»" for h in C.accepted_headers(col)[:6])
        head.append(make("COLONNA_MANCANTE", sheet=tree.sheet, row=None, column=col, cell="",
                         catalogue=cat, accettate=accepted))
    keep = ~missing & ~names.str.startswith("dtype") & cases["index"].notna()
    if not keep.any():
        return F.to_frame(head)
    rows = pd.DataFrame({
        "code": codes[keep],
        "pos": cases.loc[keep, "index"].astype(np.int64),
        "column": names[keep].map(TABLE_CHECK_COLUMNS).fillna(
            cases.loc[keep, "column"].astype(str)),
        "case": cases.loc[keep, "failure_case"],
    }).drop_duplicates(["code", "pos", "column"])
    # nothing was typed in a derived column (Periodo read from the multi-year text):
    # extra.unstated_periods says once per objective what is missing, not once per row
    derived = list(tree.derived)
    if derived:
        rows = rows[~((rows["code"] == "CELLA_VUOTA") & rows["column"].isin(derived))]
        if rows.empty:
            return F.to_frame(head)
    year = _plan_year(tree)
    weight_sums: dict[object, float] = {}
    if C.PESO in data and C.RESPONSABILE in data:
        w = pd.to_numeric(data[C.PESO], errors="coerce")
        weight_sums = w.groupby(data[C.RESPONSABILE]).sum().to_dict()
    sectors = list(tree.sectors.get(C.SETTORE, pd.Series(dtype=object)).dropna())
    excel_rows = np.asarray(tree.rows, dtype=np.int64) if len(tree.rows) == len(data) else None
    parts = [F.to_frame(head)] if head else []
    for (code_key, column_key), group in rows.groupby(["code", "column"], sort=False):
        code, column = str(code_key), str(column_key)
        pos = group["pos"].to_numpy()
        if column in data:
            values = data[column].to_numpy(dtype=object)[pos]
        else:
            values = group["case"].to_numpy(dtype=object)
        value_ids, distinct = pd.factorize(values, use_na_sentinel=False)
        texts: list[tuple[str, str, str]] = []
        for value in distinct:
            extra: dict[str, object] = {"anno": year or ""}
            if code == "SETTORE_SCONOSCIUTO":
                extra["dettaglio"] = sector_suggestion(str(value), sectors)
            elif code == "SETTORI_COINVOLTI_SCONOSCIUTI":
                extra["dettaglio"] = sector_suggestion(str(value), sectors, many=True)
            elif code == "PESI_SETTORE":
                extra["dettaglio"] = f"{weight_sums.get(value, 0):g}"
            elif code == "FORMULA":
                value = value if value is not None else ""
            f = make(code, sheet=tree.sheet, row=None, column=column, cell="",
                     catalogue=cat, valore=_show(value), **extra)
            texts.append((f.gravita, f.messaggio, f.suggerimento))
        gravita, messaggio, suggerimento = (np.asarray(t, dtype=object)[value_ids]
                                            for t in zip(*texts, strict=True))
        if excel_rows is not None:
            riga = excel_rows[pos]
            letter = tree.letters.get(column, "")
            cella = ([f"{letter}{r}" for r in riga.tolist()] if letter
                     else [""] * len(pos))
            riga_col: object = riga.astype(object)
        else:
            riga_col, cella = None, [""] * len(pos)
        parts.append(pd.DataFrame({
            "foglio": tree.sheet, "riga": riga_col, "colonna": column, "cella": cella,
            "gravita": gravita, "codice": code, "messaggio": messaggio,
            "suggerimento": suggerimento, "_order": group.index.to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    if "_order" in out:
        out = out.sort_values("_order", kind="stable", na_position="first").drop(
            columns="_order")
    return out.reset_index(drop=True)


def _show(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_CELL_CODES = ("ERRORE_EXCEL", "FORMULA")
_ONCE_PER_VALUE = ("PESI_SETTORE", "ANNI_DIVERSI")


def _dedupe(found: pd.DataFrame) -> pd.DataFrame:
    """One finding per broken cell (an Excel error hides the other rules on that cell);
    one finding per sector for the weight rule."""
    if not len(found):
        return found
    cell = found["codice"].isin(_CELL_CODES)
    if cell.any():
        broken = pd.MultiIndex.from_frame(found.loc[cell, ["riga", "colonna"]])
        where = pd.MultiIndex.from_frame(found[["riga", "colonna"]])
        found = found[cell.to_numpy() | ~where.isin(broken)]
    once = found["codice"].isin(_ONCE_PER_VALUE) & found.duplicated(["codice", "messaggio"])
    return found[~once.to_numpy()].reset_index(drop=True)


def validate(tree: Tree, schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """All findings of the tree (reading findings included), as a findings table."""
    sch = load_schema(schema)
    cases = None
    with using(_context(tree)):
        try:
            sch.validate(tree.data, lazy=True)
        except pe.SchemaErrors as exc:
            cases = exc.failure_cases
    found = _dedupe(_failure_findings(tree, cases)) if cases is not None else F.empty()
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
