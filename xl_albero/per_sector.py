"""Per-sector views of the tree (pure): the registry with usable Siglas, one frame per sector.

A sector *leads* the objectives whose ``Settore responsabile`` is its name and is *involved*
in those whose ``Settori coinvolti`` names it (``TUTTI`` involves every registered sector).
Names are matched after folding (case, accents, punctuation and spacing ignored), so
``Economico-Finanziario`` in the tree matches ``ECONOMICO FINANZIARIO`` in the registry.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.model import Tree, col_letter, is_blank, split_sectors
from xl_albero.sector_registry import (
    FORBIDDEN_SHEET_CHARS,
    derive_sigla,
    derived_registry,
    file_name_problem,
    fold_name,
    normalize_name,
    tree_sector_names,
)

#: Column added to every sector frame: whether the sector leads or is involved.
ROLE_COLUMN = "Ruolo del settore"
ROLE_LED = "Responsabile"
ROLE_INVOLVED = "Coinvolto"

#: Characters a Sigla may not contain: Excel sheet names forbid ``[]:*?/\``, file names
#: (Windows) forbid ``<>:"/\|?*`` too, since the Sigla also names the sector's file.
_BAD_SIGLA_CHARS = re.compile(r'[\[\]:*?/\\<>"|\x00-\x1f]')
SHEET_NAME_LIMIT = 31
#: Sheet names Excel reserves.
RESERVED_SHEET_NAMES = frozenset({"history"})


def sigla_problem(sigla: str) -> str | None:
    """Why ``sigla`` cannot name a sheet and a file (Italian), or ``None`` if it can."""
    if len(sigla) > SHEET_NAME_LIMIT:
        return (f"supera i {SHEET_NAME_LIMIT} caratteri ammessi per il nome di un foglio Excel "
                f"({len(sigla)} caratteri)")
    bad = sorted(set(_BAD_SIGLA_CHARS.findall(sigla)))
    if bad:
        shown = " ".join(repr(c)[1:-1] if c.isprintable() else f"\\x{ord(c):02x}" for c in bad)
        return (f"contiene caratteri non ammessi nei nomi di fogli o file ({shown}; non sono "
                "ammessi [ ] : * ? / \\ < > \" |)")
    if sigla.startswith("'") or sigla.endswith("'"):
        return "inizia o finisce con un apostrofo, che Excel non ammette nei nomi dei fogli"
    if sigla.endswith(".") or sigla != sigla.strip():
        return "finisce con un punto o uno spazio, che Windows non ammette nei nomi dei file"
    if sigla.casefold() in RESERVED_SHEET_NAMES:
        return "è un nome di foglio riservato da Excel"
    return file_name_problem(sigla)


def _registry_base(tree: Tree) -> tuple[pd.DataFrame, bool]:
    """The registry to work on and whether it came from the workbook (vs derived)."""
    reg = tree.sectors
    if reg is None or not len(reg) or C.SETTORE not in reg:
        return derived_registry(tree.data), False
    reg = reg.copy()
    for col in C.REGISTRY_COLUMNS:
        if col not in reg:
            reg[col] = None
    return reg, True


def registry_problems(tree: Tree) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sector registry with usable Siglas, and the problems found (findings table).

    * a missing Sigla is derived from the name (``avviso`` saying which);
    * a Sigla that cannot name a sheet or a file (longer than 31 characters, characters
      ``[]:*?/\\<>"|``, reserved names) is an ``errore`` with a suggested replacement;
    * two sectors whose Siglas collide (Excel sheet names ignore case) is an ``errore``;
    * a sector named in the tree but missing from a declared registry is added with a
      derived Sigla (``avviso``), so that none of its objectives is left out;
    * a sector listed twice keeps its first row (``avviso``).

    Returned registry: columns ``Settore, Sigla, Dirigente, Email`` (+ any extra), names
    normalised, Siglas stripped; rows in registry order; index reset.
    """
    reg, declared = _registry_base(tree)
    cols = list(tree.sectors.columns) if declared else list(reg.columns)
    sheet = tree.registry_sheet if declared else tree.sheet
    rows = list(tree.registry_rows) if declared else []
    sig_letter = col_letter(cols.index(C.SIGLA)) if C.SIGLA in cols else ""
    name_letter = col_letter(cols.index(C.SETTORE)) if C.SETTORE in cols else ""
    found: list[F.Finding] = []

    def at(i: int | None, letter: str) -> tuple[int | None, str]:
        if i is None or i >= len(rows):
            return None, ""
        return rows[i], f"{letter}{rows[i]}" if letter else ""

    keep: list[int] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(reg[C.SETTORE].tolist()):
        if is_blank(name):
            continue
        key = fold_name(normalize_name(name))
        if key in seen:
            r, cell = at(i, name_letter)
            found.append(F.Finding(sheet, r, C.SETTORE, cell, F.AVVISO, "SETTORE_RIPETUTO",
                                   f"Il settore «{normalize_name(name)}» compare più volte nel "
                                   "registro: vale la prima riga.",
                                   "Eliminare la riga ripetuta."))
            continue
        seen[key] = i
        keep.append(i)
    origin: list[int | None] = list(keep)  # registry row index of each kept row (None for added ones)
    out = reg.iloc[keep].reset_index(drop=True)
    out[C.SETTORE] = [normalize_name(n) for n in out[C.SETTORE]]

    if declared:
        missing = [n for n in tree_sector_names(tree.data)
                   if fold_name(n) not in seen and n]
        if missing:
            extra = pd.DataFrame({C.SETTORE: missing})
            out = pd.concat([out, extra], ignore_index=True)
            for n in missing:
                origin.append(None)
                found.append(F.Finding(sheet, None, C.SETTORE, "", F.AVVISO,
                                       "SETTORE_NON_REGISTRATO",
                                       f"Il settore «{n}» compare nell'albero ma non nel "
                                       "registro dei settori: viene aggiunto con una sigla "
                                       "derivata dal nome.",
                                       "Aggiungerlo al foglio dei settori con sigla, "
                                       "dirigente ed email."))

    raw = [None if is_blank(s) else str(s).strip() for s in out[C.SIGLA].tolist()]
    given = [s for s in raw if s]
    siglas: list[str] = []
    for k, (name, sigla) in enumerate(zip(out[C.SETTORE].tolist(), raw, strict=True)):
        r, cell = at(origin[k], sig_letter)
        if sigla is None:
            new = derive_sigla(name, [*given, *siglas])
            why = ""
            if len(name) > SHEET_NAME_LIMIT or FORBIDDEN_SHEET_CHARS.search(name):
                why = (" (il nome è troppo lungo o ha caratteri non ammessi per essere il nome "
                       "di un foglio)")
            found.append(F.Finding(sheet, r, C.SIGLA, cell, F.AVVISO, "SIGLA_DERIVATA",
                                   f"Il settore «{name}» non ha una sigla: si usa «{new}» per "
                                   f"il nome del foglio e del file{why}.",
                                   "Indicare una sigla nel foglio dei settori."))
            siglas.append(new)
            continue
        problem = sigla_problem(sigla)
        if problem:
            suggestion = derive_sigla(name, [*given, *siglas])
            found.append(F.Finding(sheet, r, C.SIGLA, cell, F.ERRORE, "SIGLA_NON_VALIDA",
                                   f"La sigla «{sigla}» del settore «{name}» {problem}.",
                                   f"Usare una sigla breve, ad esempio «{suggestion}»."))
        siglas.append(sigla)
    out[C.SIGLA] = pd.Series(siglas, index=out.index, dtype=object)

    owner: dict[str, int] = {}
    for k, sigla in enumerate(siglas):
        key = sigla.casefold()
        if key in owner:
            first = out[C.SETTORE].iloc[owner[key]]
            r, cell = at(origin[k], sig_letter)
            found.append(F.Finding(
                sheet, r, C.SIGLA, cell, F.ERRORE, "SIGLA_DUPLICATA",
                f"La sigla «{sigla}» del settore «{out[C.SETTORE].iloc[k]}» coincide con "
                f"quella del settore «{first}» (maiuscole e minuscole non contano per Excel).",
                "Dare a ogni settore una sigla diversa."))
        else:
            owner[key] = k
    return out, F.to_frame(found)


def sheet_name_conflicts(registry: pd.DataFrame, existing: list[str] | tuple[str, ...],
                         sheet: str = C.SHEET_SECTORS) -> pd.DataFrame:
    """Findings for Siglas equal (ignoring case) to sheets the workbook already has."""
    taken = {s.casefold(): s for s in existing}
    found = [
        F.Finding(sheet, None, C.SIGLA, "", F.ERRORE, "SIGLA_COME_FOGLIO",
                  f"La sigla «{sigla}» del settore «{name}» coincide con il foglio «{taken[key]}» "
                  "già presente nella cartella di lavoro.",
                  "Cambiare la sigla o rinominare il foglio.")
        for name, sigla in zip(registry[C.SETTORE], registry[C.SIGLA], strict=True)
        if (key := str(sigla).casefold()) in taken
    ]
    return F.to_frame(found)


_INTERESSATI = fold_name(C.INTERESSATI)


def _positions(tree: Tree, registry: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Leader index per row (-1 if none) and (row, sector) pairs of involvement."""
    data = tree.data
    n = len(data)
    keys = {fold_name(name): i for i, name in enumerate(registry[C.SETTORE])}
    all_idx = list(range(len(registry)))

    if C.RESPONSABILE in data and n:
        resp_raw = data[C.RESPONSABILE]
        uniq = {v: keys.get(fold_name(normalize_name(v)), -1)
                for v in resp_raw.dropna().unique().tolist()}
        leader = resp_raw.map(uniq).fillna(-1).astype(int).to_numpy()
    else:
        leader = np.full(n, -1, dtype=int)

    if C.COINVOLTI in data and n:
        inv_raw = data[C.COINVOLTI]
        umap: dict[object, list[int]] = {}
        for v in inv_raw.dropna().unique().tolist():
            names = split_sectors(v)
            if any(fold_name(x) == C.TUTTI for x in names):
                umap[v] = all_idx
            else:
                folded = [fold_name(x) for x in names]
                idx = [keys.get(f, -1) for f in folded if f != _INTERESSATI]
                umap[v] = [i for i in dict.fromkeys(idx) if i >= 0]
        lists = inv_raw.map(umap)
        pairs = pd.DataFrame({"row": np.arange(n), "sector": lists.to_numpy()})
        pairs = pairs.explode("sector").dropna(subset=["sector"])
        pairs["sector"] = pairs["sector"].astype(int)
        pairs = pairs[pairs["sector"].to_numpy() != leader[pairs["row"].to_numpy()]]
    else:
        pairs = pd.DataFrame({"row": pd.Series(dtype=int), "sector": pd.Series(dtype=int)})
    return leader, pairs


def row_roles(tree: Tree, registry: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Registry index of each row's leading sector (-1 if none) and the involvement pairs
    (``row``, ``sector`` registry index; a leader is never also listed as involved)."""
    return _positions(tree, registry)


def sector_frames(tree: Tree, registry: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """One DataFrame per registered sector, keyed by Sigla, in registry order.

    Rows: the objectives the sector leads, then those it is involved in, each in tree
    order; columns: ``ROLE_COLUMN`` first, then every column of the tree (unknown ones
    included). The index is the position of the row in ``tree.data``. A sector with no
    objectives gets an empty frame with the same columns. ``registry`` defaults to
    ``registry_problems(tree)[0]``.
    """
    reg = registry_problems(tree)[0] if registry is None else registry
    data = tree.data.reset_index(drop=True)
    leader, pairs = _positions(tree, reg)
    led_groups = pd.Series(np.arange(len(data))).groupby(leader).indices if len(data) else {}
    inv_groups = pairs.groupby("sector")["row"].apply(np.sort).to_dict() if len(pairs) else {}
    out: dict[str, pd.DataFrame] = {}
    for i, sigla in enumerate(reg[C.SIGLA]):
        led = np.asarray(led_groups.get(i, []), dtype=int)
        inv = np.asarray(inv_groups.get(i, []), dtype=int)
        pos = np.concatenate([led, inv]).astype(int)
        frame = data.take(pos)
        frame.index = pos
        roles = [ROLE_LED] * len(led) + [ROLE_INVOLVED] * len(inv)
        frame.insert(0, ROLE_COLUMN, pd.Series(roles, index=pos, dtype=object))
        out[str(sigla)] = frame
    return out


def involvement_table(tree: Tree, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table: one row per (sector, objective) with ``Settore``, ``Sigla`` and the role.

    Columns: ``Settore, Sigla, Ruolo del settore`` followed by the tree columns; rows in
    registry order, each sector's led objectives then those it is involved in, each in
    tree order (the rows of ``sector_frames``, concatenated). It is the source of the
    involvement summary (``PivotSpec.source == "coinvolgimenti"``).

    Built in one pass (one sort of the (sector, role, row) pairs and one ``take``), never
    sector by sector: linear in the size of the result, whatever the number of sectors.
    """
    reg = registry_problems(tree)[0] if registry is None else registry
    data = tree.data.reset_index(drop=True)
    leader, pairs = _positions(tree, reg)
    led_rows = np.flatnonzero(leader >= 0)
    sector = np.concatenate([leader[led_rows], pairs["sector"].to_numpy(dtype=int)])
    rows = np.concatenate([led_rows, pairs["row"].to_numpy(dtype=int)])
    involved = np.concatenate([np.zeros(len(led_rows), dtype=bool),
                               np.ones(len(pairs), dtype=bool)])
    order = np.lexsort((rows, involved, sector))  # by sector, then role, then tree order
    sector, rows, involved = sector[order], rows[order], involved[order]
    out = data.take(rows).reset_index(drop=True)
    out.insert(0, ROLE_COLUMN, pd.Series(np.where(involved, ROLE_INVOLVED, ROLE_LED),
                                         dtype=object))
    siglas = np.array([str(s) for s in reg[C.SIGLA]], dtype=object)
    names = reg[C.SETTORE].to_numpy(dtype=object)
    out.insert(0, C.SIGLA, pd.Series(siglas[sector].tolist(), dtype=str))
    out.insert(0, C.SETTORE, pd.Series(names[sector].tolist(), dtype=str))
    return out


def role_counts(frame: pd.DataFrame) -> tuple[int, int]:
    """(led, involved) row counts of a sector frame."""
    roles = frame[ROLE_COLUMN]
    return int((roles == ROLE_LED).sum()), int((roles == ROLE_INVOLVED).sum())
