"""Plan years and multi-year periods (``2024-2025``, ``biennio 2024/2025``, ``2025``)."""

from __future__ import annotations

import re

_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/–—]\s*((?:19|20)\d\d|\d\d)(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def parse_period(text: object) -> tuple[int, int] | None:
    """``"2024-2025"`` -> (2024, 2025); a single year -> (y, y); nonsense -> None."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text != text or int(text) != text:
            return None
        y = int(text)
        return (y, y) if 1900 <= y <= 2100 else None
    s = str(text).strip()
    m = _RANGE.fullmatch(s) or _RANGE.search(s) if s else None
    if m:
        start, end = int(m.group(1)), m.group(2)
        end_i = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        return (start, end_i) if start <= end_i else None
    years = _YEAR.findall(s)
    if len(years) == 1 and _YEAR.fullmatch(s.strip()):
        y = int(years[0])
        return (y, y)
    return None


def period_in_text(text: object) -> str | None:
    """The period a text names (``... nel biennio 2024/2025``) as ``2024-2025``, else None."""
    if text is None:
        return None
    m = _RANGE.search(str(text))
    if not m:
        return None
    p = parse_period(m.group(0))
    return f"{p[0]}-{p[1]}" if p else None


def format_period(p: tuple[int, int]) -> str:
    return f"{p[0]}-{p[1]}" if p[0] != p[1] else str(p[0])


def year_in_text(text: object) -> int | None:
    """The one plan year a title names (``ALBERO ... OBIETTIVI 2025``), else None."""
    if text is None:
        return None
    years = set(_YEAR.findall(str(text)))
    return int(years.pop()) if len(years) == 1 else None


def periods_in_text(text: str) -> list[tuple[int, int]]:
    """Every period written inside a free text (``biennio 2024-2025`` -> [(2024, 2025)])."""
    out = []
    for m in _RANGE.finditer(text):
        p = parse_period(m.group(0))
        if p:
            out.append(p)
    return out


def years_in_text(text: str) -> list[int]:
    """Four-digit years (1900-2099) written in a text, in order of appearance."""
    return [int(y) for y in _YEAR.findall(text)]


def stale_year_reason(text: str, old_year: int) -> str | None:
    """Why a text looks tied to the old plan year, or ``None`` (used by the rollover).

    A text is stale when it names a period that ends by ``old_year`` (``biennio 2024-2025``,
    ``2023/24``) or names ``old_year`` by itself (``ESSERE GENITORI NEL 2025``). A period
    still running after it (``triennio 2025-2027``) is not stale.
    """
    if not text:
        return None
    for start, end in periods_in_text(text):
        if end <= old_year:
            if end == old_year:
                return f"il testo indica il periodo {start}-{end}, che si chiude nel {old_year}"
            return f"il testo indica il periodo {start}-{end}, già concluso"
    if old_year in years_in_text(_RANGE.sub(" ", text)):
        return f"il testo cita il {old_year}"
    return None
