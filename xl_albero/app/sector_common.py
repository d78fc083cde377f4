"""Shared steps of ``settori``, ``esporta`` and ``riepilogo``: load, check the registry, validate."""

from __future__ import annotations

from argparse import Namespace

import pandas as pd

from xl_albero import findings as F
from xl_albero.app.ui import Ui
from xl_albero.io.reader import load_tree
from xl_albero.io.sector_workbook import raise_on_registry_errors
from xl_albero.model import Tree
from xl_albero.sector_views import registry_problems
from xl_albero.validation import require_valid


def load_checked(args: Namespace, ui: Ui) -> tuple[Tree, pd.DataFrame]:
    """Load the tree, refuse unusable Siglas (exit 2), validate (refuse errori unless --forza).

    Returns the tree and the registry with usable Siglas; notices (derived Siglas, sectors
    added to the registry) are shown as ``Avviso:`` lines.
    """
    tree = load_tree(args.file, sheet=args.foglio)
    registry, findings = registry_problems(tree)
    raise_on_registry_errors(findings)
    require_valid(tree, force=args.forza, schema=args.schema)
    for msg in findings.loc[findings["gravita"] == F.AVVISO, "messaggio"] if len(findings) \
            else []:
        ui.out(f"Avviso: {msg}")
    return tree, registry
