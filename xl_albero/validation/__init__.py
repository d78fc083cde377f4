"""Validation of a tree with pandera schemas loaded from ``schemas/`` (errors are data)."""

from __future__ import annotations

import os

import pandas as pd

from xl_albero.model import Tree


def validate(tree: Tree, schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """All findings of the tree (reading findings included), as a findings table."""
    raise NotImplementedError


def summary(tree: Tree, findings: pd.DataFrame) -> dict[str, int]:
    """``riepilogo`` counts: aree, obiettivi_strategici, ..., settori, errori, avvisi."""
    raise NotImplementedError


def require_valid(tree: Tree, *, force: bool = False,
                  schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """Validate; raise ``TreeRefused`` when there are errori and not ``force``."""
    raise NotImplementedError
