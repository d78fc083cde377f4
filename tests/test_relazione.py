"""The relazione document: its content (pure), the Word file read back, the shipped template,
the charts, a comune's own template refused in Italian when unusable, and LibreOffice
opening and printing it legibly."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.lo import SOFFICE, lo_pdf
from tests.sector_fixtures import small_tree
from tests.test_print_layout import PDFTOTEXT, _overlaps, _words
from xl_albero import columns as C
from xl_albero import relazione as R
from xl_albero.errors import InputFileError
from xl_albero.io import relazione_docx as D
from xl_albero.io import relazione_template as T
from xl_albero.measure import require_measured as measured
from xl_albero.model import Tree

TODAY = dt.date(2026, 3, 12)
LONG_NOTE = ("Il progetto ha subito un ritardo per la mancata aggiudicazione della gara: "
             "l'attività riprenderà nel primo semestre dell'anno successivo.")


def rich_tree(extra: int = 0) -> Tree:
    """The small tree with indicators, targets, actuals, notes (+ ``extra`` objectives)."""
    tree = small_tree()
    data = tree.data.copy()
    data[C.INDICATORE] = "Numero di interventi completati rispetto ai programmati"
    data[C.TARGET] = "100%"
    data["Valore consuntivo"] = ["40%", "0%", "100%", "60%", "75%", None, "25,5%"]
    data["Note"] = [LONG_NOTE, "Non avviato", "", "", "", "", "Sospeso per la gara"]
    if extra:
        base = data.iloc[[0]]
        more = pd.concat([base] * extra, ignore_index=True)
        more[C.CODICE] = [f"1.1.1.{i + 10}" for i in range(extra)]
        more[C.OPERATIVO] = [f"Intervento di manutenzione numero {i}" for i in range(extra)]
        more[C.AVANZAMENTO] = [(i * 7) % 101 for i in range(extra)]
        data = pd.concat([data, more], ignore_index=True)
    return Tree(data=data, sectors=tree.sectors, registry_declared=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Tree, object, Path]:
    tree = rich_tree()
    m = measured(tree)
    out = tmp_path_factory.mktemp("rel") / "relazione_2025.docx"
    data = R.report_data(tree, m, comune="Comune di Prova", today=TODAY)
    D.write_relazione(data, R.charts_data(m), out)
    return tree, m, out


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


# -- the pure content ----------------------------------------------------------------------
@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_grado_text_reads_back_as_the_rounded_figure(v):
    text = R.fmt_grado(v)
    assert re.fullmatch(r"\d{1,3},\d\d%", text)
    assert float(text[:-1].replace(",", ".")) == R.round_grado(v)


def test_missing_grado_is_not_reported_never_zero():
    for v in (None, float("nan"), "", "abc"):
        assert R.fmt_grado(v) == "n.r." and R.round_grado(v) is None


def test_report_data_nests_every_objective_once_under_its_parents():
    tree = rich_tree()
    m = measured(tree)
    data = R.report_data(tree, m, comune=None, today=TODAY)
    codes = [o["codice"] for a in data["aree"] for s in a["strategici"]
             for p in s["pluriennali"] for o in p["obiettivi"]]
    assert codes == tree.data[C.CODICE].tolist()
    for a in data["aree"]:
        for s in a["strategici"]:
            assert s["codice"].startswith(a["codice"] + ".")
            for p in s["pluriennali"]:
                assert p["codice"].startswith(s["codice"] + ".") and p["periodo"] == "2024-2025"
                assert all(o["codice"].startswith(p["codice"] + ".") for o in p["obiettivi"])
    assert data["complessivo"] == R.fmt_grado(m.overall)
    assert [a["grado"] for a in data["sintesi_aree"]] == [R.fmt_grado(v) for v in
                                                          m.areas["Grado %"]]
    assert sum(f["obiettivi"] for f in data["fasce"]) == len(tree.data) == data["n_obiettivi"]
    by = {s["settore"]: s for s in data["settori"]}
    for rec in m.sectors.to_dict("records"):  # the lists match measure's counts
        s = by[rec[C.SETTORE]]
        assert len(s["obiettivi"]) == rec["Obiettivi guidati"] == s["guidati"]
        listed = [] if s["codici_coinvolto"] == "nessuno" else s["codici_coinvolto"].split(", ")
        assert len(listed) == rec["Obiettivi coinvolto"] == s["coinvolto"]
    assert data["n_non_raggiunti"] == len(m.not_reached)
    # no comune given: a marked placeholder, never an invented name
    assert data["comune"] == f"Comune di {R.PLACEHOLDER}"
    assert data["data"] == "12 marzo 2026"


def test_sectors_show_led_objectives_and_involvement_apart():
    tree = rich_tree()
    data = R.report_data(tree, measured(tree), comune="X", today=TODAY)
    by = {s["settore"]: s for s in data["settori"]}
    tec = by["TECNICO ED INNOVAZIONE"]
    assert [o["codice"] for o in tec["obiettivi"]] == ["1.1.1.1", "1.1.1.2", "1.2.1.1"]
    assert tec["dirigente"] == "Ing. Rossi"
    # TUTTI and named involvement, never the objectives the sector leads
    assert tec["codici_coinvolto"] == "3.1.1.1, 3.2.1.1"
    assert by["AVVOCATURA COMUNALE"]["obiettivi"] == []
    assert by["AVVOCATURA COMUNALE"]["grado"] == "n.r."


def test_template_problems_name_missing_and_unknown_tags():
    assert R.template_problems(R.TAGS) == []
    probs = R.template_problems({"anno", "aree", "anon"})
    assert "«{{ complessivo }}»" in probs[0] and "«settori»" in probs[0]
    assert "«anon»" in probs[1]


# -- the Word document read back ---------------------------------------------------------------
def test_document_shows_the_measured_figures(written):
    tree, m, out = written
    document = docx.Document(str(out))
    text = _all_text(document)
    assert "Comune di Prova" in text and "Relazione sulla performance 2025" in text
    assert f"complessivo dell'ente nel 2025: {R.fmt_grado(m.overall)}" in text
    rows = {}
    for t in document.tables:
        head = [c.text for c in t.rows[0].cells]
        if head[:2] == ["Codice", "Obiettivo operativo"] and "Indicatore" in head:
            for row in t.rows[1:]:
                cells = [c.text for c in row.cells]
                rows[cells[0]] = dict(zip(head, cells, strict=True))
    assert set(rows) == set(tree.data[C.CODICE])
    for rec in m.objectives.to_dict("records"):
        row = rows[rec[C.CODICE]]
        assert row["Grado"] == R.fmt_grado(rec["Grado %"])
        assert row["Settore"] == rec[C.RESPONSABILE]
        assert row["Nota del dirigente"] == (rec["Note"] or "")
        assert row["Indicatore"] == rec[C.INDICATORE]
    assert rows["1.1.1.1"]["Valore consuntivo"] == "40%"
    assert rows["1.1.1.1"]["Nota del dirigente"] == LONG_NOTE
    # the placeholders the office fills in are there and marked
    for section in ("Presentazione e contesto", "Risorse", "bilancio di genere"):
        assert section in text
    segnaposto = [p for p in document.paragraphs if p.style.name == "Segnaposto"]
    assert len(segnaposto) >= 5 and all(R.PLACEHOLDER in p.text for p in segnaposto)
    # the two charts are real PNG images
    with zipfile.ZipFile(out) as zf:
        pngs = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert len(pngs) == 2 and all(zf.read(n)[:8] == b"\x89PNG\r\n\x1a\n" for n in pngs)
    assert len(document.inline_shapes) == 2


def test_not_reached_objectives_are_listed_with_their_notes(written):
    _, m, out = written
    document = docx.Document(str(out))
    table = next(t for t in document.tables
                 if [c.text for c in t.rows[0].cells][-1] == "Nota del dirigente"
                 and "Indicatore" not in [c.text for c in t.rows[0].cells])
    listed = {r.cells[0].text: r.cells[-1].text for r in table.rows[1:]}
    assert set(listed) == set(m.not_reached[C.CODICE])
    assert listed["1.1.1.1"] == LONG_NOTE


def test_table_headers_repeat_rows_keep_together_widths_fit_the_page(written):
    _, _, out = written
    document = docx.Document(str(out))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for sec_tables in document.tables:
        tr0 = sec_tables.rows[0]._tr
        assert tr0.find(f"{w}trPr/{w}tblHeader") is not None
        assert all(r._tr.find(f"{w}trPr/{w}cantSplit") is not None for r in sec_tables.rows)
        assert sec_tables._tbl.tblPr.find(f"{w}tblLayout").get(f"{w}type") == "fixed"
    for section in document.sections:
        text_width = section.page_width - section.left_margin - section.right_margin
        body = section._sectPr.getparent()
        assert text_width > 0 and body is not None
    widest = max(sum(c.width for c in t.rows[0].cells) for t in document.tables)
    landscape = max(s.page_width - s.left_margin - s.right_margin for s in document.sections)
    assert widest <= landscape


def test_table_of_contents_lists_every_area(written):
    tree, _, out = written
    document = docx.Document(str(out))
    toc = next(p for p in document.paragraphs if "TOC" in p._p.xml and "instrText" in p._p.xml)
    for area in tree.data[C.AREA].unique():
        assert area in toc.text
    assert "Sintesi dei risultati" in toc.text and "Obiettivi non raggiunti" in toc.text
    assert 'w:updateFields w:val="true"' in document.settings.element.xml


def test_shipped_template_is_what_the_builder_draws(tmp_path):
    fresh = T.build(tmp_path / "relazione.docx")
    for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
        with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(T.TEMPLATE) as b:
            assert a.read(part) == b.read(part), (
                f"{part}: rigenerare con «python -m xl_albero.io.relazione_template»")


# -- charts --------------------------------------------------------------------------------
def test_charts_are_grey_only_so_they_print_in_black_and_white():
    from matplotlib.image import imread

    from xl_albero.io.charts import area_chart, band_chart

    for png in (area_chart(["1 Area uno", "2 Un'area dal titolo molto lungo che va a capo "
                                          "su più righe"], [78.44, None]),
                band_chart(["Raggiunto", "Parzialmente raggiunto", "Non raggiunto",
                            "Non rilevato"], [5, 3, 0, 2])):
        img = imread(io.BytesIO(png))
        assert img.shape[0] > 200 and img.shape[1] > 1000
        rgb = img[..., :3]
        assert abs(rgb[..., 0] - rgb[..., 1]).max() < 0.02
        assert abs(rgb[..., 1] - rgb[..., 2]).max() < 0.02


# -- a comune's own template ------------------------------------------------------------------
def _own_template(path: Path, *paragraphs: str) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_own_template_with_the_required_tags_is_used(tmp_path):
    tpl = _own_template(tmp_path / "nostro.docx", "Comune di Esempio – anno {{ anno }}",
                        "Complessivo: {{ complessivo }}",
                        "{%p for a in aree %}", "{{ a.titolo }}: {{ a.grado }}", "{%p endfor %}",
                        "{%p for s in settori %}", "{{ s.settore }} {{ s.grado }}",
                        "{%p endfor %}", "Non raggiunti: {{ non_raggiunti|length }}")
    tree = rich_tree()
    m = measured(tree)
    out = tmp_path / "r.docx"
    D.write_relazione(R.report_data(tree, m, comune="X", today=TODAY), R.charts_data(m), out,
                      template=tpl)
    text = _all_text(docx.Document(str(out)))
    assert "anno 2025" in text and f"Complessivo: {R.fmt_grado(m.overall)}" in text
    assert "Una città sicura: 60,00%" in text and f"Non raggiunti: {len(m.not_reached)}" in text


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.with_suffix(".docx").write_text("non sono un documento"),
     "non è un documento di Word (.docx) leggibile"),
    (lambda p: p.with_suffix(".doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 64),
     "serve un documento di Word (.docx)"),
    (lambda p: zipfile.ZipFile(p.with_suffix(".docx"), "w").writestr("a.txt", "x"),
     "non è un documento di Word (.docx)"),
    (lambda p: _own_template(p.with_suffix(".docx"), "Relazione {{ anno }}"),
     "mancano i segnaposto obbligatori «{{ complessivo }}», «aree», «settori», "
     "«non_raggiunti»"),
    (lambda p: _own_template(p.with_suffix(".docx"), "{{ anno }} {{ complessivo }} {{ aree }} "
                             "{{ settori }} {{ non_raggiunti }} {{ anon }}"),
     "segnaposto sconosciuti «anon»"),
    (lambda p: _own_template(p.with_suffix(".docx"), "{{ anno }", "{%p for a in aree %}"),
     "segnaposto scritto male"),
], ids=["testo", "doc", "zip", "mancanti", "sconosciuti", "sintassi"])
def test_unusable_own_template_is_refused_in_italian_and_nothing_written(tmp_path, make, says):
    make(tmp_path / "modello")
    tpl = next(tmp_path.glob("modello.*"))
    with pytest.raises(InputFileError) as exc:
        D.check_template(tpl)
    assert says in str(exc.value) and "non è stato scritto" in str(exc.value)


def test_missing_template_and_misspelt_field_are_refused(tmp_path):
    with pytest.raises(InputFileError, match="il file non esiste"):
        D.check_template(tmp_path / "manca.docx")
    tpl = _own_template(tmp_path / "nostro.docx", "{{ anno }} {{ complessivo }}",
                        "{%p for a in aree %}", "{{ a.titlo }}", "{%p endfor %}",
                        "{{ settori }} {{ non_raggiunti }}")
    tree = rich_tree()
    m = measured(tree)
    out = tmp_path / "r.docx"
    with pytest.raises(InputFileError, match="titlo"):
        D.write_relazione(R.report_data(tree, m, comune="X", today=TODAY), R.charts_data(m),
                          out, template=tpl)
    assert not out.exists() and list(tmp_path.iterdir()) == [tpl]


def test_values_that_look_like_markup_stay_text(tmp_path):
    tree = rich_tree()
    data = tree.data.copy()
    data.loc[0, C.OPERATIVO] = "Riduzione <tempi> & costi {{ anno }} {% if %}"
    tree = Tree(data=data, sectors=tree.sectors, registry_declared=True)
    m = measured(tree)
    out = tmp_path / "r.docx"
    D.write_relazione(R.report_data(tree, m, comune="A & B <c>", today=TODAY),
                      R.charts_data(m), out)
    text = _all_text(docx.Document(str(out)))
    assert "Riduzione <tempi> & costi {{ anno }} {% if %}" in text and "A & B <c>" in text


# -- LibreOffice opens and prints it --------------------------------------------------------------
def _pdf(path: Path, outdir: Path) -> Path:
    """The document printed to PDF by LibreOffice (``tests.lo.lo_pdf``)."""
    return lo_pdf([path], outdir)[0]


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="LibreOffice o pdftotext non installati")
def test_libreoffice_opens_and_prints_it_legibly(tmp_path):
    tree = rich_tree(extra=60)  # one multi-year objective's table runs over several pages
    m = measured(tree)
    out = tmp_path / "relazione_2025.docx"
    D.write_relazione(R.report_data(tree, m, comune="Comune di Prova", today=TODAY),
                      R.charts_data(m), out)
    pdf = _pdf(out, tmp_path)
    words = _words(pdf)
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Comune di Prova" in flat and "Relazione sulla performance 2025" in flat
    for area in tree.data[C.AREA].unique():
        assert area in flat
    assert f"complessivo dell'ente nel 2025: {R.fmt_grado(m.overall)}" in flat
    assert f"Obiettivi operativi: {len(tree.data)};" in flat
    assert not _overlaps(words), _overlaps(words)[:5]
    heights = sorted(w[4] - w[2] for w in words)
    assert heights[len(heights) // 2] >= 7.0  # median text ≥ ~7 pt
    # the long table's header row is printed again on every page it runs over
    pages = text.split("\f")
    with_rows = [p for p in pages if "Numero di interventi" in p]  # the indicator column
    assert len(with_rows) >= 2
    assert all(re.search(r"Codice\s+Obiettivo operativo\s+Settore\s+Indicatore", p)
               for p in with_rows)
    # nothing runs off the page: every word inside the paper
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True,
                           text=True).stdout
    assert "Pages:" in sizes
    for w in words:
        assert w[1] >= 0 and w[2] >= 0 and w[3] <= 842 + 1, w


# -- property: every objective once, in order, whatever was reported --------------------------
@given(st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), min_size=1,
                max_size=7))
@settings(max_examples=25, deadline=None)
def test_every_objective_once_in_tree_order_and_counts_add_up(values):
    tree = rich_tree()
    data = tree.data.iloc[:len(values)].copy()
    data["Valore consuntivo"] = None
    data[C.AVANZAMENTO] = values
    data[C.STATO] = None
    tree = Tree(data=data, sectors=tree.sectors, registry_declared=True)
    if all(v is None for v in values):
        return  # not measured: refused elsewhere (NotMeasured)
    m = measured(tree)
    out = R.report_data(tree, m, comune="X", today=TODAY)
    codes = [o["codice"] for a in out["aree"] for s in a["strategici"]
             for p in s["pluriennali"] for o in p["obiettivi"]]
    assert codes == data[C.CODICE].tolist()
    assert sum(f["obiettivi"] for f in out["fasce"]) == len(values)
    assert out["n_rilevati"] + out["n_non_rilevati"] + out["n_esclusi"] == len(values)
    shown = [o["grado"] for a in out["aree"] for s in a["strategici"]
             for p in s["pluriennali"] for o in p["obiettivi"]]
    assert [g == "n.r." for g in shown] == [v is None for v in values]


# -- the VBA button passes the comune's name as data ----------------------------------------------
def _vba_pystr(text: str) -> str:
    """What ``PyStr`` in macros/AlberoRibbon.bas builds (AscW, And &HFFFF&, 4 hex digits)."""
    units = text.encode("utf-16-le")
    codes = [int.from_bytes(units[i:i + 2], "little") for i in range(0, len(units), 2)]
    return "'" + "".join(f"\\u{c:04X}" for c in codes) + "'"


@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)),
               max_size=40))
def test_vba_comune_reaches_python_as_the_same_text_never_as_code(text):
    import ast

    literal = _vba_pystr(text)
    assert set(literal[1:-1]) <= set("\\u0123456789ABCDEF")
    assert ast.literal_eval(literal) == text


def test_vba_relazione_button_sends_the_comune_only_through_pystr():
    bas = (Path(__file__).resolve().parents[1] / "macros" / "AlberoRibbon.bas").read_text(
        encoding="ascii")
    body = bas.split("Public Sub Albero_relazione(", 1)[1].split("End Sub", 1)[0]
    assert "PyStr(comune)" in body
    assert re.search(r'comune=" & _\s+PyStr\(comune\)', body)
    assert '& comune' not in body and "'\" & comune" not in body
