"""``valida``: every finding of the tree, with the cell to correct."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from xl_albero import findings as F
from xl_albero.model import Tree
from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.checks import read_tree
from xl_albero.validation import summary, validate


@dataclass(frozen=True)
class ValidaOptions:
    foglio: str | None = None
    schema: str | None = None


@dataclass(frozen=True)
class ValidaResult:
    """Findings table (``findings.FINDING_FIELDS``) and the ``riepilogo`` counts."""

    tree: Tree
    findings: pd.DataFrame
    counts: dict[str, int]

    @property
    def has_errors(self) -> bool:
        return F.has_errors(self.findings)


def valida(source: SheetSource, options: ValidaOptions = ValidaOptions()) -> ValidaResult:
    tree = read_tree(source, options.foglio)
    findings = validate(tree, options.schema)
    return ValidaResult(tree=tree, findings=findings, counts=summary(tree, findings))
