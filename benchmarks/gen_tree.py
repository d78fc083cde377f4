"""Synthetic performance trees for benchmarks and property tests.

``make_tree(n, m)``: ``n`` operational objectives over ``m`` sectors with realistic text
lengths (areas ~30 chars, strategic ~45, multi-year ~200, operational ~110).
``write_messy_workbook(n, path)``: the same objectives typed the way staff copy the
approved PDF: a title row, the PDF's headers, no ``Codice``/``Anno``/``Periodo`` columns
and multi-year texts that name no period, so validation has a finding on most rows.

    python benchmarks/gen_tree.py 100000 -o albero_100000.xlsx [--settori 50] [--disordinato]
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree

_WORDS = [
    "riqualificazione",
    "adeguamento",
    "servizi",
    "scolastici",
    "cittadini",
    "progetto",
    "valorizzazione",
    "digitalizzazione",
    "procedure",
    "regolamento",
    "comunale",
    "patrimonio",
    "immobiliare",
    "verde",
    "pubblico",
    "sicurezza",
    "urbana",
    "mobilità",
    "sostenibile",
    "partecipazione",
    "trasparenza",
    "qualità",
    "efficienza",
    "energetica",
    "sociale",
    "inclusione",
    "cultura",
    "sport",
    "eventi",
    "commercio",
    "territorio",
    "manutenzione",
    "programmazione",
    "controllo",
    "gestione",
    "bilancio",
    "tributi",
    "personale",
    "formazione",
    "città",
    "comunità",
    "benessere",
]


def _text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(rng.choice(_WORDS))
    s = " ".join(out)
    return s[0].upper() + s[1:]


def sectors_frame(m: int) -> pd.DataFrame:
    names = [f"SETTORE {i + 1:02d} {_text(random.Random(i), 25).upper()}" for i in range(m)]
    return pd.DataFrame(
        {
            C.SETTORE: names,
            C.SIGLA: [f"S{i + 1:02d}" for i in range(m)],
            C.DIRIGENTE: [f"Dirigente {i + 1:02d}" for i in range(m)],
            C.EMAIL: [f"settore{i + 1:02d}@comune.example" for i in range(m)],
        }
    )


def make_tree(
    n: int, m: int = 50, *, seed: int = 1, year: int = 2025, monitoring: bool = True
) -> Tree:
    """A valid tree of ``n`` operational objectives (codes consistent, one year)."""
    rng = random.Random(seed)
    reg = sectors_frame(m)
    names = reg[C.SETTORE].tolist()
    n_areas = 4
    per_strat = 6
    per_pluri = 8
    rows = []
    for i in range(n):
        a = i % n_areas
        s = (i // n_areas) % per_strat
        p = (i // (n_areas * per_strat)) % per_pluri
        k = i // (n_areas * per_strat * per_pluri) + 1
        resp = names[i % m]
        inv = [names[(i + 7) % m]] if i % 5 == 0 else ([C.TUTTI] if i % 97 == 0 else [])
        rows.append(
            {
                C.CODICE: f"{a + 1}.{s + 1}.{p + 1}.{k}",
                C.ANNO: year,
                C.AREA: f"AREA {a + 1} " + _text(random.Random(a), 25).upper(),
                C.STRATEGICO: f"STRATEGICO {a + 1}.{s + 1} "
                + _text(random.Random(100 + a * 10 + s), 40).upper(),
                C.PLURIENNALE: f"Pluriennale {a + 1}.{s + 1}.{p + 1}: "
                + _text(random.Random(1000 + a * 100 + s * 10 + p), 190),
                C.PERIODO: f"{year - 1}-{year + 1}",
                C.OPERATIVO: f"Obiettivo {a + 1}.{s + 1}.{p + 1}.{k}: " + _text(rng, 100),
                C.RESPONSABILE: resp,
                C.COINVOLTI: "; ".join(inv) or None,
                **(
                    {
                        C.INDICATORE: _text(rng, 30),
                        C.TARGET: rng.choice(["100%", "entro giugno", "3 report", "≥ 90%"]),
                        C.PESO: None,
                        C.STATO: rng.choice(list(C.STATI)),
                        C.AVANZAMENTO: rng.choice([0, 25, 50, 75, 100]),
                    }
                    if monitoring
                    else {}
                ),
                "Note interne": _text(rng, 20) if i % 3 == 0 else None,
            }
        )
    data = pd.DataFrame(rows, dtype=object)
    return Tree(data=data, sectors=reg)


#: The PDF's headers for the messy layout (``write_messy_workbook``), canonical -> PDF.
PDF_HEADERS = {
    C.AREA: "AREE STRATEGICHE",
    C.STRATEGICO: "OBIETTIVI STRATEGICI",
    C.PLURIENNALE: "VALORE PUBBLICO",
    C.OPERATIVO: "OBIETTIVI PERFORMANCE ( OBIETTIVI- OPERATIVI ANNUALI PEG)",
    C.RESPONSABILE: "SETTORE",
}


def write_messy_workbook(n: int, path: str | Path, m: int = 50, *, seed: int = 1) -> Path:
    """``n`` objectives as typed from the PDF: title row, PDF headers, no code, year or
    period column; every multi-year text without a period (a finding on most rows)."""
    from xl_albero.io.table_writer import new_workbook, write_table

    tree = make_tree(n, m, seed=seed, monitoring=False)
    data = tree.data[list(PDF_HEADERS)].rename(columns=PDF_HEADERS)
    data["VALORE PUBBLICO"] = data["VALORE PUBBLICO"].str.replace(r"^Pluriennale [0-9.]+: ",
                                                                  "", regex=True)
    path = Path(path)
    wb = new_workbook(path)
    ws = wb.add_worksheet("Albero 2025")
    ws.write_string(0, 0, "ALBERO DELLA PERFORMANCE E OBIETTIVI 2025")
    write_table(wb, ws, data, table_name="Albero2025", first_row=2)
    reg = wb.add_worksheet(C.SHEET_SECTORS)
    write_table(wb, reg, tree.sectors, table_name="Settori")
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    from xl_albero.io.table_writer import write_tree_workbook

    p = argparse.ArgumentParser(description="Write a synthetic tree workbook for benchmarks.")
    p.add_argument("n", type=int, nargs="?", default=1000, help="operational objectives")
    p.add_argument("out", nargs="?", help="output .xlsx (default albero_N.xlsx)")
    p.add_argument("-o", "--output", help="output .xlsx (same as OUT)")
    p.add_argument("--settori", type=int, default=50, help="sectors (default 50)")
    p.add_argument("--disordinato", action="store_true",
                   help="the PDF layout: title row, PDF headers, no Codice/Anno/Periodo "
                        "(most rows get a finding)")
    a = p.parse_args(argv)
    out = a.output or a.out or f"albero_{a.n}{'_disordinato' if a.disordinato else ''}.xlsx"
    if a.disordinato:
        write_messy_workbook(a.n, out, a.settori)
    else:
        write_tree_workbook(make_tree(a.n, a.settori), out)
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
