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

    Refuses unusable Siglas first (``InputFileError``: colliding, forbidden characters,
    too long ... — ``--forza`` does not override them), then errori of the tree
    (``TreeRefused`` unless ``forza``). Returns the tree, the registry with usable Siglas
    and the notices (derived Siglas, sectors added to the registry) as Italian messages.
    """
    from xl_albero import findings as F
    from xl_albero.io.sector_workbook import raise_on_registry_errors
    from xl_albero.sector_views import registry_problems
    from xl_albero.validation import require_valid

    tree = tree_from_book(book, sheet=foglio)
    registry, problems = registry_problems(tree)
    raise_on_registry_errors(problems)
    require_valid(tree, force=forza, schema=schema)
    notices = (problems.loc[problems["gravita"] == F.AVVISO, "messaggio"].tolist()
               if len(problems) else [])
    return tree, registry, notices
