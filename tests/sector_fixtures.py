"""Small trees and workbook files for the sector tests (built here, not hard-coded results)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main
from xl_albero.io.table_writer import write_tree_workbook
from xl_albero.model import Tree

SECTORS = [
    ("TECNICO ED INNOVAZIONE", "TECNICO", "Ing. Rossi", "tecnico@comune.example.it"),
    ("ECONOMICO-FINANZIARIO E PATRIMONIO", "ECOFIN", "Dott.ssa Bianchi", "ecofin@comune.example.it"),
    ("SERVIZI ALLA CITTÀ", "CITTA", "Dott. Verdi", "citta@comune.example.it"),
    ("POLIZIA LOCALE", "POLIZIA", "Comm. Neri", "polizia@comune.example.it"),
    ("AVVOCATURA COMUNALE", "AVV", None, None),  # no objectives at all
]
LONG_PLURI = ("Obiettivo pluriennale: migliorare la vivibilità degli spazi pubblici, la "
              "fruibilità delle piazze, con particolare attenzione al decoro urbano e alla "
              "sicurezza dei percorsi pedonali e ciclabili: azioni da porre in essere nel "
              "biennio 2024/2025 con il coinvolgimento dei cittadini e delle associazioni "
              "del territorio (testo più lungo di 255 caratteri)")


def objectives() -> list[dict]:
    t, e, c, p = (s[0] for s in SECTORS[:4])
    rows = [
        ("1.1.1.1", "L'ambiente e gli spazi", "Prendiamoci cura della città", LONG_PLURI,
         "Progetto dehors", t, None, 10, "In corso", 40),
        ("1.1.1.2", "L'ambiente e gli spazi", "Prendiamoci cura della città", LONG_PLURI,
         "Isole ecologiche nei plessi scolastici", t, e, 5, "Da avviare", 0),
        ("1.2.1.1", "L'ambiente e gli spazi", "Il territorio e il verde", "Valorizzare il PGT",
         "=SOMMA(A1:A3) non è una formula", t, f"{c}; {p}", 20, "Concluso", 100),
        ("2.1.1.1", "Una città sicura", "Sicurezza urbana", "Presidio del territorio",
         "Controlli serali", p, None, 15, "In corso", 60),
        ("3.1.1.1", "La macchina comunale", "Bilancio sano", "Riduzione dei tempi di pagamento",
         "Pagamenti entro 30 giorni", e, "TUTTI", 10, "In corso", 75),
        ("3.1.1.2", "La macchina comunale", "Bilancio sano", "Riduzione dei tempi di pagamento",
         "Recupero evasione * tributi?", e, "DIRIGENTI INTERESSATI", None, None, None),
        ("3.2.1.1", "La macchina comunale", "Servizi digitali", "Città digitale",
         "Sportello online", c, f"{t}; TUTTI", 25, "Sospeso", 25.5),
    ]
    keys = (C.CODICE, C.AREA, C.STRATEGICO, C.PLURIENNALE, C.OPERATIVO, C.RESPONSABILE,
            C.COINVOLTI, C.PESO, C.STATO, C.AVANZAMENTO)
    out = []
    for r in rows:
        d = dict(zip(keys, r, strict=True))
        d[C.ANNO] = 2025
        d[C.PERIODO] = "2024-2025"
        d["Note dell'ufficio"] = f"nota {r[0]}"  # an unknown column, kept everywhere
        out.append(d)
    return out


def small_tree(sectors: list[tuple] | None = None, rows: list[dict] | None = None) -> Tree:
    order = [C.CODICE, C.ANNO, C.AREA, C.STRATEGICO, C.PLURIENNALE, C.PERIODO, C.OPERATIVO,
             C.RESPONSABILE, C.COINVOLTI, C.PESO, C.STATO, C.AVANZAMENTO, "Note dell'ufficio"]
    data = pd.DataFrame(rows or objectives())[order]
    reg = pd.DataFrame(sectors or SECTORS, columns=list(C.REGISTRY_COLUMNS))
    return Tree(data=data, sectors=reg, registry_declared=True)


def tree_file(path: Path, tree: Tree | None = None) -> Path:
    write_tree_workbook(tree or small_tree(), path)
    return path


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], ui=Ui(out, err))
    return code, out.getvalue(), err.getvalue()
