"""Shared steps of the Excel adapters: read the tree and refuse it when it has errori."""

from __future__ import annotations

from typing import Any

import pandas as pd

from xl_albero.excel.book_io import tree_from_book
from xl_albero.model import Tree


def valid_tree(book: Any, *, foglio: str | None = None, schema: str | None = None,
               forza: bool = False) -> Tree:
    """The tree of the open workbook; ``TreeRefused`` when it has errori (unless forza)."""
    from xl_albero.validation import require_valid

    tree = tree_from_book(book, sheet=foglio)
    require_valid(tree, force=forza, schema=schema)
    return tree


def checked_tree(book: Any, *, foglio: str | None = None, schema: str | None = None,
                 forza: bool = False) -> tuple[Tree, pd.DataFrame, list[str]]:
    """As the CLI's ``app.sector_common.load_checked``, on the open workbook.

    Returns the tree, the registry with usable Siglas and the notices (Italian messages);
    the checks and refusals are those of ``per_sector.checked_registry``.
    """
    from xl_albero.per_sector import checked_registry

    tree = tree_from_book(book, sheet=foglio)
    registry, notices = checked_registry(tree, force=forza, schema=schema)
    return tree, registry, notices
