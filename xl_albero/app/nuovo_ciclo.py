"""CLI adapter of ``albero nuovo-ciclo FILE --anno 2026 -o OUT.xlsx``."""

from __future__ import annotations

import argparse

from xl_albero import findings as F
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.file_source import FileSource
from xl_albero.io.rollover_workbook import write_rollover_workbook
from xl_albero.rollover import COUNT_LABELS, Rollover
from xl_albero.usecases.nuovo_ciclo import NuovoCicloOptions, nuovo_ciclo

#: Review items listed in full; beyond that only their number is printed.
MAX_REVIEW_LINES = 30


def run(args: argparse.Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    with FileSource(args.file) as source:
        ro = nuovo_ciclo(source, NuovoCicloOptions(
            anno=args.anno, estendi_periodo=args.estendi_periodo, foglio=args.foglio,
            schema=args.schema)).rollover
    write_rollover_workbook(ro, out)
    for line in summary_lines(ro, str(out)):
        ui.out(line)
    return 0


def summary_lines(ro: Rollover, output: str) -> list[str]:
    """The Italian summary printed after a rollover."""
    c = ro.counts
    lines = [f"Nuovo ciclo {ro.old_year} \u2192 {ro.year} scritto in «{output}».", ""]
    width = max(len(label) for label in COUNT_LABELS.values())
    for key, label in COUNT_LABELS.items():
        if key in ("proposte", "periodi_estesi", "segnaposto") and not c.get(key):
            continue
        lines.append(f"  {label.ljust(width)}  {c.get(key, 0):>7}")
    review = ro.review
    if len(review):
        lines += ["", f"Da rivedere nel nuovo albero ({len(review)} celle):"]
        for rec in F.to_records(review.head(MAX_REVIEW_LINES)):
            where = f"{rec['foglio']}!{rec['cella']}" if rec["cella"] else rec["foglio"]
            lines.append(f"  - {where}: {rec['messaggio']}")
        if len(review) > MAX_REVIEW_LINES:
            lines.append(f"  ... e altre {len(review) - MAX_REVIEW_LINES} voci: vedere il foglio "
                         f"«Passaggio {ro.old_year}\u2192{ro.year}».")
    return lines
