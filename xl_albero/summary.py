"""Summaries of the tree (pure): pivot specifications and the tables they produce.

``pivot_specs(tree)`` describes the summaries that are PivotTables over the tree table;
the CLI's formula writer (``io.summary_workbook``) and the Excel add-in (real PivotTables
through xlwings) both build from these specs, so the two front ends show the same figures.
``summary_specs(tree)`` adds the involvement summary, which needs the long table
``per_sector.involvement_table`` as its source (the CLI workbook has it as formulas).
``summary_tables(tree)`` computes the figures with pandas (what the formulas must give).

Sources: ``"albero"`` is the tree table (one row per operational objective);
``"coinvolgimenti"`` is ``per_sector.involvement_table`` (one row per sector and
objective it leads or is involved in), needed because involvement comes from a list.
Rows with an empty category are left out (as a PivotTable's filter would show them apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree
from xl_albero.per_sector import ROLE_COLUMN, ROLE_INVOLVED, ROLE_LED, involvement_table
from xl_albero.sector_registry import normalize_name

TOTAL = "Totale"
SOURCE_TREE = "albero"
SOURCE_INVOLVEMENT = "coinvolgimenti"


@dataclass(frozen=True)
class PivotSpec:
    """One summary as a PivotTable: ``rows`` × ``columns`` of ``aggfunc`` over ``values``.

    ``bins`` (optional) groups the numeric column in ``columns`` into bands
    ``[b0, b1), [b1, b2), ..., [bn, +inf)`` labelled by ``band_labels(bins)``.
    """

    name: str
    rows: list[str]
    columns: list[str]
    values: str
    aggfunc: str  # "count" | "sum"
    title: str
    source: str = SOURCE_TREE
    bins: tuple[float, ...] = field(default=())


def avanzamento_scale(data: pd.DataFrame) -> float:
    """1.0 when ``Avanzamento %`` is written as fractions (0.5 = 50%), else 100.0."""
    if C.AVANZAMENTO not in data:
        return 100.0
    vals = pd.to_numeric(data[C.AVANZAMENTO], errors="coerce").dropna()
    if len(vals) and vals.max() <= 1 and ((vals % 1) != 0).any():
        return 1.0
    return 100.0


def band_labels(bins: tuple[float, ...], scale: float = 100.0) -> list[str]:
    """Italian labels of the bands (``0–24%``, ..., ``100%``)."""
    k = 100.0 / scale
    out = []
    for i, lo in enumerate(bins):
        if i + 1 < len(bins):
            out.append(f"{lo * k:g}–{bins[i + 1] * k - 1:g}%")
        else:
            out.append(f"{lo * k:g}%")
    return out


def _scale(bins: tuple[float, ...]) -> float:
    return 100.0 if bins[-1] > 1 else 1.0


def bands(values: pd.Series, bins: tuple[float, ...]) -> pd.Series:
    """The band label (``band_labels``) of each value; NA where the value is not a number."""
    nums = pd.to_numeric(values, errors="coerce")
    labels = band_labels(bins, scale=_scale(bins))
    out = pd.cut(nums, [*bins, np.inf], right=False, labels=labels).astype(object)
    out[nums.isna()] = pd.NA
    return out


def pivot_specs(tree: Tree) -> list[PivotSpec]:
    """The summaries that are PivotTables over the tree table (those whose columns exist).

    Involvement per sector is not one of them (it comes from a list in a cell): see
    ``involvement_spec`` and ``summary_specs``.
    """
    return [s for s in summary_specs(tree) if s.source == SOURCE_TREE]


def involvement_spec(tree: Tree) -> PivotSpec | None:
    """Involvement (led + involved) per sector, over ``per_sector.involvement_table``."""
    cols = set(tree.data.columns)
    count_of = C.OPERATIVO if C.OPERATIVO in cols else (C.CODICE if C.CODICE in cols else "")
    if C.RESPONSABILE not in cols or not count_of:
        return None
    return PivotSpec("coinvolgimento", [C.SETTORE], [ROLE_COLUMN], count_of, "count",
                     "Coinvolgimento dei settori (responsabile + coinvolto)",
                     source=SOURCE_INVOLVEMENT)


def _filled(data: pd.DataFrame, column: str, *, numeric: bool = False) -> bool:
    """Whether some objective has a value in ``column`` (a number, when ``numeric``)."""
    if column not in data:
        return False
    if numeric:
        return bool(pd.to_numeric(data[column], errors="coerce").notna().any())
    return bool(_clean(data[column]).notna().any())


def summary_specs(tree: Tree) -> list[PivotSpec]:
    """Every summary of the ``riepilogo`` workbook: ``pivot_specs`` + involvement, in order.

    The monitoring summaries (Peso, Stato, Avanzamento %) are left out while no objective
    has a value in their column: a page of zeros tells a Giunta nothing.
    """
    data = tree.data
    cols = {c for c in data.columns
            if c not in (C.PESO, C.AVANZAMENTO, C.STATO)
            or _filled(data, c, numeric=c != C.STATO)}
    count_of = C.OPERATIVO if C.OPERATIVO in cols else (C.CODICE if C.CODICE in cols else "")
    specs: list[PivotSpec] = []
    if C.RESPONSABILE not in cols or not count_of:
        return specs
    if C.AREA in cols:
        specs.append(PivotSpec("area_settore", [C.AREA], [C.RESPONSABILE], count_of, "count",
                               "Obiettivi operativi per Area strategica e Settore responsabile"))
    if C.STRATEGICO in cols:
        specs.append(PivotSpec("strategico_settore", [C.STRATEGICO], [C.RESPONSABILE], count_of,
                               "count", "Obiettivi operativi per Obiettivo strategico e "
                               "Settore responsabile"))
    inv = involvement_spec(tree)
    if inv is not None:
        specs.append(inv)
    if C.PLURIENNALE in cols:
        specs.append(PivotSpec("pluriennale", [C.PLURIENNALE], [], count_of, "count",
                               "Obiettivi operativi per Obiettivo pluriennale"))
    if C.PESO in cols:
        specs.append(PivotSpec("peso_settore", [C.RESPONSABILE], [], C.PESO, "sum",
                               "Somma dei pesi per Settore responsabile"))
    if C.STATO in cols:
        specs.append(PivotSpec("stato_settore", [C.RESPONSABILE], [C.STATO], count_of, "count",
                               "Stato degli obiettivi per Settore responsabile"))
    if C.AVANZAMENTO in cols:
        scale = avanzamento_scale(tree.data)
        bins = tuple(b * scale / 100 for b in (0, 25, 50, 75, 100))
        specs.append(PivotSpec("avanzamento_settore", [C.RESPONSABILE], [C.AVANZAMENTO],
                               count_of, "count",
                               "Avanzamento % degli obiettivi per Settore responsabile",
                               bins=bins))
    return specs


def _clean(s: pd.Series) -> pd.Series:
    """Category values as shown: text trimmed (spaces collapsed), blanks as NA."""
    def one(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return pd.NA
        if isinstance(v, str):
            t = normalize_name(v)
            return t if t else pd.NA
        return v
    if len(s) > 64:  # each distinct value once (a column repeats few values many times)
        try:
            uniq = {v: one(v) for v in s.dropna().unique().tolist()}
        except TypeError:  # unhashable cell values
            return s.map(one).astype(object)
        return s.map(lambda v: uniq.get(v, pd.NA) if v is not None else pd.NA) \
            .astype(object)
    return s.map(one).astype(object)


def spec_source(tree: Tree, spec: PivotSpec) -> pd.DataFrame:
    if spec.source == SOURCE_INVOLVEMENT:
        return involvement_table(tree)
    return tree.data


def _order(values: pd.Series, preferred: Sequence[object]) -> list[object]:
    """``preferred`` items present in ``values`` first, then the others as they come.

    Linear: the sets are built once (rebuilt per item they made 1,500 sectors take
    seconds per summary)."""
    seen = list(dict.fromkeys(values.dropna().tolist()))
    present = set(seen)
    first = [p for p in preferred if p in present]
    chosen = set(first)
    return first + [v for v in seen if v not in chosen]


def compute(tree: Tree, spec: PivotSpec, registry_names: list[str] | None = None,
            source: pd.DataFrame | None = None) -> pd.DataFrame:
    """The figures of one spec: categories of ``rows`` as index, of ``columns`` (+Totale)
    as columns, a ``Totale`` row; counts as int, sums as float."""
    src = spec_source(tree, spec) if source is None else source
    row = spec.rows[0]
    df = pd.DataFrame({"r": _clean(src[row])}) if len(src) else pd.DataFrame({"r": []})
    if spec.columns:
        col = spec.columns[0]
        raw = src[col] if len(src) else pd.Series([], dtype=object)
        if spec.bins:
            df["c"] = bands(raw, spec.bins)
            col_order: list[object] = list(band_labels(spec.bins, scale=_scale(spec.bins)))
        else:
            df["c"] = _clean(raw)
            pref: list[object] = []
            if col == C.RESPONSABILE:
                pref = list(registry_names or [])
            elif col == C.STATO:
                pref = list(C.STATI)
            elif col == ROLE_COLUMN:
                pref = [ROLE_LED, ROLE_INVOLVED]
            col_order = _order(df["c"], pref)
            if col == ROLE_COLUMN:
                col_order = [ROLE_LED, ROLE_INVOLVED]
    if spec.aggfunc == "sum":
        df["v"] = pd.to_numeric(src[spec.values], errors="coerce").fillna(0.0) if len(src) else []
    keys = ["r", "c"] if spec.columns else ["r"]
    df = df.dropna(subset=keys)
    pref_rows = list(registry_names or []) if row in (C.RESPONSABILE, C.SETTORE) else []
    row_order = _order(df["r"], pref_rows)
    if row == C.SETTORE and registry_names:
        row_order = list(registry_names)
    if spec.aggfunc == "sum":
        g = df.groupby(keys, sort=False)["v"].sum()
    else:
        g = df.groupby(keys, sort=False).size()
    if spec.columns:
        table = g.unstack("c") if len(g) else pd.DataFrame()
        table = table.reindex(index=row_order, columns=col_order).fillna(0)
        table[TOTAL] = table.sum(axis=1)
    else:
        table = g.reindex(row_order).fillna(0).to_frame(
            "Somma" if spec.aggfunc == "sum" else "Obiettivi")
    table.loc[TOTAL] = table.sum(axis=0)
    table = table.astype(float if spec.aggfunc == "sum" else int)
    table.index.name = spec.rows[0]
    table.columns.name = spec.columns[0] if spec.columns else None
    return table


def summary_tables(tree: Tree) -> dict[str, pd.DataFrame]:
    """Title -> table (with ``Totale`` row and column) for every spec of the tree."""
    from xl_albero.per_sector import registry_problems

    registry = registry_problems(tree)[0]
    names = registry[C.SETTORE].tolist()
    inv = None
    out: dict[str, pd.DataFrame] = {}
    for spec in summary_specs(tree):
        src = None
        if spec.source == SOURCE_INVOLVEMENT:
            inv = involvement_table(tree, registry) if inv is None else inv
            src = inv
        out[spec.title] = compute(tree, spec, names, src)
    return out
