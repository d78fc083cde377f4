"""io.safety.check_input: every bad input is refused with its own Italian message."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import msoffcrypto
import msoffcrypto.format.ooxml
import olefile
import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import (
    build_cfb,
    rewrite_zip,
    write_workbook,
    write_zip,
    xls_workbook_stream,
)
from xl_albero.errors import AlberoError, InputFileError
from xl_albero.io import safety
from xl_albero.io.safety import check_input

SAVE_AS = "File > Salva con nome > Cartella di lavoro di Excel (.xlsx)"
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE sst [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol3;</t></si></sst>'
)


def refused(path: Path, **kwargs) -> str:
    """The message of the InputFileError check_input raises for ``path``."""
    with pytest.raises(InputFileError) as info:
        check_input(path, **kwargs)
    message = str(info.value)
    assert path.name in message
    return message


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "albero.xlsx")


# ------------------------------------------------------------------ accepted


def test_real_workbook_passes_and_path_is_resolved(workbook: Path, monkeypatch):
    monkeypatch.chdir(workbook.parent)
    assert check_input("albero.xlsx") == workbook.resolve()
    assert check_input(workbook) == workbook.resolve()


@pytest.mark.parametrize("name", ["ALBERO.XLSX", "albero.xlsm", "albero.xltx", "albero.xltm",
                                  "albero.zip", "albero", "albero.xls"])
def test_content_decides_not_the_extension(workbook: Path, name: str):
    other = workbook.with_name(name)
    shutil.copy(workbook, other)
    assert check_input(other) == other.resolve()


def test_xlsxwriter_workbook_with_tables_passes(tmp_path: Path):
    path = tmp_path / "tabella.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Albero")
    ws.add_table(0, 0, 3, 1, {"columns": [{"header": "Codice"}, {"header": "Settore"}]})
    ws.write_comment(1, 1, "nota")
    wb.close()
    assert check_input(path) == path.resolve()


def test_text_that_mentions_doctype_in_a_cell_is_fine(tmp_path: Path):
    # Cell text is escaped (&lt;!DOCTYPE): only a real declaration in the prolog is refused.
    path = write_workbook(tmp_path / "testo.xlsx", [["<!DOCTYPE x [<!ENTITY a 'b'>]>"]])
    assert check_input(path) == path.resolve()


def test_xml_comments_and_processing_instructions_before_root_are_fine(workbook, tmp_path):
    with zipfile.ZipFile(workbook) as zf:
        styles = zf.read("xl/styles.xml")
    body = styles.split(b"?>", 1)[-1]
    patched = (b'<?xml version="1.0"?>\n<!-- commento -->\n<?mso-application progid="x"?>\n'
               + b" " * 9000 + body)
    out = rewrite_zip(workbook, tmp_path / "commenti.xlsx", replace={"xl/styles.xml": patched})
    assert check_input(out) == out.resolve()
    openpyxl.load_workbook(out).close()  # and the real parser agrees it is fine


# ------------------------------------------------------------------ file system


def test_missing_file(tmp_path: Path):
    message = refused(tmp_path / "manca.xlsx")
    assert "non esiste" in message


def test_folder(tmp_path: Path):
    folder = tmp_path / "cartella.xlsx"
    folder.mkdir()
    message = refused(folder)
    assert "è una cartella" in message and ".xlsx" in message


def test_empty_file(tmp_path: Path):
    path = tmp_path / "vuoto.xlsx"
    path.touch()
    message = refused(path)
    assert "è vuoto (0 byte)" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_not_opened(tmp_path: Path):
    fifo = tmp_path / "tubo.xlsx"
    os.mkfifo(fifo)
    assert "non è un file normale" in refused(fifo)


def test_unreadable_file(tmp_path: Path):
    path = write_workbook(tmp_path / "segreto.xlsx")
    path.chmod(0)
    try:
        if os.geteuid() != 0:
            message = refused(path)
        else:
            # root reads everything: run the check without the capabilities that allow it.
            setpriv = shutil.which("setpriv")
            if not setpriv:
                pytest.skip("running as root without setpriv")
            code = ("import sys\nfrom xl_albero.io.safety import check_input\n"
                    "try:\n    check_input(sys.argv[1])\nexcept Exception as e:\n"
                    "    print(type(e).__name__, e)\n")
            done = subprocess.run(
                [setpriv, "--bounding-set", "-dac_override,-dac_read_search",
                 sys.executable, "-c", code, str(path)],
                cwd=Path(__file__).parents[1], capture_output=True, text=True, timeout=60,
                env={**os.environ, "PYTHONIOENCODING": "utf-8"})
            if "Operation not permitted" in done.stderr:
                pytest.skip("cannot drop capabilities here")
            assert done.stdout.startswith("InputFileError "), done.stdout + done.stderr
            message = done.stdout
    finally:
        path.chmod(0o600)
    assert "segreto.xlsx" in message and "permessi insufficienti" in message


# ------------------------------------------------------------------ OLE2 / CFB


def test_handcrafted_cfb_is_readable_by_olefile(tmp_path: Path):
    path = tmp_path / "vecchio.xls"
    path.write_bytes(build_cfb({"Workbook": xls_workbook_stream(), "\x05SummaryInformation":
                                b"s" * 100}))
    with olefile.OleFileIO(str(path)) as ole:
        assert sorted(ole.listdir()) == [["\x05SummaryInformation"], ["Workbook"]]
        assert ole.openstream("Workbook").read(2) == struct.pack("<H", 0x0809)


def test_old_xls_renamed_xlsx(tmp_path: Path):
    path = tmp_path / "albero.xlsx"
    path.write_bytes(build_cfb({"Workbook": xls_workbook_stream()}))
    message = refused(path)
    assert "97-2003 (.xls)" in message and SAVE_AS in message
    assert "password" not in message


def test_bare_cfb_header_counts_as_xls(tmp_path: Path):
    path = tmp_path / "strano.xlsx"
    path.write_bytes(safety.CFB_SIGNATURE + b"\x00" * 4000)
    assert "97-2003 (.xls)" in refused(path)


def test_password_protected_old_xls(tmp_path: Path):
    path = tmp_path / "protetto.xls"
    path.write_bytes(build_cfb({"Workbook": xls_workbook_stream(encrypted=True)}))
    message = refused(path)
    assert ".xls" in message and "password" in message and SAVE_AS in message


def test_word_doc(tmp_path: Path):
    path = tmp_path / "lettera.xlsx"
    path.write_bytes(build_cfb({"WordDocument": b"w" * 10}))
    assert "documento Word (.doc)" in refused(path)


def test_encrypted_workbook_made_by_msoffcrypto(workbook: Path, tmp_path: Path):
    path = tmp_path / "cifrato.xlsx"
    with open(workbook, "rb") as src, open(path, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt("Segreta1", out)
    with open(path, "rb") as fh:  # it really is encrypted: msoffcrypto says so
        assert msoffcrypto.OfficeFile(fh).is_encrypted()
    message = refused(path)
    assert "protetto da password" in message
    assert "Crittografa con password" in message
    assert "97-2003" not in message


def test_encrypted_workbook_handcrafted(tmp_path: Path):
    path = tmp_path / "cifrato2.xlsm"
    path.write_bytes(build_cfb({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage":
                                os.urandom(9000), "\x06DataSpaces": b""}))
    assert "protetto da password" in refused(path)


def test_big_encrypted_workbook_uses_difat(tmp_path: Path):
    # > 109 FAT sectors: the FAT is found through DIFAT sectors (as for real 10 MB files).
    src = write_workbook(tmp_path / "grande.xlsx")
    with zipfile.ZipFile(src, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/image1.bin", os.urandom(8 * 1024 * 1024))
    path = tmp_path / "grande_cifrato.xlsx"
    with open(src, "rb") as fh, open(path, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(fh).encrypt("x", out)
    with open(path, "rb") as fh:
        header = fh.read(512)
    assert struct.unpack_from("<I", header, 0x2C)[0] > 109  # many FAT sectors
    assert "protetto da password" in refused(path)


# ------------------------------------------------------------------ not a zip


def test_csv_renamed_xlsx(tmp_path: Path):
    path = tmp_path / "esportazione.xlsx"
    path.write_text("Codice;Obiettivo;Settore\n1.1.1.1;Più servizi;Città e Attività\n",
                    encoding="utf-8")
    message = refused(path)
    assert "file di testo" in message and "CSV" in message and SAVE_AS in message


def test_csv_in_cp1252_and_utf16(tmp_path: Path):
    for encoding in ("cp1252", "utf-16"):
        path = tmp_path / f"dati_{encoding}.xlsx"
        path.write_text("Codice\tSettore\n1\tCittà più bella\n" * 50, encoding=encoding)
        assert "file di testo" in refused(path)


def test_html_renamed_xls(tmp_path: Path):
    path = tmp_path / "report.xlsx"
    path.write_text("<html><body><table><tr><td>Città</td></tr></table></body></html>",
                    encoding="utf-8")
    assert "pagina HTML" in refused(path)


def test_spreadsheetml_2003(tmp_path: Path):
    path = tmp_path / "vecchio_xml.xlsx"
    path.write_text('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
                    'spreadsheet"></Workbook>', encoding="utf-8")
    message = refused(path)
    assert "XML 2003" in message and SAVE_AS in message


def test_random_binary(tmp_path: Path):
    path = tmp_path / "rumore.xlsx"
    path.write_bytes(bytes(range(256)) * 20)
    assert "non è una cartella di lavoro Excel" in refused(path)


def test_pdf(tmp_path: Path):
    path = tmp_path / "albero.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)))
    assert "è un PDF" in refused(path)


# ------------------------------------------------------------------ zips that are no workbook


def test_docx_like_zip(tmp_path: Path):
    path = write_zip(tmp_path / "relazione.xlsx", {
        "[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    assert "documento Word (.docx)" in refused(path)


def test_ods_like_zip(tmp_path: Path):
    path = write_zip(tmp_path / "albero.xlsx", {
        "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<manifest/>"})
    message = refused(path)
    assert "OpenDocument (.ods" in message and ".xlsx" in message


def test_odt_like_zip(tmp_path: Path):
    path = write_zip(tmp_path / "testo.xlsx", {
        "mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
    assert "non è un foglio" in refused(path)


def test_random_zip(tmp_path: Path):
    path = write_zip(tmp_path / "archivio.xlsx", {"leggimi.txt": "ciao"})
    assert "archivio ZIP" in refused(path)


def test_zip_holding_a_workbook(workbook: Path, tmp_path: Path):
    path = tmp_path / "allegati.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(workbook, "Albero 2025.xlsx")
    message = refused(path)
    assert "«Albero 2025.xlsx»" in message and "estrarre" in message


def test_office_zip_without_workbook_part(workbook: Path, tmp_path: Path):
    path = rewrite_zip(workbook, tmp_path / "senza.xlsx", drop={"xl/workbook.xml"})
    assert "manca xl/workbook.xml" in refused(path)


def test_workbook_without_content_types(workbook: Path, tmp_path: Path):
    path = rewrite_zip(workbook, tmp_path / "senza_tipi.xlsx", drop={"[Content_Types].xml"})
    assert "archivio ZIP" in refused(path)


def test_xlsb(tmp_path: Path):
    path = write_zip(tmp_path / "binario.xlsb", {
        "[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00",
        "xl/worksheets/sheet1.bin": b"\x81\x01\x00"})
    message = refused(path)
    assert "(.xlsb)" in message and "non supportato" in message and SAVE_AS in message


# ------------------------------------------------------------------ corrupt


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated_workbook(workbook: Path, tmp_path: Path, keep: float):
    data = workbook.read_bytes()
    path = tmp_path / "troncato.xlsx"
    path.write_bytes(data[:int(len(data) * keep)])
    message = refused(path)
    assert "danneggiato o incompleto" in message


def test_corrupt_part_data(workbook: Path, tmp_path: Path):
    # Central directory intact, compressed bytes of the sheet garbled.
    data = bytearray(workbook.read_bytes())
    with zipfile.ZipFile(workbook) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start:start + info.compress_size] = b"\xff" * info.compress_size
    path = tmp_path / "rovinato.xlsx"
    path.write_bytes(bytes(data))
    message = refused(path)
    assert "danneggiato" in message and "xl/worksheets/sheet1.xml" in message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1), noise=st.binary(min_size=1, max_size=64),
       at=st.integers(min_value=0))
def test_damaged_workbooks_never_crash(workbook: Path, cut: int, noise: bytes, at: int):
    """Whatever the damage, check_input returns the path or raises InputFileError."""
    data = bytearray(workbook.read_bytes())
    at %= len(data)
    data[at:at + len(noise)] = noise
    del data[len(data) - cut % len(data):]
    path = workbook.with_name("danneggiato.xlsx")
    path.write_bytes(bytes(data))
    try:
        assert check_input(path) == path.resolve()
    except InputFileError as exc:
        assert "danneggiato.xlsx" in str(exc)


# ------------------------------------------------------------------ zip bombs


def test_total_size_over_configured_limit(workbook: Path):
    message = refused(workbook, max_uncompressed_mb=0.001)
    assert "rifiutato per sicurezza" in message and "limite" in message
    assert check_input(workbook, max_uncompressed_mb=5) == workbook.resolve()


def test_total_size_limit_from_environment(workbook: Path, tmp_path: Path, monkeypatch):
    path = rewrite_zip(workbook, tmp_path / "grosso.xlsx",
                       replace={"xl/media/image1.bin": b"\x00" * (3 * 1024 * 1024)})
    assert check_input(path) == path.resolve()
    monkeypatch.setenv(safety.ENV_MAX_UNCOMPRESSED_MB, "2")
    message = refused(path)
    assert "limite di 2,0 MB" in message and safety.ENV_MAX_UNCOMPRESSED_MB in message
    assert check_input(path, max_uncompressed_mb=10) == path.resolve()  # argument wins


def test_bad_environment_limit(workbook: Path, monkeypatch):
    monkeypatch.setenv(safety.ENV_MAX_UNCOMPRESSED_MB, "tanto")
    with pytest.raises(AlberoError, match="ALBERO_MAX_UNCOMPRESSED_MB.*«tanto»"):
        check_input(workbook)


def test_default_limit_uses_declared_sizes(workbook: Path, tmp_path: Path):
    # The central directory claims 1.5 GiB for sheet1.xml: refused without decompressing.
    data = bytearray(workbook.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", data, eocd + 16)[0]
    pos = cd_offset
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        name = bytes(data[pos + 46:pos + 46 + name_len])
        if name == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, pos + 24, 1536 * 1024 * 1024)
        pos += 46 + name_len + extra_len + comment_len
    path = tmp_path / "dichiarato.xlsx"
    path.write_bytes(bytes(data))
    message = refused(path)
    assert "1,5 GB" in message and "1,0 GB" in message


def test_high_ratio_part(workbook: Path, tmp_path: Path):
    path = tmp_path / "bomba.xlsx"
    shutil.copy(workbook, path)
    chunk = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("xl/media/zeri.bin", "w", force_zip64=True) as part:
        for _ in range(60):
            part.write(chunk)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/media/zeri.bin")
    assert info.file_size > 200 * info.compress_size
    message = refused(path)
    assert "zip bomb" in message and "xl/media/zeri.bin" in message


def test_too_many_entries(workbook: Path, tmp_path: Path):
    path = tmp_path / "tante_parti.xlsx"
    shutil.copy(workbook, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        for i in range(safety.MAX_ENTRIES):
            zf.writestr(f"xl/media/p{i}.bin", b"")
    message = refused(path)
    assert "10.0" in message and "parti" in message


# ------------------------------------------------------------------ XML entity attacks


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml",
                                  "xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml",
                                  "docProps/core.xml", "xl/_rels/workbook.xml.rels"])
def test_billion_laughs_in_any_xml_part(workbook: Path, tmp_path: Path, part: str):
    path = rewrite_zip(workbook, tmp_path / "risate.xlsx",
                       replace={part: BILLION_LAUGHS.encode()})
    message = refused(path)
    assert "<!DOCTYPE" in message and part in message and "billion laughs" in message


def test_doctype_after_comment_and_long_whitespace(workbook: Path, tmp_path: Path):
    xml = ('<?xml version="1.0"?><!-- innocuo -->' + " " * 70000
           + '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    path = rewrite_zip(workbook, tmp_path / "xxe.xlsx",
                       replace={"xl/worksheets/sheet1.xml": xml.encode()})
    assert "<!DOCTYPE" in refused(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_doctype_in_other_encodings(workbook: Path, tmp_path: Path, encoding: str):
    xml = BILLION_LAUGHS.replace('encoding="UTF-8"', f'encoding="{encoding[:6].upper()}"')
    path = rewrite_zip(workbook, tmp_path / "codifica.xlsx",
                       replace={"xl/sharedStrings.xml": xml.encode(encoding)})
    assert "<!DOCTYPE" in refused(path)


def test_bare_entity_declaration(workbook: Path, tmp_path: Path):
    path = rewrite_zip(workbook, tmp_path / "entita.xlsx",
                       replace={"xl/styles.xml": b'<!ENTITY a "b"><styleSheet/>'})
    assert "<!ENTITY" in refused(path)


def test_endless_prolog_is_refused(workbook: Path, tmp_path: Path):
    xml = "<?xml version='1.0'?><!--" + "x" * (2 * safety.MAX_PROLOG) + "--><r/>"
    path = rewrite_zip(workbook, tmp_path / "prologo.xlsx",
                       replace={"xl/styles.xml": xml.encode()})
    assert "prologo XML" in refused(path)


# ------------------------------------------------------------------ real files from LibreOffice


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory) -> dict[str, Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("lo")
    src = write_workbook(folder / "albero.xlsx")
    out = {}
    for fmt, filt in (("xls", "xls:MS Excel 97"), ("ods", "ods")):
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                        "--convert-to", filt, "--outdir", str(folder / fmt), str(src)],
                       check=True, capture_output=True, timeout=120)
        out[fmt] = folder / fmt / f"albero.{fmt}"
        assert out[fmt].stat().st_size > 0
    return out


def test_real_xls_from_libreoffice(libreoffice_files, tmp_path: Path):
    path = tmp_path / "albero.xlsx"  # renamed, as users do
    shutil.copy(libreoffice_files["xls"], path)
    message = refused(path)
    assert "97-2003 (.xls)" in message and SAVE_AS in message


def test_real_ods_from_libreoffice(libreoffice_files):
    assert "OpenDocument (.ods" in refused(libreoffice_files["ods"])


def test_big_workbook_passes(tmp_path: Path):
    path = tmp_path / "grande.xlsx"
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("Albero")
    for r in range(20_000):
        ws.write_row(r, 0, [f"1.{r}.1.1", f"Obiettivo numero {r} per la città", r * 1.5])
    wb.close()
    assert check_input(path) == path.resolve()
    assert stat.S_ISREG(path.stat().st_mode)
