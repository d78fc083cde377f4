"""``riepilogo``: the summary tables of the tree (the figures every front end shows)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from xl_albero.measure import Measurement, try_measure
from xl_albero.model import Tree
from xl_albero.per_sector import involvement_table
from xl_albero.rawsheet import SheetSource
from xl_albero.summary import SOURCE_INVOLVEMENT, PivotSpec, compute, summary_specs
from xl_albero.usecases.checks import CheckedTree, check_sectors, read_tree
from xl_albero.usecases.sectors import DEFAULT_OPTIONS, SectorOptions


@dataclass(frozen=True)
class RiepilogoResult:
    """The specs (what each summary counts) and their figures, in the same order.

    ``tables[i]`` has the categories of ``specs[i].rows`` as index, those of
    ``specs[i].columns`` (+ ``Totale``) as columns and a ``Totale`` row.
    ``involvement`` is the (objective, sector, role) table behind the involvement
    summary, or ``None`` when there is none. ``measurement`` is the grado di
    raggiungimento (``measure``) when the tree has monitoring values, else ``None`` (then
    no measured figure is shown: nothing appears as 0 %).
    """

    checked: CheckedTree
    specs: list[PivotSpec]
    tables: list[pd.DataFrame]
    involvement: pd.DataFrame | None
    measurement: Measurement | None = None

    @property
    def notices(self) -> list[str]:
        return self.checked.notices

    def figures(self) -> dict[str, dict[tuple[str, str], float]]:
        """Title -> {(row label, column label): value}: the figures, for comparisons."""
        out: dict[str, dict[tuple[str, str], float]] = {}
        for spec, table in zip(self.specs, self.tables, strict=True):
            out[spec.title] = {(str(r), str(c)): float(v)
                               for r, row in table.iterrows() for c, v in row.items()}
        return out


def riepilogo(source: SheetSource, options: SectorOptions = DEFAULT_OPTIONS) -> RiepilogoResult:
    return riepilogo_of_tree(read_tree(source, options.foglio), options)


def riepilogo_of_tree(tree: Tree, options: SectorOptions = DEFAULT_OPTIONS) -> RiepilogoResult:
    """``riepilogo`` on a tree already read."""
    checked = check_sectors(tree, force=options.forza, schema=options.schema)
    specs = summary_specs(tree)
    inv = (involvement_table(tree, checked.registry)
           if any(s.source == SOURCE_INVOLVEMENT for s in specs) else None)
    names = checked.sector_names
    tables = [compute(tree, s, names, inv if s.source == SOURCE_INVOLVEMENT else None)
              for s in specs]
    return RiepilogoResult(checked=checked, specs=specs, tables=tables, involvement=inv,
                           measurement=try_measure(tree))
