"""Findings that are not per-cell schema rules: near-duplicate sector names, unnamed
involved managers; and the closest-sector suggestion used by the sector checks."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.model import Tree, split_sectors
from xl_albero.sector_registry import fold_name, tree_sector_names
from xl_albero.validation.messages import make
from xl_albero.validation.schema import load_messages

SIMILARITY = 88


def closest(name: str, choices: list[str], cutoff: float = 70) -> str | None:
    if not choices:
        return None
    folded = {fold_name(c): c for c in choices}
    hit = process.extractOne(fold_name(name), list(folded), scorer=fuzz.ratio,
                             score_cutoff=cutoff)
    return folded[hit[0]] if hit else None


def sector_suggestion(value: str, sectors: list[str], many: bool = False) -> str:
    """``Forse «AVVOCATURA COMUNALE»?`` or the list of registered sectors."""
    names = split_sectors(value) if many else [value]
    hints = []
    for n in names:
        if n in sectors or n in (C.TUTTI, C.INTERESSATI):
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
    for i, j in similar_pairs(folded, SIMILARITY):
        if folded[i] != folded[j]:
            out.append(make("SETTORI_SIMILI", sheet=sheet, row=None, column=C.SETTORE,
                            cell="", valore=names[i], dettaglio=names[j]))
    return out


def similar_pairs(texts: list[str], cutoff: float, block: int = 256) -> list[tuple[int, int]]:
    """Pairs ``i < j`` with ``fuzz.ratio(texts[i], texts[j]) >= cutoff``, in (i, j) order.

    Every pair is compared, but in rapidfuzz's C loop (``process.cdist``) a block of rows
    at a time: 1,500 sector names take milliseconds, not the second a Python double loop
    over 1.1 million pairs took, in bounded memory.
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


def extra_findings(tree: Tree) -> list[F.Finding]:
    return _similar_names(tree) + _unnamed_involved(tree)
