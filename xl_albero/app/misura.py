"""``albero misura FILE [--json]``: grado di raggiungimento per objective, rolled up."""

from __future__ import annotations

import json
import math
from argparse import Namespace

import pandas as pd

from xl_albero import columns as C
from xl_albero.app.sector_common import show_notices
from xl_albero.app.ui import Ui
from xl_albero.io.file_source import FileSource
from xl_albero.measure import (
    FASCIA,
    GRADO,
    GUIDATI,
    OBIETTIVI,
    RILEVATI,
    Measurement,
    summary,
    to_json,
)
from xl_albero.usecases.misura import MisuraOptions, misura


def run(args: Namespace, ui: Ui) -> int:
    with FileSource(args.file) as source:
        result = misura(source, MisuraOptions(
            foglio=args.foglio, schema=args.schema, forza=args.forza, regole=args.regole,
            rilevazione=args.rilevazione))
    show_notices(result.notices, ui)
    tree, m = result.checked.tree, result.measurement
    if args.json:
        ui.out(json.dumps({"file": str(args.file), "foglio": tree.sheet, **to_json(m)},
                          ensure_ascii=False, indent=2))
        return 0
    ui.out(render(m))
    return 0


def pct(value: object) -> str:
    """``48,5 %``; ``non rilevato`` for NaN (never 0 %)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "non rilevato"
    return f"{float(value):.1f} %".replace(".", ",")


def _table(frame: pd.DataFrame, title_col: str, count_col: str, width: int = 48) -> list[str]:
    lines = []
    for rec in frame.to_dict("records"):
        title = str(rec.get(title_col) or "")
        code = str(rec.get("Codice") or "")
        name = f"{code} {title}".strip()
        if len(name) > width:
            name = name[: width - 1] + "…"
        lines.append(f"  {name:<{width}}  {pct(rec[GRADO]):>13}  {rec[FASCIA]:<26} "
                     f"{rec[RILEVATI]}/{rec[count_col]} rilevati")
    return lines


def render(m: Measurement) -> str:
    s = summary(m)
    when = f" (rilevazione al {m.rilevazione})" if m.rilevazione else ""
    out = [f"Grado di raggiungimento {m.year or ''}{when}".replace("  ", " ")]
    out.append("")
    out.append("Aree strategiche:")
    out += _table(m.areas, C.AREA, OBIETTIVI)
    out.append("")
    out.append("Settori (obiettivi di cui sono responsabili):")
    out += _table(m.sectors, C.SETTORE, GUIDATI)
    out.append("")
    out.append("Fasce:")
    for rec in m.bands.to_dict("records"):
        out.append(f"  {rec[FASCIA]:<28} {rec[OBIETTIVI]}")
    if m.not_reached is not None and len(m.not_reached):
        out.append("")
        out.append(f"Obiettivi non raggiunti ({len(m.not_reached)}):")
        for rec in m.not_reached.head(20).to_dict("records"):
            out.append(f"  {rec.get(C.CODICE) or ''} {str(rec.get(C.OPERATIVO) or '')[:60]}: "
                       f"{pct(rec[GRADO])} — {rec['Regola']}")
        if len(m.not_reached) > 20:
            out.append(f"  ... e altri {len(m.not_reached) - 20} (usare --json per l'elenco "
                       "completo).")
    out.append("")
    for note in m.notes:
        out.append(f"Nota: {note}")
    out.append(f"Comune: {pct(m.overall)}"
               + (f" ({m.overall_band})" if m.overall_band else "")
               + f" — {s['rilevati']} obiettivi rilevati su {s['obiettivi_operativi']}, "
               f"{s['non_rilevati']} non rilevati, {s['esclusi']} esclusi, "
               f"{s['non_raggiunti']} non raggiunti.")
    return "\n".join(out)
