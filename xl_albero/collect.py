"""Collect the returned sector workbooks into the tree (``albero raccogli``); pure.

``collect(tree, registry, returned, rilevazione) -> Collected``:

* only the **editable columns of the rows a sector leads** are taken (``identity.
  EDITABLE_COLUMNS``): the round's monitoring values (``Stato``, ``Avanzamento %``,
  ``Valore consuntivo``, ``Note``) go to the round's own columns (``Avanzamento % 30/06``),
  plan data (``Indicatore``, ``Target``, ``Peso``) to the plain columns;
* a row whose editable cells are as exported (its key's hash) contributes nothing, so a
  stale copy never overwrites what the office changed since;
* everything else is a **finding** with the file it came from: a file that is not an
  export, of another year or another version of the tree, two files for one sector (the
  later stamp wins: export time, then last-saved time; never file order), structural
  cells changed, rows added, deleted, duplicated or of another sector, involved rows
  filled in, values out of range or of the wrong kind, formulas (value taken) and Excel
  errors (not taken), a sheet whose protection was removed;
* ``changes`` lists every changed cell (old -> new) with its file and stamps; ``files``
  what each file gave, and the sectors that did not return theirs.

The result is deterministic: the same tree and files give the same ``Collected``.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.identity import (
    EDITABLE_COLUMNS,
    KEY_COLUMN,
    PLAN_COLUMNS,
    Stamp,
    fingerprint,
    norm,
    parse_key,
    values_hashes,
)
from xl_albero.model import Tree, cell_text, col_letter
from xl_albero.per_sector import ROLE_COLUMN, row_roles
from xl_albero.sector_registry import fold_name

FILE = "file"
#: What a blank cell reads as (the tree: None; calamine: "").
_BLANKS = (None, "")
FINDING_COLUMNS: tuple[str, ...] = (FILE, *F.FINDING_FIELDS)
SHEET_RETURNED = "Obiettivi"

# outcome of a file
TAKEN = "presa"
SUPERSEDED = "superata"
REFUSED = "scartata"
NOT_RETURNED = "non restituita"

#: The change log: one row per changed cell (the file's stamps and the objective's texts
#: are in ``Raccolta file`` and in the tree: kept out so that a year-end collection of
#: every objective stays a light sheet).
CHANGE_COLUMNS: tuple[str, ...] = (
    "File", "Settore", "Rilevazione", "Salvato il", "Codice", "Colonna", "Cella", "Prima",
    "Dopo")
FILE_COLUMNS: tuple[str, ...] = (
    "File", "Settore", "Sigla", "Rilevazione", "Esportato il", "Salvato il", "Esito",
    "Righe prese", "Celle cambiate", "Errori", "Avvisi", "Impronta file")


@dataclass(frozen=True)
class Returned:
    """A returned workbook as read from its file (``io.returned.read_returned``).

    ``rows`` are the data rows of the ``Obiettivi`` sheet (Excel row 2 on), ``header``
    its first row; ``formulas``/``errors`` map 0-based (row, column) grid cells (row 0 =
    the header) to the formula / Excel error text; ``protected`` whether the sheet is
    still protected; ``saved`` the last-saved time the application wrote (UTC);
    ``problem`` why the file cannot be used at all (Italian), else ``None``.
    """

    name: str
    path: str = ""
    sha256: str = ""
    stamp: Stamp | None = None
    saved: dt.datetime | None = None
    header: tuple[str, ...] = ()
    rows: list[list[object]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    protected: bool | None = None
    problem: str | None = None
    #: ``prepare(ret)`` precomputed (in the reader's worker process): per row, its parsed
    #: key and the hash of its editable values (``None`` where a column is missing)
    prepared: tuple[list[tuple[int, str] | None], list[str | None]] | None = None


def prepare(ret: Returned) -> Returned:
    """``ret`` with the per-row work that needs no tree done (keys parsed, editable
    values hashed), so that it can run where the file is read."""
    if ret.problem or not ret.header or ret.prepared is not None:
        return ret
    return replace(ret, prepared=_prepared(ret))


def _prepared(ret: Returned) -> tuple[list[tuple[int, str] | None], list[str | None]]:
    col_of = {h: j for j, h in enumerate(ret.header) if h}
    key_j = col_of.get(KEY_COLUMN)
    if key_j is None:
        return [None] * len(ret.rows), [None] * len(ret.rows)
    keys = [parse_key(r[key_j]) if key_j < len(r) else None for r in ret.rows]
    if any(c not in col_of for c in EDITABLE_COLUMNS):
        return keys, [None] * len(ret.rows)
    edit_js = [col_of[c] for c in EDITABLE_COLUMNS]
    pick, width = operator.itemgetter(*edit_js), max(edit_js) + 1
    hashes: list[str | None] = list(values_hashes(
        pick(r) if len(r) >= width else [r[j] if j < len(r) else None for j in edit_js]
        for r in ret.rows))  # rows as calamine reads them are all full width
    return keys, hashes


@dataclass(frozen=True)
class Collected:
    """The result of a collection (see the module docstring)."""

    tree: Tree
    changes: pd.DataFrame
    files: pd.DataFrame
    findings: pd.DataFrame
    not_returned: tuple[str, ...]
    rilevazione: str
    summary: dict
    #: every changed cell as (row position in the tree, master column, new value), for
    #: front ends that write into a live sheet instead of a new file
    cells: tuple[tuple[int, str, object], ...] = ()


def _when(d: dt.datetime | None) -> str:
    return d.strftime("%d/%m/%Y %H:%M:%S") if d else ""


class _Findings:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, file: str, gravita: str, codice: str, messaggio: str, *,
            riga: int | None = None, colonna: str = "", cella: str = "",
            suggerimento: str = "", foglio: str = SHEET_RETURNED) -> None:
        self.items.append({FILE: file, "foglio": foglio if riga or cella else "",
                           "riga": riga, "colonna": colonna, "cella": cella,
                           "gravita": gravita, "codice": codice, "messaggio": messaggio,
                           "suggerimento": suggerimento})

    def frame(self) -> pd.DataFrame:
        if not self.items:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
        out = pd.DataFrame(self.items, columns=list(FINDING_COLUMNS))
        out["_r"] = pd.to_numeric(out["riga"], errors="coerce").fillna(0)
        out = out.sort_values([FILE, "_r", "cella", "codice"], kind="stable")
        return out.drop(columns="_r").reset_index(drop=True)


class _Changes:
    """The change log, column by column (one entry per changed cell; the file, sector
    and saved time once per file)."""

    def __init__(self) -> None:
        self.files: list[tuple[str, str, str, int]] = []
        self.code: list[str] = []
        self.col: list[str] = []
        self.pos: list[int] = []
        self.before: list[str] = []
        self.after: list[str] = []

    def __len__(self) -> int:
        return len(self.pos)

    def frame(self, rilevazione: str, sheet: str, letters: dict[str, str]) -> pd.DataFrame:
        n = len(self.pos)
        per_file = ([], [], [])  # type: tuple[list[str], list[str], list[str]]
        for name, sector, saved, count in self.files:
            per_file[0].extend([name] * count)
            per_file[1].extend([sector] * count)
            per_file[2].extend([saved] * count)
        cella = [f"{sheet}!{letters[c]}{p + 2}" for c, p in zip(self.col, self.pos,
                                                                strict=True)]
        data = dict(zip(CHANGE_COLUMNS, (
            per_file[0], per_file[1], [rilevazione] * n, per_file[2], self.code, self.col,
            cella, self.before, self.after), strict=True))
        return pd.DataFrame(data, columns=list(CHANGE_COLUMNS))


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        f = float(value)
        return None if f != f else f
    text = cell_text(value)
    if text is None:
        return None
    t = text.replace("%", "").replace(" ", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def round_columns(rilevazione: str) -> dict[str, str]:
    """Editable column -> master column for a round (plan columns stay plain)."""
    return {c: (c if c in PLAN_COLUMNS else C.round_column(c, rilevazione))
            for c in EDITABLE_COLUMNS}


def _all_round_columns() -> set[str]:
    return {C.round_column(f, r) for f in C.ROUND_FIELDS for r in C.ROUNDS}


def collect(tree: Tree, registry: pd.DataFrame, returned: Sequence[Returned],
            rilevazione: str) -> Collected:
    """Merge the returned workbooks' monitoring values into ``tree`` (see module doc)."""
    if rilevazione not in C.ROUNDS:
        raise ValueError(f"rilevazione {rilevazione!r}")
    found = _Findings()
    data = tree.data.reset_index(drop=True)
    n = len(data)
    fp = fingerprint(tree)
    year = tree.year
    leader, pairs = row_roles(tree, registry)
    involved: dict[int, set[int]] = {}
    for r, s in zip(pairs["row"].tolist(), pairs["sector"].tolist(), strict=True):
        involved.setdefault(int(s), set()).add(int(r))
    names = [str(x) for x in registry[C.SETTORE]]
    siglas = [str(x) for x in registry[C.SIGLA]]
    by_sigla = {fold_name(s): i for i, s in enumerate(siglas)}
    by_name = {fold_name(s): i for i, s in enumerate(names)}
    codes = [c.strip() if type(c) is str else cell_text(c) or ""
             for c in data[C.CODICE].tolist()] if C.CODICE in data \
        else [""] * n
    titles = data[C.OPERATIVO].tolist() if C.OPERATIVO in data else [None] * n
    file_rows: list[dict] = []

    # -- 1. which files can be used, and which one per sector --------------------------
    candidates: dict[int, list[Returned]] = {}
    for ret in sorted(returned, key=lambda r: (r.name, r.path)):
        base = {"File": ret.name, "Settore": "", "Sigla": "", "Rilevazione": rilevazione,
                "Esportato il": "", "Salvato il": _when(ret.saved), "Esito": REFUSED,
                "Righe prese": 0, "Celle cambiate": 0, "Errori": 0, "Avvisi": 0,
                "Impronta file": ret.sha256[:16]}
        st = ret.stamp
        if st is not None:
            base.update({"Settore": st.sector, "Sigla": st.sigla,
                         "Esportato il": _when(st.exported)})
        why = _unusable(ret, fp, year, by_sigla, by_name)
        if why is not None:
            code, msg, hint = why
            found.add(ret.name, F.ERRORE, code, msg, suggerimento=hint)
            file_rows.append(base)
            continue
        assert st is not None
        i = by_sigla.get(fold_name(st.sigla), by_name.get(fold_name(st.sector), -1))
        candidates.setdefault(i, []).append(ret)
        file_rows.append(base)
    winners: dict[int, Returned] = {}
    for i, group in candidates.items():
        win = _winner(group, names[i], found)
        if win is not None:
            winners[i] = win
    outcome = {id(r): REFUSED for r in returned}
    for i, group in candidates.items():
        for r in group:
            outcome[id(r)] = (TAKEN if winners.get(i) is r else
                              SUPERSEDED if i in winners else REFUSED)

    # -- 2. merge the winners ------------------------------------------------------------
    target_of = round_columns(rilevazione)
    new_columns: dict[str, list[object]] = {}
    columns = list(data.columns)
    values: dict[str, list[object]] = {c: data[c].tolist() for c in columns}
    for c in EDITABLE_COLUMNS:
        t = target_of[c]
        if t not in values:
            new_columns[t] = [None] * n
            values[t] = new_columns[t]
    changes = _Changes()
    stats: dict[str, tuple[int, int]] = {}
    round_cols = _all_round_columns()
    structural_tree_cols = [c for c in columns if c not in EDITABLE_COLUMNS
                            and c not in round_cols]
    tree_arrays = {c: _objects(values[c]) for c in structural_tree_cols}
    for i in sorted(winners):
        ret = winners[i]
        taken, changed = _merge_one(
            ret, i, names[i], leader, involved.get(i, set()), tree_arrays, values,
            target_of, codes, titles, changes, found, rilevazione)
        stats[ret.name] = (taken, changed)

    # -- 3. the new tree -------------------------------------------------------------------
    order = _column_order(columns, list(new_columns))
    # columns the merge cannot change are taken as they are (object columns: the same
    # values a new Series of ``values[c]`` would hold)
    written = set(target_of.values())
    out = pd.DataFrame({c: data[c] if c not in written and c in data
                        and data[c].dtype == object
                        else pd.Series(values[c], dtype=object) for c in order})
    new_tree = replace(tree.with_data(out), sectors=tree.sectors,
                       registry_declared=tree.registry_declared)
    letters = {c: col_letter(j) for j, c in enumerate(order)}
    cells = tuple((pos, col, values[col][pos])
                  for pos, col in zip(changes.pos, changes.col, strict=True))
    sheet = tree.sheet if tree.sheet else C.SHEET_TREE

    # -- 4. files table, sectors not returned, summary ---------------------------------------
    fr = found.frame()
    for row, ret in zip(file_rows, sorted(returned, key=lambda r: (r.name, r.path)),
                        strict=True):
        row["Esito"] = outcome[id(ret)]
        taken, changed = stats.get(ret.name, (0, 0)) if row["Esito"] == TAKEN else (0, 0)
        row["Righe prese"], row["Celle cambiate"] = taken, changed
        mine = fr[fr[FILE] == ret.name]
        row["Errori"] = int((mine["gravita"] == F.ERRORE).sum())
        row["Avvisi"] = int((mine["gravita"] == F.AVVISO).sum())
    expected = [i for i in range(len(names))
                if (leader == i).any() or involved.get(i)]
    missing = tuple(names[i] for i in expected if i not in winners)
    for i in expected:
        if i not in winners:
            file_rows.append({"File": "", "Settore": names[i], "Sigla": siglas[i],
                              "Rilevazione": rilevazione, "Esportato il": "", "Salvato il": "",
                              "Esito": NOT_RETURNED, "Righe prese": 0, "Celle cambiate": 0,
                              "Errori": 0, "Avvisi": 0, "Impronta file": ""})
    files = pd.DataFrame(file_rows, columns=list(FILE_COLUMNS))
    change_frame = changes.frame(rilevazione, sheet, letters)
    counts = F.counts(fr)
    summary = {"rilevazione": rilevazione, "file": len(returned),
               "settori_attesi": len(expected), "restituite": len(winners),
               "non_restituite": len(missing), "celle_cambiate": len(changes), **counts}
    return Collected(tree=new_tree, changes=change_frame, files=files, findings=fr,
                     not_returned=missing, rilevazione=rilevazione, summary=summary,
                     cells=cells)


def _column_order(columns: list[str], added: list[str]) -> list[str]:
    """Existing columns in place; plan columns after the last monitoring column present,
    round columns at the end."""
    order = list(columns)
    for c in added:
        if c in PLAN_COLUMNS:
            anchor = [j for j, x in enumerate(order) if x in C.MONITORING_COLUMNS]
            at = anchor[-1] + 1 if anchor else len(order)
            order.insert(at, c)
        else:
            order.append(c)
    return order


def _unusable(ret: Returned, fp: str, year: int | None, by_sigla: dict[str, int],
              by_name: dict[str, int]) -> tuple[str, str, str] | None:
    if ret.problem:
        return "CARTELLA_ILLEGGIBILE", ret.problem, "Chiedere al settore di inviarla di nuovo."
    st = ret.stamp
    if st is None:
        return ("IDENTITA_MANCANTE",
                f"«{ret.name}» non è una cartella esportata per un settore (manca il foglio "
                "nascosto «Identità»): non è stata presa.",
                "Raccogliere solo le cartelle esportate dall'albero e compilate dai settori.")
    if fold_name(st.sigla) not in by_sigla and fold_name(st.sector) not in by_name:
        return ("SETTORE_SCONOSCIUTO",
                f"«{ret.name}» è del settore «{st.sector}» ({st.sigla}), che non è nell'elenco "
                "dei settori dell'albero: non è stata presa.", "")
    if year is not None and st.year is not None and st.year != year:
        return ("ANNO_DIVERSO",
                f"«{ret.name}» è del piano {st.year}, l'albero è del {year}: non è stata presa.",
                "Raccogliere le cartelle di quest'anno, o indicare l'albero di quell'anno.")
    if st.fingerprint != fp:
        return ("ALBERO_DIVERSO",
                f"«{ret.name}» è stata esportata da un'altra versione dell'albero (esportata il "
                f"{_when(st.exported)}; da allora obiettivi, codici o settori sono cambiati): "
                "non è stata presa.",
                "Esportare di nuovo le cartelle dall'albero attuale e farle compilare, oppure "
                "raccogliere nell'albero da cui erano state esportate.")
    if ret.protected is None and not ret.header:
        return ("CARTELLA_ILLEGGIBILE", f"«{ret.name}»: il foglio «{SHEET_RETURNED}» è vuoto.",
                "")
    return None


def _stamp_key(r: Returned) -> tuple[dt.datetime, dt.datetime]:
    assert r.stamp is not None
    return r.stamp.exported, r.saved or dt.datetime.min


def _winner(group: list[Returned], sector: str, found: _Findings) -> Returned | None:
    """The workbook that counts for a sector: the later stamp; ``None`` when undecidable."""
    if len(group) == 1:
        return group[0]
    ranked = sorted(group, key=lambda r: (_stamp_key(r), r.name))
    best = ranked[-1]
    ties = [r for r in ranked if _stamp_key(r) == _stamp_key(best)]
    distinct = {r.sha256 for r in ties}
    if len(ties) > 1 and len(distinct) > 1:
        listed = ", ".join(f"«{r.name}»" for r in ties)
        for r in ties:
            found.add(r.name, F.ERRORE, "CARTELLE_STESSO_SETTORE",
                      f"Per il settore «{sector}» ci sono più cartelle ({listed}) esportate e "
                      f"salvate allo stesso momento ({_when(best.stamp.exported if best.stamp else None)}"
                      f", {_when(best.saved)}) ma con contenuti diversi: non si può stabilire "
                      "quale sia la più recente e nessuna è stata presa.",
                      suggerimento="Tenere una sola cartella per settore e raccogliere di nuovo.")
        return None
    best = ties[0] if len(ties) > 1 else best
    for r in ranked:
        if r is best:
            continue
        same = " (identica)" if r.sha256 == best.sha256 else ""
        found.add(r.name, F.AVVISO, "CARTELLA_SUPERATA",
                  f"«{r.name}»{same} e «{best.name}» sono entrambe del settore «{sector}»: vale "
                  f"«{best.name}», più recente (esportata il {_when(_stamp_key(best)[0])}, "
                  f"salvata il {_when(best.saved) or '?'}; questa: esportata il "
                  f"{_when(_stamp_key(r)[0])}, salvata il {_when(r.saved) or '?'}). "
                  f"«{r.name}» non è stata presa.",
                  suggerimento="Vale sempre la cartella esportata (e poi salvata) più di "
                  "recente, non l'ordine dei file.")
    return best


def _objects(values: list[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _grid(rows: list[list[object]], columns: list[int]) -> np.ndarray | None:
    """The rows as a 2-D object array when they are all as wide (as calamine reads
    them) and cover ``columns``, else ``None``."""
    if not rows or not columns:
        return None
    width = len(rows[0])
    if max(columns) >= width or any(len(r) != width for r in rows):
        return None
    out = np.empty((len(rows), width), dtype=object)
    out[:] = rows
    return out


def _structural_mismatches(rows: list[list[object]], keys: list[tuple[int, str] | None],
                           n: int, check_cols: list[tuple[str, int]],
                           tree_arrays: dict[str, np.ndarray]) -> dict[int, list[tuple[str, int]]]:
    """Row index -> descriptive (column, sheet column) pairs that differ from the tree
    (compared column by column, vectorised; blanks and number types are forgiven)."""
    valid = [k for k, key in enumerate(keys) if key is not None and 0 <= key[0] < n]
    out: dict[int, list[tuple[str, int]]] = {}
    if not valid:
        return out
    pos = np.fromiter((keys[k][0] for k in valid), dtype=np.int64,  # type: ignore[index]
                      count=len(valid))
    grid = _grid(rows, [j for _, j in check_cols])
    at = np.asarray(valid, dtype=np.int64)
    for c, j in check_cols:
        got = grid[at, j] if grid is not None else _objects(
            [rows[k][j] if j < len(rows[k]) else None for k in valid])
        want = tree_arrays[c][pos]
        for i in np.flatnonzero(got != want):
            g, w = got[i], want[i]
            if (g in _BLANKS and w in _BLANKS) or norm(g) == norm(w):
                continue
            out.setdefault(valid[i], []).append((c, j))
    return out


def _merge_one(ret: Returned, sector_i: int, sector: str, leader: np.ndarray,
               involved: set[int], tree_arrays: dict[str, np.ndarray],
               values: dict[str, list[object]], target_of: dict[str, str],
               codes: list[str], titles: list[object], changes: _Changes,
               found: _Findings, rilevazione: str) -> tuple[int, int]:
    """Take one workbook's values; returns (rows taken, cells changed)."""
    name = ret.name
    header = list(ret.header)
    col_of = {h: j for j, h in enumerate(header) if h}
    if KEY_COLUMN not in col_of:
        found.add(name, F.ERRORE, "CHIAVE_MANCANTE",
                  f"Nel foglio «{SHEET_RETURNED}» di «{name}» manca la colonna «{KEY_COLUMN}» "
                  "(nascosta), che lega ogni riga al suo obiettivo: la cartella non è stata presa.",
                  riga=1, suggerimento="Non eliminare colonne; chiedere al settore di compilare "
                  "di nuovo la cartella esportata.")
        return 0, 0
    key_j = col_of[KEY_COLUMN]
    for c in C.TREE_COLUMNS:
        if c in values and c not in col_of:
            found.add(name, F.AVVISO, "COLONNA_ELIMINATA",
                      f"Nel foglio «{SHEET_RETURNED}» manca la colonna «{c}»: non si può "
                      "controllare che non sia stata modificata.", riga=1, colonna=c)
    for c in EDITABLE_COLUMNS:
        if c not in col_of:
            found.add(name, F.AVVISO, "COLONNA_ELIMINATA",
                      f"Nel foglio «{SHEET_RETURNED}» manca la colonna da compilare «{c}»: i "
                      "suoi valori non sono stati raccolti.", riga=1, colonna=c)
    known = {ROLE_COLUMN, KEY_COLUMN, *EDITABLE_COLUMNS, *values}
    for h, j in col_of.items():
        if h not in known:
            found.add(name, F.AVVISO, "COLONNA_AGGIUNTA",
                      f"La colonna «{h}» è stata aggiunta dal settore: il suo contenuto non è "
                      "stato raccolto.", riga=1, colonna=h, cella=f"{col_letter(j)}1")
    if ret.protected is False:
        found.add(name, F.AVVISO, "PROTEZIONE_TOLTA",
                  f"Il foglio «{SHEET_RETURNED}» non è più protetto: ogni cella descrittiva è "
                  "stata confrontata con l'albero e le modifiche sono segnalate qui, non "
                  "riportate.", foglio=SHEET_RETURNED, cella="A1", riga=1)
    check_cols = [(c, col_of[c]) for c in tree_arrays if c in col_of]
    edit_cols = [(c, col_of.get(c)) for c in EDITABLE_COLUMNS]
    # (column, sheet column, master column's values, kind) of the editable columns present
    specs = [(c, j, values[target_of[c]], _kind(c)) for c, j in edit_cols if j is not None]
    n = len(leader)
    led = set(np.flatnonzero(leader == sector_i).tolist())
    seen: dict[int, int] = {}
    taken = 0
    width = len(header)
    saved_at = _when(ret.saved)
    errors, formulas = ret.errors, ret.formulas
    special_cells = {(r, j) for r, j in (*errors, *formulas)}
    special_rows = {r for r, _ in special_cells}
    edit_letters = {j: col_letter(j) for _, j in edit_cols if j is not None}
    keys, hashes = ret.prepared if ret.prepared is not None else _prepared(ret)
    mismatches = _structural_mismatches(ret.rows, keys, n, check_cols, tree_arrays)
    # the change log of this file (appended to ``changes`` at the end)
    ch_code: list[str] = []
    ch_col: list[str] = []
    ch_pos: list[int] = []
    ch_before: list[str] = []
    ch_after: list[str] = []
    for k, row in enumerate(ret.rows):
        excel_row = k + 2
        key = keys[k]
        if key is None:  # a key parsed from a cell means the row is not blank
            if all(v is None or v == "" for v in row):
                continue
            if not any(cell_text(v) is not None for v in row):
                continue  # only white space
        if len(row) < width:
            row = row + [None] * (width - len(row))
        if key is None or not 0 <= key[0] < n:
            found.add(name, F.ERRORE, "RIGA_AGGIUNTA",
                      f"La riga {excel_row} è stata aggiunta dal settore (non viene "
                      "dall'albero): non è stata presa.", riga=excel_row,
                      cella=f"{col_letter(key_j)}{excel_row}",
                      colonna=KEY_COLUMN, suggerimento="Un nuovo obiettivo va aggiunto "
                      "all'albero dall'ufficio che lo gestisce, poi esportato di nuovo.")
            continue
        pos, exported_hash = key
        if pos in seen:
            code = codes[pos] or f"riga {pos + 2} dell'albero"
            found.add(name, F.ERRORE, "RIGA_DUPLICATA",
                      f"La riga {excel_row} ripete l'obiettivo {code} (già alla riga "
                      f"{seen[pos]}): non è stata presa.", riga=excel_row,
                      cella=f"{col_letter(key_j)}{excel_row}", colonna=KEY_COLUMN)
            continue
        seen[pos] = excel_row
        is_led = pos in led
        if not is_led and pos not in involved:
            code = codes[pos] or f"riga {pos + 2} dell'albero"
            owner = "nessun settore"
            found.add(name, F.ERRORE, "RIGA_ALTRO_SETTORE",
                      f"La riga {excel_row} (obiettivo {code}) non è un obiettivo del settore "
                      f"«{sector}» ({owner if leader[pos] < 0 else 'è di un altro settore'}): "
                      "non è stata presa.", riga=excel_row,
                      cella=f"{col_letter(key_j)}{excel_row}", colonna=KEY_COLUMN,
                      suggerimento="I valori di un obiettivo si raccolgono solo dalla cartella "
                      "del settore responsabile.")
            continue
        code = codes[pos] or f"riga {pos + 2} dell'albero"
        if k in mismatches and _report_mismatches(
                mismatches[k], row, values, pos, code, excel_row, name, found):
            continue  # moved to another sector
        g = k + 1  # grid row of the formula / error maps
        special = g in special_rows and any((g, j) in special_cells for _, j, _, _ in specs)
        if not special and hashes[k] is not None and hashes[k] == exported_hash:
            continue  # untouched: nothing to take
        if not is_led:
            found.add(name, F.ERRORE, "RIGA_COINVOLTO_COMPILATA",
                      f"La riga {excel_row} (obiettivo {code}) è stata compilata, ma il settore "
                      f"«{sector}» vi è solo coinvolto: i valori non sono stati presi.",
                      riga=excel_row, cella=f"A{excel_row}",
                      suggerimento="I valori di monitoraggio li compila il settore "
                      "responsabile.")
            continue
        taken += 1
        for c, j, column, kind in specs:
            raw = row[j]
            old = column[pos]
            # the common, well-formed cells inline (same result as ``_check_value``)
            if special and (g, j) in special_cells:
                ref = f"{edit_letters[j]}{excel_row}"
                if (g, j) in errors:
                    found.add(name, F.ERRORE, "ERRORE_EXCEL",
                              f"La cella «{c}» dell'obiettivo {code} contiene l'errore di Excel "
                              f"«{errors[(g, j)]}»: non è stata presa.", riga=excel_row,
                              colonna=c, cella=ref, suggerimento="Scrivere il valore.")
                    continue
                if cell_text(raw) is None:
                    found.add(name, F.ERRORE, "FORMULA_SENZA_VALORE",
                              f"La cella «{c}» dell'obiettivo {code} contiene una formula "
                              f"({formulas[(g, j)][:60]}) senza un valore calcolato: non è "
                              "stata presa.", riga=excel_row, colonna=c, cella=ref,
                              suggerimento="Aprire la cartella in Excel, salvarla e inviarla "
                              "di nuovo, oppure scrivere il valore.")
                    continue
                found.add(name, F.AVVISO, "FORMULA_VALORE",
                          f"La cella «{c}» dell'obiettivo {code} contiene una formula "
                          f"({formulas[(g, j)][:60]}): è stato preso il suo valore "
                          f"«{norm(raw)}», non la formula.", riga=excel_row, colonna=c,
                          cella=ref)
                ok, value = _check_value(c, raw, code, name, excel_row, ref, found)
                if not ok:
                    continue
            elif raw is None:
                if old is None:
                    continue
                value = None
            else:
                typ = type(raw)
                value = _UNSET
                if typ is str:
                    text = raw.strip()  # type: ignore[attr-defined]
                    if not text:
                        value = None
                    elif kind in (_TEXT, _NUMBER):
                        value = text
                    elif kind == _STATE:
                        value = _stato_of_text(raw) or _UNSET
                elif typ is int or typ is float:
                    if kind == _PERCENT:
                        if 0 <= raw <= 100:  # type: ignore[operator]
                            f = float(raw)  # type: ignore[arg-type]
                            value = int(f) if f.is_integer() else f
                    elif kind == _NUMBER:
                        value = raw
                if value is _UNSET:  # anything unusual: the full checks, with findings
                    ok, value = _check_value(c, raw, code, name, excel_row,
                                             f"{edit_letters[j]}{excel_row}", found)
                    if not ok:
                        continue
            if old == value or (old in _BLANKS and value in _BLANKS):
                continue
            before = "" if old is None else norm(old)
            vt = type(value)
            after = (str(value) if vt is int else value.strip() if vt is str  # type: ignore[union-attr]
                     else norm(value))
            if before == after:
                continue
            column[pos] = value
            ch_code.append(codes[pos])
            ch_col.append(target_of[c])
            ch_pos.append(pos)
            ch_before.append(before)
            ch_after.append(after)
    for pos in sorted((led | involved) - set(seen)):
        code = codes[pos] or f"riga {pos + 2} dell'albero"
        if pos in led:
            found.add(name, F.ERRORE, "RIGA_ELIMINATA",
                      f"La riga dell'obiettivo {code} è stata eliminata dalla cartella: i suoi "
                      "valori non sono stati raccolti.",
                      suggerimento="Non eliminare righe: lasciare vuote le celle che non si "
                      "compilano.")
        else:
            found.add(name, F.AVVISO, "RIGA_ELIMINATA",
                      f"La riga dell'obiettivo {code} (il settore vi è coinvolto) è stata "
                      "eliminata dalla cartella.")
    changed = len(ch_pos)
    changes.files.append((name, sector, saved_at, changed))
    changes.code += ch_code
    changes.col += ch_col
    changes.pos += ch_pos
    changes.before += ch_before
    changes.after += ch_after
    return taken, changed


def _report_mismatches(cells: list[tuple[str, int]], row: list[object],
                       values: dict[str, list[object]], pos: int, code: str, excel_row: int,
                       name: str, found: _Findings) -> bool:
    """Findings for the descriptive cells of a row that differ from the tree; ``True``
    when the row was moved to another sector (then it is not taken at all)."""
    moved = False
    for c, j in cells:
        got, want = row[j], values[c][pos]
        ref = f"{col_letter(j)}{excel_row}"
        if c == C.RESPONSABILE:
            moved = True
            found.add(name, F.ERRORE, "RIGA_SPOSTATA",
                      f"L'obiettivo {code} è stato spostato a un altro settore («{norm(got)}» "
                      f"invece di «{norm(want)}»): la riga non è stata presa.",
                      riga=excel_row, colonna=c, cella=ref,
                      suggerimento="Il settore responsabile si cambia nell'albero.")
        else:
            found.add(name, F.ERRORE, "CELLA_DESCRITTIVA_MODIFICATA",
                      f"La cella «{c}» dell'obiettivo {code} è stata modificata («{norm(want)}»"
                      f" → «{norm(got)}»): la modifica non è riportata nell'albero.",
                      riga=excel_row, colonna=c, cella=ref,
                      suggerimento="Le colonne descrittive si cambiano nell'albero; il "
                      "settore compila solo le colonne colorate.")
    return moved


@functools.lru_cache(maxsize=256)
def _stato(text: str) -> str | None:
    """The list's spelling of a ``Stato`` (``in corso`` -> ``In corso``), else ``None``."""
    return {C.fold(s): s for s in C.STATI}.get(C.fold(text))


@functools.lru_cache(maxsize=1024)
def _stato_of_text(raw: str) -> str | None:
    text = cell_text(raw)
    return None if text is None else _stato(text)


_PERCENT_COLUMNS = (C.AVANZAMENTO, C.PESO)
_TEXT_COLUMNS = (C.STATO, C.INDICATORE, C.NOTE)
# kinds of editable column, for the cells ``_merge_one`` checks inline
_PERCENT, _NUMBER, _STATE, _TEXT = range(4)
_UNSET = object()


def _kind(column: str) -> int:
    return (_PERCENT if column in _PERCENT_COLUMNS else _STATE if column == C.STATO
            else _TEXT if column in _TEXT_COLUMNS else _NUMBER)


def _check_value(column: str, raw: object, code: str, file: str, excel_row: int, ref: str,
                 found: _Findings) -> tuple[bool, object]:
    """(take it?, value to store) for an editable cell; findings for what is wrong."""
    # the common, well-formed cells first (same result as the full checks below)
    kind = type(raw)
    if kind is int or kind is float:
        if column in _PERCENT_COLUMNS:
            if 0 <= raw <= 100:  # type: ignore[operator]
                f = float(raw)  # type: ignore[arg-type]
                return True, int(f) if f.is_integer() else f
        elif column not in _TEXT_COLUMNS:
            return True, raw
    elif isinstance(raw, str) and kind is str and column == C.STATO:
        found_stato = _stato_of_text(raw)
        if found_stato is not None:
            return True, found_stato
    text = cell_text(raw) if isinstance(raw, str) else None
    if raw is None or (isinstance(raw, str) and text is None):
        return True, None
    if isinstance(raw, bool):
        raw = "sì" if raw else "no"
        text = raw

    def bad(codice: str, msg: str, hint: str = "") -> tuple[bool, object]:
        found.add(file, F.ERRORE, codice, msg, riga=excel_row, colonna=column, cella=ref,
                  suggerimento=hint)
        return False, None

    if column in (C.AVANZAMENTO, C.PESO):
        num = _number(raw)
        if num is None:
            return bad("NUMERO_ATTESO", f"«{column}» dell'obiettivo {code} deve essere un "
                       f"numero, non il testo «{text}»: non è stato preso.",
                       "Scrivere un numero (es. 60).")
        if isinstance(raw, str):
            found.add(file, F.AVVISO, "NUMERO_COME_TESTO",
                      f"«{column}» dell'obiettivo {code} è un numero scritto come testo "
                      f"(«{text}»): è stato preso come {norm(num)}.", riga=excel_row,
                      colonna=column, cella=ref)
        top = 100.0
        if not 0 <= num <= top:
            return bad("FUORI_INTERVALLO", f"«{column}» dell'obiettivo {code} vale {norm(num)}, "
                       f"fuori dall'intervallo 0–{norm(top)}: non è stato preso.",
                       f"Indicare un numero tra 0 e {norm(top)}.")
        return True, int(num) if float(num).is_integer() else num
    if column == C.STATO:
        if text is None:
            return bad("TESTO_ATTESO", f"«Stato» dell'obiettivo {code} è il numero "
                       f"{norm(raw)}, non uno stato: non è stato preso.",
                       "Scegliere uno stato dall'elenco: " + ", ".join(C.STATI) + ".")
        match = _stato(text)
        if match is None:
            return bad("STATO_NON_VALIDO", f"«Stato» dell'obiettivo {code} vale «{text}», che "
                       "non è nell'elenco: non è stato preso.",
                       "Scegliere uno stato dall'elenco: " + ", ".join(C.STATI) + ".")
        return True, match
    if column in (C.INDICATORE, C.NOTE) and text is None:
        found.add(file, F.AVVISO, "NUMERO_DOVE_TESTO",
                  f"«{column}» dell'obiettivo {code} è il numero {norm(raw)}, dove ci si "
                  "aspetta un testo: è stato preso così com'è.", riga=excel_row, colonna=column,
                  cella=ref)
    if isinstance(raw, str):
        return True, text
    return True, raw.item() if hasattr(raw, "item") else raw


def merge_history(collected: Collected, previous_changes: pd.DataFrame | None,
                  previous_files: pd.DataFrame | None) -> Collected:
    """Append this run to the log of earlier runs (``Raccolta`` sheets of the tree).

    Earlier changes are kept; a file already logged for the same round (same content) is
    not logged twice; the list of sectors not returned is the current one. So collecting
    the same files into the master again leaves the log as it was.
    """
    changes = collected.changes
    files = collected.files
    if previous_changes is not None and len(previous_changes):
        prev = previous_changes.reindex(columns=list(CHANGE_COLUMNS))
        changes = pd.concat([prev, changes], ignore_index=True) if len(changes) else prev
    if previous_files is not None and len(previous_files):
        prev = previous_files.reindex(columns=list(FILE_COLUMNS))
        prev = prev[prev["Esito"] != NOT_RETURNED]
        logged = {(norm(a), norm(b)) for a, b in zip(prev["Impronta file"], prev["Rilevazione"],
                                                     strict=True)}
        fresh = files[[(norm(a), norm(b)) not in logged or e == NOT_RETURNED
                       for a, b, e in zip(files["Impronta file"], files["Rilevazione"],
                                          files["Esito"], strict=True)]]
        files = pd.concat([prev, fresh], ignore_index=True) if len(fresh) else prev
        files = files.reset_index(drop=True)
    return replace(collected, changes=changes.reset_index(drop=True), files=files)


def stamp_time(returned: Sequence[Returned], year: int | None) -> dt.datetime:
    """A time that depends only on the inputs (the latest stamp), for the output's
    document properties, so that the same inputs give the same bytes."""
    times = [t for r in returned for t in ((r.stamp.exported if r.stamp else None), r.saved)
             if t is not None]
    return max(times) if times else dt.datetime(year or 2000, 1, 1)
