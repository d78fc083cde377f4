"""Shared steps of the Excel adapters: read the tree and refuse it when it has errori."""

from __future__ import annotations

from typing import Any

from xl_albero.errors import AlberoError
from xl_albero.excel.book_io import tree_from_book
from xl_albero.model import Tree


class NotAvailable(AlberoError):
    """A command whose core is not part of this installation yet."""


def valid_tree(book: Any, *, foglio: str | None = None, schema: str | None = None,
               forza: bool = False) -> Tree:
    """The tree of the open workbook; ``TreeRefused`` when it has errori (unless forza)."""
    from xl_albero.validation import require_valid

    tree = tree_from_book(book, sheet=foglio)
    require_valid(tree, force=forza, schema=schema)
    return tree


def core(module: str, what: str) -> Any:
    """Import a core module, or raise ``NotAvailable`` with an Italian message."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotAvailable(
            f"«{what}» non è ancora disponibile in questa versione del componente "
            "aggiuntivo: usare il comando da terminale quando sarà pronto."
        ) from exc
