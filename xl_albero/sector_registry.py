"""Sectors: parsing sector cells, the effective registry, Sigla derivation (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree, split_sectors

_ALL = re.compile(r"\(\s*TUTTI\s*[I|l1]?\s*(SETTORI|DIRIGENTI)\s*\)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


#: Device names Windows reserves for files, whatever the extension (``CON.xlsx`` too).
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"COM{i}" for i in "123456789¹²³"),
                              *(f"LPT{i}" for i in "123456789¹²³")})
#: Prefixes that make a file hidden (``.``), look like an option (``-``) or like an Office
#: lock file (``~$``).
BAD_NAME_PREFIXES = (".", "-", "~$")


def invisible_chars(text: str) -> list[str]:
    """Format characters (category Cf: right-to-left overrides, zero-width spaces, BOM...)
    and control characters in ``text``, as ``U+XXXX`` labels: they hide or reorder what a
    name shows (``‮xslx.exe`` displays as ``exe.xlsx``)."""
    return sorted({f"U+{ord(ch):04X}" for ch in text
                   if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Cn")})


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be (part of) a file or sheet name safely on every system
    (Italian), or ``None``. One rule for Siglas, derived names and draft files."""
    hidden = invisible_chars(name)
    if hidden:
        return ("contiene caratteri invisibili o di controllo (" + ", ".join(hidden) + ") che "
                "nascondono o capovolgono il nome (per esempio l'estensione del file)")
    stem = name.split(".")[0].strip().upper()
    if stem in WINDOWS_RESERVED:
        return f"è un nome riservato da Windows ({stem}), che non lo accetta come nome di file"
    if name.startswith(BAD_NAME_PREFIXES):
        return ("inizia con «.», «-» o «~$» (file nascosto, opzione di un comando o file di "
                "blocco di Office)")
    return None


def safe_file_part(text: str, fallback: str = "settore") -> str:
    """``text`` made safe as (part of) a file or sheet name: invisible and control
    characters removed, leading ``.``/``-``/``~$`` dropped, Windows device names suffixed."""
    s = "".join(ch for ch in str(text)
                if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs", "Cn"))
    s = s.strip()
    while s.startswith(BAD_NAME_PREFIXES):
        s = s[2:] if s.startswith("~$") else s[1:]
        s = s.strip()
    if s.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        s = "_" + s
    return s or fallback


def normalize_name(text: str) -> str:
    """Collapse white space and trim."""
    return _SPACES.sub(" ", str(text)).strip()


def parse_sector_cell(text: object) -> tuple[str, list[str]]:
    """Split a sector cell as written in the approved PDF.

    ``SEGRETARIO GENERALE/ AVVOCATURA COMUNALE`` -> responsible + [involved];
    ``TECNICO ED INNOVAZIONE (TUTTI I SETTORI)`` -> responsible + [TUTTI];
    ``SEGRETARIO GENERALE/ DIRIGENTI INTERESSATI`` -> responsible + [DIRIGENTI INTERESSATI].
    """
    if text is None:
        return "", []
    s = normalize_name(str(text))
    involved: list[str] = []
    if _ALL.search(s):
        s = _ALL.sub("", s).strip()
        involved.append(C.TUTTI)
    parts = [normalize_name(p) for p in s.split("/") if normalize_name(p)]
    if not parts:
        return "", involved
    responsible, rest = parts[0], parts[1:]
    return responsible, rest + involved


def fold_name(text: str) -> str:
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return _SPACES.sub(" ", re.sub(r"[^A-Za-z0-9]+", " ", s)).strip().upper()


def derive_sigla(name: str, taken: Iterable[str] = ()) -> str:
    """A short code usable as sheet and file name: initials or first word, unique."""
    words = [w for w in fold_name(name).split() if w not in {"E", "ED", "DI", "DEL", "DELLA",
                                                            "DEI", "DELLE", "AL", "ALLA", "ALLE",
                                                            "LA", "IL", "I", "LE", "GLI"}]
    if not words:
        base = "SETTORE"
    elif len(words) == 1:
        base = words[0][:10]
    else:
        base = "".join(w[:3] for w in words[:3])
    if base.upper() in WINDOWS_RESERVED:
        base += "_"  # a sector "Nul" or "Con" must not name a file CON
    taken_set = {t.upper() for t in taken}
    sigla, n = base, 2
    while sigla.upper() in taken_set:
        sigla = f"{base}{n}"
        n += 1
    return sigla


def tree_sector_names(data: pd.DataFrame) -> list[str]:
    """Sector names used in the tree (responsible and involved, tokens excluded), in order."""
    seen: dict[str, None] = {}
    if C.RESPONSABILE in data:
        # distinct values in order of first appearance: the same names, in the same order,
        # as going row by row (a tree repeats a few dozen names on every row)
        for v in data[C.RESPONSABILE].dropna().unique():
            s = normalize_name(v)
            if s:
                seen.setdefault(s, None)
    if C.COINVOLTI in data:
        for v in data[C.COINVOLTI].dropna().unique():
            for s in split_sectors(v):
                if s not in (C.TUTTI, C.INTERESSATI):
                    seen.setdefault(normalize_name(s), None)
    return list(seen)


def derived_registry(data: pd.DataFrame) -> pd.DataFrame:
    """A registry built from the sectors found in the tree (no Dirigente/Email)."""
    names = tree_sector_names(data)
    siglas: list[str] = []
    for n in names:
        siglas.append(derive_sigla(n, siglas))
    return pd.DataFrame({C.SETTORE: names, C.SIGLA: siglas,
                         C.DIRIGENTE: [None] * len(names), C.EMAIL: [None] * len(names)},
                        columns=list(C.REGISTRY_COLUMNS))


def sector_names(tree: Tree) -> list[str]:
    """Registered sector names (registry order)."""
    if C.SETTORE not in tree.sectors:
        return []
    return [normalize_name(s) for s in tree.sectors[C.SETTORE].dropna() if normalize_name(s)]


def sheet_safe(name: str, limit: int = 31) -> str:
    """A valid Excel sheet name: forbidden characters replaced, at most 31 characters."""
    s = FORBIDDEN_SHEET_CHARS.sub("-", safe_file_part(name, "")).strip("' ")
    return (s or "Settore")[:limit]
