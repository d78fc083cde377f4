"""``esporta``: one workbook per sector, to send to its dirigente.

Each file has a cover sheet (``Copertina``: sector, dirigente, year, counts, date) and the
sheet ``Obiettivi``: the objectives the sector leads, then those it is involved in, with
their context (area, strategic and multi-year objective...) and the monitoring columns
(``Indicatore``, ``Target``, ``Peso``, ``Stato``, ``Avanzamento %``, ``Valore consuntivo``,
``Note``) ready to fill in. The structural columns are locked by sheet protection without
password (anyone can view, filter and sort); the monitoring columns are unlocked and
tinted. The file carries its identity (``xl_albero.identity``): a hidden ``Identità`` sheet
(sector, year, tree fingerprint, export time) and a hidden ``Chiave riga`` column, so that
``raccogli`` recognises it and each of its rows when it comes back; the custom document
properties ``xl_albero_sigla``/``xl_albero_anno`` say the same for other tools.

Writer: XlsxWriter for the structure plus ``io.xml_rows`` for the rows (see there why).
All files are written in a temporary folder inside the target folder and moved into
place only when every one is complete.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xl_albero import columns as C
from xl_albero.errors import OutputError, os_reason
from xl_albero.identity import (
    EDITABLE_COLUMNS,
    KEY_COLUMN,
    NOTE_TEXT,
    SHEET_IDENTITY,
    Stamp,
    fingerprint,
    row_key,
)
from xl_albero.io.atomic import check_folder, check_target, publish, shielded, write_error
from xl_albero.io.table_writer import new_workbook, setup_print, write_table
from xl_albero.print_layout import ROOM_TO_WRITE, SheetLayout, hidden_note, table_layout
from xl_albero.usecases.sectors import SectorInfo, SectorsResult

SHEET_COVER = "Copertina"
SHEET_OBJECTIVES = "Obiettivi"
TABLE_NAME = "Obiettivi"


@dataclass(frozen=True)
class ExportedWorkbook:
    """One sector's export. ``path`` is ``None`` when the sector has no objectives."""

    sector: str
    sigla: str
    dirigente: str | None
    email: str | None
    path: Path | None
    led: int
    involved: int


def sector_workbook_name(sigla: str, year: int | None) -> str:
    """File name of a sector's workbook: ``SIGLA_2025.xlsx`` (``SIGLA.xlsx`` without year)."""
    return f"{sigla}_{year}.xlsx" if year else f"{sigla}.xlsx"


def export_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The frame as exported + its locked columns.

    Editable (monitoring) columns come last, added when missing, then the row key (locked):
    ``frame``'s index must be the rows' positions in the tree (``sector_frames`` does it).
    """
    structural = [c for c in frame.columns if c not in EDITABLE_COLUMNS and c != KEY_COLUMN]
    out = frame[structural].copy()
    for c in EDITABLE_COLUMNS:
        out[c] = frame.get(c, None)
    editable = out[list(EDITABLE_COLUMNS)].itertuples(index=False, name=None)
    out[KEY_COLUMN] = [row_key(int(pos), vals) for pos, vals in zip(frame.index, editable,
                                                                     strict=True)]
    return out.reset_index(drop=True), [*structural, KEY_COLUMN]


def export_all(result: SectorsResult, folder: str | os.PathLike, *, overwrite: bool = False,
               today: dt.date | None = None,
               progress: Callable[[Iterable], Iterable] | None = None,
               now: dt.datetime | None = None,
               ) -> list[ExportedWorkbook]:
    """Write one workbook per sector with objectives into ``folder`` (registry order):
    renders ``usecases.sectors`` (the registry was checked and the frames computed there).

    ``now`` is the export time stamped in each file (default: ``today`` at midnight when
    ``today`` is given, so that a re-export gives the same files, else the current time).

    Refuses before writing anything: existing files unless ``overwrite``, a folder that
    cannot be written (``OutputError``). Sectors without objectives are returned with
    ``path=None``.
    """
    folder = check_folder(folder, create=True)
    tree = result.checked.tree
    if now is None:
        now = (dt.datetime(today.year, today.month, today.day) if today is not None
               else dt.datetime.now().replace(microsecond=0))
    today = today or now.date()
    year = tree.year
    print_ = fingerprint(tree)
    plan: list[tuple[SectorInfo, pd.DataFrame, Path | None]] = []
    for info, frame in zip(result.sectors, result.frames.values(), strict=True):
        target = folder / sector_workbook_name(info.sigla, year) if len(frame) else None
        plan.append((info, frame, target))
    for *_, t in plan:  # not an input, not a device or folder, a name the disk accepts
        if t is not None:
            check_target(t, overwrite=True)
    existing = [t for *_, t in plan if t is not None and os.path.lexists(t)]
    if existing and not overwrite:
        names = ", ".join(f"«{t.name}»" for t in existing[:5])
        more = f" e altri {len(existing) - 5}" if len(existing) > 5 else ""
        raise OutputError(f"Nella cartella «{folder}» esistono già {names}{more}: scegliere "
                          "un'altra cartella oppure chiedere di sostituirli.",
                          option="sovrascrivi")
    results: list[ExportedWorkbook] = []
    ready: list[tuple[Path, Path]] = []
    work: Path | None = None
    try:
        # made under the shield, inside the try: a signal arriving just as the folder is
        # created is handled after ``work`` is known, so the ``finally`` removes it
        with shielded():
            try:
                work = Path(tempfile.mkdtemp(prefix=".albero-esporta-", dir=folder))
            except OSError as exc:
                raise OutputError(f"Impossibile scrivere nella cartella «{folder}»: "
                                  f"{os_reason(exc)}.") from exc
        items: Iterable = plan if progress is None else progress(plan)
        for sector, frame, target in items:
            info = ExportedWorkbook(
                sector=sector.name, sigla=sector.sigla, dirigente=sector.dirigente,
                email=sector.email, path=target, led=sector.led, involved=sector.involved)
            results.append(info)
            if target is None:
                continue
            tmp = work / target.name
            stamp = Stamp(sector=info.sector, sigla=info.sigla, year=year, fingerprint=print_,
                          exported=now, rows=len(frame))
            write_sector_workbook(info, frame, tmp, year=year, today=today, stamp=stamp)
            ready.append((tmp, target))
        with shielded():
            for tmp, target in ready:
                publish(tmp, target, overwrite=overwrite)
    except OutputError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) or any(isinstance(a, OSError) for a in exc.args):
            raise write_error(folder, exc) from exc
        raise
    finally:
        if work is not None:
            with shielded():
                shutil.rmtree(work, ignore_errors=True)
    return results


def write_sector_workbook(info: ExportedWorkbook, frame: pd.DataFrame, path: Path, *,
                          year: int | None, today: dt.date, stamp: Stamp | None = None
                          ) -> Path:
    """Write one sector's workbook at ``path`` (not atomically: ``export_all`` moves it)."""
    data, locked = export_columns(frame)
    wb = new_workbook(path)
    anno = str(year) if year else ""
    props = {"title": f"Obiettivi {anno} – {info.sector}".replace("  ", " "),
             "subject": "Albero della Performance", "author": "xl-albero", "company": ""}
    if stamp is not None:
        props["created"] = stamp.exported
    wb.set_properties(props)
    wb.set_custom_property("xl_albero_sigla", info.sigla)
    wb.set_custom_property("xl_albero_settore", info.sector)
    if year:
        wb.set_custom_property("xl_albero_anno", int(year))
    layout = sheet_layout(data.drop(columns=[KEY_COLUMN]))
    _cover(wb, info, year=year, today=today, monitoring=[c for c in data.columns
                                                          if c not in locked],
           hidden=list(layout.hidden))
    ws = wb.add_worksheet(SHEET_OBJECTIVES)
    write_table(wb, ws, data, table_name=TABLE_NAME, locked=locked, header_wrap=True,
                widths={**dict(zip(layout.names, layout.widths, strict=True)),
                        KEY_COLUMN: 14},
                wrap={n for n, w in zip(layout.names, layout.wrap, strict=True) if w},
                heights=layout.heights, header_height=layout.header_height,
                hidden=(*layout.hidden, KEY_COLUMN))
    _validations(ws, data)
    setup_print(ws, title=f"{info.sector} – Obiettivi {anno}".strip())
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True,
                    "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})
    ws.activate()
    if stamp is not None:
        _identity(wb, stamp)
    wb.close()
    return path


def _identity(wb, stamp: Stamp) -> None:
    """The hidden identity sheet (plain text cells: they survive any save-as)."""
    ws = wb.add_worksheet(SHEET_IDENTITY)
    ws.write_string(0, 0, "Voce")
    ws.write_string(0, 1, "Valore")
    for r, (k, v) in enumerate(stamp.items(), start=1):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v)
    ws.write_string(len(stamp.items()) + 2, 0, NOTE_TEXT)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 40)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    ws.hide()


def sheet_layout(data: pd.DataFrame) -> SheetLayout:
    """Widths, wrapping, row heights and printed columns of the ``Obiettivi`` sheet; the
    columns the dirigente fills in keep room to write (``ROOM_TO_WRITE``)."""
    names = [str(c) for c in data.columns]
    return table_layout(names, [data.iloc[:, j].tolist() for j in range(len(names))],
                        room=ROOM_TO_WRITE)


def _validations(ws, data: pd.DataFrame) -> None:
    cols = list(data.columns)
    first, last = 1, max(len(data), 1)
    if C.STATO in cols:
        j = cols.index(C.STATO)
        ws.data_validation(first, j, last, j, {
            "validate": "list", "source": list(C.STATI), "error_title": "Stato non valido",
            "error_message": "Scegliere uno degli stati dall'elenco.",
            "input_title": "Stato", "input_message": "Scegliere dall'elenco."})
    if C.AVANZAMENTO in cols:
        j = cols.index(C.AVANZAMENTO)
        vals = pd.to_numeric(data[C.AVANZAMENTO], errors="coerce").dropna()
        top = 1 if len(vals) and vals.max() <= 1 and (vals % 1 != 0).any() else 100
        ws.data_validation(first, j, last, j, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": top,
            "error_title": "Avanzamento non valido",
            "error_message": f"Indicare un numero tra 0 e {top}."})
    if C.PESO in cols:
        j = cols.index(C.PESO)
        ws.data_validation(first, j, last, j, {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "error_title": "Peso non valido", "error_message": "Indicare un numero positivo."})


def _cover(wb, info: ExportedWorkbook, *, year: int | None, today: dt.date,
           monitoring: list[str], hidden: list[str] | None = None) -> None:
    ws = wb.add_worksheet(SHEET_COVER)
    title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E79"})
    label = wb.add_format({"bold": True, "valign": "top"})
    value = wb.add_format({"text_wrap": True, "valign": "top", "align": "left"})
    date = wb.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
    note = wb.add_format({"text_wrap": True, "valign": "top", "italic": True})
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    ws.write_string(0, 0, f"Obiettivi {year or ''} – {info.sector}".replace("  ", " "), title)
    rows: list[tuple[str, object]] = [
        ("Settore", info.sector), ("Sigla", info.sigla), ("Dirigente", info.dirigente or ""),
        ("Email", info.email or ""), ("Anno", year if year else ""),
        ("Obiettivi di cui è responsabile", info.led),
        ("Obiettivi in cui è coinvolto", info.involved),
        ("Totale obiettivi", info.led + info.involved),
    ]
    r = 2
    for name, v in rows:
        ws.write_string(r, 0, name, label)
        if isinstance(v, str):
            ws.write_string(r, 1, v, value)
        else:
            ws.write_number(r, 1, v, value)
        r += 1
    ws.write_string(r, 0, "Data di estrazione", label)
    ws.write_datetime(r, 1, dt.datetime(today.year, today.month, today.day), date)
    r += 2
    ws.write_string(r, 0, "Come compilare", label)
    ws.write_string(r, 1, (
        f"Nel foglio «{SHEET_OBJECTIVES}» compilare solo le colonne con lo sfondo colorato ("
        + ", ".join(monitoring) + "). Le altre colonne descrivono l'obiettivo e sono protette "
        "(senza password) perché il file possa essere riunito all'albero senza errori. "
        "La colonna «Ruolo del settore» indica se il settore è responsabile dell'obiettivo "
        "o solo coinvolto. Non rinominare i fogli e non aggiungere o togliere righe."
        + (" " + hidden_note(hidden) if hidden else "")), note)
    ws.set_row(r, 105 if hidden else 90)
    setup_print(ws, title=f"{info.sector} – Copertina")
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
