"""``albero valida FILE [--json] [--report OUT.xlsx]``: renders ``usecases.valida``."""

from __future__ import annotations

from argparse import Namespace

from xl_albero import findings as F
from xl_albero.app.render import findings_table, summary_line
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.file_source import FileSource
from xl_albero.usecases.valida import ValidaOptions, valida


def run(args: Namespace, ui: Ui) -> int:
    report = None
    if args.report:
        report = check_output(args.report, sources=(args.file,), overwrite=args.sovrascrivi)
    with FileSource(args.file) as source:
        result = valida(source, ValidaOptions(foglio=args.foglio, schema=args.schema))
    tree, findings, counts = result.tree, result.findings, result.counts
    if report is not None:
        from xl_albero.io.findings_report import write_report  # XlsxWriter only when asked

        write_report(findings, counts, args.file, report)
    if args.json:
        ui.out(F.to_json({"file": str(args.file), "foglio": tree.sheet, "riepilogo": counts},
                         findings))
    else:
        if len(findings):
            ui.out(findings_table(findings))
            ui.out()
        ui.out(summary_line(tree.sheet, counts))
        if report is not None:
            ui.out(f"Rapporto scritto in «{report}».")
    return 1 if result.has_errors else 0
