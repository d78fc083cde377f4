"""Turn worksheets (RawSheets) into a ``Tree``: find the tree sheet by its headers, read the
canonical layout or the layout typed from the approved PDF (merged upper levels, sector
cells like ``SEGRETARIO GENERALE/ AVVOCATURA COMUNALE``), read the sector registry.

Pure: no file or Excel access. A blank cell outside a merged range stays blank (the
validation reports it); it is never taken as "same as above".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.codes import assign_codes
from xl_albero.errors import InputFileError, SheetTooSparse
from xl_albero.model import Tree, as_percentage, col_letter, join_sectors
from xl_albero.periods import period_in_text, year_in_text
from xl_albero.rawsheet import RawSheet, SheetSource
from xl_albero.sector_registry import derived_registry, parse_sector_cell
from xl_albero.sheet_choice import registry_candidates, registry_named, tree_candidates
from xl_albero.validation.messages import make
from xl_albero.validation.schema import load_messages

HEADER_SCAN_ROWS = 30
#: A header row must name at least this many distinct tree columns, one of them the
#: operational objective or the sector.
MIN_HEADER_MATCHES = 2

_AREA_NUMBER = re.compile(r"^\s*(\d+)\s*[.)]\s*")
_PLURI_PREFIX = re.compile(r"^\s*(obb?iettiv[oi]\s+pluriennal[ei])\s*:?\s*", re.IGNORECASE)
_WS_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class HeaderMatch:
    row: int  # grid row of the header
    columns: dict[int, str]  # grid column -> canonical name (known columns only)

    @property
    def score(self) -> int:
        return len(set(self.columns.values()))


def find_header(raw: RawSheet, registry: bool = False) -> HeaderMatch | None:
    """The most tree-like header row among the first rows of a sheet, if any."""
    best: HeaderMatch | None = None
    for r, row in enumerate(raw.rows[:HEADER_SCAN_ROWS]):
        cols: dict[int, str] = {}
        for c, v in enumerate(row):
            if isinstance(v, str) and v.strip():
                canon = C.match_header(v, registry=registry)
                if canon and canon not in cols.values():
                    cols[c] = canon
        m = HeaderMatch(r, cols)
        if best is None or m.score > best.score:
            best = m
    if best is None:
        return None
    if registry:
        ok = C.SETTORE in best.columns.values() and best.score >= 2
    else:
        names = set(best.columns.values())
        ok = best.score >= MIN_HEADER_MATCHES and bool(names & {C.OPERATIVO, C.RESPONSABILE})
    return best if ok else None


def _fill_merged(grid: list[list[object]], merged, start: int) -> None:
    """Copy each merged range's top-left value into the range's other cells (data rows)."""
    for r0, c0, r1, c1 in merged:
        if r1 < start or r0 >= len(grid):
            continue
        row0 = grid[r0] if r0 < len(grid) else []
        v = row0[c0] if c0 < len(row0) else None
        for r in range(max(r0, start), min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = v


def _headers(raw: RawSheet, hm: HeaderMatch, width: int) -> list[str]:
    """Column titles: canonical names for known columns, the source text for others,
    made valid and unique ignoring case (``columns.unique_column_names``)."""
    return [name for name, _ in _header_names(raw, hm, width)]


def _header_names(raw: RawSheet, hm: HeaderMatch, width: int) -> list[tuple[str, object]]:
    """(column name, source header cell) for each column of the tree table."""
    row = raw.rows[hm.row]
    cells = [row[c] if c < len(row) else None for c in range(width)]
    unknown = [c for c in range(width) if c not in hm.columns]
    names = C.unique_column_names([cells[c] for c in unknown],
                                  fallback=[f"Colonna {col_letter(c)}" for c in unknown],
                                  taken=tuple(hm.columns.values()))
    by_col = dict(zip(unknown, names, strict=True))
    return [(hm.columns[c] if c in hm.columns else by_col[c], cells[c]) for c in range(width)]


def header_findings(raw: RawSheet, hm: HeaderMatch, width: int) -> list[F.Finding]:
    """An ``avviso`` for each unknown column whose name had to change to be a valid,
    unique Excel table column (blank, repeated also ignoring case, line breaks...)."""
    out = []
    row = raw.first_row + hm.row
    for c, (name, cell) in enumerate(_header_names(raw, hm, width)):
        if c in hm.columns:
            continue
        text = "" if cell is None else str(cell)
        if text.strip() == name:
            continue
        before = f"«{text.strip()}»" if text.strip() else "vuota"
        out.append(F.Finding(raw.name, row, name, f"{col_letter(c)}{row}", F.AVVISO,
                             "INTESTAZIONE_RINOMINATA",
                             f"L'intestazione {before!s} della colonna {col_letter(c)} è "
                             f"usata come «{name}» nei file prodotti (i nomi delle colonne di "
                             "una tabella Excel devono essere diversi anche ignorando "
                             "maiuscole e minuscole, non vuoti e su una riga).",
                             "Dare alla colonna un nome proprio, diverso dagli altri."))
    return out


def _present(col: np.ndarray) -> np.ndarray:
    """Non-blank cells of a cleaned column (blanks are None there)."""
    return np.not_equal(col, None)  # type: ignore[call-overload]


def _to_nfc(col: np.ndarray, texts_only: bool) -> np.ndarray:
    """Text typed on a Mac (decomposed accents, NFD: ``A`` + U+0300) in the composed form
    (NFC, ``À``), as Windows and the registry write it, so equal names compare equal.
    One C-speed check over the joined column; cells are touched only when needed."""
    texts = filter(None, col) if texts_only else (v for v in col if isinstance(v, str))
    joined = "\x00".join(texts)
    try:  # Latin-1 text (Italian accents included) is always NFC: a memcpy-speed check
        joined.encode("latin-1")
        return col
    except UnicodeEncodeError:
        pass
    if unicodedata.is_normalized("NFC", joined):
        return col
    for i, v in enumerate(col):
        if isinstance(v, str) and not unicodedata.is_normalized("NFC", v):
            col[i] = unicodedata.normalize("NFC", v)
    return col


def _clean_column(col: np.ndarray, nfc: bool = False) -> np.ndarray:
    """Blank strings become None; whole floats (calamine reads 2025 as 2025.0) become ints;
    text is put in NFC (``_to_nfc``) unless the source proved it is (``nfc``)."""
    kind = pd.api.types.infer_dtype(col, skipna=True)
    out = col.copy()
    out[out == ""] = None
    if kind == "string":
        return out if nfc else _to_nfc(out, texts_only=True)
    if kind in ("empty", "boolean", "datetime", "date"):
        return out
    if kind in ("floating", "integer", "mixed-integer-float"):
        present = ~pd.isna(out)
        nums = out[present].astype(float)
        whole = (nums % 1 == 0) & (np.abs(nums) < 1e15)
        idx = np.flatnonzero(present)[whole]
        ints = np.empty(len(idx), dtype=object)
        ints[:] = nums[whole].astype(np.int64).tolist()
        out[idx] = ints
        return out
    for i, v in enumerate(out):  # mixed text and numbers: rare, small
        if type(v) is float and v.is_integer() and abs(v) < 1e15:
            out[i] = int(v)
    return out if nfc else _to_nfc(out, texts_only=False)


def _table(raw: RawSheet, hm: HeaderMatch) -> tuple[pd.DataFrame, list[int], list[int]]:
    """Data rows under the header as a DataFrame (+ Excel rows, + grid column indexes)."""
    header_bottom = hm.row
    for r0, _c0, r1, _c1 in raw.merged:
        if r0 == hm.row:
            header_bottom = max(header_bottom, r1)
    start = header_bottom + 1
    grid = raw.rows
    if raw.merged:
        grid = [list(r) for r in raw.rows]
        _fill_merged(grid, raw.merged, start)
    data_rows = grid[start:]
    header_row = list(raw.rows[hm.row])
    width = max([len(header_row), *(len(r) for r in data_rows)]) if data_rows else len(
        header_row)
    if any(len(r) != width for r in data_rows):
        data_rows = [list(r) + [None] * (width - len(r)) for r in data_rows]
    grid_arr = np.array(data_rows, dtype=object).reshape(len(data_rows), width)
    columns = [_clean_column(grid_arr[:, j], raw.nfc_text) for j in range(width)]
    # drop trailing columns with neither header nor data
    header_row += [None] * (width - len(header_row))
    while width and header_row[width - 1] in (None, "") and not _present(columns[width - 1]).any():
        width -= 1
    columns = columns[:width]
    keep = np.zeros(len(data_rows), dtype=bool)
    for col in columns:
        keep |= _present(col)
    # a repeated header (each PDF page repeats it) is not data
    keep &= ~_repeated_headers(columns, header_row, hm)
    kept = np.flatnonzero(keep)
    if len(kept) == len(keep):  # every row is data: the cleaned columns as they are
        frame = pd.DataFrame(dict(enumerate(columns)), dtype=object, copy=False)
    else:
        frame = pd.DataFrame({j: col[kept] for j, col in enumerate(columns)}, dtype=object)
    frame.index = kept
    excel_rows = [raw.first_row + start + int(i) for i in frame.index]
    frame.columns = _headers(raw, hm, width)
    return frame.reset_index(drop=True), excel_rows, list(range(width))


def _repeated_headers(columns: list[np.ndarray], header_row: list[object],
                      hm: HeaderMatch) -> np.ndarray:
    """Rows that repeat the header (each PDF page repeats it): at least
    ``max(2, score - 1)`` known columns hold their header's text."""
    n = len(columns[0]) if columns else 0
    known = [c for c in hm.columns if c < len(columns)]
    need = max(2, hm.score - 1)

    def hits(c: int, rows: np.ndarray | slice) -> np.ndarray:
        text = str(header_row[c])
        col = columns[c][rows]
        hit = np.zeros(len(col), dtype=bool)
        for v in {text, text.strip(), text.strip().upper(), text.upper()}:
            hit |= np.equal(col, v)  # elementwise == on object arrays: a C loop
        return hit

    # a row with ``need`` hits has one among any ``len(known) - need + 1`` columns
    maybe = np.zeros(n, dtype=bool)
    for c in known[: max(len(known) - need + 1, 0)]:
        maybe |= hits(c, slice(None))
    out = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(maybe)
    if len(rows):
        count = np.zeros(len(rows), dtype=int)
        for c in known:
            count += hits(c, rows)
        out[rows[count >= need]] = True
    return out


def _stray_space(v: object) -> bool:
    return isinstance(v, str) and (v != v.strip() or "  " in v or "\n" in v or "\t" in v
                                   or "\r" in v or "\u00a0" in v)


def _has_stray_space(values) -> bool:
    """Cheap pre-check over a whole column: C-speed substring searches on one joined string."""
    joined = "\x00".join(map(str, values))
    if not joined:
        return False
    return (joined[:1].isspace() or joined[-1:].isspace() or "  " in joined
            or " \x00" in joined or "\x00 " in joined or "\n" in joined or "\t" in joined
            or "\r" in joined or "\u00a0" in joined)


def normalize_text(df: pd.DataFrame, sheet: str, rows: list[int],
                   letters: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Collapse stray and double spaces in text cells; report each change as an avviso."""
    found = []
    for col in df.columns:
        s = df[col]
        values = s.to_numpy()
        if not _has_stray_space(values):
            continue
        fixes = {v: _WS_RUN.sub(" ", v).strip() for v in set(values) if _stray_space(v)}
        if not fixes:
            continue
        hit = s.isin(list(fixes))
        fixed = s[hit].map(fixes)
        df.loc[fixed.index, col] = fixed.where(fixed != "", None)
        cat = load_messages()
        for key, new in fixed.items():
            pos = cast(int, key)  # the frame's RangeIndex position
            found.append(make("SPAZI", sheet=sheet, row=rows[pos], column=col,
                              cell=f"{letters[col]}{rows[pos]}", catalogue=cat, valore=new))
    return df, F.to_frame(found)


def _pdf_levels(df: pd.DataFrame, canonical: bool) -> pd.DataFrame:
    """Adapt the PDF layout: numbered areas, "Obiettivo pluriennale:" prefixes, sector cells."""
    if not canonical:
        if C.AREA in df:
            df[C.AREA] = map_distinct(
                df[C.AREA], lambda v: _AREA_NUMBER.sub("", v) if isinstance(v, str) else v)
        if C.PLURIENNALE in df:
            df[C.PLURIENNALE] = map_distinct(
                df[C.PLURIENNALE], lambda v: _PLURI_PREFIX.sub("", v) if isinstance(v, str) else v)
            if C.PERIODO not in df:
                df[C.PERIODO] = map_distinct(df[C.PLURIENNALE], period_in_text)
    if C.RESPONSABILE in df and C.COINVOLTI not in df:
        def split(v: object) -> tuple[object, object]:
            lead, involved = parse_sector_cell(v) if isinstance(v, str) else (v, [])
            return (lead if lead != "" else None, join_sectors(involved) or None)

        parsed = map_distinct(df[C.RESPONSABILE], split)
        df[C.RESPONSABILE] = [p[0] for p in parsed]
        df[C.COINVOLTI] = [p[1] for p in parsed]
    return df


def map_distinct(s: pd.Series, fn) -> pd.Series:
    """``s.map(fn)`` calling ``fn`` once per distinct value (blanks: ``fn(None)``), the
    result an object Series (None stays None, as ``Series.map`` would not keep it)."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [fn(u) for u in uniques]
    return pd.Series(results[codes], index=s.index, dtype=object)


def _area_numbers(df: pd.DataFrame) -> dict[str, int]:
    """Area numbers typed in the PDF layout (``2. GENERAZIONE ...``)."""
    out: dict[str, int] = {}
    if C.AREA not in df:
        return out
    for v in df[C.AREA].dropna().unique():
        if isinstance(v, str):
            m = _AREA_NUMBER.match(v)
            if m:
                out[_AREA_NUMBER.sub("", v)] = int(m.group(1))
    return out


def _order_columns(df: pd.DataFrame, canonical: bool) -> pd.DataFrame:
    if canonical:
        return df
    known = [c for c in C.TREE_COLUMNS if c in df.columns]
    rest = [c for c in df.columns if c not in known]
    return df[known + rest]


def _plan_year(raw: RawSheet, hm: HeaderMatch) -> int | None:
    for row in raw.rows[: hm.row]:
        for v in row:
            y = year_in_text(v) if isinstance(v, str) else None
            if y:
                return y
    return year_in_text(raw.name)


def _read_percentages(df: pd.DataFrame, raw: RawSheet, excel_rows: list[int],
                      cols: list[int]) -> None:
    """In the 0–100 columns (``Avanzamento %``, ``Peso``), cells formatted as a percentage
    are read as the percentage they show (Excel stores 50 % as 0.5)."""
    grid_col = dict(zip(df.columns, cols, strict=True))
    wanted = {grid_col[c]: c for c in df.columns if c in C.PERCENT_COLUMNS}
    if not wanted:
        return
    pos_of = {r - raw.first_row: i for i, r in enumerate(excel_rows)}
    hits: dict[str, list[int]] = {}
    for r, c in raw.percent:
        name, pos = wanted.get(c), pos_of.get(r)
        if name is not None and pos is not None:
            hits.setdefault(name, []).append(pos)
    for name, positions in hits.items():
        values = df[name].to_numpy(dtype=object).copy()
        values[positions] = [as_percentage(v) for v in values[positions]]
        df[name] = pd.Series(values, index=df.index, dtype=object)


def parse_tree_sheet(raw: RawSheet, hm: HeaderMatch) -> tuple[pd.DataFrame, list[int],
                                                               dict[str, str], pd.DataFrame,
                                                               frozenset, frozenset[str]]:
    """The tree table of a sheet: data, Excel rows, column letters, reading findings,
    formula cells and the columns derived from other cells (not typed in the sheet)."""
    df, excel_rows, cols = _table(raw, hm)
    if raw.percent:
        _read_percentages(df, raw, excel_rows, cols)
    renamed = F.to_frame(header_findings(raw, hm, len(cols)))
    letters = {name: col_letter(c) for name, c in zip(df.columns, cols, strict=True)}
    canonical = all(c in df.columns for c in (C.CODICE, C.ANNO, C.PERIODO, C.COINVOLTI))
    typed = set(df.columns)
    area_numbers = _area_numbers(df) if not canonical else {}
    if raw.plain_text:
        ws_findings = F.empty()
    else:
        df, ws_findings = normalize_text(df, raw.name, excel_rows, letters)
    df = _pdf_levels(df, canonical)
    if C.ANNO not in df:
        year = _plan_year(raw, hm)
        if year is not None:
            df[C.ANNO] = year
    if C.CODICE not in df or df[C.CODICE].isna().all():
        df[C.CODICE] = assign_codes(df, area_numbers)
    df = _order_columns(df, canonical)
    if not canonical:  # the PDF-layout fixes use Series.map, which turns None into NaN
        df = df.astype(object).where(df.notna(), None)
    # derived columns point at the source cell they come from
    derived_from = {C.PERIODO: C.PLURIENNALE, C.COINVOLTI: C.RESPONSABILE, C.ANNO: "",
                    C.CODICE: C.OPERATIVO}
    for name in df.columns:
        letters.setdefault(name, letters.get(derived_from.get(name, ""), ""))
    derived = frozenset(c for c in df.columns if c not in typed)
    formulas: frozenset[tuple[int, str]] = frozenset()
    if raw.formulas:
        grid_pos = {excel_r - raw.first_row: i for i, excel_r in enumerate(excel_rows)}
        col_of = {c: name for name, c in zip(_headers(raw, hm, len(cols)), cols, strict=True)}
        formulas = frozenset((grid_pos[r], col_of[c]) for r, c in raw.formulas
                             if r in grid_pos and c in col_of)
    return df, excel_rows, letters, F.concat([renamed, ws_findings]), formulas, derived


def parse_registry_sheet(raw: RawSheet, hm: HeaderMatch) -> tuple[pd.DataFrame, list[int]]:
    df, excel_rows, _cols = _table(raw, hm)
    for c in C.REGISTRY_COLUMNS:
        if c not in df:
            df[c] = None
    text = df[C.SETTORE].map(lambda v: _WS_RUN.sub(" ", str(v)).strip() if v is not None else v)
    df[C.SETTORE] = text
    return df, excel_rows


class ListSource:
    """A :class:`~xl_albero.rawsheet.SheetSource` over RawSheets already in memory."""

    def __init__(self, sheets: Sequence[RawSheet]) -> None:
        self._sheets = {s.name: s for s in sheets}

    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def read(self, name: str, *, formulas: bool = True) -> RawSheet:
        return self._sheets[name]


#: A formula that reaches outside the workbook: DDE (``cmd|'/C calc'!A0``) or another
#: workbook (``[1]Foglio!A1``, ``'C:\\dati\\[a.xlsx]F'!A1``).
_EXTERNAL = re.compile(r"\||\[[^\]]*\]\s*[^\s(]*!|^=\s*'?[a-zA-Z]:\\|^=\s*'?\\\\")
_STRING_LITERAL = re.compile(r'"[^"]*"')


#: The finding of a formula that reaches outside the workbook.
EXTERNAL_FORMULA = "FORMULA_ESTERNA"


def is_external_formula(text: str) -> bool:
    """True for DDE formulas and references to other files (string literals ignored)."""
    return bool(_EXTERNAL.search(_STRING_LITERAL.sub('""', text)))


def external_formula_findings(raw: RawSheet) -> list[F.Finding]:
    """An ``errore`` for each cell of ``raw`` whose formula is DDE or links another file:
    its saved value is used, the formula itself never reaches an output."""
    out = []
    for (r, c), text in sorted(raw.formula_text.items()):
        if not is_external_formula(text):
            continue
        row = raw.first_row + r
        shown = text if len(text) <= 80 else text[:77] + "..."
        out.append(F.Finding(raw.name, row, "", f"{col_letter(c)}{row}", F.ERRORE,
                             EXTERNAL_FORMULA,
                             f"La cella contiene una formula che apre un altro file o un "
                             f"programma («{shown}»): non viene eseguita né copiata; si usa "
                             "il valore salvato.",
                             "Sostituire la formula con il suo valore (Copia, Incolla "
                             "valori)."))
    return out


#: Excel's limit on the text of a cell (UTF-16 code units).
MAX_CELL_TEXT = 32767


def long_text_findings(df: pd.DataFrame, sheet: str, rows: list[int],
                       letters: dict[str, str]) -> list[F.Finding]:
    """An ``avviso`` for each text at or over Excel's 32,767 characters (only called when
    the file holds such a text): the reader (calamine) already cuts it there, and every
    writer does too, so Excel never has to repair a file."""
    out = []
    for col in df.columns:
        for i, v in enumerate(df[col].tolist()):
            if isinstance(v, str) and len(v) > MAX_CELL_TEXT // 2 and \
                    len(v.encode("utf-16-le")) // 2 >= MAX_CELL_TEXT:
                cell = f"{letters.get(col, '')}{rows[i]}" if letters.get(col) else ""
                out.append(F.Finding(sheet, rows[i], str(col), cell, F.AVVISO,
                                     "TESTO_TROPPO_LUNGO",
                                     "Il testo della cella supera i 32.767 caratteri che "
                                     "Excel ammette in una cella: viene letto e scritto "
                                     "tagliato a 32.767 caratteri.",
                                     "Accorciare il testo o spostarne una parte in un "
                                     "documento collegato."))
    return out


def is_registry(name: str, header: HeaderMatch | None) -> bool:
    """A registry sheet: a ``Settore`` header and either a ``Settori...`` name or a
    ``Sigla`` / ``Email`` column (a sheet listing sector names alone is not one)."""
    if header is None:
        return False
    named = registry_named(name)
    return named or bool({C.SIGLA, C.EMAIL} & set(header.columns.values()))


def tree_from_source(source: SheetSource, *, sheet: str | None = None) -> Tree:
    """Build the Tree from a workbook: the one place that decides which sheet is the tree
    (``tree_candidates`` + its headers) and which is the registry (``registry_candidates``
    + ``is_registry``). Sheets are read lazily, only as far as needed.

    Raises ``InputFileError`` (Italian message) when no tree can be found.
    """
    names = tuple(source.sheet_names())
    tree_raw = hm = None
    skipped: list[SheetTooSparse] = []  # sheets that cannot be read as a grid
    for name in tree_candidates(names, sheet):
        try:
            cand = source.read(name, formulas=True)
        except SheetTooSparse as exc:
            if sheet is not None:
                raise
            skipped.append(exc)  # a notes sheet with a stray far cell: try the next one
            continue
        found = find_header(cand)
        if found is not None:
            tree_raw, hm = cand, found
            break
    if (tree_raw is None or hm is None) and skipped:
        raise skipped[0]
    if tree_raw is None or hm is None:
        listed = ", ".join(f"«{n}»" for n in names) or "nessuno"
        raise InputFileError(
            "Nessun foglio sembra un albero della performance: non trovo le intestazioni "
            f"(per esempio «{C.OPERATIVO}» e «{C.RESPONSABILE}»). Fogli trovati: {listed}. "
            "Indicare il foglio giusto.", option="foglio")
    df, rows, letters, ws_findings, formulas, derived = parse_tree_sheet(tree_raw, hm)
    if tree_raw.long_text:
        ws_findings = F.concat([ws_findings, F.to_frame(long_text_findings(
            df, tree_raw.name, rows, letters))])
    if df.empty:
        raise InputFileError(
            f"Il foglio «{tree_raw.name}» ha le intestazioni dell'albero ma nessun obiettivo "
            "sotto di esse.")
    reg_df, reg_name, declared = None, C.SHEET_SECTORS, False
    reg_rows: list[int] = []
    for name in registry_candidates(names, tree_raw.name):
        try:
            cand = source.read(name, formulas=False)
        except SheetTooSparse:
            continue  # not read; the registry is then derived from the tree
        rh = find_header(cand, registry=True)
        if rh is not None and is_registry(cand.name, rh):
            reg_df, reg_rows = parse_registry_sheet(cand, rh)
            reg_name, declared = cand.name, True
            break
    if reg_df is None:
        reg_df = derived_registry(df)
        reg_rows = []
    return Tree(data=df.reset_index(drop=True), sectors=reg_df.reset_index(drop=True),
                sheet=tree_raw.name, rows=tuple(rows), letters=letters,
                registry_declared=declared, registry_sheet=reg_name,
                registry_rows=tuple(reg_rows),
                read_findings=F.concat([
                    ws_findings, F.to_frame(external_formula_findings(tree_raw)),
                    F.to_frame(_workbook_findings(source, tree_raw.name))]),
                formulas=formulas, source_sheets=names, derived=derived,
                formulas_known=tree_raw.formulas_known)


def _workbook_findings(source: SheetSource, sheet: str) -> list[F.Finding]:
    """Findings a source has about the whole file (a file's links to other files), if it
    offers ``workbook_findings(sheet)``."""
    extra = getattr(source, "workbook_findings", None)
    return list(extra(sheet)) if callable(extra) else []


def tree_from_sheets(sheets: list[RawSheet], *, sheet: str | None = None) -> Tree:
    """Build the Tree from RawSheets in memory (see ``tree_from_source``)."""
    return tree_from_source(ListSource(sheets), sheet=sheet)
