"""``settori`` and ``esporta``: one frame per sector (what it leads and is involved in)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree, cell_text
from xl_albero.per_sector import role_counts, sector_frames
from xl_albero.rawsheet import SheetSource
from xl_albero.usecases.checks import CheckedTree, check_sectors, read_tree


@dataclass(frozen=True)
class SectorOptions:
    foglio: str | None = None
    schema: str | None = None
    forza: bool = False


DEFAULT_OPTIONS = SectorOptions()


@dataclass(frozen=True)
class SectorInfo:
    """One registry sector and how many objectives it leads / is involved in."""

    name: str
    sigla: str
    dirigente: str | None
    email: str | None
    led: int
    involved: int

    @property
    def empty(self) -> bool:
        return self.led + self.involved == 0


@dataclass(frozen=True)
class SectorsResult:
    """The checked tree, each sector's frame (by Sigla, registry order) and its counts."""

    checked: CheckedTree
    frames: dict[str, pd.DataFrame]
    sectors: list[SectorInfo]

    @property
    def notices(self) -> list[str]:
        return self.checked.notices


def sectors(source: SheetSource, options: SectorOptions = DEFAULT_OPTIONS) -> SectorsResult:
    return sectors_of_tree(read_tree(source, options.foglio), options)


def sectors_of_tree(tree: Tree, options: SectorOptions = DEFAULT_OPTIONS) -> SectorsResult:
    """``sectors`` on a tree already read."""
    checked = check_sectors(tree, force=options.forza, schema=options.schema)
    frames = sector_frames(tree, checked.registry)
    infos = []
    for (_, reg), (sigla, frame) in zip(checked.registry.iterrows(), frames.items(),
                                        strict=True):
        led, involved = role_counts(frame)
        infos.append(SectorInfo(name=str(reg[C.SETTORE]), sigla=str(sigla),
                                dirigente=cell_text(reg.get(C.DIRIGENTE)),
                                email=cell_text(reg.get(C.EMAIL)), led=led,
                                involved=involved))
    return SectorsResult(checked=checked, frames=frames, sectors=infos)
