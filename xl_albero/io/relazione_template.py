"""The default Word template of the relazione, drawn in code with python-docx.

``python -m xl_albero.io.relazione_template`` rewrites ``xl_albero/templates/relazione.docx``
(shipped in the wheel; a test checks the committed file says what this module draws).
The template is an ordinary ``.docx`` with Jinja tags (docxtpl): the office may restyle it
in Word, reword the headings, move sections, or start its own from a copy (see
``docs/relazione.md``). Layout: A4, portrait for the narrative parts, landscape for the
wide tables; table header rows repeat on every page, rows do not split across pages,
columns have fixed widths that add up to the page width.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "relazione.docx"

FONT = "Arial"
GREY_HEADER = "D9D9D9"
GREY_NOTE = "F2F2F2"


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    return el


def _styles(doc: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for level, size in ((1, 16), (2, 13), (3, 11.5), (4, 10.5)):
        st = doc.styles[f"Heading {level}"]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = False
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.space_before = Pt(14 if level == 1 else 10)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title", "Subtitle"):
        rfonts = doc.styles[name].element.get_or_add_rPr().find(qn("w:rFonts"))
        if rfonts is not None:
            for attr in list(rfonts.attrib):
                if attr.endswith("Theme"):
                    del rfonts.attrib[attr]
    sub = doc.styles["Subtitle"]
    sub.font.name = FONT
    sub.font.size = Pt(18)
    sub.font.italic = False
    sub.font.color.rgb = RGBColor(0, 0, 0)
    title = doc.styles["Title"]
    title.font.name = FONT
    title.font.size = Pt(26)
    title.font.color.rgb = RGBColor(0, 0, 0)
    for name, size, bold in (("Tabella", 8.5, False), ("Tabella intestazione", 8.5, True)):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.font.size = Pt(size)
        st.font.bold = bold
        st.paragraph_format.space_after = Pt(0)
        st.paragraph_format.space_before = Pt(0)
    seg = doc.styles.add_style("Segnaposto", WD_STYLE_TYPE.PARAGRAPH)
    seg.base_style = normal
    seg.font.italic = True
    seg.paragraph_format.space_before = Pt(6)
    seg.paragraph_format.space_after = Pt(6)
    ppr = seg.element.get_or_add_pPr()
    bdr = _el("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        bdr.append(_el(f"w:{side}", **{"w:val": "dashed", "w:sz": "8", "w:space": "4",
                                         "w:color": "000000"}))
    ppr.append(bdr)
    ppr.append(_el("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": GREY_NOTE}))


def _shade(cell: Any, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_el("w:shd", **{"w:val": "clear", "w:color": "auto",
                                                      "w:fill": fill}))


def _row_flag(row: Any, tag: str) -> None:
    row._tr.get_or_add_trPr().append(_el(tag))


def _table(doc: Any, columns: list[tuple[str, float, str]], loop: str) -> None:
    """A table: repeated header row, one Jinja row per item of ``loop``, fixed widths (cm)."""
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=4, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    tblpr = table._tbl.tblPr
    tblpr.append(_el("w:tblLayout", **{"w:type": "fixed"}))
    total = sum(w for _, w, _ in columns)
    tblw = tblpr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblW")
    tblw.set(qn("w:w"), str(int(total * 567)))
    tblw.set(qn("w:type"), "dxa")
    for i, (_, width, _) in enumerate(columns):
        table.columns[i].width = Cm(width)
        for row in table.rows:
            row.cells[i].width = Cm(width)
    head, start, body, end = table.rows
    _row_flag(head, "w:tblHeader")
    _row_flag(head, "w:cantSplit")
    _row_flag(body, "w:cantSplit")
    for cell, (label, _, _) in zip(head.cells, columns, strict=True):
        cell.paragraphs[0].text = label
        cell.paragraphs[0].style = doc.styles["Tabella intestazione"]
        _shade(cell, GREY_HEADER)
    start.cells[0].paragraphs[0].text = "{%tr for " + loop + " %}"
    end.cells[0].paragraphs[0].text = "{%tr endfor %}"
    for cell, (_, _, expr) in zip(body.cells, columns, strict=True):
        cell.paragraphs[0].text = "{{ " + expr + " }}"
        cell.paragraphs[0].style = doc.styles["Tabella"]


def _p(doc: Any, text: str, style: str | None = None) -> Any:
    return doc.add_paragraph(text, style=style)


def _toc(doc: Any) -> None:
    p = doc.add_paragraph()
    r = p._p.add_r()
    r.append(_el("w:fldChar", **{"w:fldCharType": "begin", "w:dirty": "true"}))
    r = p._p.add_r()
    instr = _el("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    r.append(instr)
    r = p._p.add_r()
    r.append(_el("w:fldChar", **{"w:fldCharType": "separate"}))
    r = p._p.add_r()
    t = _el("w:t")
    t.text = "L'indice si aggiorna all'apertura del documento (in Word: tasto destro, " \
             "«Aggiorna campo»)."
    r.append(t)
    r = p._p.add_r()
    r.append(_el("w:fldChar", **{"w:fldCharType": "end"}))


def _page_field(paragraph: Any, field: str) -> None:
    for kind, text in (("begin", None), (None, f" {field} "), ("separate", None),
                       (None, "1"), ("end", None)):
        r = paragraph._p.add_r()
        if kind:
            r.append(_el("w:fldChar", **{"w:fldCharType": kind}))
        elif text.strip() == field:
            instr = _el("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = text
            r.append(instr)
        else:
            t = _el("w:t")
            t.text = text
            r.append(t)


def _section(doc: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    sec = doc.add_section(WD_SECTION.NEW_PAGE) if doc.paragraphs else doc.sections[0]
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0),
                                                                               Cm(29.7))
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.left_margin = sec.right_margin = Cm(1.8)
    sec.top_margin = sec.bottom_margin = Cm(2.0)


def build(path: Path = TEMPLATE) -> Path:
    """Write the default template to ``path``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    doc = Document()
    _styles(doc)
    _section(doc, landscape=False)
    sec = doc.sections[0]
    foot = sec.footer.paragraphs[0]
    foot.text = "Relazione sulla performance {{ anno }} – pagina "
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _page_field(foot, "PAGE")
    foot.add_run(" di ")
    _page_field(foot, "NUMPAGES")
    for r in foot.runs:
        r.font.size = Pt(8)

    # --- title page -----------------------------------------------------------------
    for _ in range(5):
        _p(doc, "")
    _p(doc, "{{ comune }}", "Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = _p(doc, "Relazione sulla performance {{ anno }}", "Subtitle")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _p(doc, "art. 10, comma 1, lettera b), del D.Lgs. 27 ottobre 2009, n. 150").alignment = \
        WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(3):
        _p(doc, "")
    _p(doc, "Documento predisposto il {{ data }} a partire dall'albero della performance "
       "misurato.").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _p(doc, "Approvata con deliberazione della Giunta n. {{ segnaposto }} del "
       "{{ segnaposto }}.", "Segnaposto")
    _p(doc, "Validata dal Nucleo di valutazione / OIV il {{ segnaposto }} (art. 14, comma "
       "4, lettera c), D.Lgs. 150/2009).", "Segnaposto")
    _p(doc, "").add_run().add_break(WD_BREAK.PAGE)

    # --- table of contents --------------------------------------------------------------
    _p(doc, "Indice").runs[0].bold = True
    _toc(doc)
    _p(doc, "").add_run().add_break(WD_BREAK.PAGE)

    # --- 1 presentazione e contesto -----------------------------------------------------
    _p(doc, "1. Presentazione e contesto", "Heading 1")
    _p(doc, "{{ segnaposto }} Presentazione della relazione e contesto esterno e interno "
       "(territorio, popolazione, organizzazione) nel quale l'ente ha operato nel "
       "{{ anno }}.", "Segnaposto")

    # --- 2 sintesi ------------------------------------------------------------------------
    _p(doc, "2. Sintesi dei risultati", "Heading 1")
    _p(doc, "Grado di raggiungimento complessivo dell'ente nel {{ anno }}: {{ complessivo }} "
       "(fascia «{{ fascia_complessiva }}»).")
    _p(doc, "Obiettivi operativi: {{ n_obiettivi }}; con un risultato rilevato: "
       "{{ n_rilevati }}; non rilevati: {{ n_non_rilevati }}; esclusi dalla misurazione: "
       "{{ n_esclusi }}; non raggiunti: {{ n_non_raggiunti }}.")
    _p(doc, "2.1 Grado di raggiungimento per area strategica", "Heading 2")
    _table(doc, [("Codice", 1.5, "a.codice"), ("Area strategica", 8.9, "a.titolo"),
                 ("Obiettivi", 2.1, "a.obiettivi"), ("Rilevati", 2.1, "a.rilevati"),
                 ("Grado", 2.6, "a.grado")], "a in sintesi_aree")
    _p(doc, "")
    _p(doc, "{{ grafico_aree }}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _p(doc, "2.2 Obiettivi per fascia di raggiungimento", "Heading 2")
    _table(doc, [("Fascia", 9.0, "f.fascia"), ("Obiettivi", 3.0, "f.obiettivi"),
                 ("Quota", 3.0, "f.quota")], "f in fasce")
    _p(doc, "")
    _p(doc, "{{ grafico_fasce }}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _p(doc, "")

    # --- 3-5 the wide tables, landscape ---------------------------------------------------
    _section(doc, landscape=True)
    _p(doc, "3. Risultati per area strategica", "Heading 1")
    _p(doc, "Per ogni obiettivo operativo: settore responsabile, indicatore, target, valore "
       "consuntivo, grado di raggiungimento e nota del dirigente.")
    _p(doc, "{%p for a in aree %}")
    _p(doc, "Area {{ a.codice }} – {{ a.titolo }}", "Heading 2")
    _p(doc, "Grado di raggiungimento dell'area: {{ a.grado }} (obiettivi rilevati: "
       "{{ a.rilevati }} su {{ a.obiettivi }}).")
    _p(doc, "{%p for s in a.strategici %}")
    _p(doc, "Obiettivo strategico {{ s.codice }} – {{ s.titolo }} (grado {{ s.grado }})",
       "Heading 3")
    _p(doc, "{%p for m in s.pluriennali %}")
    _p(doc, "Obiettivo pluriennale {{ m.codice }} – {{ m.titolo }}", "Heading 4")
    _p(doc, "Periodo: {{ m.periodo or 'non indicato' }}. Grado di raggiungimento: "
       "{{ m.grado }}.").paragraph_format.keep_with_next = True
    _table(doc, [("Codice", 1.6, "o.codice"), ("Obiettivo operativo", 5.6, "o.titolo"),
                 ("Settore", 3.4, "o.settore"), ("Indicatore", 4.0, "o.indicatore"),
                 ("Target", 2.5, "o.target"), ("Valore consuntivo", 2.5, "o.consuntivo"),
                 ("Grado", 1.7, "o.grado"), ("Nota del dirigente", 4.6, "o.nota")],
           "o in m.obiettivi")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p endfor %}")

    _p(doc, "4. Performance organizzativa dei settori", "Heading 1")
    _p(doc, "Il grado di ogni settore è calcolato sugli obiettivi di cui è responsabile; gli "
       "obiettivi in cui è solo coinvolto sono indicati a parte e non entrano nel calcolo.")
    _table(doc, [("Settore", 7.4, "s.settore"), ("Sigla", 2.4, "s.sigla"),
                 ("Dirigente", 4.6, "s.dirigente"), ("Grado di raggiungimento", 3.0, "s.grado"),
                 ("Obiettivi guidati", 2.8, "s.guidati"), ("Rilevati", 2.4, "s.rilevati"),
                 ("Coinvolto in", 3.0, "s.coinvolto")], "s in settori")
    _p(doc, "{%p for s in settori %}")
    _p(doc, "{{ s.settore }}", "Heading 3")
    _p(doc, "Dirigente: {{ s.dirigente or 'non indicato' }}. Grado di raggiungimento: "
       "{{ s.grado }} (obiettivi guidati: {{ s.guidati }}, di cui rilevati: {{ s.rilevati }})."
       ).paragraph_format.keep_with_next = True
    _p(doc, "{%p if s.obiettivi %}")
    _table(doc, [("Codice", 2.0, "o.codice"), ("Obiettivo operativo guidato", 16.0, "o.titolo"),
                 ("Grado", 2.6, "o.grado"), ("Fascia", 5.3, "o.fascia")], "o in s.obiettivi")
    _p(doc, "{%p endif %}")
    _p(doc, "Obiettivi in cui il settore è coinvolto ({{ s.coinvolto }}): "
       "{{ s.codici_coinvolto }}.")
    _p(doc, "{%p endfor %}")

    _p(doc, "5. Obiettivi non raggiunti", "Heading 1")
    _p(doc, "Obiettivi con un grado rilevato che, secondo le regole di misura, ricade nella "
       "fascia «{{ soglia }}» o in una inferiore: {{ n_non_raggiunti }}.").paragraph_format.keep_with_next = True
    _p(doc, "{%p if non_raggiunti %}")
    _table(doc, [("Codice", 1.8, "o.codice"), ("Obiettivo operativo", 7.4, "o.titolo"),
                 ("Settore", 4.2, "o.settore"), ("Grado", 1.8, "o.grado"),
                 ("Fascia", 3.2, "o.fascia"), ("Nota del dirigente", 7.5, "o.nota")],
           "o in non_raggiunti")
    _p(doc, "{%p else %}")
    _p(doc, "Nessun obiettivo è sotto la soglia di raggiungimento.")
    _p(doc, "{%p endif %}")
    _p(doc, "")

    # --- 6-8 narrative, portrait ---------------------------------------------------------
    _section(doc, landscape=False)
    _p(doc, "6. Risorse, efficienza ed economicità", "Heading 1")
    _p(doc, "{{ segnaposto }} Risorse finanziarie e umane impiegate nel {{ anno }}, "
       "efficienza ed economicità della gestione.", "Segnaposto")
    _p(doc, "7. Pari opportunità e bilancio di genere", "Heading 1")
    _p(doc, "{{ segnaposto }} Bilancio di genere e azioni per le pari opportunità "
       "(art. 10, comma 1, lettera b), D.Lgs. 150/2009).", "Segnaposto")
    _p(doc, "8. Nota metodologica", "Heading 1")
    _p(doc, "I gradi di raggiungimento sono calcolati dall'albero della performance con le "
       "regole di misura dell'ente (fasce, valori mancanti, limiti, polarità degli "
       "indicatori); un obiettivo senza valore rilevato è indicato come «n.r.» e non entra "
       "nelle medie.")
    _p(doc, "{%p for n in note_calcolo %}")
    _p(doc, "{{ n }}", "List Bullet")
    _p(doc, "{%p endfor %}")
    _p(doc, "{{ segnaposto }} Processo di redazione, validazione da parte del Nucleo di "
       "valutazione / OIV e pubblicazione in Amministrazione trasparente.", "Segnaposto")

    settings = doc.settings.element
    settings.append(_el("w:updateFields", **{"w:val": "true"}))
    doc.core_properties.title = "Relazione sulla performance"
    doc.core_properties.author = "xl-albero"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


if __name__ == "__main__":  # pragma: no cover
    print(f"Scritto {build()}")
