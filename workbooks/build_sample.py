"""Build the bundled 2025 sample workbooks from ``albero_2025.yaml``.

Run from the repository root::

    python workbooks/build_sample.py            # writes workbooks/albero_2025.xlsx and
                                                # workbooks/albero_2025_pdf.xlsx
    python workbooks/build_sample.py --out DIR  # writes the two files into DIR

* ``albero_2025.xlsx``: canonical layout (sheet ``Albero`` as an Excel Table, sheet
  ``Settori``), written with the project's own ``io.table_writer.write_tree_workbook``. The column
  ``Descrizione area`` (area motto) is an extra column the program must preserve.
* ``albero_2025_pdf.xlsx``: the layout of the approved PDF as staff type it (sheet
  ``Albero 2025``, title row, the PDF headers, merged cells for the upper levels).

Both files are written atomically. The YAML is the single source; the workbooks are derived.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: make ``xl_albero`` importable
    sys.path.insert(0, str(ROOT))

from xl_albero import columns as C  # noqa: E402
from xl_albero.io.atomic import write_atomic  # noqa: E402
from xl_albero.io.table_writer import write_tree_workbook  # noqa: E402
from xl_albero.model import Tree, join_sectors, split_sectors  # noqa: E402
from xl_albero.periods import period_in_text  # noqa: E402
from xl_albero.sector_registry import parse_sector_cell  # noqa: E402

SOURCE = HERE / "albero_2025.yaml"
CANONICAL_NAME = "albero_2025.xlsx"
PDF_NAME = "albero_2025_pdf.xlsx"

#: Extra columns of the canonical sample, unknown to the program: the area motto, and the
#: note on the cells the transcription inferred instead of reading them in the PDF.
DESCRIZIONE_AREA = "Descrizione area"
NOTA = "Nota di trascrizione"
CANONICAL_COLUMNS: tuple[str, ...] = (
    C.CODICE, C.ANNO, C.AREA, DESCRIZIONE_AREA, C.STRATEGICO, C.PLURIENNALE, C.PERIODO, NOTA,
    C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI, *C.MONITORING_COLUMNS,
)

PDF_SHEET = "Albero 2025"
PDF_HEADERS: tuple[str, ...] = (
    "AREE STRATEGICHE",
    "OBIETTIVI STRATEGICI",
    "VALORE PUBBLICO",
    "OBIETTIVI PERFORMANCE ( OBIETTIVI- OPERATIVI ANNUALI PEG)",
    "SETTORE",
)
PDF_TITLE_ROW = 1
PDF_HEADER_ROW = 3
PDF_FIRST_DATA_ROW = 4
PDF_WIDTHS = (28, 30, 42, 62, 34)

#: Fixed document timestamp so that rebuilding gives the same file properties.
FIXED_TIMESTAMP = datetime(2025, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Row:
    """One operational objective with every level above it (one row of the tree)."""

    code: str
    area_number: int
    area: str
    area_description: str
    strategic: str
    multiyear_label: str
    multiyear: str
    period: str
    operational: str
    sector_cell: str
    #: index of the PDF merged cell of the multi-year objective (shared cells share it)
    multiyear_cell: int
    #: the PDF has no multi-year text for this strategic objective: inferred (see the YAML)
    multiyear_inferred: bool = False
    #: the period is not stated in the PDF: inferred
    period_inferred: bool = False


# --- pure core ---------------------------------------------------------------------------
def load_source(path: Path = SOURCE) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def tree_rows(doc: dict) -> list[Row]:
    """Flatten the YAML hierarchy into rows, numbering codes in PDF order."""
    rows: list[Row] = []
    cell = -1
    previous_text: str | None = None
    for a_pos, area in enumerate(doc["aree"], start=1):
        if int(area["numero"]) != a_pos:
            raise ValueError(f"area {area['nome']!r}: numero {area['numero']} != {a_pos}")
        previous_text = None  # a merged cell never crosses an area
        for s_pos, strategic in enumerate(area["strategici"], start=1):
            for m_pos, multi in enumerate(strategic["pluriennali"], start=1):
                if multi.get("cella_unita_al_precedente"):
                    if multi["testo"] != previous_text:
                        raise ValueError(
                            f"{a_pos}.{s_pos}.{m_pos}: 'cella_unita_al_precedente' but the "
                            "text differs from the preceding multi-year objective"
                        )
                else:
                    cell += 1
                previous_text = multi["testo"]
                for o_pos, op in enumerate(multi["operativi"], start=1):
                    rows.append(Row(
                        code=f"{a_pos}.{s_pos}.{m_pos}.{o_pos}",
                        area_number=a_pos,
                        area=area["nome"],
                        area_description=area["descrizione"],
                        strategic=strategic["nome"],
                        multiyear_label=multi["etichetta"],
                        multiyear=multi["testo"],
                        period=str(multi["periodo"]),
                        operational=op["testo"],
                        sector_cell=op["settore"],
                        multiyear_cell=cell,
                        multiyear_inferred=bool(multi.get("pluriennale_dedotto")),
                        period_inferred=(bool(multi.get("pluriennale_dedotto"))
                                         or period_in_text(multi["testo"]) is None),
                    ))
    return rows


def registry_frame(doc: dict) -> pd.DataFrame:
    """The sector registry (``Settori`` sheet)."""
    return pd.DataFrame(
        [[s["settore"], s["sigla"], s["dirigente"], s["email"]] for s in doc["settori"]],
        columns=list(C.REGISTRY_COLUMNS),
    )


def canonical_frame(rows: list[Row], year: int) -> pd.DataFrame:
    """The canonical ``Albero`` table; sectors split with ``parse_sector_cell``."""
    records = []
    for r in rows:
        responsible, involved = parse_sector_cell(r.sector_cell)
        records.append({
            C.CODICE: r.code,
            C.ANNO: year,
            C.AREA: r.area,
            DESCRIZIONE_AREA: r.area_description,
            C.STRATEGICO: r.strategic,
            C.PLURIENNALE: r.multiyear,
            C.PERIODO: r.period,
            NOTA: inferred_note(r),
            C.OPERATIVO: r.operational,
            C.RESPONSABILE: responsible,
            C.COINVOLTI: join_sectors(involved) or None,
            **{col: None for col in C.MONITORING_COLUMNS},
        })
    return pd.DataFrame(records, columns=list(CANONICAL_COLUMNS))


def inferred_note(r: Row) -> str | None:
    """The ``Nota di trascrizione`` of a row: which of its cells the transcription
    inferred instead of reading them in the approved PDF (``None``: all read)."""
    if r.multiyear_inferred:
        return ("Obiettivo pluriennale e periodo dedotti: il PDF non ne riporta per questo "
                "obiettivo strategico (ripreso dalla cella unita sopra).")
    if r.period_inferred:
        return f"Periodo dedotto ({r.period}): il testo del PDF non indica gli anni."
    return None


def check_sectors(data: pd.DataFrame, registry: pd.DataFrame) -> None:
    """Every sector named in the tree is in the registry (tokens excepted)."""
    known = set(registry[C.SETTORE])
    tokens = {C.TUTTI, C.INTERESSATI}
    for code, resp, inv in zip(data[C.CODICE], data[C.RESPONSABILE], data[C.COINVOLTI],
                               strict=True):
        names = [resp, *split_sectors(inv)]
        unknown = [n for n in names if n not in known and n not in tokens]
        if unknown:
            raise ValueError(f"{code}: sector(s) not in the registry: {unknown}")


def spans(keys: list[object]) -> list[tuple[int, int]]:
    """Runs of equal consecutive keys as (first, last) 0-based positions."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out.append((start, i - 1))
            start = i
    return out


def pdf_values(rows: list[Row]) -> list[tuple[str, str, str, str, str]]:
    """Cell texts of the PDF layout, one tuple per row (before merging)."""
    return [(
        f"{r.area_number}. {r.area}",
        r.strategic,
        f"{r.multiyear_label} {r.multiyear}",
        r.operational,
        r.sector_cell,
    ) for r in rows]


def pdf_spans(rows: list[Row]) -> dict[int, list[tuple[int, int]]]:
    """Merged spans per PDF column (0 area, 1 strategic, 2 multi-year), 0-based rows."""
    return {
        0: spans([r.area_number for r in rows]),
        1: spans([(r.area_number, r.code.split(".")[1]) for r in rows]),
        2: spans([r.multiyear_cell for r in rows]),
    }


# --- file edge ---------------------------------------------------------------------------
def write_canonical(doc: dict, rows: list[Row], path: Path) -> Path:
    data = canonical_frame(rows, int(doc["anno"]))
    registry = registry_frame(doc)
    check_sectors(data, registry)

    def _properties(wb) -> None:
        wb.set_properties({
            "title": f"{doc['titolo']} - {doc['ente']}",
            "author": "xl-albero",
            "created": FIXED_TIMESTAMP,
        })

    return write_tree_workbook(Tree(data=data, sectors=registry), path, extra=_properties)


def write_pdf_layout(doc: dict, rows: list[Row], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = PDF_SHEET
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    top_wrap = Alignment(wrap_text=True, vertical="top")
    ncols = len(PDF_HEADERS)

    title = ws.cell(PDF_TITLE_ROW, 1, doc["titolo"])
    title.font = Font(bold=True, size=14)
    ws.merge_cells(start_row=PDF_TITLE_ROW, start_column=1, end_row=PDF_TITLE_ROW,
                   end_column=ncols)
    for j, header in enumerate(PDF_HEADERS, start=1):
        c = ws.cell(PDF_HEADER_ROW, j, header)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="D9E1F2")
        c.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        c.border = border
        ws.column_dimensions[get_column_letter(j)].width = PDF_WIDTHS[j - 1]
    ws.row_dimensions[PDF_HEADER_ROW].height = 32

    for i, values in enumerate(pdf_values(rows)):
        for j, value in enumerate(values, start=1):
            c = ws.cell(PDF_FIRST_DATA_ROW + i, j)
            c.alignment = top_wrap
            c.border = border
            c.value = value
            c.data_type = "s"  # text stays text, whatever it starts with
            if j <= 2:
                c.font = Font(bold=True)
    for col, col_spans in pdf_spans(rows).items():
        for first, last in col_spans:
            if last > first:
                for k in range(first + 1, last + 1):  # merged-away cells carry no value
                    ws.cell(PDF_FIRST_DATA_ROW + k, col + 1).value = None
                ws.merge_cells(start_row=PDF_FIRST_DATA_ROW + first, start_column=col + 1,
                               end_row=PDF_FIRST_DATA_ROW + last, end_column=col + 1)

    ws.freeze_panes = ws.cell(PDF_FIRST_DATA_ROW, 1)
    ws.print_title_rows = f"{PDF_HEADER_ROW}:{PDF_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.properties.title = f"{doc['titolo']} - {doc['ente']}"
    wb.properties.creator = "xl-albero"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP

    def _save(tmp: Path) -> None:
        wb.save(tmp)
        _fix_zip_timestamps(tmp)

    return write_atomic(path, _save)


_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fix_zip_timestamps(path: Path) -> None:
    """Rewrite the xlsx zip with fixed dates (entries, ``modified``) for identical rebuilds.

    openpyxl stamps ``dcterms:modified`` with the save time whatever the properties say.
    """
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, payload in entries:
            if info.filename == "docProps/core.xml":
                payload = _MODIFIED.sub(
                    rf"\g<1>{FIXED_TIMESTAMP:%Y-%m-%dT%H:%M:%SZ}\g<2>", payload.decode()
                ).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, payload)


def build(out_dir: Path = HERE, source: Path = SOURCE) -> tuple[Path, Path]:
    """Write both sample workbooks into ``out_dir``; return their paths."""
    doc = load_source(source)
    rows = tree_rows(doc)
    out_dir = Path(out_dir)
    return (write_canonical(doc, rows, out_dir / CANONICAL_NAME),
            write_pdf_layout(doc, rows, out_dir / PDF_NAME))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the 2025 sample workbooks.")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
