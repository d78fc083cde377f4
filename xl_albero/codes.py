"""Hierarchical codes ``area.strategic.multiyear.operational`` (``1.2.3.4``)."""

from __future__ import annotations

import re

import pandas as pd

from xl_albero import columns as C

CODE_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def _key(v: object) -> str:
    return C.fold(v) if v is not None else ""


def _keys(values: list[object]) -> list[str]:
    """``_key`` of each value, computed once per distinct value."""
    memo: dict[object, str] = {}
    out = []
    for v in values:
        try:
            k = memo[v]
        except KeyError:
            k = memo[v] = _key(v)
        except TypeError:  # unhashable
            k = _key(v)
        out.append(k)
    return out


def assign_codes(df: pd.DataFrame, area_numbers: dict[str, int] | None = None) -> list[str]:
    """Codes in order of first appearance; typed area numbers (``2. ...``) are kept."""
    area_numbers = {_key(k): v for k, v in (area_numbers or {}).items()}
    areas: dict[str, int] = {}
    strat: dict[tuple, int] = {}
    pluri: dict[tuple, int] = {}
    count: dict[tuple, int] = {}
    n_strat: dict[str, int] = {}
    n_pluri: dict[tuple, int] = {}
    # each distinct title is folded once (a tree repeats its upper levels on every row)
    cols = [_keys(df[c].tolist()) if c in df else [""] * len(df)
            for c in (C.AREA, C.STRATEGICO, C.PLURIENNALE)]
    out: list[str] = []
    for a, s_key, p_key in zip(*cols, strict=True):
        if a not in areas:
            areas[a] = area_numbers.get(a) or (max(areas.values(), default=0) + 1)
        sk = (a, s_key)
        if sk not in strat:
            n_strat[a] = n_strat.get(a, 0) + 1
            strat[sk] = n_strat[a]
        pk = (*sk, p_key)
        if pk not in pluri:
            n_pluri[sk] = n_pluri.get(sk, 0) + 1
            pluri[pk] = n_pluri[sk]
        count[pk] = count.get(pk, 0) + 1
        out.append(f"{areas[a]}.{strat[sk]}.{pluri[pk]}.{count[pk]}")
    return out


def prefix(code: object, level: int) -> str | None:
    """The first ``level`` components of a valid code (``prefix('1.2.3.4', 2) == '1.2'``)."""
    if not isinstance(code, str) or not CODE_RE.match(code):
        return None
    return ".".join(code.split(".")[:level])
