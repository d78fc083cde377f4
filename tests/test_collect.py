"""``albero raccogli``: esporta -> returned workbooks filled in like a dirigente -> raccogli
-> misura, with every bad return reported in Italian; reruns byte-identical."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import builders, trees
from tests.lo import lo_convert, needs_lo
from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main
from xl_albero.collect import collect
from xl_albero.identity import KEY_COLUMN, SHEET_IDENTITY, fingerprint
from xl_albero.io.reader import load_tree
from xl_albero.io.returned import read_returned
from xl_albero.io.sector_workbook import export_all
from xl_albero.model import Tree
from xl_albero.per_sector import registry_problems
from xl_albero.usecases.sectors import SectorOptions, sectors_of_tree

SECTORS = trees.SECTORS
SIGLE = list(trees.registry()[C.SIGLA])
EXPORTED = dt.datetime(2025, 6, 20, 9, 30)


FORCE = SectorOptions(forza=True)  # export_all renders; tree errori are not its business


def run(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], Ui(out, err))
    return code, out.getvalue(), err.getvalue()


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def tree_frame() -> pd.DataFrame:
    """8 objectives, 4 areas, sectors 0-3 leading two each; row 0 involves sector 1."""
    df = trees.frame(8)
    df[C.COINVOLTI] = [SECTORS[1], None, None, None, None, None, None, None]
    df[C.PESO] = [60, 50, 50, 100, 40, 50, 50, None]
    df.loc[7, C.PESO] = None
    return df


def exported(tmp: Path, df: pd.DataFrame | None = None, *, now=EXPORTED) -> tuple[Path, Path]:
    src = trees.write(tmp / "albero.xlsx", tree_frame() if df is None else df)
    export_all(sectors_of_tree(load_tree(src), FORCE), tmp / "esportate", now=now)
    return src, tmp / "esportate"


def fill(src: Path, dst: Path, values: dict[str, dict[str, object]], *,
         saved: dt.datetime | None = None, edit=None) -> Path:
    """Fill a returned workbook the way a dirigente would (openpyxl): ``values`` maps a
    Codice to {column: value}; ``edit(ws, header)`` may do anything else."""
    wb = openpyxl.load_workbook(src)
    ws = wb["Obiettivi"]
    header = [c.value for c in ws[1]]
    jc = header.index(C.CODICE) + 1
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, jc).value
        for col, v in values.get(code, {}).items():
            ws.cell(r, header.index(col) + 1).value = v
    if edit is not None:
        edit(ws, header)
    tmp = dst.with_name(dst.stem + ".tmp.xlsx")
    wb.save(tmp)
    # the time the application stamps on save (openpyxl writes "now"; Excel its own clock)
    when = (saved or dt.datetime(2025, 6, 28, 12, 0)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(tmp) as zf:
        core = zf.read("docProps/core.xml").decode("utf-8")
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when}\g<2>", core)
    builders.rewrite_zip(tmp, dst, replace={"docProps/core.xml": core.encode("utf-8")})
    tmp.unlink()
    return dst


def file_of(folder: Path, i: int) -> Path:
    return folder / f"{SIGLE[i]}_2025.xlsx"


def codes_of(df: pd.DataFrame, i: int) -> list[str]:
    return df.loc[df[C.RESPONSABILE] == SECTORS[i], C.CODICE].tolist()


def findings_of(out: str) -> list[dict]:
    return json.loads(out)["rilievi"]


def collect_json(tmp: Path, src: Path, *files: Path, round_: str = "30/06",
                 out: str = "master.xlsx") -> tuple[int, dict, str]:
    code, o, e = run("raccogli", src, *files, "-o", tmp / out, "--rilevazione", round_,
                     "--json")
    return code, (json.loads(o) if o.strip() else {}), e


# --- the round trip ---------------------------------------------------------------------
@needs_lo
def test_round_trip_esporta_fill_raccogli_misura(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    before = {p.name: sha(p) for p in [src, *folder.iterdir()]}
    ret = tmp_path / "ritorno"
    ret.mkdir()
    c0, c1, c2 = codes_of(df, 0), codes_of(df, 1), codes_of(df, 2)
    fill(file_of(folder, 0), ret / "tecnico.xlsx", {
        c0[0]: {C.AVANZAMENTO: 80, C.STATO: "In corso", C.NOTE: "ritardo fornitore"},
        c0[1]: {C.TARGET: 50, C.CONSUNTIVO: 45, C.STATO: "in corso"}})
    fill(file_of(folder, 1), ret / "sociali.xlsx", {
        c1[0]: {C.AVANZAMENTO: 100, C.STATO: "Concluso"}, c1[1]: {C.AVANZAMENTO: "40%"}})
    # the third sector saves its workbook with LibreOffice (another application)
    fill(file_of(folder, 2), tmp_path / "avvocatura.xlsx", {
        c2[0]: {C.AVANZAMENTO: 30}, c2[1]: {C.STATO: "Annullato"}})
    lo_convert([tmp_path / "avvocatura.xlsx"], ret)
    code, payload, err = collect_json(tmp_path, src, ret)
    assert code == 0, (err, payload)
    s = payload["riepilogo"]
    assert (s["restituite"], s["settori_attesi"], s["non_restituite"]) == (3, 4, 1)
    assert payload["non_restituite"] == [SECTORS[3]]
    codes = {f["codice"] for f in payload["rilievi"]}
    assert codes == {"NUMERO_COME_TESTO"}, payload["rilievi"]
    # nothing of the inputs was touched
    assert {p.name: sha(p) for p in [src, *folder.iterdir()]} == before
    master = load_tree(tmp_path / "master.xlsx")
    m = master.data.set_index(C.CODICE)
    assert m.loc[c0[0], "Avanzamento % 30/06"] == 80
    assert m.loc[c0[0], "Note 30/06"] == "ritardo fornitore"
    assert m.loc[c0[1], "Stato 30/06"] == "In corso"  # the list's spelling
    assert m.loc[c0[1], C.TARGET] == 50 and m.loc[c0[1], "Valore consuntivo 30/06"] == 45
    assert m.loc[c1[1], "Avanzamento % 30/06"] == 40
    assert m.loc[c2[0], "Avanzamento % 30/06"] == 30
    assert m.loc[c2[1], "Stato 30/06"] == "Annullato"
    assert pd.isna(m.loc[codes_of(df, 3)[0], "Avanzamento % 30/06"])
    # misura on the master, against figures computed here by hand
    code, out, err = run("misura", tmp_path / "master.xlsx", "--json")
    assert code == 0, err
    got = json.loads(out)
    grado = {o["Codice"]: o["Grado %"] for o in got["obiettivi"]}
    assert grado[c0[0]] == 80 and grado[c0[1]] == 90  # 45 / 50
    assert grado[c1[0]] == 100 and grado[c1[1]] == 40 and grado[c2[0]] == 30
    assert grado[c2[1]] is None  # annullato: excluded
    peso = dict(zip(df[C.CODICE], df[C.PESO], strict=True))
    taken = {c0[0]: 80, c0[1]: 90, c1[0]: 100, c1[1]: 40, c2[0]: 30}
    want = sum(peso[k] * v for k, v in taken.items()) / sum(peso[k] for k in taken)
    assert got["riepilogo"]["grado_comune"] == pytest.approx(round(want, 2))
    sectors = {r["Settore"]: r["Grado %"] for r in got["settori"]}
    assert sectors[SECTORS[0]] == pytest.approx((60 * 80 + 40 * 90) / 100)
    assert sectors[SECTORS[1]] == pytest.approx((50 * 100 + 50 * 40) / 100)
    assert sectors[SECTORS[2]] == 30 and sectors[SECTORS[3]] is None
    # the log sheets
    wb = openpyxl.load_workbook(tmp_path / "master.xlsx", read_only=True)
    assert wb.sheetnames == ["Albero", "Settori", "Raccolta", "Raccolta file",
                             "Rilievi raccolta"]
    changes = list(wb["Raccolta"].iter_rows(values_only=True))
    assert changes[0][:3] == ("File", "Settore", "Rilevazione")
    row = next(r for r in changes if r[4] == c0[0] and r[5] == "Avanzamento % 30/06")
    assert row[0] == "tecnico.xlsx" and row[3] == "28/06/2025 12:00:00"  # saved
    assert (row[7], row[8]) in ((None, "80"), ("", "80"))
    files = list(wb["Raccolta file"].iter_rows(values_only=True))
    assert [r[6] for r in files[1:]] == ["presa", "presa", "presa", "non restituita"]
    tecnico = next(r for r in files if r[0] == "tecnico.xlsx")
    assert tecnico[4] == "20/06/2025 09:30:00"  # exported


def test_rerun_is_byte_identical_and_newer_file_updates_only_what_changed(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0 = codes_of(df, 0)
    first = fill(file_of(folder, 0), tmp_path / "v1.xlsx",
                 {c0[0]: {C.AVANZAMENTO: 50}, c0[1]: {C.AVANZAMENTO: 10}})
    code, _, err = collect_json(tmp_path, src, first, out="a.xlsx")
    assert code == 0, err
    assert collect_json(tmp_path, src, first, out="b.xlsx")[0] == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    # the same file into the master: nothing changes, not even the log
    code, p, _ = collect_json(tmp_path, tmp_path / "a.xlsx", first, out="c.xlsx")
    assert code == 0 and p["riepilogo"]["celle_cambiate"] == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "c.xlsx").read_bytes()
    # a newer version of the file: only the changed cell
    second = fill(first, tmp_path / "v2.xlsx", {c0[0]: {C.AVANZAMENTO: 70}},
                  saved=dt.datetime(2025, 6, 29, 8, 0))
    code, p, _ = collect_json(tmp_path, tmp_path / "a.xlsx", second, out="d.xlsx")
    assert code == 0 and p["riepilogo"]["celle_cambiate"] == 1
    log = pd.read_excel(tmp_path / "d.xlsx", sheet_name="Raccolta", dtype=str, engine="openpyxl")
    assert log[["File", "Codice", "Prima", "Dopo"]].values.tolist()[-1] == [
        "v2.xlsx", c0[0], "50", "70"]
    assert len(log) == 3  # two from the first run, one now


def test_rounds_are_kept_apart(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0 = codes_of(df, 0)
    mid = fill(file_of(folder, 0), tmp_path / "giugno.xlsx", {c0[0]: {C.AVANZAMENTO: 40}})
    assert collect_json(tmp_path, src, mid, out="m1.xlsx")[0] == 0
    end = fill(file_of(folder, 0), tmp_path / "dicembre.xlsx", {c0[0]: {C.AVANZAMENTO: 95}})
    assert collect_json(tmp_path, tmp_path / "m1.xlsx", end, round_="31/12",
                        out="m2.xlsx")[0] == 0
    m = load_tree(tmp_path / "m2.xlsx").data.set_index(C.CODICE)
    assert m.loc[c0[0], "Avanzamento % 30/06"] == 40
    assert m.loc[c0[0], "Avanzamento % 31/12"] == 95
    code, out, _ = run("misura", tmp_path / "m2.xlsx", "--json", "--rilevazione", "30/06")
    assert json.loads(out)["obiettivi"][0]["Grado %"] == 40
    code, out, _ = run("misura", tmp_path / "m2.xlsx", "--json")
    assert json.loads(out)["riepilogo"]["rilevazione"] == "31/12"


# --- bad returns ---------------------------------------------------------------------------
def _bad(tmp_path: Path, edit=None, values=None, sector: int = 0):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    vals = values if values is not None else {codes_of(df, sector)[0]: {C.AVANZAMENTO: 60}}
    f = fill(file_of(folder, sector), tmp_path / "ritorno.xlsx", vals, edit=edit)
    code, payload, err = collect_json(tmp_path, src, f)
    return df, code, payload, err


def _one(payload: dict, codice: str) -> dict:
    hits = [f for f in payload["rilievi"] if f["codice"] == codice]
    assert hits, payload.get("rilievi")
    assert all(h["file"] == "ritorno.xlsx" for h in hits)
    return hits[0]


def test_structural_cell_changed(tmp_path: Path):
    def edit(ws, header):
        ws.cell(2, header.index(C.OPERATIVO) + 1).value = "Un altro obiettivo"

    df, code, p, _ = _bad(tmp_path, edit)
    f = _one(p, "CELLA_DESCRITTIVA_MODIFICATA")
    assert code == 1 and f["gravita"] == "errore" and f["riga"] == 2
    assert "è stata modificata" in f["messaggio"] and "«Un altro obiettivo»" in f["messaggio"]
    master = load_tree(tmp_path / "master.xlsx").data
    assert master[C.OPERATIVO].tolist() == df[C.OPERATIVO].tolist()
    assert master["Avanzamento % 30/06"].iloc[0] == 60  # the monitoring value is taken


def test_row_added(tmp_path: Path):
    def edit(ws, header):
        r = ws.max_row + 1
        ws.cell(r, header.index(C.OPERATIVO) + 1).value = "Obiettivo nuovo"
        ws.cell(r, header.index(C.AVANZAMENTO) + 1).value = 10

    _, code, p, _ = _bad(tmp_path, edit)
    f = _one(p, "RIGA_AGGIUNTA")
    assert "aggiunta dal settore" in f["messaggio"] and "non è stata presa" in f["messaggio"]


def test_row_deleted(tmp_path: Path):
    def edit(ws, header):
        ws.delete_rows(3)

    df, code, p, _ = _bad(tmp_path, edit)
    f = _one(p, "RIGA_ELIMINATA")
    assert f"obiettivo {codes_of(df, 0)[1]} è stata eliminata" in f["messaggio"]


def test_row_moved_to_another_sector(tmp_path: Path):
    def edit(ws, header):
        ws.cell(2, header.index(C.RESPONSABILE) + 1).value = SECTORS[1]

    _, code, p, _ = _bad(tmp_path, edit)
    f = _one(p, "RIGA_SPOSTATA")
    assert "spostato a un altro settore" in f["messaggio"]
    assert pd.isna(load_tree(tmp_path / "master.xlsx").data["Avanzamento % 30/06"].iloc[0])


def test_row_of_another_sector_copied_in(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    other = openpyxl.load_workbook(file_of(folder, 3))["Obiettivi"]
    foreign = [c.value for c in other[2]]

    def edit(ws, header):
        r = ws.max_row + 1
        for j, v in enumerate(foreign, start=1):
            ws.cell(r, j).value = v
        ws.cell(r, header.index(C.AVANZAMENTO) + 1).value = 99

    f = fill(file_of(folder, 0), tmp_path / "ritorno.xlsx", {}, edit=edit)
    code, p, _ = collect_json(tmp_path, src, f)
    hit = _one(p, "RIGA_ALTRO_SETTORE")
    assert "non è un obiettivo del settore" in hit["messaggio"]
    m = load_tree(tmp_path / "master.xlsx").data.set_index(C.CODICE)
    assert pd.isna(m.loc[codes_of(df, 3)[0], "Avanzamento % 30/06"])


def test_involved_row_filled_in(tmp_path: Path):
    df = tree_frame()
    # sector 1 is involved in row 0 (led by sector 0)
    _, code, p, _ = _bad(tmp_path, values={df[C.CODICE][0]: {C.AVANZAMENTO: 77}}, sector=1)
    f = _one(p, "RIGA_COINVOLTO_COMPILATA")
    assert "vi è solo coinvolto" in f["messaggio"]
    assert pd.isna(load_tree(tmp_path / "master.xlsx").data["Avanzamento % 30/06"].iloc[0])


@pytest.mark.parametrize(("value", "column", "codice", "words"), [
    (150, C.AVANZAMENTO, "FUORI_INTERVALLO", "vale 150, fuori dall'intervallo 0–100"),
    (-1, C.PESO, "FUORI_INTERVALLO", "fuori dall'intervallo"),
    ("molto", C.AVANZAMENTO, "NUMERO_ATTESO", "deve essere un numero, non il testo «molto»"),
    ("Finito", C.STATO, "STATO_NON_VALIDO", "vale «Finito», che non è nell'elenco"),
    (3, C.STATO, "TESTO_ATTESO", "è il numero 3, non uno stato"),
])
def test_values_out_of_range_or_of_the_wrong_kind(tmp_path: Path, value, column, codice, words):
    df = tree_frame()
    _, code, p, _ = _bad(tmp_path, values={codes_of(df, 0)[0]: {column: value}})
    f = _one(p, codice)
    assert code == 1 and f["gravita"] == "errore" and words in f["messaggio"]
    assert f["colonna"] == column and f["cella"]


def test_number_where_text_expected_is_taken_with_a_warning(tmp_path: Path):
    df = tree_frame()
    _, code, p, _ = _bad(tmp_path, values={codes_of(df, 0)[0]: {C.NOTE: 12}})
    f = _one(p, "NUMERO_DOVE_TESTO")
    assert code == 0 and f["gravita"] == "avviso" and "dove ci si aspetta un testo" in \
        f["messaggio"]


@needs_lo
def test_formulas_and_excel_errors_in_monitoring_cells(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0 = codes_of(df, 0)
    raw = fill(file_of(folder, 0), tmp_path / "formule.xlsx",
               {c0[0]: {C.AVANZAMENTO: "=20+25"}, c0[1]: {C.AVANZAMENTO: "=1/0"}})
    (tmp_path / "lo").mkdir()
    saved = lo_convert([raw], tmp_path / "lo", recalc=True)[0]
    code, p, _ = collect_json(tmp_path, src, saved)
    formula = next(f for f in p["rilievi"] if f["codice"] == "FORMULA_VALORE")
    assert "è stato preso il suo valore «45», non la formula" in formula["messaggio"]
    error = next(f for f in p["rilievi"] if f["codice"] == "ERRORE_EXCEL")
    assert "contiene l'errore di Excel" in error["messaggio"] and "#DIV/0!" in error["messaggio"]
    m = load_tree(tmp_path / "master.xlsx").data.set_index(C.CODICE)
    assert m.loc[c0[0], "Avanzamento % 30/06"] == 45
    assert pd.isna(m.loc[c0[1], "Avanzamento % 30/06"])


def test_formula_without_a_value(tmp_path: Path):
    df = tree_frame()
    _, code, p, _ = _bad(tmp_path, values={codes_of(df, 0)[0]: {C.AVANZAMENTO: "=A1*2"}})
    f = _one(p, "FORMULA_SENZA_VALORE")
    assert "senza un valore calcolato" in f["messaggio"]


def test_protection_removed_and_edited(tmp_path: Path):
    def edit(ws, header):
        ws.protection.sheet = False
        ws.cell(2, header.index(C.AREA) + 1).value = "AREA NUOVA"

    _, code, p, _ = _bad(tmp_path, edit)
    f = _one(p, "PROTEZIONE_TOLTA")
    assert "non è più protetto" in f["messaggio"]
    assert _one(p, "CELLA_DESCRITTIVA_MODIFICATA")["colonna"] == C.AREA


def test_workbook_of_another_year(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    old = tree_frame()
    old[C.ANNO] = 2024
    old[C.PERIODO] = "2023-2024"
    (tmp_path / "vecchio").mkdir()
    _, old_folder = exported(tmp_path / "vecchio", old)
    ret = fill(old_folder / f"{SIGLE[0]}_2024.xlsx", tmp_path / "ritorno.xlsx", {})
    code, p, _ = collect_json(tmp_path, src, ret, file_of(folder, 1))
    f = _one(p, "ANNO_DIVERSO")
    assert code == 1 and "è del piano 2024, l'albero è del 2025" in f["messaggio"]
    assert p["riepilogo"]["restituite"] == 1


def test_workbook_of_another_version_of_the_tree(tmp_path: Path):
    df = tree_frame()
    _, folder = exported(tmp_path, df)
    changed = tree_frame()
    changed.loc[3, C.OPERATIVO] = "Obiettivo riscritto dopo l'esportazione"
    src2 = trees.write(tmp_path / "albero2.xlsx", changed)
    ret = fill(file_of(folder, 0), tmp_path / "ritorno.xlsx", {})
    out = tmp_path / "m.xlsx"
    code, _, err = run("raccogli", src2, ret, file_of(folder, 1), "-o", out,
                       "--rilevazione", "30/06")
    assert code == 2  # none of them fits the new tree: nothing written
    assert "un'altra versione dell'albero" in err and "nulla è stato scritto" in err
    assert not out.exists()


def test_two_workbooks_for_one_sector_the_later_stamp_wins(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    c0 = codes_of(df, 0)
    # file order says "a" then "b"; the stamps say "a" is later
    fill(file_of(folder, 0), tmp_path / "a.xlsx", {c0[0]: {C.AVANZAMENTO: 90}},
         saved=dt.datetime(2025, 6, 29, 18, 0))
    fill(file_of(folder, 0), tmp_path / "b.xlsx", {c0[0]: {C.AVANZAMENTO: 10}},
         saved=dt.datetime(2025, 6, 25, 9, 0))
    code, p, _ = collect_json(tmp_path, src, tmp_path / "b.xlsx", tmp_path / "a.xlsx")
    f = next(x for x in p["rilievi"] if x["codice"] == "CARTELLA_SUPERATA")
    assert f["file"] == "b.xlsx" and "vale «a.xlsx», più recente" in f["messaggio"]
    assert load_tree(tmp_path / "master.xlsx").data["Avanzamento % 30/06"].iloc[0] == 90
    # same stamps, different content: neither is taken
    fill(file_of(folder, 0), tmp_path / "c.xlsx", {c0[0]: {C.AVANZAMENTO: 33}},
         saved=dt.datetime(2025, 6, 29, 18, 0))
    code, p, _ = collect_json(tmp_path, src, tmp_path / "a.xlsx", tmp_path / "c.xlsx",
                              file_of(folder, 1), out="m2.xlsx")
    hits = [x for x in p["rilievi"] if x["codice"] == "CARTELLE_STESSO_SETTORE"]
    assert {h["file"] for h in hits} == {"a.xlsx", "c.xlsx"}
    assert "nessuna è stata presa" in hits[0]["messaggio"]


def test_not_an_export_and_unreadable_files(tmp_path: Path):
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    plain = trees.write(tmp_path / "altro.xlsx", df)
    broken = tmp_path / "rotto.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    good = file_of(folder, 0)
    code, p, _ = collect_json(tmp_path, src, plain, broken, good)
    by_file = {f["file"]: f for f in p["rilievi"]}
    assert by_file["altro.xlsx"]["codice"] == "IDENTITA_MANCANTE"
    assert "non è una cartella esportata per un settore" in by_file["altro.xlsx"]["messaggio"]
    assert by_file["rotto.xlsx"]["codice"] == "CARTELLA_ILLEGGIBILE"
    assert p["riepilogo"]["restituite"] == 1


def test_unusable_input_writes_nothing(tmp_path: Path):
    src, folder = exported(tmp_path)
    out = tmp_path / "m.xlsx"
    code, _, err = run("raccogli", src, tmp_path / "manca.xlsx", "-o", out, "--rilevazione",
                       "30/06")
    assert code == 2 and "«" in err and "non esiste" in err
    empty = tmp_path / "vuota"
    empty.mkdir()
    code, _, err = run("raccogli", src, empty, "-o", out, "--rilevazione", "30/06")
    assert code == 2 and "Nessuna cartella di lavoro (.xlsx) trovata" in err
    code, _, err = run("raccogli", src, trees.write(tmp_path / "x.xlsx"), "-o", out,
                       "--rilevazione", "30/06")
    assert code == 2 and "Nessuna delle 1 cartelle indicate si può raccogliere" in err
    code, _, err = run("raccogli", src, folder, "-o", file_of(folder, 0), "--rilevazione",
                       "30/06", "--sovrascrivi")
    assert code == 2
    with pytest.raises(SystemExit) as info:
        run("raccogli", src, folder, "-o", out)
    assert info.value.code == 2
    assert not out.exists()


def test_identity_survives_libreoffice_save_as(tmp_path: Path):
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice non installato")
    df = tree_frame()
    src, folder = exported(tmp_path, df)
    filled = fill(file_of(folder, 0), tmp_path / "t.xlsx",
                  {codes_of(df, 0)[0]: {C.AVANZAMENTO: 55}})
    (tmp_path / "lo").mkdir()
    saved = lo_convert([filled], tmp_path / "lo")[0]
    r = read_returned(saved)
    assert r.problem is None and r.stamp is not None
    assert r.stamp.sigla == SIGLE[0] and r.stamp.exported == EXPORTED
    assert r.stamp.fingerprint == fingerprint(load_tree(src))
    assert r.protected is True and KEY_COLUMN in r.header
    wb = openpyxl.load_workbook(saved)
    assert wb[SHEET_IDENTITY].sheet_state == "hidden"


# --- property: untouched exports change nothing -------------------------------------------
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([None, 10, 25.5]),
                          st.sampled_from([None, "In corso", "Da avviare"]),
                          st.sampled_from([None, 0, 40, 100])), min_size=1, max_size=9))
def test_collecting_untouched_exports_changes_nothing(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("intatte")
    df = trees.frame(len(rows))
    df[C.RESPONSABILE] = [SECTORS[s] for s, *_ in rows]
    df[C.PESO] = [w for _, w, _, _ in rows]
    df[C.STATO] = [s for _, _, s, _ in rows]
    df[C.AVANZAMENTO] = [a for *_, a in rows]
    src = trees.write(tmp / "albero.xlsx", df)
    tree = load_tree(src)
    export_all(sectors_of_tree(tree, FORCE), tmp / "out", now=EXPORTED)
    returned = [read_returned(p) for p in sorted((tmp / "out").iterdir())]
    registry = registry_problems(tree)[0]
    got = collect(tree, registry, returned, "31/12")
    assert got.changes.empty and got.findings.empty
    assert not got.not_returned
    after = got.tree.data
    for c in tree.data.columns:
        assert after[c].tolist() == tree.data[c].tolist(), c
    added = [c for c in after.columns if c not in tree.data.columns]
    assert all(after[c].isna().all() for c in added)
    assert isinstance(got.tree, Tree)


def test_reading_in_worker_processes_gives_what_reading_here_gives(tmp_path: Path):
    """``ReturnedReader`` (two worker processes, rows prepared there) and the plain reader
    give the same workbooks, in the same order, and the same collection."""
    from xl_albero.collect import prepare
    from xl_albero.io.returned import ReturnedReader

    df = tree_frame()
    src, folder = exported(tmp_path, df)
    codes = codes_of(df, 0)
    fill(file_of(folder, 0), file_of(folder, 0),
         {codes[0]: {C.AVANZAMENTO: 55, C.STATO: "in corso"}, codes[1]: {C.PESO: "abc"}})
    broken = tmp_path / "rotto.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    paths = [broken, *sorted(folder.iterdir())]
    here = [read_returned(p) for p in paths]
    with ReturnedReader(paths) as reader:
        assert reader._pool is not None or (os.cpu_count() or 1) < 2
        there = list(reader.results())
    assert [r.name for r in there] == [p.name for p in paths]
    assert there == [prepare(r) for r in here]
    assert all(r.prepared is not None for r in there if not r.problem)
    tree = load_tree(src)
    registry = registry_problems(tree)[0]
    a, b = collect(tree, registry, here, "30/06"), collect(tree, registry, there, "30/06")
    assert a.changes.equals(b.changes) and a.findings.equals(b.findings)
    assert a.files.equals(b.files) and a.tree.data.equals(b.tree.data)
    assert len(a.changes) == 2 and "NUMERO_ATTESO" in set(a.findings["codice"])


def test_tree_with_errori_is_refused_and_nothing_is_written(tmp_path: Path):
    """A tree with errori is refused (exit 1, the errori shown, nothing written); going
    ahead anyway gives the master."""
    df = tree_frame()
    df.at[7, C.OPERATIVO] = None
    src, folder = exported(tmp_path, df)
    fill(file_of(folder, 0), file_of(folder, 0), {codes_of(df, 0)[0]: {C.AVANZAMENTO: 40}})
    out = tmp_path / "master.xlsx"
    code, o, err = run("raccogli", src, folder, "-o", out, "--rilevazione", "30/06")
    assert code == 1 and "CELLA_VUOTA" in err and "1 errore" in err
    assert not out.exists()
    code, o, err = run("raccogli", src, folder, "-o", out, "--rilevazione", "30/06",
                       "--forza")
    assert code == 0 and out.exists(), err
    got = load_tree(out).data
    assert got.loc[got[C.CODICE] == codes_of(df, 0)[0], "Avanzamento % 30/06"].tolist() == [40]


def test_unusable_siglas_are_refused_even_with_forza(tmp_path: Path):
    reg = trees.registry()
    reg.loc[1, C.SIGLA] = reg.loc[0, C.SIGLA]  # two sectors, one Sigla
    src = trees.write(tmp_path / "albero.xlsx", tree_frame(), reg)
    out = tmp_path / "master.xlsx"
    code, _, err = run("raccogli", src, trees.write(tmp_path / "x.xlsx"), "-o", out,
                       "--rilevazione", "30/06", "--forza")
    assert code == 2 and "registro dei settori" in err
    assert not out.exists()

