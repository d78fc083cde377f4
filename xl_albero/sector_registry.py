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
        for v in data[C.RESPONSABILE].dropna():
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
    s = FORBIDDEN_SHEET_CHARS.sub("-", str(name)).strip("' ")
    return (s or "Settore")[:limit]
