"""``albero importa FILE -o OUT.xlsx``: the PDF layout (or any tree sheet) -> canonical."""

from __future__ import annotations

from argparse import Namespace

from xl_albero.app.render import summary_line
from xl_albero.app.ui import Ui
from xl_albero.io.atomic import check_output
from xl_albero.io.file_source import FileSource
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.usecases.importa import ImportaOptions, importa


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(args.output, sources=(args.file,), overwrite=args.sovrascrivi)
    with FileSource(args.file) as source:
        result = importa(source, ImportaOptions(foglio=args.foglio))
    tree = result.tree
    write_tree_workbook(tree, out)
    ui.out(f"Albero importato da «{tree.sheet}» e scritto in «{out}» (fogli «Albero» e "
           "«Settori»).")
    if not tree.registry_declared:
        ui.out("Il foglio «Settori» è stato ricavato dai settori trovati: completare "
               "Sigla, Dirigente ed Email.")
    unstated = int((result.findings["codice"] == "PERIODO_NON_INDICATO").sum())
    if unstated:
        ui.out(f"{unstated} obiettivi pluriennali senza periodo (il testo non lo indica): "
               f"compilare la colonna «Periodo» di «{out.name}».")
    ui.out(summary_line(tree.sheet, result.counts))
    if result.has_errors:
        ui.out(f"Controllare i rilievi con: albero valida {out}")
        return 1
    return 0
