"""``misura``: the grado di raggiungimento of every objective, rolled up."""

from __future__ import annotations

from dataclasses import dataclass

from xl_albero.measure import Measurement, load_rules, require_measured
from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.checks import CheckedTree, check_sectors, read_tree


@dataclass(frozen=True)
class MisuraOptions:
    foglio: str | None = None
    schema: str | None = None
    forza: bool = False
    regole: str | None = None
    rilevazione: str | None = None


@dataclass(frozen=True)
class MisuraResult:
    """The checked tree and its measurement (``measure.Measurement``)."""

    checked: CheckedTree
    measurement: Measurement

    @property
    def notices(self) -> list[str]:
        return self.checked.notices


def misura(source: SheetSource, options: MisuraOptions) -> MisuraResult:
    rules = load_rules(options.regole)  # a bad rules file is refused before reading
    tree = read_tree(source, options.foglio)
    checked = check_sectors(tree, force=options.forza, schema=options.schema)
    m = require_measured(tree, rules, rilevazione=options.rilevazione)
    return MisuraResult(checked=checked, measurement=m)
