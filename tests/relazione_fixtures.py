"""A measured tree for the relazione tests, built here until ``measure`` is on main.

``measured(tree)`` follows the ``measure`` contract: grado = ``Avanzamento %`` (0-100),
three bands, equal weights, roll-ups as plain means of the reported objectives.
"""

from __future__ import annotations

import pandas as pd

from xl_albero import columns as C
from xl_albero.measure import Measurement
from xl_albero.model import Tree, split_sectors

BANDS = (("Raggiunto", 90.0), ("Parzialmente raggiunto", 50.0), ("Non raggiunto", 0.0))


def _band(v: float) -> str:
    if pd.isna(v):
        return "Non rilevato"
    return next(name for name, low in BANDS if v >= low)


def measured(tree: Tree) -> Measurement:
    d = tree.data.copy()
    obj = pd.DataFrame({
        C.CODICE: d[C.CODICE], C.AREA: d[C.AREA], C.STRATEGICO: d[C.STRATEGICO],
        C.PLURIENNALE: d[C.PLURIENNALE], C.OPERATIVO: d[C.OPERATIVO],
        C.RESPONSABILE: d[C.RESPONSABILE], C.COINVOLTI: d[C.COINVOLTI],
        C.INDICATORE: d.get(C.INDICATORE, ""), C.TARGET: d.get(C.TARGET, ""),
        "Valore consuntivo": d.get("Valore consuntivo", ""),
        C.AVANZAMENTO: d.get(C.AVANZAMENTO),
    })
    grado = pd.to_numeric(obj[C.AVANZAMENTO], errors="coerce").clip(0, 100)
    obj["Grado %"] = grado
    obj["Regola"] = "avanzamento dichiarato"
    obj["Fascia"] = grado.map(_band)
    obj["Peso"] = 1.0
    obj["Note"] = d.get("Note", pd.Series([""] * len(d))).fillna("")

    def roll(level: str, depth: int) -> pd.DataFrame:
        key = obj[C.CODICE].astype(str).str.split(".").str[:depth].str.join(".")
        g = obj.assign(_k=key).groupby(["_k", level], sort=False)
        out = g.agg(**{"Grado %": ("Grado %", "mean"), "Obiettivi": ("Grado %", "size"),
                       "Rilevati": ("Grado %", "count")}).reset_index()
        return out.rename(columns={"_k": C.CODICE})[[C.CODICE, level, "Grado %", "Obiettivi",
                                                     "Rilevati"]]

    sectors = []
    for name, sigla in zip(tree.sectors[C.SETTORE], tree.sectors[C.SIGLA], strict=True):
        led = obj[obj[C.RESPONSABILE] == name]
        inv = sum(1 for lead, cell in zip(obj[C.RESPONSABILE], obj[C.COINVOLTI], strict=True)
                  if lead != name and (name in split_sectors(cell)
                                       or C.TUTTI in split_sectors(cell)))
        sectors.append({C.SETTORE: name, C.SIGLA: sigla, "Grado %": led["Grado %"].mean(),
                        "Obiettivi guidati": len(led), "Rilevati": int(led["Grado %"].count()),
                        "Obiettivi coinvolto": inv})
    bands = [{"Fascia": name, "Obiettivi": int((obj["Fascia"] == name).sum())}
             for name, _ in BANDS] + [{"Fascia": "Non rilevato",
                                       "Obiettivi": int((obj["Fascia"] == "Non rilevato").sum())}]
    overall = grado.mean()
    return Measurement(
        objectives=obj, multi_year=roll(C.PLURIENNALE, 3), strategic=roll(C.STRATEGICO, 2),
        areas=roll(C.AREA, 1), sectors=pd.DataFrame(sectors), bands=pd.DataFrame(bands),
        overall=None if pd.isna(overall) else float(overall),
        notes=("Pesi uguali per tutti gli obiettivi.",),
        not_reached=obj[obj["Fascia"] == "Non raggiunto"], year=tree.year)
