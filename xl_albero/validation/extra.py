"""Findings that are not per-cell schema rules: near-duplicate sector names, unnamed
involved managers; and the closest-sector suggestion used by the sector checks."""

from __future__ import annotations

import functools

import pandas as pd
from rapidfuzz import fuzz, process

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.invisible import invisible_difference, visible
from xl_albero.model import Tree, is_blank, split_sectors
from xl_albero.sector_registry import fold_name, tree_sector_names
from xl_albero.validation.messages import make
from xl_albero.validation.schema import load_messages

SIMILARITY = 88


@functools.lru_cache(maxsize=16)
def _folded(choices: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    folded = {fold_name(c): c for c in choices}
    return folded, list(folded)


@functools.lru_cache(maxsize=16)
def _by_visible(choices: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in choices:
        out.setdefault(visible(c), c)
    return out


def closest(name: str, choices: list[str], cutoff: float = 70) -> str | None:
    if not choices:
        return None
    # the registry is folded once, not once per unknown name (1,500 sectors: 24 ms a name)
    folded, keys = _folded(tuple(choices))
    hit = process.extractOne(fold_name(name), keys, scorer=fuzz.ratio, score_cutoff=cutoff)
    return folded[hit[0]] if hit else None


def sector_suggestion(value: str, sectors: list[str], many: bool = False) -> str:
    """``Forse «AVVOCATURA COMUNALE»?`` or the list of registered sectors."""
    names = split_sectors(value) if many else [value]
    hints = []
    for n in names:
        if n in sectors or n in (C.TUTTI, C.INTERESSATI):
            continue
        known = _by_visible(tuple(sectors)).get(visible(n))  # reads the same as n
        same = invisible_difference(n, known) if known is not None else ""
        if same:
            hints.append(f"«{n}»: {same}" if many else same)
            continue
        best = closest(n, sectors)
        if best:
            hints.append(f"«{n}» → forse «{best}»?" if many else f"Forse «{best}»?")
    if hints:
        return " ".join(hints)
    listed = "; ".join(sectors[:12])
    return f"Usare un settore del foglio Settori ({listed}) o aggiungerlo lì."


def _similar_names(tree: Tree) -> list[F.Finding]:
    names = (tree_sector_names(tree.data) if not tree.registry_declared
             else [str(s) for s in tree.sectors[C.SETTORE].dropna()])
    out: list[F.Finding] = []
    folded = [fold_name(n) for n in names]
    sheet = tree.registry_sheet if tree.registry_declared else tree.sheet
    # names that read the same (equal once invisible characters are dropped): grouped by
    # that reading, so only names of one group are compared (linear, not all pairs)
    groups: dict[str, list[int]] = {}
    for k, n in enumerate(names):
        groups.setdefault(visible(n), []).append(k)
    hidden: dict[tuple[int, int], str] = {}
    for group in groups.values():
        for a, i in enumerate(group):
            for j in group[a + 1:]:
                why = invisible_difference(names[i], names[j])
                if why:
                    hidden[(i, j)] = why
    similar = {(i, j) for i, j in similar_pairs(folded, SIMILARITY)
               if folded[i] != folded[j]}
    for i, j in sorted(set(hidden) | similar):
        if (i, j) in hidden:
            out.append(make("SETTORI_INVISIBILI", sheet=sheet, row=None, column=C.SETTORE,
                            cell="", valore=names[i], dettaglio=hidden[(i, j)]))
        else:
            out.append(make("SETTORI_SIMILI", sheet=sheet, row=None, column=C.SETTORE,
                            cell="", valore=names[i], dettaglio=names[j]))
    return out


def similar_pairs(texts: list[str], cutoff: float, block: int = 256) -> list[tuple[int, int]]:
    """Pairs ``i < j`` with ``fuzz.ratio(texts[i], texts[j]) >= cutoff``, in (i, j) order.

    Every pair is compared, but in rapidfuzz's C loop (``process.cdist``) a block of rows
    at a time, in bounded memory: 1,500 sector names take 0.2 s (the Python double loop
    over their 1.1 million pairs took 0.6-1 s); 3,000 take 0.8 s.
    """
    import numpy as np

    out: list[tuple[int, int]] = []
    for start in range(0, len(texts), block):
        rows = texts[start:start + block]
        scores = process.cdist(rows, texts, scorer=fuzz.ratio, score_cutoff=cutoff,
                               dtype=np.float64)
        for i, j in zip(*np.nonzero(scores >= cutoff), strict=True):
            if start + i < j:
                out.append((start + int(i), int(j)))
    return out


def _unnamed_involved(tree: Tree) -> list[F.Finding]:
    if C.COINVOLTI not in tree.data:
        return []
    col = tree.data[C.COINVOLTI]
    uniq = {v: C.INTERESSATI in split_sectors(v) for v in col.dropna().unique()}
    hits = col.map(lambda v: uniq.get(v, False))
    cat = load_messages()
    return [make("COINVOLTI_NON_SPECIFICATI", sheet=tree.sheet, row=tree.rows[pos],
                 column=C.COINVOLTI, cell=tree.cell(pos, C.COINVOLTI), catalogue=cat)
            for pos in hits[hits].index]


def unstated_periods(tree: Tree) -> list[F.Finding]:
    """Multi-year objectives whose period was to be read from their text (a sheet with no
    ``Periodo`` column, as the approved PDF) but the text states none: one avviso per
    objective, at its first (merged) cell. The approved plan is silent, not wrong."""
    d = tree.data
    if C.PERIODO not in tree.derived or C.PLURIENNALE not in d:
        return []
    # the derived Periodo is None where the text names no years; decide blankness once per
    # distinct multi-year text, not once per row (big trees repeat a few texts)
    plur = d[C.PLURIENNALE]
    missing = d[C.PERIODO].isna().to_numpy()
    if not missing.any():
        return []
    keys = [c for c in (C.AREA, C.PLURIENNALE) if c in d]  # a merged cell may span
    # several strategic objectives: one finding per cell
    first = d.loc[missing, keys].astype(object).fillna("").drop_duplicates()
    texts = {v: not is_blank(v) for v in pd.unique(plur.to_numpy(dtype=object)[missing])}
    cat = load_messages()
    year = tree.year or ""
    return [make("PERIODO_NON_INDICATO", sheet=tree.sheet, row=tree.rows[pos],
                 column=C.PLURIENNALE, cell=tree.cell(pos, C.PLURIENNALE), catalogue=cat,
                 valore=_short(str(plur.iat[pos])), anno=year)
            for pos in first.index if texts.get(plur.iat[pos], False)]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def extra_findings(tree: Tree) -> list[F.Finding]:
    return _similar_names(tree) + _unnamed_involved(tree) + unstated_periods(tree)
