"""The naive pandas + openpyxl way of each command, as a process (the benchmarks' baseline).

    python benchmarks/naive.py valida FILE
    python benchmarks/naive.py settori FILE OUT
    python benchmarks/naive.py esporta FILE DIR
    python benchmarks/naive.py riepilogo FILE OUT
    python benchmarks/naive.py nuovo-ciclo FILE OUT

What someone would write with the usual tools: ``pandas.read_excel(engine="openpyxl")``,
the same pandera rules, ``DataFrame.to_excel`` / an openpyxl load-add-save.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _read(path: str):
    import pandas as pd

    from xl_albero import columns as C
    from xl_albero.model import Tree

    df = pd.read_excel(path, sheet_name=C.SHEET_TREE, engine="openpyxl", dtype=object)
    reg = pd.read_excel(path, sheet_name=C.SHEET_SECTORS, engine="openpyxl")
    df = df.astype(object).where(df.notna(), None)
    return Tree(data=df, sectors=reg)


def valida(a: argparse.Namespace) -> int:
    from xl_albero import columns as C
    from xl_albero import findings as F
    from xl_albero.validation import validate

    tree = _read(a.file)
    findings = validate(tree)
    d = tree.data

    def distinct(cols: list[str]) -> int:
        return int(d[cols].dropna().map(C.fold).drop_duplicates().shape[0])

    counts = {"aree": distinct([C.AREA]), "obiettivi_strategici": distinct([C.AREA, C.STRATEGICO]),
              "obiettivi_pluriennali": distinct([C.AREA, C.STRATEGICO, C.PLURIENNALE]),
              "obiettivi_operativi": len(d), **F.counts(findings)}
    print(json.dumps({"riepilogo": counts, "rilievi": findings.to_dict("records")},
                     ensure_ascii=False, indent=2, default=str))
    return 1 if F.has_errors(findings) else 0


def settori(a: argparse.Namespace) -> int:
    import openpyxl
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from xl_albero.per_sector import sector_frames

    tree = _read(a.file)
    frames = sector_frames(tree)
    wb = openpyxl.load_workbook(a.file)
    for sigla, frame in frames.items():
        ws = wb.create_sheet(sigla)
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([None if v != v else v for v in row])
        ws.add_table(Table(displayName=f"T_{sigla}", ref=_ref(ws),
                           tableStyleInfo=TableStyleInfo(name="TableStyleMedium2")))
    wb.save(a.out)
    return 0


def _ref(ws) -> str:
    from openpyxl.utils import get_column_letter

    return f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 2)}"


def esporta(a: argparse.Namespace) -> int:
    from xl_albero.per_sector import sector_frames

    tree = _read(a.file)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for sigla, frame in sector_frames(tree).items():
        frame.to_excel(out / f"{sigla}.xlsx", index=False, engine="openpyxl")
    return 0


def riepilogo(a: argparse.Namespace) -> int:
    import pandas as pd

    from xl_albero import columns as C

    tree = _read(a.file)
    d = tree.data
    with pd.ExcelWriter(a.out, engine="openpyxl") as xw:
        d.to_excel(xw, sheet_name=C.SHEET_TREE, index=False)
        for i, (rows, cols) in enumerate([(C.AREA, C.RESPONSABILE), (C.STRATEGICO, C.RESPONSABILE),
                                          (C.RESPONSABILE, C.STATO)]):
            p = d.pivot_table(index=rows, columns=cols, values=C.OPERATIVO, aggfunc="count",
                              margins=True, margins_name="Totale", fill_value=0)
            p.to_excel(xw, sheet_name=f"Riepilogo {i + 1}")
    return 0


def nuovo_ciclo(a: argparse.Namespace) -> int:
    import pandas as pd

    from xl_albero import columns as C

    tree = _read(a.file)
    d = tree.data.copy()
    d[C.ANNO] = 2026
    keep = d[C.PERIODO].astype(str).str.contains("2026")
    with pd.ExcelWriter(a.out, engine="openpyxl") as xw:
        d[keep].to_excel(xw, sheet_name=C.SHEET_TREE, index=False)
        tree.data[~keep].to_excel(xw, sheet_name="Storico", index=False)
        tree.sectors.to_excel(xw, sheet_name=C.SHEET_SECTORS, index=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="The naive pandas + openpyxl way of each command.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, fn, out in (("valida", valida, False), ("settori", settori, True),
                          ("esporta", esporta, True), ("riepilogo", riepilogo, True),
                          ("nuovo-ciclo", nuovo_ciclo, True)):
        sp = sub.add_parser(name, help=f"naive {name}")
        sp.add_argument("file")
        if out:
            sp.add_argument("out")
        sp.set_defaults(fn=fn)
    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    raise SystemExit(main())
