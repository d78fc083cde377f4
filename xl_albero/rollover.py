"""Roll a plan over to the next year ("nuovo ciclo"), pure.

What happens to each part of the old tree:

* areas, strategic objectives and multi-year objectives are kept with code and text
  (``mantenuto``); a multi-year objective whose ``Periodo`` ended before the new year is kept
  and flagged (``da rivedere``) unless ``extend_period`` gives it a new period;
* operational objectives (one per row) are ``archiviato`` when ``Stato`` is ``Concluso`` or
  ``Annullato`` and ``riportato`` otherwise; without a ``Stato`` column every objective is
  ``riportato`` as a proposal to confirm. Carried rows keep their ``Codice``, get
  ``Codice origine`` = the old code, ``Anno`` = the new year, and lose year-specific data
  (``Stato`` -> ``Da avviare``, ``Avanzamento %`` and result-like columns emptied); a
  ``Target <new year>`` column moves into ``Target``;
* a multi-year objective left without operational objectives keeps one placeholder row
  (a fresh code ``a.s.p.n``, blank ``Obiettivo operativo`` and ``Settore responsabile``, to be
  completed: validation reports the blank cells until then) so it survives in the new tree;
* text naming the old year is flagged in ``review`` (never rewritten).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import AlberoError, InputFileError
from xl_albero.model import Tree
from xl_albero.periods import format_period, parse_period, stale_year_reason

# --- fates (Italian, shown to users) ----------------------------------------------------
MANTENUTO = "mantenuto"
RIPORTATO = "riportato"
ARCHIVIATO = "archiviato"
DA_RIVEDERE = "da rivedere"
SI = "sì"

#: ``Stato`` of a carried objective in the new plan.
STATO_NUOVO = "Da avviare"

#: Columns of the passage table (``Passaggio 2025→2026``).
PASSAGE_COLUMNS: tuple[str, ...] = (
    "Livello", "Codice", "Testo", "Riga", "Esito", "Da rivedere", "Motivo", "Nuovo codice",
)
#: Finding codes of the review table.
CODE_OLD_YEAR = "TESTO_ANNO_PRECEDENTE"
CODE_EXPIRED = "PERIODO_SCADUTO"
CODE_NO_STATUS = "SENZA_STATO"
CODE_PLACEHOLDER = "PLURIENNALE_SENZA_OPERATIVI"

#: Header (folded) of year-specific result columns emptied in the new plan.
_RESULT_HEADER = re.compile(r"\brisultat|\bconsuntiv|\braggiunt|\bnote\b.*\bmonitoraggio\b")
#: Header (folded) of a target column for a given year: ``Target 2026``, ``Valore atteso 2026``.
_TARGET_HEADER = r"^(?:target|valore atteso|risultato atteso)(?: anno)? {year}$"
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d")
#: Columns whose text is checked for the old year, row by row (operational level).
_ROW_TEXT_COLUMNS = (C.OPERATIVO, C.INDICATORE, C.TARGET)


class RolloverRefused(AlberoError):
    """The rollover cannot start (year not after the plan's, unusable period option)."""


@dataclass(frozen=True)
class Rollover:
    """The result of ``roll_over``.

    Attributes:
        old_year, year: the plan year rolled from and to.
        tree: the new tree (``Anno`` = ``year``), sector registry unchanged.
        history: the old tree's rows, unchanged (for the frozen ``Storico`` sheet).
        passage: one row per old area, strategic, multi-year and operational objective
            (``PASSAGE_COLUMNS``) with its fate.
        counts: figures for the summary (see ``COUNT_LABELS``).
        review: findings (``avviso``) on the new tree: old-year text, expired periods.
        created: date stamped in the workbook properties (deterministic).
    """

    old_year: int
    year: int
    tree: Tree
    history: pd.DataFrame
    passage: pd.DataFrame
    counts: dict[str, int]
    review: pd.DataFrame
    created: date


#: Italian labels of ``Rollover.counts`` (summary and passage sheet), in display order.
COUNT_LABELS: dict[str, str] = {
    "aree": "Aree strategiche mantenute",
    "strategici": "Obiettivi strategici mantenuti",
    "pluriennali": "Obiettivi pluriennali mantenuti",
    "pluriennali_da_rivedere": "di cui da rivedere",
    "periodi_estesi": "Periodi pluriennali estesi",
    "operativi": "Obiettivi operativi del piano precedente",
    "riportati": "Obiettivi operativi riportati",
    "proposte": "di cui proposte da confermare",
    "archiviati": "Obiettivi operativi archiviati",
    "segnaposto": "Righe segnaposto per pluriennali senza operativi",
    "da_rivedere": "Obiettivi da rivedere (tutti i livelli)",
}


def passage_sheet_name(old: int, new: int) -> str:
    """``Passaggio 2025→2026``."""
    return f"Passaggio {old}\u2192{new}"


def history_sheet_name(old: int) -> str:
    """``Storico 2025``."""
    return f"Storico {old}"


# --- checks ------------------------------------------------------------------------------
def plan_year(tree: Tree) -> int:
    """The single plan year of the tree; ``InputFileError`` when it has none or several."""
    years = tree.years
    if not years:
        raise InputFileError(
            "L'albero non indica l'anno del piano: compilare la colonna «Anno» "
            "(es. 2025) prima di preparare il nuovo ciclo."
        )
    if len(years) > 1:
        elenco = ", ".join(str(y) for y in years)
        raise InputFileError(
            f"L'albero contiene obiettivi di più anni ({elenco}): il nuovo ciclo parte da un "
            "piano di un solo anno. Correggere la colonna «Anno»."
        )
    return years[0]


#: The last year Excel dates can hold (31/12/9999).
MAX_YEAR = 9999


def check_target_year(old_year: int, year: int) -> None:
    """Refuse a new-plan year that is not after the plan's or that no date can hold."""
    if not isinstance(year, int) or isinstance(year, bool) or year > MAX_YEAR:
        raise RolloverRefused(
            f"L'anno del nuovo piano ({year}) non è valido: deve essere un anno a quattro "
            f"cifre, al più {MAX_YEAR}, l'ultimo anno delle date di Excel (per esempio {min(old_year + 1, MAX_YEAR)}).")
    if year <= old_year:
        raise RolloverRefused(
            f"L'anno del nuovo piano ({year}) deve essere successivo a quello dell'albero "
            f"({old_year}): indicare come anno del nuovo piano ad esempio {old_year + 1}.",
            option="anno")


def check_extension(text: str, year: int) -> tuple[int, int]:
    """Parse the extension period (``estendi_periodo``); it must be a period containing the new year."""
    period = parse_period(text)
    if period is None:
        raise RolloverRefused(
            f"Il periodo «{text}» non è valido: scriverlo come 2026-2028 (anno iniziale e "
            "anno finale).", option="estendi_periodo")
    if not period[0] <= year <= period[1]:
        raise RolloverRefused(
            f"Il periodo «{text}» non comprende l'anno del nuovo piano ({year}): "
            f"indicare un periodo come {year}-{year + 2}.", option="estendi_periodo")
    return period


# --- helpers -----------------------------------------------------------------------------
def _text(data: pd.DataFrame, column: str, *, collapse: bool = False) -> np.ndarray:
    """A column as an object array of stripped strings ("" for blank/missing);
    ``collapse`` also turns inner runs of white space into one space (group keys)."""
    if column not in data:
        return np.full(len(data), "", dtype=object)
    ser = data[column]
    vals = ser.astype(object).where(ser.notna(), "").to_numpy(dtype=object)
    if collapse:
        uniq = {v: " ".join(str(v).split()) for v in pd.unique(vals)}
    else:
        uniq = {v: str(v).strip() for v in pd.unique(vals)}
    return np.array([uniq[v] for v in vals], dtype=object)


def _prefix(code: str, parts: int) -> str:
    """``1.2.3.4`` -> ``1.2`` for ``parts=2``; ``""`` when the code is too short."""
    bits = [b for b in str(code).strip().split(".") if b]
    return ".".join(bits[:parts]) if len(bits) >= parts else ""


def _next_code(group_codes: list[str]) -> str | None:
    """A fresh operational code in a multi-year group: ``a.s.p.(highest + 1)``."""
    base, highest = "", 0
    for c in group_codes:
        bits = str(c).strip().split(".")
        if len(bits) >= 3 and all(b.isdigit() for b in bits):
            base = base or ".".join(bits[:3])
            if len(bits) == 4 and ".".join(bits[:3]) == base:
                highest = max(highest, int(bits[3]))
    return f"{base}.{highest + 1}" if base else None


def _is_closed(status: str) -> bool:
    f = C.fold(status)
    return f.startswith("conclus") or f.startswith("annullat")


def _first_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids (order of first appearance) and the first row of each group."""
    ids, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    first = np.full(len(uniques), -1, dtype=np.int64)
    # reversed assignment leaves the smallest index per group
    rev = np.arange(len(ids))[::-1]
    first[ids[rev]] = rev
    return ids, first


def _stale_map(values: np.ndarray, old_year: int) -> dict[str, str]:
    """text -> reason, for the distinct texts that name the old year."""
    out: dict[str, str] = {}
    for v in pd.unique(values):
        if v and _ANY_YEAR.search(v):
            reason = stale_year_reason(v, old_year)
            if reason:
                out[v] = reason
    return out


def _target_column(columns: list[str], year: int) -> str | None:
    pattern = re.compile(_TARGET_HEADER.format(year=year))
    for c in columns:
        if c != C.TARGET and pattern.match(C.fold(c)):
            return c
    return None


def result_columns(columns: list[str]) -> list[str]:
    """Unknown columns holding year-specific results (emptied by the rollover), the
    monitoring rounds collected by ``raccogli`` (``Avanzamento % 30/06`` ...) included."""
    rounds = {C.round_column(f, r) for f in C.ROUND_FIELDS for r in C.ROUNDS}
    return [c for c in columns if c not in C.KNOWN_COLUMNS
            and (c in rounds or _RESULT_HEADER.search(C.fold(c)))]


# --- the rollover ------------------------------------------------------------------------
def roll_over(tree: Tree, year: int, *, extend_period: str | None = None,
              today: date | None = None) -> Rollover:
    """Roll ``tree`` over to ``year`` (see the module docstring). Pure; raises
    ``InputFileError`` (no year / mixed years) or ``RolloverRefused`` (bad year or period)."""
    old_year = plan_year(tree)
    check_target_year(old_year, year)
    new_period = check_extension(extend_period, year) if extend_period else None

    data = tree.data.reset_index(drop=True)
    n = len(data)
    cols = [str(c) for c in data.columns]
    area = _text(data, C.AREA, collapse=True)
    strat = _text(data, C.STRATEGICO, collapse=True)
    plur = _text(data, C.PLURIENNALE, collapse=True)
    oper = _text(data, C.OPERATIVO)
    codes = _text(data, C.CODICE)
    periods = _text(data, C.PERIODO)
    src_rows = np.asarray(tree.rows if len(tree.rows) == n else range(2, n + 2), dtype=np.int64)

    # -- operational fate ---------------------------------------------------------------
    is_op = oper != ""
    has_status = C.STATO in data
    if has_status:
        status = _text(data, C.STATO)
        closed_map = {s: _is_closed(s) for s in pd.unique(status)}
        closed = np.fromiter((closed_map[s] for s in status), dtype=bool, count=n)
    else:
        status = np.full(n, "", dtype=object)
        closed = np.zeros(n, dtype=bool)
    archived = is_op & closed
    carried = is_op & ~closed

    # -- groups -----------------------------------------------------------------------
    sep = "\x1f"
    key_a = area
    key_s = area + sep + strat
    key_p = key_s + sep + plur
    a_ids, a_first = _first_rows(key_a)
    s_ids, s_first = _first_rows(key_s)
    p_ids, p_first = _first_rows(key_p)
    n_groups = len(p_first)
    p_has_carried = np.bincount(p_ids[carried], minlength=n_groups) > 0
    # placeholder: first row of every multi-year objective left without carried rows
    placeholder = np.zeros(n, dtype=bool)
    placeholder[p_first[~p_has_carried]] = True
    keep = carried | placeholder

    # -- periods ----------------------------------------------------------------------
    period_map = {p: parse_period(p) for p in pd.unique(periods)}
    expired_map = {p: (v is not None and v[1] < year) for p, v in period_map.items()}
    row_expired = np.fromiter((expired_map[p] for p in periods), dtype=bool, count=n)
    p_expired = np.zeros(n_groups, dtype=bool)
    p_expired[p_ids[row_expired]] = True

    # -- the new rows -----------------------------------------------------------------
    out = data.loc[keep].copy()
    kept_idx = np.flatnonzero(keep)
    ph_out = placeholder[kept_idx]
    target_src = _target_column(cols, year)
    emptied = result_columns(cols)
    new_cols = [c for c in cols if c != target_src or C.TARGET not in cols]
    if target_src is not None:
        if C.TARGET in cols:
            out[C.TARGET] = out[target_src]
            out = out.drop(columns=[target_src])
        else:
            out = out.rename(columns={target_src: C.TARGET})
            new_cols = [C.TARGET if c == target_src else c for c in new_cols]
    # placeholders: only the tree levels above the operational objective stay
    if ph_out.any():
        keep_cols = {C.AREA, C.STRATEGICO, C.PLURIENNALE, C.PERIODO}
        ph_labels = out.index[ph_out]
        for c in out.columns:
            if c not in keep_cols:
                out[c] = out[c].astype(object)
                out.loc[ph_labels, c] = None
    out[C.ANNO] = year
    old_codes = codes[kept_idx]
    if C.CODICE in out:
        new_code = np.where(old_codes == "", None, old_codes).astype(object)  # type: ignore[call-overload]
        ph_groups = p_ids[kept_idx[ph_out]]
        in_ph = np.flatnonzero(np.isin(p_ids, ph_groups))
        by_group: dict[int, list[str]] = {}
        for r in in_ph:
            by_group.setdefault(int(p_ids[r]), []).append(codes[r])
        new_code[ph_out] = [_next_code(by_group[int(g)]) for g in ph_groups]
        out[C.CODICE] = pd.array(new_code, dtype=object)
    origin = np.where(ph_out | (old_codes == ""), None, old_codes).astype(object)  # type: ignore[call-overload]
    out[C.CODICE_ORIGINE] = pd.array(origin, dtype=object)
    if C.CODICE_ORIGINE not in new_cols:
        at = new_cols.index(C.CODICE) + 1 if C.CODICE in new_cols else 0
        new_cols.insert(at, C.CODICE_ORIGINE)
    if has_status:
        out[C.STATO] = pd.array(np.where(ph_out, None, STATO_NUOVO),  # type: ignore[call-overload]
                                dtype=object)
    for c in (C.AVANZAMENTO, *emptied):
        if c in out:
            out[c] = pd.array([None] * len(out), dtype=object)
    extended_rows = row_expired[kept_idx] if new_period is not None else np.zeros(0, bool)
    if new_period is not None and extended_rows.any():
        vals = out[C.PERIODO].astype(object).to_numpy(copy=True)
        vals[extended_rows] = format_period(new_period)
        out[C.PERIODO] = pd.array(vals, dtype=object)
    out = out[new_cols].reset_index(drop=True)
    new_tree = replace(tree.with_data(out), sheet=C.SHEET_TREE, source_sheets=(),
                       sectors=tree.sectors.copy())

    # -- review: old-year text --------------------------------------------------------
    new_pos = np.full(n, -1, dtype=np.int64)
    new_pos[kept_idx] = np.arange(len(kept_idx))
    review_parts: list[pd.DataFrame] = []
    level_reason: dict[str, np.ndarray] = {}
    for col, vals, ids, first in ((C.AREA, area, a_ids, a_first),
                                  (C.STRATEGICO, strat, s_ids, s_first),
                                  (C.PLURIENNALE, plur, p_ids, p_first)):
        stale = _stale_map(vals[first], old_year)
        reasons = np.array([stale.get(v, "") for v in vals[first]], dtype=object)
        level_reason[col] = reasons
        flagged = np.flatnonzero(reasons != "")
        if len(flagged):
            # the first row of the group in the new tree
            pos = _group_first_new_row(ids, new_pos, len(first))[flagged]
            review_parts.append(_findings(new_tree, pos, col, reasons[flagged], vals[first][flagged],
                                          CODE_OLD_YEAR, year))
    row_reason = np.full(n, "", dtype=object)
    for col in _ROW_TEXT_COLUMNS:
        if col not in new_tree.data:
            continue
        vals = _text(new_tree.data, col)
        stale = _stale_map(vals, old_year)
        if not stale:
            continue
        reasons = np.array([stale.get(v, "") for v in vals], dtype=object)
        reasons[ph_out] = ""
        flagged = np.flatnonzero(reasons != "")
        if len(flagged):
            review_parts.append(_findings(new_tree, flagged, col, reasons[flagged], vals[flagged],
                                          CODE_OLD_YEAR, year))
            src = kept_idx[flagged]
            row_reason[src] = np.where(row_reason[src] == "", reasons[flagged],
                                       row_reason[src] + "; " + reasons[flagged])
    # -- review: expired periods --------------------------------------------------------
    expired_groups = np.flatnonzero(p_expired)
    p_note = np.full(n_groups, "", dtype=object)
    p_flag = level_reason[C.PLURIENNALE] != ""
    if len(expired_groups):
        firsts = p_first[expired_groups]
        if new_period is None:
            p_note[expired_groups] = [
                f"periodo {periods[r]} concluso prima del {year}: confermare l'obiettivo "
                "ed estenderne il periodo" for r in firsts]
            p_flag[expired_groups] = True
            pos = _group_first_new_row(p_ids, new_pos, n_groups)[expired_groups]
            msgs = p_note[expired_groups]
            review_parts.append(_findings(new_tree, pos, C.PERIODO, msgs, periods[firsts],
                                          CODE_EXPIRED, year))
        else:
            p_note[expired_groups] = [
                f"periodo esteso da {periods[r]} a {format_period(new_period)}" for r in firsts]
    if ph_out.any():
        ph_pos = np.flatnonzero(ph_out)
        texts = _text(new_tree.data, C.PLURIENNALE)[ph_pos]
        review_parts.append(_findings(new_tree, ph_pos, C.OPERATIVO, texts, texts,
                                      CODE_PLACEHOLDER, year))
    if not has_status and carried.any():
        review_parts.append(F.to_frame([F.Finding(
            foglio=C.SHEET_TREE, riga=None, colonna=C.STATO, cella="", gravita=F.AVVISO,
            codice=CODE_NO_STATUS,
            messaggio=(f"Il piano {old_year} non ha la colonna «Stato»: tutti i "
                       f"{int(carried.sum())} obiettivi operativi sono riportati come proposte "
                       "da confermare."),
            suggerimento="Eliminare dal nuovo albero gli obiettivi conclusi o annullati.",
        )]))
    review = F.concat(review_parts)

    # -- passage ------------------------------------------------------------------------
    passage = _passage(
        area=area, strat=strat, plur=plur, oper=oper, codes=codes, status=status,
        src_rows=src_rows, a_first=a_first, s_first=s_first, p_first=p_first,
        level_reason=level_reason, p_note=p_note, p_flag=p_flag, is_op=is_op,
        carried=carried, has_status=has_status, row_reason=row_reason,
    )
    flagged_items = int((passage["Da rivedere"] == SI).sum())
    counts = {
        "aree": len(a_first),
        "strategici": len(s_first),
        "pluriennali": int(n_groups),
        "pluriennali_da_rivedere": int(p_flag.sum()),
        "periodi_estesi": int(len(expired_groups)) if new_period is not None else 0,
        "operativi": int(is_op.sum()),
        "riportati": int(carried.sum()),
        "proposte": 0 if has_status else int(carried.sum()),
        "archiviati": int(archived.sum()),
        "segnaposto": int(ph_out.sum()),
        "da_rivedere": flagged_items,
    }
    created = today or date(year, 1, 1)
    return Rollover(old_year=old_year, year=year, tree=new_tree, history=tree.data.copy(),
                    passage=passage, counts=counts, review=review, created=created)


def _group_first_new_row(ids: np.ndarray, new_pos: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group, the first row it has in the new tree (-1 when none)."""
    out = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    kept = new_pos >= 0
    np.minimum.at(out, ids[kept], new_pos[kept])
    out[out == np.iinfo(np.int64).max] = -1
    return out


def _findings(tree: Tree, pos: np.ndarray, column: str, reasons: np.ndarray, texts: np.ndarray,
              code: str, year: int) -> pd.DataFrame:
    letter = tree.letters.get(column, "")
    rows = np.asarray(tree.rows, dtype=np.int64)[pos]
    short = [t if len(t) <= 120 else t[:117] + "..." for t in texts]
    if code == CODE_PLACEHOLDER:
        hint = (f"Scrivere nella riga il nuovo obiettivo operativo {year} e il settore "
                "responsabile, oppure eliminare la riga se l'obiettivo pluriennale si chiude.")
        msgs = [f"L'obiettivo pluriennale «{t}» non ha obiettivi operativi riportati: la riga "
                "va completata." for t in short]
    elif code == CODE_EXPIRED:
        hint = (f"Aggiornare il periodo (es. {year}-{year + 2}) o usare l'opzione "
                "«estendi periodo».")
        msgs = [f"Obiettivo pluriennale con {r}." for r in reasons]
    else:
        hint = f"Verificare il testo e aggiornarlo per il {year} se serve."
        msgs = [f"«{t}»: {r}." for t, r in zip(short, reasons, strict=True)]
    return pd.DataFrame({
        "foglio": C.SHEET_TREE,
        "riga": rows.astype(object),
        "colonna": column,
        "cella": [f"{letter}{r}" if letter else "" for r in rows],
        "gravita": F.AVVISO,
        "codice": code,
        "messaggio": msgs,
        "suggerimento": hint,
    }, columns=list(F.FINDING_FIELDS))


def _passage(*, area, strat, plur, oper, codes, status, src_rows, a_first, s_first, p_first,
             level_reason, p_note, p_flag, is_op, carried, has_status,
             row_reason) -> pd.DataFrame:
    parts = []
    for level, vals, first, parts_n in ((C.AREA, area, a_first, 1),
                                        (C.STRATEGICO, strat, s_first, 2)):
        reasons = level_reason[level]
        code = [_prefix(c, parts_n) for c in codes[first]]
        parts.append(pd.DataFrame({
            "Livello": level, "Codice": code, "Testo": vals[first], "Riga": src_rows[first],
            "Esito": np.where(reasons != "", DA_RIVEDERE, MANTENUTO),
            "Da rivedere": np.where(reasons != "", SI, ""), "Motivo": reasons,
            "Nuovo codice": code,
        }))
    code = [_prefix(c, 3) for c in codes[p_first]]
    text_reason = level_reason[C.PLURIENNALE]
    motivo = [("; ".join(x for x in (a, b) if x)) for a, b in zip(text_reason, p_note, strict=True)]
    parts.append(pd.DataFrame({
        "Livello": C.PLURIENNALE, "Codice": code, "Testo": plur[p_first],
        "Riga": src_rows[p_first], "Esito": np.where(p_flag, DA_RIVEDERE, MANTENUTO),
        "Da rivedere": np.where(p_flag, SI, ""), "Motivo": motivo, "Nuovo codice": code,
    }))
    ops = np.flatnonzero(is_op)
    if has_status:
        base = np.array([f"stato «{s}»" if s else "stato non indicato" for s in status[ops]],
                        dtype=object)
    else:
        base = np.full(len(ops), "proposta da confermare (il piano non ha la colonna Stato)",
                       dtype=object)
    extra = row_reason[ops]
    motivo_ops = np.where(extra == "", base, base + "; " + extra)
    parts.append(pd.DataFrame({
        "Livello": C.OPERATIVO, "Codice": codes[ops], "Testo": oper[ops], "Riga": src_rows[ops],
        "Esito": np.where(carried[ops], RIPORTATO, ARCHIVIATO),
        "Da rivedere": np.where(extra != "", SI, ""), "Motivo": motivo_ops,
        "Nuovo codice": np.where(carried[ops], codes[ops], ""),
    }))
    out = pd.concat(parts, ignore_index=True)[list(PASSAGE_COLUMNS)]
    out["Riga"] = out["Riga"].astype("int64")
    for c in PASSAGE_COLUMNS:
        if c != "Riga":
            out[c] = out[c].astype(object)
    return out
