"""``raccogli``: the returned sector workbooks merged into a new master."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from xl_albero.collect import Collected, Returned, collect, merge_history, stamp_time
from xl_albero.errors import TreeRefused
from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.checks import CheckedTree, check_sectors, read_tree

History = tuple[pd.DataFrame | None, pd.DataFrame | None]


class NothingCollected(TreeRefused):
    """No returned workbook could be used: nothing is written (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class RaccogliOptions:
    rilevazione: str
    foglio: str | None = None
    schema: str | None = None
    forza: bool = False


@dataclass(frozen=True)
class RaccogliResult:
    """The checked master, the collection (with the log of earlier runs) and the time to
    stamp on the output (depends only on the inputs)."""

    checked: CheckedTree
    collected: Collected
    created: dt.datetime

    @property
    def notices(self) -> list[str]:
        return self.checked.notices


def raccogli(source: SheetSource, options: RaccogliOptions,
             read_returned: Callable[[], Sequence[Returned]],
             history: Callable[[], History]) -> RaccogliResult:
    """``read_returned`` reads the returned workbooks (after the master was checked);
    ``history`` the ``Raccolta`` log of the master (``io.collect_workbook.read_history``)."""
    tree = read_tree(source, options.foglio)
    checked = check_sectors(tree, force=options.forza, schema=options.schema)
    returned = list(read_returned())
    result = collect(tree, checked.registry, returned, options.rilevazione)
    if result.summary["restituite"] == 0:
        raise NothingCollected(
            f"Nessuna delle {len(returned)} cartelle indicate si può raccogliere: nulla è "
            "stato scritto.", result.findings)
    result = merge_history(result, *history())
    return RaccogliResult(checked=checked, collected=result,
                          created=stamp_time(returned, tree.year))
