"""``albero riepilogo FILE -o OUT.xlsx``: summaries (live formulas, chart) of the tree."""

from __future__ import annotations

from argparse import Namespace

from xl_albero.app.sector_common import load_checked
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.summary_workbook import write_summary_workbook
from xl_albero.measure import try_measure
from xl_albero.summary import summary_specs


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    tree, registry = load_checked(args, ui)
    specs = summary_specs(tree)
    measured = try_measure(tree)
    write_summary_workbook(tree, out, registry=registry, specs=specs, measurement=measured)
    titles = [s.title for s in specs]
    ui.out(f"Scritto «{out}» con {len(titles)} riepiloghi e il grafico degli obiettivi per "
           "settore:")
    for t in titles:
        ui.out(f"  - {t}")
    if measured is not None:
        ui.out("  - Grado di raggiungimento per area e per settore, fasce e grafico "
               "(foglio «Raggiungimento»)")
    return 0
