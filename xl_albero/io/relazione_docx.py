"""The relazione as a Word document: a docxtpl template filled with ``relazione.report_data``.

``check_template(path)`` refuses, in Italian, a template that is not a Word document or
lacks the tags the relazione needs (``relazione.REQUIRED_TAGS``) before anything is
written; ``write_relazione(data, charts, out, template)`` renders it (Jinja in a sandbox,
values escaped, undefined names refused) and writes the ``.docx`` atomically. docxtpl,
python-docx and matplotlib are imported here only, lazily.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

from xl_albero.errors import InputFileError
from xl_albero.io.atomic import write_atomic
from xl_albero.io.relazione_template import TEMPLATE
from xl_albero.relazione import Charts, template_problems

#: Uncompressed size a template may reach (a Word template is a few MB at most).
MAX_TEMPLATE_BYTES = 200 * 1024 * 1024
CHART_WIDTH_MM = 160


def _refuse(path: Path, why: str) -> InputFileError:
    return InputFileError(f"Il modello della relazione «{path}» non è utilizzabile: {why}. "
                          "Il documento non è stato scritto.")


def _env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def check_template(path: str | os.PathLike | None) -> Path:
    """The template to use (the shipped one when ``path`` is None), checked; else raise."""
    if path is None:
        return TEMPLATE
    p = Path(path)
    if not p.exists():
        raise _refuse(p, "il file non esiste")
    if not p.is_file():
        raise _refuse(p, "non è un file")
    if p.suffix.lower() not in (".docx", ".dotx"):
        raise _refuse(p, "serve un documento di Word (.docx); salvarlo da Word con «Salva con "
                      "nome» › «Documento di Word (.docx)»")
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            if "word/document.xml" not in {i.filename for i in infos}:
                raise _refuse(p, "non è un documento di Word (.docx)")
            if sum(i.file_size for i in infos) > MAX_TEMPLATE_BYTES:
                raise _refuse(p, "una volta decompresso supera 200 MB")
    except (zipfile.BadZipFile, OSError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise _refuse(p, "non è un documento di Word (.docx) leggibile: forse è un .doc "
                      "vecchio formato o un file rinominato") from None
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    try:
        tags = DocxTemplate(str(p)).get_undeclared_template_variables(_env())
        problems = template_problems(tags)
    except TemplateSyntaxError as exc:
        problems = template_problems((), syntax_error=f"{exc.message} (vicino a «"
                                     f"{_line(exc)}»)")
    except Exception as exc:  # docx parts python-docx cannot read
        raise _refuse(p, f"Word non lo descrive in un modo leggibile ({type(exc).__name__})"
                      ) from None
    if problems:
        raise _refuse(p, "; ".join(problems))
    return p


def _line(exc: Any) -> str:
    source = getattr(exc, "source", None) or ""
    lines = source.splitlines()
    lineno = getattr(exc, "lineno", 0) or 0
    text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    import re

    text = re.sub(r"<[^>]+>", "", text)
    return text.strip()[:80]


def write_relazione(data: dict[str, Any], charts: Charts, out: str | os.PathLike,
                    template: str | os.PathLike | None = None) -> Path:
    """Render the template (``check_template`` first) with ``data`` and the charts."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import UndefinedError

    from xl_albero.io.charts import BAND_WIDTH, area_chart, band_chart

    src = check_template(template)
    tpl = DocxTemplate(str(src))
    ctx = dict(data)
    ctx["grafico_aree"] = InlineImage(
        tpl, io.BytesIO(area_chart(charts.area_labels, charts.area_values)),
        width=Mm(CHART_WIDTH_MM))
    ctx["grafico_fasce"] = InlineImage(
        tpl, io.BytesIO(band_chart(charts.band_labels, charts.band_counts)),
        width=Mm(CHART_WIDTH_MM * BAND_WIDTH))
    try:
        tpl.render(ctx, jinja_env=_env(), autoescape=True)
    except UndefinedError as exc:
        raise _refuse(Path(src), f"usa un nome che la relazione non conosce ({exc.message})"
                      ) from None

    fill_toc(tpl.docx)

    def save(tmp: Path) -> None:
        tpl.save(str(tmp))

    return write_atomic(out, save)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def fill_toc(doc: Any, levels: int = 2) -> int:
    """Write the headings as the table of contents' shown text (no page numbers).

    Word recomputes the field on opening (the template asks it to); other readers, and a
    PDF printed without updating, show these entries instead of an empty index. Returns
    the number of entries written (0 when the document has no TOC field).
    """
    from docx.oxml import OxmlElement

    level_of = {}
    for st in doc.styles:
        for lvl in range(1, levels + 1):
            if getattr(st, "name", "") == f"Heading {lvl}":
                level_of[st.style_id] = lvl
    body = doc.element.body
    toc_p = None
    entries: list[tuple[int, str]] = []
    for p in body.iter(f"{_W}p"):
        if toc_p is None:
            if any((t.text or "").strip().startswith("TOC") for t in p.iter(f"{_W}instrText")):
                toc_p = p
            continue
        style = p.find(f"{_W}pPr/{_W}pStyle")
        lvl = level_of.get(style.get(f"{_W}val")) if style is not None else None
        if lvl:
            text = "".join(t.text or "" for t in p.iter(f"{_W}t")).strip()
            if text:
                entries.append((lvl, text))
    if toc_p is None:
        return 0
    runs = list(toc_p.iter(f"{_W}r"))
    kinds = [(r.find(f"{_W}fldChar").get(f"{_W}fldCharType")
              if r.find(f"{_W}fldChar") is not None else None) for r in runs]
    if "separate" not in kinds or "end" not in kinds:
        return 0
    sep, end = kinds.index("separate"), len(kinds) - 1 - kinds[::-1].index("end")
    for r in runs[sep + 1:end]:
        r.getparent().remove(r)
    anchor = runs[end]
    for i, (lvl, text) in enumerate(entries):
        if i:
            br = OxmlElement("w:r")
            br.append(OxmlElement("w:br"))
            anchor.addprevious(br)
        r = OxmlElement("w:r")
        if lvl == 1:
            rpr = OxmlElement("w:rPr")
            rpr.append(OxmlElement("w:b"))
            r.append(rpr)
        t = OxmlElement("w:t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = ("      " * (lvl - 1)) + text
        r.append(t)
        anchor.addprevious(r)
    return len(entries)
