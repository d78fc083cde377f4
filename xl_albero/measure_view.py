"""The measured figures as tables for people (pure): title, comune, areas, sectors, bands.

Shared by the ``Raggiungimento`` sheet of ``albero riepilogo`` (``io.measure_sheet``) and
the add-in's ``Riepilogo`` (``excel.riepilogo``). A grado that is not reported is the
text «non rilevato», never 0.
"""

from __future__ import annotations

import math
from typing import Any

from xl_albero import columns as C
from xl_albero.measure import (
    COINVOLTO,
    FASCIA,
    GRADO,
    GRADO_COINVOLTO,
    GUIDATI,
    OBIETTIVI,
    RILEVATI,
    Measurement,
    summary,
)

NOT_REPORTED = "non rilevato"
AREA_HEADER = [C.AREA, "Codice", GRADO, FASCIA, OBIETTIVI, RILEVATI]
SECTOR_HEADER = [C.SETTORE, C.SIGLA, GRADO, FASCIA, GUIDATI, RILEVATI, COINVOLTO,
                 GRADO_COINVOLTO]


def _grade(v: object) -> object:
    """A grado rounded to one decimal, or «non rilevato» (never 0 for a missing value)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return NOT_REPORTED
    return round(float(v), 1)  # type: ignore[arg-type]


def _plain(v: object) -> object:
    if hasattr(v, "item"):
        return v.item()  # type: ignore[union-attr]
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else v


def measure_rows(m: Measurement) -> dict[str, Any]:
    """Title, the comune's line, area / sector / band tables (header + rows), notes."""
    s = summary(m)
    when = f" – rilevazione al {m.rilevazione}" if m.rilevazione else ""
    comune = _grade(m.overall)
    comune_text = (f"{comune:.1f} %".replace(".", ",") if isinstance(comune, float)
                   else NOT_REPORTED)
    areas = [AREA_HEADER] + [
        [_plain(r[C.AREA]), _plain(r["Codice"]), _grade(r[GRADO]), r[FASCIA],
         _plain(r[OBIETTIVI]), _plain(r[RILEVATI])] for r in m.areas.to_dict("records")]
    sectors = [SECTOR_HEADER] + [
        [_plain(r[C.SETTORE]), _plain(r[C.SIGLA]), _grade(r[GRADO]), r[FASCIA],
         _plain(r[GUIDATI]), _plain(r[RILEVATI]), _plain(r[COINVOLTO]),
         _grade(r[GRADO_COINVOLTO]) if r[COINVOLTO] else ""]
        for r in m.sectors.to_dict("records")]
    bands = [[FASCIA, OBIETTIVI]] + [[r[FASCIA], _plain(r[OBIETTIVI])]
                                     for r in m.bands.to_dict("records")]
    return {
        "title": f"Grado di raggiungimento {m.year or ''}{when}".replace("  ", " ").strip(),
        "comune": f"Comune: {comune_text}" + (f" ({m.overall_band})" if m.overall_band else "")
                  + f" — {s['rilevati']} obiettivi rilevati su {s['obiettivi_operativi']}, "
                  f"{s['non_rilevati']} non rilevati, {s['esclusi']} esclusi.",
        "areas": areas, "sectors": sectors, "bands": bands,
        "notes": [f"Nota: {n}" for n in m.notes]
        + ["Grado % dei settori: sugli obiettivi di cui sono responsabili; «Grado % "
           "coinvolto» è mostrato a parte e non entra nel grado del settore."],
    }


