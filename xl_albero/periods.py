"""Plan periods (``2024-2025``, ``2024/25``, ``2025``) and years named in free text (pure)."""

from __future__ import annotations

import re

from xl_albero.columns import fold

_YEAR = r"(?:19|20)\d{2}"
#: A whole period cell, after folding (``biennio 2024-2025``, ``dal 2024 al 2026``, ``2025``).
_PERIOD_CELL = re.compile(
    r"^(?:(?:bi|tri|quadri|quinqu)ennio|periodo|anni|anno|dal)?\s*"
    rf"({_YEAR})(?:\s*(?:-|/|al|a)\s*(\d{{4}}|\d{{2}}))?$"
)
#: A period written inside a longer text (``biennio 2024-2025``, ``2024/25``, ``2024 - \n2025``).
_PERIOD_IN_TEXT = re.compile(rf"(?<!\d)({_YEAR})\s*[-/\u2013\u2014]\s*(\d{{4}}|\d{{2}})(?!\d)")


def _end_year(start: int, end_text: str) -> int:
    if len(end_text) == 2:
        return start // 100 * 100 + int(end_text)
    return int(end_text)


def parse_period(text: object) -> tuple[int, int] | None:
    """``"2024-2025"``, ``"2024/2025"``, ``"2024/25"``, ``"2025"``, ``2025`` -> (start, end).

    Returns ``None`` for anything else (blank, words, end before start).
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        if text != text or int(text) != text:
            return None
        text = str(int(text))
    s = str(text).replace("\u2013", "-").replace("\u2014", "-").strip()
    s = re.sub(r"\s*([-/])\s*", r" \1 ", s.lower())
    s = re.sub(r"\s+", " ", s)
    # ``fold`` would drop "-" and "/"; keep them and fold only accents / case.
    s = " ".join(p if p in "-/" else fold(p) for p in s.split())
    m = _PERIOD_CELL.match(s)
    if not m:
        return None
    start = int(m.group(1))
    end = _end_year(start, m.group(2)) if m.group(2) else start
    if end < start:
        return None
    return start, end


def format_period(period: tuple[int, int]) -> str:
    """(2026, 2028) -> ``"2026-2028"``; (2026, 2026) -> ``"2026"``."""
    start, end = period
    return str(start) if start == end else f"{start}-{end}"


def periods_in_text(text: str) -> list[tuple[int, int]]:
    """Periods written inside a free text, e.g. ``biennio 2024-2025`` -> [(2024, 2025)]."""
    out = []
    for m in _PERIOD_IN_TEXT.finditer(text):
        start = int(m.group(1))
        end = _end_year(start, m.group(2))
        if end >= start:
            out.append((start, end))
    return out


def years_in_text(text: str) -> list[int]:
    """Four-digit years (1900-2099) written in a text, in order of appearance."""
    return [int(y) for y in re.findall(rf"(?<!\d)({_YEAR})(?!\d)", text)]


def stale_year_reason(text: str, old_year: int) -> str | None:
    """Why a text looks tied to the old plan year, or ``None``.

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
    if old_year in years_in_text(_PERIOD_IN_TEXT.sub(" ", text)):
        return f"il testo cita il {old_year}"
    return None
