"""The steps commands share: read the tree, check the registry, refuse errori."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import RegistryRefused
from xl_albero.model import Tree
from xl_albero.per_sector import registry_problems
from xl_albero.rawsheet import SheetSource
from xl_albero.sheet_parser import tree_from_source
from xl_albero.validation import require_valid


def read_tree(source: SheetSource, sheet: str | None = None) -> Tree:
    """The tree and registry of ``source`` (``sheet``: the tree sheet, if the user named it)."""
    return tree_from_source(source, sheet=sheet)


@dataclass(frozen=True)
class CheckedTree:
    """A tree that passed the checks of the per-sector commands.

    Attributes:
        tree: the tree as read.
        findings: validation findings (errori only when the user chose to go ahead).
        registry: the sector registry with usable Siglas (``Settore, Sigla, Dirigente,
            Email`` + extra columns), registry order.
        registry_findings: the registry's avvisi (derived Siglas, sectors added...), with
            sheet, row and cell.
    """

    tree: Tree
    findings: pd.DataFrame
    registry: pd.DataFrame
    registry_findings: pd.DataFrame

    @property
    def notices(self) -> list[str]:
        """The registry avvisi as Italian sentences."""
        f = self.registry_findings
        return f.loc[f["gravita"] == F.AVVISO, "messaggio"].tolist() if len(f) else []

    @property
    def sector_names(self) -> list[str]:
        return [str(n) for n in self.registry[C.SETTORE]]


def registry_refusal(problems: pd.DataFrame) -> RegistryRefused:
    """The refusal for a registry with errori: one Italian text plus the findings."""
    errs = problems[problems["gravita"] == F.ERRORE]
    lines = [f"- {m}" + (f" ({c})" if c else "") + (f" {s}" if s else "")
             for m, c, s in zip(errs["messaggio"], errs["cella"], errs["suggerimento"],
                                strict=True)]
    return RegistryRefused("Il registro dei settori non permette di creare fogli e file per "
                           "settore:\n" + "\n".join(lines), problems)


def check_sectors(tree: Tree, *, force: bool = False,
                  schema: str | os.PathLike[str] | None = None) -> CheckedTree:
    """The shared check of the commands that work per sector.

    Refuses unusable Siglas first (``RegistryRefused``: colliding, forbidden characters,
    too long...; going ahead anyway does not override them), then errori of the tree
    (``TreeRefused`` unless ``force``).
    """
    registry, problems = registry_problems(tree)
    if F.has_errors(problems):
        raise registry_refusal(problems)
    findings = require_valid(tree, force=force, schema=schema)
    return CheckedTree(tree=tree, findings=findings, registry=registry,
                       registry_findings=problems)
