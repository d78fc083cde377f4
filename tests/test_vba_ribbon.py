"""The classic desktop add-in (``macros/``) agrees with the command registry.

``customUI14.xml`` must be the registry's ribbon (generated, up to date), every ribbon
button must have its VBA callback in ``AlberoRibbon.bas``, every callback must call an
existing Excel command through ``xl_albero.excel.desktop.run`` with options the registry
offers in Excel, and the VBA must be ASCII with CRLF lines (its accents built by ChrW).
The Python side is exercised on a real xlwings Book (the JSON kind Excel sends to
xlwings Server) standing in for ``xw.Book.caller()``, which needs a running Excel.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import re  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from xl_albero import commands  # noqa: E402
from xl_albero.errors import AlberoError  # noqa: E402
from xl_albero.excel import desktop, ribbon_xml, runner  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MACROS = ROOT / "macros"
XML_PATH = MACROS / "customUI14.xml"
BAS_PATH = MACROS / "AlberoRibbon.bas"
NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"

SUB_RE = re.compile(r"^Public Sub (\w+)\(control As IRibbonControl\)\s*$(.*?)^End Sub",
                    re.M | re.S)
RUN_RE = re.compile(r'RunPython "import xl_albero\.excel\.desktop as d; d\.run\(\'(\w+)\'')
IT_MAP_RE = re.compile(r'Replace\(s, "(\{[^"]+\})", (?:ChrW\((\d+)\)|(vbNewLine))\)')


# -- parsing helpers ---------------------------------------------------------------------

def ribbon_buttons(xml_text: str) -> list[ET.Element]:
    root = ET.fromstring(xml_text.encode("utf-8"))
    assert root.tag == NS + "customUI"
    return list(root.iter(NS + "button"))


def vba_subs(bas: str) -> dict[str, str]:
    """Ribbon callbacks of the module: name -> body (line continuations joined)."""
    joined = re.sub(r" _\r?\n\s*", " ", bas)
    return {m.group(1): m.group(2) for m in SUB_RE.finditer(joined)}


def run_calls(body: str) -> list[tuple[str, set[str]]]:
    """``(command, keyword names)`` of each ``d.run(...)`` in a VBA Sub body."""
    calls = []
    for line in body.splitlines():
        m = RUN_RE.search(line)
        if m:
            rest = line[m.end():]
            calls.append((m.group(1), set(re.findall(r"(?:, |\" & \", )(\w+)=", rest))))
    return calls


def it_map(bas: str) -> dict[str, str]:
    return {tok: ("\r\n" if nl else chr(int(code))) for tok, code, nl in IT_MAP_RE.findall(bas)}


@pytest.fixture(scope="module")
def bas() -> str:
    return BAS_PATH.read_bytes().decode("ascii")


@pytest.fixture(scope="module")
def subs(bas) -> dict[str, str]:
    return vba_subs(bas)


# -- customUI14.xml ------------------------------------------------------------------------

def test_committed_customui_is_the_registry_ribbon():
    assert XML_PATH.read_text(encoding="utf-8") == ribbon_xml.customui_xml(), (
        "macros/customUI14.xml is out of date: run python macros/generate_customui.py")


def test_ribbon_has_one_button_per_ribbon_command_with_registry_texts():
    buttons = ribbon_buttons(XML_PATH.read_text(encoding="utf-8"))
    by_id = {b.get("id"): b for b in buttons}
    assert len(by_id) == len(buttons), "duplicate button ids"
    cmds = commands.ribbon_commands()
    assert set(by_id) - {ribbon_xml.ABOUT_ID} == {f"btn_{c.name}" for c in cmds}
    for c in cmds:
        b = by_id[f"btn_{c.name}"]
        assert b.get("label") == c.label
        assert b.get("supertip") == c.tooltip
        assert b.get("onAction") == f"Albero_{c.name}"
        assert b.get("size") == "large" and b.get("imageMso")
    tab = ET.fromstring(XML_PATH.read_bytes()).find(f"{NS}ribbon/{NS}tabs/{NS}tab")
    assert tab is not None and tab.get("label") == "Albero Performance"


def test_customui_is_ascii_so_accents_survive_any_editor():
    raw = XML_PATH.read_bytes()
    raw.decode("ascii")
    cmd = replace(commands.BY_NAME["valida"], label="Città più è")
    xml_text = ribbon_xml.customui_xml((cmd,))
    assert "&#224;" in xml_text and xml_text.isascii()
    assert ribbon_buttons(xml_text)[0].get("label") == "Città più è"


def test_generator_follows_a_renamed_or_added_command():
    renamed = replace(commands.BY_NAME["valida"], label="Controlla")
    added = replace(commands.BY_NAME["settori"], name="nuovo_comando", icon="ignoto")
    text = ribbon_xml.customui_xml((renamed, added))
    by_id = {b.get("id"): b for b in ribbon_buttons(text)}
    assert by_id["btn_valida"].get("label") == "Controlla"
    assert by_id["btn_nuovo_comando"].get("onAction") == "Albero_nuovo_comando"
    assert by_id["btn_nuovo_comando"].get("imageMso") == ribbon_xml.DEFAULT_IMAGE_MSO
    assert text != XML_PATH.read_text(encoding="utf-8")


# -- AlberoRibbon.bas ----------------------------------------------------------------------

def test_bas_is_an_ascii_module_with_crlf_lines(bas):
    assert bas.startswith('Attribute VB_Name = "AlberoRibbon"\r\n')
    assert "Option Explicit" in bas
    assert bas.count("\n") == bas.count("\r\n"), "LF without CR: the VBA editor needs CRLF"


def test_every_ribbon_control_has_its_vba_callback(subs):
    buttons = ribbon_buttons(XML_PATH.read_text(encoding="utf-8"))
    missing = [b.get("onAction") for b in buttons if b.get("onAction") not in subs]
    assert not missing, f"ribbon callbacks without a VBA Sub: {missing}"
    assert set(subs) == {b.get("onAction") for b in buttons}, "VBA Sub without a button"


def test_every_callback_runs_its_own_existing_excel_command(subs):
    called = set()
    for sub, body in subs.items():
        calls = run_calls(body)
        if sub == ribbon_xml.ABOUT_CALLBACK:
            assert calls == [] and "RunPython" not in body
            continue
        assert calls, f"{sub} does not call d.run"
        for name, kwargs in calls:
            assert sub == f"Albero_{name}", f"{sub} runs {name!r}"
            cmd = commands.BY_NAME.get(name)
            assert cmd is not None, f"{sub} calls unknown command {name!r}"
            assert cmd.ribbon and cmd.excel_entry, f"{name} has no Excel entry"
            allowed = {o.name for o in cmd.options if o.excel}
            assert kwargs <= allowed, f"{sub}: options {kwargs - allowed} not offered in Excel"
            required = {o.name for o in cmd.options if o.excel and o.required}
            assert required <= kwargs, f"{sub}: required options {required - kwargs} missing"
            called.add(name)
    assert called == {c.name for c in commands.ribbon_commands()}


def test_options_asked_in_vba_are_passed(subs):
    calls = run_calls(subs["Albero_nuovo_ciclo"])
    assert {frozenset(k) for _, k in calls} == {frozenset({"anno"}),
                                               frozenset({"anno", "estendi_periodo"})}
    assert run_calls(subs["Albero_invia"]) == [("invia", {"invia", "riprendi"})]
    # user input reaches Python only after a pattern check (no code injection)
    assert 'risposta Like "####"' in subs["Albero_nuovo_ciclo"]
    assert 'periodo Like "####-####"' in subs["Albero_nuovo_ciclo"]


def test_italian_texts_decode_with_accents(bas):
    mapping = it_map(bas)
    assert mapping["{a}"] == "à" and mapping["{e}"] == "è" and mapping["{E}"] == "È"
    texts = re.findall(r'"((?:[^"\r\n]|"")*)"', re.sub(r" _\r?\n\s*", " ", bas))
    tokens = {t for s in texts for t in re.findall(r"\{[^}\s]*\}", s)}
    assert tokens <= set(mapping), f"tokens It() does not convert: {tokens - set(mapping)}"
    decoded = " ".join(texts)
    for tok, ch in mapping.items():
        decoded = decoded.replace(tok, ch)
    for word in ("già", "Sì", "ciò", "è", "È"):
        assert word in decoded


# -- Python side: xl_albero.excel.desktop --------------------------------------------------

def test_unknown_command_is_refused_in_italian():
    with pytest.raises(AlberoError, match="Comando «vola» sconosciuto.*valida"):
        runner.excel_command("vola")


def test_cli_only_command_is_refused_in_italian():
    with pytest.raises(AlberoError, match="«Importa» non si può eseguire da Excel.*albero importa"):
        runner.excel_command("importa")


def prepare(name: str, options: dict) -> tuple:
    cmd = runner.excel_command(name)
    return cmd, runner.coerce_args(cmd, [options])


def test_options_are_checked_against_the_registry():
    cmd, kwargs = prepare("nuovo_ciclo", {"anno": "2026"})
    assert cmd.name == "nuovo_ciclo" and kwargs["anno"] == 2026
    assert kwargs["estendi_periodo"] is None
    with pytest.raises(AlberoError, match="Manca «anno»"):
        prepare("nuovo_ciclo", {})
    with pytest.raises(AlberoError, match="Opzioni sconosciute.*output"):
        prepare("nuovo_ciclo", {"anno": 2026, "output": "x.xlsx"})
    with pytest.raises(AlberoError, match="numero intero"):
        prepare("nuovo_ciclo", {"anno": "duemila"})
    _, kw = prepare("invia", {"invia": True})
    assert kw == {"invia": True, "riprendi": False, "forza": False}
    out = runner.run_command(None, "nuovo_ciclo", [{}])
    assert not out.ok and out.message.startswith("Nuovo ciclo: Manca «anno»")


def test_core_imports_without_xlwings():
    import subprocess
    import sys

    code = ("import sys; sys.modules['xlwings'] = None; "
            "import xl_albero.excel.desktop, xl_albero.excel.ribbon_xml; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.fixture
def caller_book(monkeypatch):
    """A real xlwings Book (from the JSON Excel sends) returned by ``xw.Book.caller()``."""
    import xlwings as xw

    from tests.excel_model import WorkbookModel

    model = WorkbookModel.from_xlsx(SAMPLE)
    book = xw.Book(json=model.payload())
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    return model, book


def alerts(book) -> list[list]:
    return [a["args"] for a in book.json()["actions"] if a["func"] == "alert"]


def test_run_shows_the_italian_error_instead_of_a_traceback(caller_book):
    _, book = caller_book
    assert desktop.run("vola") is None
    [args] = alerts(book)
    assert args[0].startswith("Comando «vola» sconosciuto") and args[1] == "Albero Performance"


def test_run_reports_an_adapter_refusal(caller_book):
    _, book = caller_book
    desktop.run("nuovo_ciclo", anno=1999)  # earlier than the 2025 plan
    [args] = alerts(book)
    assert "1999" in args[0] and args[1] == "Albero Performance"


def test_run_executes_the_registry_command_on_the_calling_book(caller_book):
    model, book = caller_book
    from xl_albero.io.reader import load_tree
    from xl_albero.validation import validate

    counts = validate(load_tree(SAMPLE))["gravita"].value_counts().to_dict()
    desktop.run("valida")
    [args] = alerts(book)  # the outcome, in Italian
    assert args[0].startswith("Validazione completata") and args[1] == "Albero Performance"
    assert f"{counts.get('errore', 0)} errori" in args[0]
    model.apply(book.json())
    assert "Validazione" in model.names_of()


def test_errors_that_excel_cannot_show_are_raised(monkeypatch):
    import xlwings as xw

    class NoExcel:
        @property
        def app(self):
            raise RuntimeError("Excel non risponde")

    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: NoExcel()))
    with pytest.raises(AlberoError, match="sconosciuto"):
        desktop.run("vola")


# -- building the .xlam: customUI14.xml into the package ------------------------------------

def quickstart_xlam(tmp_path: Path) -> Path:
    """The add-in ``xlwings quickstart --addin --ribbon`` creates (VBA + a MyAddin ribbon)."""
    import shutil

    import xlwings

    src = tmp_path / "albero.xlam"
    shutil.copyfile(Path(xlwings.__file__).with_name("quickstart_addin_ribbon.xlam"), src)
    return src


def test_add_customui_replaces_the_ribbon_and_keeps_every_other_part(tmp_path):
    import zipfile

    from xl_albero.excel.xlam import PART, add_customui

    src = quickstart_xlam(tmp_path)
    before = src.read_bytes()
    out = add_customui(src, tmp_path / "Albero Performance.xlam", ribbon_xml.customui_xml())
    assert src.read_bytes() == before
    with zipfile.ZipFile(src) as zs, zipfile.ZipFile(out) as zo:
        assert zo.testzip() is None
        assert zo.read(PART).decode("utf-8") == XML_PATH.read_text(encoding="utf-8")
        assert not [n for n in zo.namelist() if n.startswith("customUI/") and n != PART]
        for name in zs.namelist():
            if not name.startswith("customUI/") and name not in ("_rels/.rels",
                                                                 "[Content_Types].xml"):
                assert zo.read(name) == zs.read(name), name
        rels = ET.fromstring(zo.read("_rels/.rels"))
        ui = [r for r in rels if r.get("Type", "").endswith("/ui/extensibility")]
        assert [(r.get("Type"), r.get("Target")) for r in ui] == [(ribbon_xml.REL_TYPE, PART)]
        assert len({r.get("Id") for r in rels}) == len(rels)
        assert any(r.get("Target") == "xl/workbook.xml" for r in rels)
    # an independent reader (calamine; openpyxl refuses add-ins) still reads the sheets
    from python_calamine import CalamineWorkbook

    assert (CalamineWorkbook.from_path(str(out)).sheet_names
            == CalamineWorkbook.from_path(str(src)).sheet_names == ["_myaddin.conf"])
    # running it again on its own output is idempotent
    again = add_customui(out, tmp_path / "again.xlam", ribbon_xml.customui_xml())
    with zipfile.ZipFile(again) as za:
        rels = ET.fromstring(za.read("_rels/.rels"))
        assert sum(r.get("Type") == ribbon_xml.REL_TYPE for r in rels) == 1


def test_add_customui_refuses_bad_input_in_italian(tmp_path):
    from xl_albero.errors import InputFileError, OutputError
    from xl_albero.excel.xlam import add_customui

    src = quickstart_xlam(tmp_path)
    xml_text = ribbon_xml.customui_xml()
    with pytest.raises(OutputError, match="coincide con il file di partenza"):
        add_customui(src, src, xml_text, overwrite=True)
    (tmp_path / "esiste.xlam").write_bytes(b"x")
    with pytest.raises(OutputError, match="esiste già"):
        add_customui(src, tmp_path / "esiste.xlam", xml_text)
    with pytest.raises(InputFileError, match="non esiste"):
        add_customui(tmp_path / "manca.xlam", tmp_path / "o.xlam", xml_text)
    broken = tmp_path / "rotto.xlam"
    broken.write_bytes(b"non sono uno zip")
    with pytest.raises(InputFileError, match="danneggiato"):
        add_customui(broken, tmp_path / "o.xlam", xml_text)
    plain = tmp_path / "senza_macro.xlsm"
    import openpyxl

    openpyxl.Workbook().save(plain)
    with pytest.raises(InputFileError, match="non contiene macro"):
        add_customui(plain, tmp_path / "o.xlam", xml_text)
    assert not (tmp_path / "o.xlam").exists()
