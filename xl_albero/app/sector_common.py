"""Shared steps of ``settori``, ``esporta`` and ``riepilogo``: load, check the registry, validate."""

from __future__ import annotations

from argparse import Namespace

import pandas as pd

from xl_albero.app.ui import Ui
from xl_albero.io.reader import load_tree
from xl_albero.model import Tree
from xl_albero.per_sector import checked_registry


def load_checked(args: Namespace, ui: Ui) -> tuple[Tree, pd.DataFrame]:
    """Load the tree, refuse unusable Siglas (exit 2), validate (refuse errori unless --forza).

    Returns the tree and the registry with usable Siglas; notices (derived Siglas, sectors
    added to the registry) are shown as ``Avviso:`` lines.
    """
    tree = load_tree(args.file, sheet=args.foglio)
    registry, notices = checked_registry(tree, force=args.forza, schema=args.schema)
    for msg in notices:
        ui.out(f"Avviso: {msg}")
    return tree, registry
