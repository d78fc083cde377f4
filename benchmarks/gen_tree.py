"""Synthetic performance trees for benchmarks and property tests.

``make_tree(n, m)``: ``n`` operational objectives over ``m`` sectors with realistic text
lengths (areas ~30 chars, strategic ~45, multi-year ~200, operational ~110).
"""

from __future__ import annotations

import random

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


if __name__ == "__main__":  # pragma: no cover
    import sys

    from xl_albero.io.table_writer import write_tree_workbook

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = sys.argv[2] if len(sys.argv) > 2 else f"albero_{n}.xlsx"
    write_tree_workbook(make_tree(n), out)
    print(out)
