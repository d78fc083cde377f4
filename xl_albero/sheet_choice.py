"""Which sheets of a workbook to try for the tree and for the sector registry, in order.

Pure and light (no pandas): the file reader uses it to start reading the likely tree
sheet while the rest of the program loads (``io.file_source.prefetch``), and
``sheet_parser.tree_from_source`` to decide.
"""

from __future__ import annotations

from collections.abc import Sequence

from xl_albero import columns as C
from xl_albero.errors import InputFileError


def tree_candidates(names: Sequence[str], wanted: str | None) -> list[str]:
    """Sheets to try for the tree, in order: the one asked for (exact name, else ignoring
    case and accents), else every sheet, those named ``Albero...`` first."""
    if wanted is not None:
        found = [n for n in names if n == wanted] or [n for n in names
                                                       if C.fold(n) == C.fold(wanted)]
        if not found:
            listed = ", ".join(f"«{n}»" for n in names)
            raise InputFileError(f"Il foglio «{wanted}» non esiste. Fogli presenti: {listed}.",
                                 option="foglio")
        return found[:1]
    named = [n for n in names if C.fold(n).startswith("albero")]
    return named + [n for n in names if n not in named]


def registry_candidates(names: Sequence[str], tree_sheet: str) -> list[str]:
    """Sheets to try for the sector registry: those named ``Settori...`` first."""
    others = [n for n in names if n != tree_sheet]
    return sorted(others, key=lambda n: 0 if registry_named(n) else 1)


def registry_named(name: str) -> bool:
    """A sheet named as the sector registry (``Settori``, ``settori 2025``...)."""
    return C.fold(name).startswith("settor")
