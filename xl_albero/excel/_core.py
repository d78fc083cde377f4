"""Shared steps of the Excel adapters: read the tree and refuse it when it has errori."""

from __future__ import annotations

from typing import Any

from xl_albero.excel.book_io import tree_from_book
from xl_albero.model import Tree


def valid_tree(book: Any, *, foglio: str | None = None, schema: str | None = None,
               forza: bool = False) -> Tree:
    """The tree of the open workbook; ``TreeRefused`` when it has errori (unless forza)."""
    from xl_albero.validation import require_valid

    tree = tree_from_book(book, sheet=foglio)
    require_valid(tree, force=forza, schema=schema)
    return tree
