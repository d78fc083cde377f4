"""Build the blank template workbook ``workbooks/modello_albero.xlsx``.

Run from the repository root::

    python workbooks/build_template.py             # writes workbooks/modello_albero.xlsx
    python workbooks/build_template.py --out DIR   # writes it into DIR

A comune that has no tree in Excel yet starts from this file: sheet ``Albero`` (the
canonical columns as an Excel Table, one example row to overwrite), sheet ``Settori`` (the
registry, one example row) and sheet ``Istruzioni`` (what to write in each column). It is
written with the project's own writer (``io.table_writer.write_tree_workbook``), so it
prints like every other file and ``albero valida`` finds no errore in it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: make ``xl_albero`` importable
    sys.path.insert(0, str(ROOT))

from xl_albero import columns as C  # noqa: E402
from xl_albero.io.table_writer import write_print_table, write_tree_workbook  # noqa: E402
from xl_albero.model import Tree  # noqa: E402

NAME = "modello_albero.xlsx"
YEAR = 2026
SHEET_HELP = "Istruzioni"
#: Fixed document timestamp so that rebuilding gives the same file properties.
FIXED_TIMESTAMP = datetime(2026, 1, 1, 0, 0, 0)

SECTOR = "SETTORE DI ESEMPIO"
EXAMPLE: dict[str, object] = {
    C.CODICE: "1.1.1.1",
    C.ANNO: YEAR,
    C.AREA: "AREA STRATEGICA DI ESEMPIO",
    C.STRATEGICO: "Obiettivo strategico di esempio",
    C.PLURIENNALE: "Obiettivo pluriennale (valore pubblico) di esempio",
    C.PERIODO: f"{YEAR}-{YEAR + 2}",
    C.OPERATIVO: "Obiettivo operativo annuale (PEG) di esempio: sostituire questa riga",
    C.RESPONSABILE: SECTOR,
    C.COINVOLTI: None,
    C.INDICATORE: "Numero di pratiche concluse entro 30 giorni",
    C.TARGET: "almeno 90%",
    C.PESO: 100,
    C.STATO: "Da avviare",
    C.AVANZAMENTO: 0,
}
REGISTRY: dict[str, object] = {
    C.SETTORE: SECTOR, C.SIGLA: "ESEMPIO", C.DIRIGENTE: "Nome Cognome",
    C.EMAIL: "dirigente@comune.example.it",
}
#: What to write in each column (sheet ``Istruzioni``).
HELP: tuple[tuple[str, str], ...] = (
    (C.CODICE, "Facoltativo: area.strategico.pluriennale.operativo (1.2.3.4). Se la colonna "
               "è vuota i codici vengono assegnati dal programma."),
    (C.ANNO, "L'anno del piano, uguale su tutte le righe (per esempio 2026)."),
    (C.AREA, "L'area strategica, ripetuta su ogni riga (o celle unite)."),
    (C.STRATEGICO, "L'obiettivo strategico, ripetuto su ogni riga (o celle unite)."),
    (C.PLURIENNALE, "L'obiettivo pluriennale di valore pubblico."),
    (C.PERIODO, "Gli anni dell'obiettivo pluriennale: anno iniziale-anno finale, per esempio "
                "2026-2028."),
    (C.OPERATIVO, "Un obiettivo operativo annuale (PEG) per riga."),
    (C.RESPONSABILE, "Il settore responsabile, scritto come nel foglio Settori."),
    (C.COINVOLTI, "Gli altri settori coinvolti separati da «; », oppure TUTTI; vuoto se "
                  "nessuno."),
    (C.INDICATORE, "Facoltativo: come si misura l'obiettivo."),
    (C.TARGET, "Facoltativo: il valore atteso dell'indicatore."),
    (C.PESO, "Facoltativo: il peso dell'obiettivo per il settore (i pesi di un settore "
             "sommano a 100)."),
    (C.STATO, "Facoltativo: " + ", ".join(C.STATI) + "."),
    (C.AVANZAMENTO, "Facoltativo: la percentuale raggiunta, da 0 a 100."),
    (C.SETTORE, "Foglio Settori: il nome di ogni settore, una riga per settore."),
    (C.SIGLA, "Foglio Settori: un nome breve (lettere e numeri) per i fogli e i file del "
              "settore."),
    (C.DIRIGENTE, "Foglio Settori: chi riceve la cartella del settore."),
    (C.EMAIL, "Foglio Settori: l'indirizzo a cui «albero invia» manda la cartella."),
    ("Altre colonne", "Le colonne che il programma non conosce (note dell'ufficio...) sono "
                      "mantenute, nell'ordine, da ogni comando."),
)


def template_tree() -> Tree:
    """The template's tree: one example row and one example sector."""
    data = pd.DataFrame([EXAMPLE], columns=list(C.TREE_COLUMNS) + list(C.MONITORING_COLUMNS))
    registry = pd.DataFrame([REGISTRY], columns=list(C.REGISTRY_COLUMNS))
    return Tree(data=data, sectors=registry, registry_declared=True)


def build(out_dir: Path = HERE) -> Path:
    """Write the template into ``out_dir``; return its path."""

    def _extra(wb) -> None:
        wb.set_properties({"title": "Modello dell'Albero della Performance",
                           "author": "xl-albero", "created": FIXED_TIMESTAMP})
        ws = wb.add_worksheet(SHEET_HELP)
        help_df = pd.DataFrame(HELP, columns=["Colonna", "Che cosa scrivere"])
        write_print_table(wb, ws, help_df, table_name="TabIstruzioni",
                          style="Table Style Light 9", widths={"Che cosa scrivere": 80},
                          title="Modello dell'Albero della Performance: istruzioni")

    return write_tree_workbook(template_tree(), Path(out_dir) / NAME, extra=_extra, hide=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scrive il modello vuoto dell'albero.")
    parser.add_argument("--out", type=Path, default=HERE, help="cartella di uscita")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
