"""The project's custom checks, registered as pandera extensions.

Each check's name is the finding code in lower case (``settore_sconosciuto`` ->
``SETTORE_SCONOSCIUTO``); its parameters come from the schema file, so a rule can be
tuned in ``schemas/albero.yaml`` without touching code. All checks are vectorized: they
receive a column (or the whole frame) and return a boolean Series (True = fine).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero.codes import CODE_RE
from xl_albero.model import split_sectors
from xl_albero.periods import parse_period
from xl_albero.validation.context import active, current
from xl_albero.validation.pandera_import import ext

#: Excel error values, in English (as stored in the file) and as Italian Excel shows them.
EXCEL_ERRORS = frozenset({
    "#REF!", "#RIF!", "#N/A", "#N/D", "#VALUE!", "#VALORE!", "#DIV/0!", "#NAME?", "#NOME?",
    "#NUM!", "#NULL!", "#NULLO!", "#SPILL!", "#ESPANSIONE!", "#CALC!", "#GETTING_DATA",
    "#ERRORE",
})
_ERROR_SPELLINGS = sorted(EXCEL_ERRORS | {e.lower() for e in EXCEL_ERRORS}
                          | {e.capitalize() for e in EXCEL_ERRORS})
_ERROR_SET = frozenset(_ERROR_SPELLINGS)
_TOKENS = frozenset({C.TUTTI, C.INTERESSATI})
#: Values per joined string in the checks that join a column (``text_keys``,
#: ``_may_hold_hash``): the copies of the joined text stay a few MB on any tree.
_KEYS_CHUNK = 1 << 16


def distinct_values(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column (codes, distinct values; -1 for blanks), computed once
    per validation for each column (several cell checks look at the same column)."""
    ctx = active()
    if ctx is None:
        return pd.factorize(s.to_numpy(dtype=object))
    key = ("distinct", str(s.name), len(s))
    if key not in ctx.memo:
        ctx.memo[key] = pd.factorize(s.to_numpy(dtype=object))
    return ctx.memo[key]


def by_value(s: pd.Series, ok: Callable[[object], bool], blank: bool = True) -> pd.Series:
    """Apply ``ok`` once per distinct value (not per row); blanks (None/NaN) get ``blank``."""
    codes, uniques = distinct_values(s)
    per_value = np.fromiter((bool(ok(u)) for u in uniques), dtype=bool, count=len(uniques))
    if not len(per_value):
        return pd.Series(blank, index=s.index)
    return pd.Series(np.where(codes >= 0, per_value[np.maximum(codes, 0)], blank),
                     index=s.index)


def _blank(s: pd.Series) -> pd.Series:
    return by_value(s, lambda v: isinstance(v, str) and not v.strip(), blank=True)


def _register(**kw):
    def deco(fn):
        # re-importing a module must not register twice (pandera raises on duplicates)
        from pandera.api.checks import Check

        if hasattr(Check, fn.__name__):
            return fn
        return ext.register_check_method(check_type="vectorized", **kw)(fn)
    return deco


# --- cell checks ----------------------------------------------------------------------
@_register()
def errore_excel(s: pd.Series) -> pd.Series:
    """No Excel error value (#RIF!, #N/D...) in the cell."""
    if not _may_hold_hash(s):  # the common case: no text has a "#" at all
        return pd.Series(True, index=s.index)
    return by_value(s, lambda v: v not in _ERROR_SET, blank=True)


def _may_hold_hash(s: pd.Series) -> bool:
    """False when no text of the column contains ``#`` (every Excel error value does):
    one C-speed join and search instead of hashing every value."""
    values = s.to_numpy(dtype=object)
    try:  # a chunk at a time: the joined text stays a few MB
        return any("#" in "\x00".join(filter(None, values[start:start + _KEYS_CHUNK]))
                   for start in range(0, len(values), _KEYS_CHUNK))
    except TypeError:  # numbers (or other values) among the texts: the exact check
        return True


@_register()
def formula(s: pd.Series) -> pd.Series:
    """No formula where text is expected."""
    rows = current().formulas.get(str(s.name), frozenset())
    if not rows:
        return pd.Series(True, index=s.index)
    return ~pd.Series(s.index.isin(list(rows)), index=s.index)


@_register()
def settore_sconosciuto(s: pd.Series) -> pd.Series:
    """The responsible sector is in the registry."""
    known = current().sectors
    return s.isna() | s.isin(known)


@_register()
def settori_coinvolti_sconosciuti(s: pd.Series) -> pd.Series:
    """Every involved sector is in the registry (``TUTTI`` and ``DIRIGENTI INTERESSATI`` ok)."""
    known = current().sectors | _TOKENS
    return by_value(s, lambda v: all(n in known for n in split_sectors(v)))


@_register(statistics=["formato"])
def codice_non_valido(s: pd.Series, *, formato: str) -> pd.Series:
    rx = re.compile(formato)
    if formato.startswith("^") and formato.endswith("$") and _all_lines_match(s, formato):
        return pd.Series(True, index=s.index)  # the common case, in one regex pass
    return by_value(s, lambda v: isinstance(v, str) and bool(rx.match(v)))


def _all_lines_match(s: pd.Series, anchored: str) -> bool:
    """True when every non-blank value is a text matching ``^...$`` (checked with one
    multi-line search over the joined values instead of one match per value)."""
    values = distinct_values(s)[1]  # blanks left out; shared with the other code checks
    if not all(type(v) is str and "\n" not in v and "\r" not in v for v in values):
        return False
    rx = re.compile(anchored, re.MULTILINE)
    return len(rx.findall("\n".join(values))) == len(values)


@_register(statistics=["minimo", "massimo"])
def anno_non_valido(s: pd.Series, *, minimo: int, massimo: int) -> pd.Series:
    v = pd.to_numeric(s, errors="coerce")
    ok = v.notna() & (v == v.round()) & v.between(minimo, massimo)
    return s.isna() | ok


@_register()
def periodo_non_valido(s: pd.Series) -> pd.Series:
    return by_value(s, lambda v: parse_period(v) is not None)


def _in_range(s: pd.Series, minimo: float, massimo: float) -> pd.Series:
    v = pd.to_numeric(s, errors="coerce")
    return _blank(s) | (v.notna() & v.between(minimo, massimo))


@_register(statistics=["minimo", "massimo"])
def peso_fuori_intervallo(s: pd.Series, *, minimo: float, massimo: float) -> pd.Series:
    return _in_range(s, minimo, massimo)


@_register(statistics=["minimo", "massimo"])
def avanzamento_fuori_intervallo(s: pd.Series, *, minimo: float, massimo: float) -> pd.Series:
    return _in_range(s, minimo, massimo)


@_register(statistics=["valori"])
def stato_non_valido(s: pd.Series, *, valori: list[str]) -> pd.Series:
    allowed = {C.fold(v) for v in valori}
    bad = [v for v in pd.unique(s.dropna()) if C.fold(v) and C.fold(v) not in allowed]
    return ~s.isin(bad)


# --- table checks ---------------------------------------------------------------------
def group_ids(df: pd.DataFrame, col: str) -> np.ndarray:
    """Integer id per row of a text column, equal for texts that differ only in case,
    accents or spacing; -1 for blanks. Keys are computed once per distinct value, and once
    per validation for each column (several table checks share them)."""
    ctx = active()
    if ctx is None:
        return _group_ids(df, col)
    memo = ctx.memo
    key = ("group_ids", col, len(df))  # one frame per validation (pandera may copy it)
    if key in memo:
        return memo[key]
    memo[key] = ids = _group_ids(df, col)
    return ids


def _group_ids(df: pd.DataFrame, col: str) -> np.ndarray:
    codes, uniques = distinct_values(df[col])  # shared with the cell checks
    if not len(uniques):
        return codes
    keys = np.array(text_keys(uniques), dtype=object)
    key_codes, _ = pd.factorize(keys)
    return np.where(codes >= 0, key_codes[np.maximum(codes, 0)], -1)


_SEP = "\x00"  # cannot occur in cell text (XML 1.0 forbids it)
_WS_RUN = re.compile(r"\s{2,}|[^\S ]")  # runs and non-space blanks: few matches
_ASCII_BLANKS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def text_keys(values) -> list[str]:
    """``text_key`` of many values at once: a few C-speed passes over one joined string
    instead of one Python call per value (100,000 objective titles: ~5x faster), a
    chunk of values at a time so that the copies of the joined text stay small."""
    if len(values) > _KEYS_CHUNK:
        return [key for start in range(0, len(values), _KEYS_CHUNK)
                for key in _text_keys(values[start:start + _KEYS_CHUNK])]
    return _text_keys(values)


def _text_keys(values) -> list[str]:
    if not len(values):
        return []
    big = _SEP.join(v if type(v) is str else str(v) for v in values)
    if not big.isascii():
        big = _ascii_fold(big)
    big = big.lower()  # ASCII from here on
    if "  " in big or any(ch in big for ch in _ASCII_BLANKS):  # rare: skip the regex pass
        big = _WS_RUN.sub(" ", big)
    big = big.strip(" ")
    big = big.replace(" " + _SEP, _SEP).replace(_SEP + " ", _SEP)
    return big.split(_SEP)


def _nfkd_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


#: Latin-1 byte -> its NFKD decomposition with the non-ASCII parts dropped, for the
#: bytes that fold to at most one ASCII character (``à`` -> ``a``, ``µ`` -> nothing).
_LATIN1_ONE = {b: _nfkd_ascii(chr(b)) for b in range(256) if len(_nfkd_ascii(chr(b))) <= 1}
_LATIN1_TABLE = bytes((ord(_LATIN1_ONE[b]) if _LATIN1_ONE.get(b) else b) for b in range(256))
_LATIN1_DROP = bytes(b for b in range(256) if _LATIN1_ONE.get(b) == "")
#: Latin-1 characters that fold to several characters (``½`` -> ``12``): the slow path.
_LATIN1_MANY = "".join(chr(b) for b in range(256) if b not in _LATIN1_ONE)


def _ascii_fold(text: str) -> str:
    """``_nfkd_ascii``, by byte translation when the text is Latin-1 (Italian text: no
    combining marks, so each character folds on its own), else by NFKD."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return _nfkd_ascii(text)
    if any(ch in text for ch in _LATIN1_MANY):
        return _nfkd_ascii(text)
    return raw.translate(_LATIN1_TABLE, _LATIN1_DROP).decode("ascii")


def text_key(v: object) -> str:
    s = str(v)
    if not s.isascii():
        s = _nfkd_ascii(s)
    return " ".join(s.lower().split())


@_register()
def obiettivo_duplicato(df: pd.DataFrame) -> pd.Series:
    """The same operational objective (same text, case and accents aside) only once."""
    if C.OPERATIVO not in df:
        return pd.Series(True, index=df.index)
    values = df[C.OPERATIVO].to_numpy(dtype=object)
    keys = text_keys(values[pd.notna(values)])
    if len(set(keys)) == len(keys):  # the common case: every objective once
        return pd.Series(True, index=df.index)
    ids = pd.Series(group_ids(df, C.OPERATIVO), index=df.index)
    return (ids < 0) | ~ids.duplicated(keep=False)


@_register()
def strategico_in_piu_aree(df: pd.DataFrame) -> pd.Series:
    """A strategic objective belongs to one area only."""
    if C.STRATEGICO not in df or C.AREA not in df:
        return pd.Series(True, index=df.index)
    pairs = pd.DataFrame({"s": group_ids(df, C.STRATEGICO), "a": group_ids(df, C.AREA)},
                         index=df.index)
    pairs = pairs[(pairs.s >= 0) & (pairs.a >= 0)]
    n_areas = pairs.drop_duplicates().groupby("s")["a"].nunique()
    bad = n_areas.index[n_areas > 1]
    return ~pd.Series(pairs.s.reindex(df.index).isin(bad).to_numpy(), index=df.index)


@_register()
def codice_duplicato(df: pd.DataFrame) -> pd.Series:
    if C.CODICE not in df:
        return pd.Series(True, index=df.index)
    codes, uniques = distinct_values(df[C.CODICE])  # the factorization other checks share
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    return pd.Series((codes < 0) | (counts[np.maximum(codes, 0)] == 1), index=df.index)


@_register()
def codice_incoerente(df: pd.DataFrame) -> pd.Series:
    """Codes agree with the hierarchy: one prefix per area / strategic / multi-year objective
    and one parent text per prefix."""
    if C.CODICE not in df:
        return pd.Series(True, index=df.index)
    row_code, uniq = distinct_values(df[C.CODICE])
    uniq_ok = np.fromiter((type(u) is str and CODE_RE.match(u) is not None for u in uniq),
                          dtype=bool, count=len(uniq))
    valid = (row_code >= 0) & uniq_ok[np.maximum(row_code, 0)] if len(uniq) else (
        np.zeros(len(df), dtype=bool))
    ok = np.ones(len(df), dtype=bool)
    if not valid.any():
        return pd.Series(ok, index=df.index)
    # prefixes of each distinct code, 1.2.3.4 -> 1.2.3 -> 1.2 -> 1, as dense ids per level
    p3_text = [u.rpartition(".")[0] if good else None
               for u, good in zip(uniq, uniq_ok, strict=True)]
    ids3, names3 = pd.factorize(np.array(p3_text, dtype=object))
    ids2_of3, names2 = pd.factorize(np.array([t.rpartition(".")[0] for t in names3],
                                             dtype=object))
    ids1_of2, _ = pd.factorize(np.array([t.rpartition(".")[0] for t in names2], dtype=object))
    p3 = ids3[np.maximum(row_code, 0)]
    p2 = ids2_of3[np.maximum(p3, 0)]
    p1 = ids1_of2[np.maximum(p2, 0)]
    n = len(df)
    for pre, cols in ((p1, [C.AREA]), (p2, [C.AREA, C.STRATEGICO]),
                      (p3, [C.AREA, C.STRATEGICO, C.PLURIENNALE])):
        if any(col not in df for col in cols):
            continue
        combined = group_ids(df, cols[0]).astype(np.int64)
        for col in cols[1:]:
            combined = combined * (n + 1) + group_ids(df, col)
        text = pd.factorize(combined)[0]
        pv, tv = pre[valid].astype(np.int64), text[valid].astype(np.int64)
        pairs = np.unique(pv * (n + 1) + tv)
        bad_text = np.bincount(pairs % (n + 1), minlength=n + 1) > 1
        bad_pre = np.bincount(pairs // (n + 1), minlength=n + 1) > 1
        bad = valid & (bad_text[text] | bad_pre[pre])
        ok &= ~bad
    return pd.Series(ok, index=df.index)


@_register()
def periodo_non_copre_anno(df: pd.DataFrame) -> pd.Series:
    """The multi-year period includes the plan year of the row."""
    if C.PERIODO not in df or C.ANNO not in df:
        return pd.Series(True, index=df.index)
    years = pd.to_numeric(df[C.ANNO], errors="coerce").to_numpy(dtype=float)
    codes, uniques = pd.factorize(df[C.PERIODO].to_numpy(dtype=object))
    bounds = np.array([parse_period(u) or (np.nan, np.nan) for u in uniques],
                      dtype=float).reshape(-1, 2)
    start = np.where(codes >= 0, bounds[np.maximum(codes, 0), 0], np.nan) if len(bounds) \
        else np.full(len(df), np.nan)
    end = np.where(codes >= 0, bounds[np.maximum(codes, 0), 1], np.nan) if len(bounds) \
        else np.full(len(df), np.nan)
    # blanks, unparseable periods and years are reported by other checks
    unknown = np.isnan(start) | np.isnan(years)
    with np.errstate(invalid="ignore"):
        ok = unknown | ((start <= years) & (years <= end))
    return pd.Series(ok, index=df.index)


@_register()
def anni_diversi(df: pd.DataFrame) -> pd.Series:
    """One plan year per tree: rows whose year differs from the most common are reported."""
    if C.ANNO not in df:
        return pd.Series(True, index=df.index)
    y = pd.to_numeric(df[C.ANNO], errors="coerce")
    if y.dropna().nunique() <= 1:
        return pd.Series(True, index=df.index)
    main = y.mode().iloc[0]
    return y.isna() | (y == main)


@_register(statistics=["totale", "tolleranza"])
def pesi_settore(df: pd.DataFrame, *, totale: float, tolleranza: float) -> pd.Series:
    """Weights of each responsible sector's objectives add up to ``totale``."""
    if C.PESO not in df or C.RESPONSABILE not in df:
        return pd.Series(True, index=df.index)
    w = pd.to_numeric(df[C.PESO], errors="coerce")
    if w.isna().all():
        return pd.Series(True, index=df.index)
    sums = w.groupby(df[C.RESPONSABILE]).sum(min_count=1)
    bad = set(sums[(sums - totale).abs() > tolleranza].index)
    return ~df[C.RESPONSABILE].isin(bad)
