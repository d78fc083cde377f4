"""``relazione``: the Relazione sulla performance's content, from the measured tree.

The use case measures the tree as ``misura`` does (same rules, same checks, so the figures
are those of ``albero misura --json``) and turns the measurement into the values the Word
template shows (``relazione.report_data``) and the figures of its charts. Rendering the
document (template, charts, file) is the renderers' job (``io.relazione_docx``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from xl_albero.measure import Measurement
from xl_albero.rawsheet import SheetSource
from xl_albero.relazione import Charts, charts_data, report_data
from xl_albero.usecases.checks import CheckedTree
from xl_albero.usecases.misura import MisuraOptions, misura


@dataclass(frozen=True)
class RelazioneOptions(MisuraOptions):
    """``misura``'s options, and what the document says."""

    comune: str | None = None
    #: the date the document says it was drafted (default: today)
    oggi: dt.date | None = None


@dataclass(frozen=True)
class RelazioneResult:
    """The checked tree, its measurement, the template values and the charts' figures."""

    checked: CheckedTree
    measurement: Measurement
    data: dict[str, Any]
    charts: Charts

    @property
    def notices(self) -> list[str]:
        return self.checked.notices


def relazione(source: SheetSource, options: RelazioneOptions) -> RelazioneResult:
    measured = misura(source, options)
    m = measured.measurement
    data = report_data(measured.checked.tree, m, comune=options.comune,
                       today=options.oggi or dt.date.today())
    return RelazioneResult(checked=measured.checked, measurement=m, data=data,
                           charts=charts_data(m))
