"""The gate every input workbook passes before anything parses it.

``check_input(path)`` returns the resolved path of a file that is safe to hand to
python-calamine or openpyxl, or raises ``InputFileError`` with an Italian message that says
what is wrong and what to do. Pure stdlib and cheap (a few milliseconds on a 10 MB workbook):

* the file type is decided by content, never by the extension;
* the zip-bomb check uses the sizes of the zip central directory (nothing is decompressed);
* XML parts are checked for ``<!DOCTYPE``/``<!ENTITY`` (billion laughs, XXE) by scanning only
  their prolog, i.e. the text before the root element, the only place a DOCTYPE can be.
"""

from __future__ import annotations

import codecs
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from xl_albero.errors import AlberoError, InputFileError, os_reason
from xl_albero.io.atomic import register_input

#: Default limit on the total uncompressed size of a workbook (sum over its parts).
DEFAULT_MAX_UNCOMPRESSED_MB = 1024
#: Environment variable that overrides the default limit (megabytes).
ENV_MAX_UNCOMPRESSED_MB = "ALBERO_MAX_UNCOMPRESSED_MB"
#: A single part is a bomb when it expands more than this ratio ...
MAX_RATIO = 200
#: ... and is larger than this once expanded.
RATIO_MIN_SIZE = 50 * 1024 * 1024
#: More entries than this is not a workbook anybody wrote by hand.
MAX_ENTRIES = 10_000
#: How much decompressed text of an XML part may precede its root element.
MAX_PROLOG = 1024 * 1024

ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

SAVE_AS_XLSX = "File > Salva con nome > Cartella di lavoro di Excel (.xlsx)"
REMOVE_PASSWORD = "File > Informazioni > Proteggi cartella di lavoro > Crittografa con password"

# Zip compression methods python-calamine and openpyxl can both read.
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_HEAD = 8192


def check_input(path: str | os.PathLike, *, max_uncompressed_mb: float | None = None) -> Path:
    """Return the resolved ``path`` if it is a workbook safe to parse, else raise.

    ``max_uncompressed_mb`` caps the total uncompressed size of the workbook's parts; when
    ``None`` the environment variable ``ALBERO_MAX_UNCOMPRESSED_MB`` or 1024 (1 GiB) is used.
    Raises ``InputFileError`` (Italian message naming the file) for anything else.
    """
    limit = _size_limit(max_uncompressed_mb)
    p = Path(path).expanduser()
    name = p.name or str(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputFileError(
            f"Il file «{name}» non esiste (percorso cercato: {p}). "
            "Controllare il nome e la cartella."
        ) from None
    except PermissionError:
        raise InputFileError(
            f"Non si può accedere al file «{name}»: permessi insufficienti sulla cartella "
            f"che lo contiene ({p.parent})."
        ) from None
    except OSError as exc:
        raise InputFileError(f"Impossibile accedere al file «{name}»: {os_reason(exc)}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(
            f"«{name}» è una cartella, non un file: indicare il file Excel (.xlsx) dell'albero."
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(
            f"«{name}» non è un file normale (è un dispositivo, una pipe o simile): "
            "indicare il file Excel (.xlsx) dell'albero."
        )
    if st.st_size == 0:
        raise InputFileError(
            f"Il file «{name}» è vuoto (0 byte): probabilmente il salvataggio o la copia non "
            "sono andati a buon fine. Recuperare una copia integra del file .xlsx."
        )
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed below, shared by every check
    except PermissionError:
        raise InputFileError(
            f"Non si può leggere il file «{name}»: permessi insufficienti. Chiedere l'accesso "
            "in lettura oppure copiare il file in una propria cartella."
        ) from None
    except OSError as exc:
        raise InputFileError(
            f"Impossibile leggere il file «{name}»: {os_reason(exc)}. Se è aperto in un altro "
            "programma, chiuderlo e riprovare."
        ) from None
    with fh:
        head = fh.read(_HEAD)
        if head.startswith(CFB_SIGNATURE):
            _refuse_cfb(fh, name)
        if not head.startswith(ZIP_SIGNATURES):
            _refuse_not_zip(head, name)
        _check_zip(fh, st.st_size, name, limit)
    register_input(p)  # no output of this run may replace it (io.atomic)
    return p.resolve()


# --------------------------------------------------------------------------- limits


def _size_limit(max_uncompressed_mb: float | None) -> int:
    """The total-size limit in bytes from the argument, the environment or the default."""
    if max_uncompressed_mb is None:
        raw = os.environ.get(ENV_MAX_UNCOMPRESSED_MB, "").strip()
        if not raw:
            return DEFAULT_MAX_UNCOMPRESSED_MB * 1024 * 1024
        try:
            max_uncompressed_mb = float(raw.replace(",", "."))
        except ValueError:
            max_uncompressed_mb = -1.0
        if not max_uncompressed_mb > 0:
            raise AlberoError(
                f"La variabile d'ambiente {ENV_MAX_UNCOMPRESSED_MB} deve essere un numero di "
                f"megabyte maggiore di zero (valore attuale: «{raw}»)."
            )
    if not max_uncompressed_mb > 0:
        raise ValueError("max_uncompressed_mb must be > 0")
    return int(max_uncompressed_mb * 1024 * 1024)


# --------------------------------------------------------------------------- not a zip


def _refuse_not_zip(head: bytes, name: str) -> None:
    """Raise the most helpful message for a file that is not a zip (and not CFB)."""
    text = _as_text(head)
    if text is not None:
        low = text.lstrip().lower()
        if "urn:schemas-microsoft-com:office:spreadsheet" in low:
            raise InputFileError(
                f"Il file «{name}» è un «Foglio di calcolo XML 2003», non una cartella di lavoro "
                f".xlsx: aprirlo in Excel e salvarlo con {SAVE_AS_XLSX}."
            )
        if low.startswith(("<!doctype html", "<html", "<table")) or "<html" in low[:1024]:
            raise InputFileError(
                f"Il file «{name}» è una pagina HTML con il nome di un file Excel (capita con "
                "le esportazioni di alcuni gestionali), non una cartella di lavoro .xlsx: "
                f"aprirlo in Excel e salvarlo con {SAVE_AS_XLSX}."
            )
        raise InputFileError(
            f"Il file «{name}» è un file di testo (per esempio CSV) con il nome di un file "
            "Excel, non una cartella di lavoro .xlsx: aprirlo in Excel (oppure importarlo con "
            f"Dati > Da testo/CSV) e salvarlo con {SAVE_AS_XLSX}."
        )
    if head.startswith(b"%PDF"):
        raise InputFileError(
            f"Il file «{name}» è un PDF, non una cartella di lavoro Excel: serve il file "
            ".xlsx originale dell'albero."
        )
    raise InputFileError(
        f"Il file «{name}» non è una cartella di lavoro Excel (formato non riconosciuto). "
        "Indicare un file .xlsx salvato da Excel."
    )


def _as_text(head: bytes) -> str | None:
    """Decode the beginning of a file if it looks like text, else ``None``."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        if b"\x00" in head:
            return None
        body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
        except UnicodeDecodeError:
            text = body.decode("cp1252", errors="replace")
    if not text:
        return None
    control = sum(1 for ch in text if (ch < " " and ch not in "\t\r\n\f") or ch == "\ufffd")
    return text if control <= len(text) // 100 else None


# --------------------------------------------------------------------------- CFB (OLE2)

_FREESECT, _ENDOFCHAIN, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF
_MAX_SECTORS_WALKED = 1 << 20


class _CfbError(Exception):
    """Malformed compound file (internal)."""


def _refuse_cfb(fh: BinaryIO, name: str) -> None:
    """Raise the right message for an OLE2 compound file: encrypted, .xls, Word..."""
    cfb: _Cfb | None = None
    try:
        cfb = _Cfb(fh)
        streams = cfb.directory()
    except (_CfbError, struct.error, OSError):
        streams = {}
    names = {n.lower() for n in streams}
    if {"encryptioninfo", "encryptedpackage"} & names:
        raise InputFileError(
            f"Il file «{name}» è protetto da password (crittografato) e non può essere letto. "
            f"Aprirlo in Excel, togliere la password ({REMOVE_PASSWORD}: cancellare la "
            "password e confermare) e salvarne una copia, da usare qui."
        )
    if "worddocument" in names:
        raise InputFileError(
            f"Il file «{name}» è un documento Word (.doc), non una cartella di lavoro Excel. "
            "Indicare il file .xlsx dell'albero."
        )
    if "powerpoint document" in names:
        raise InputFileError(
            f"Il file «{name}» è una presentazione PowerPoint (.ppt), non una cartella di "
            "lavoro Excel. Indicare il file .xlsx dell'albero."
        )
    book = streams.get("Workbook") or streams.get("Book")
    if book is not None and cfb is not None and _xls_has_filepass(cfb, book):
        raise InputFileError(
            f"Il file «{name}» è nel vecchio formato Excel 97-2003 (.xls) ed è protetto da "
            "password. Aprirlo in Excel, togliere la password (File > Informazioni > Proteggi "
            f"cartella di lavoro > Crittografa con password) e salvarlo con {SAVE_AS_XLSX}."
        )
    raise InputFileError(
        f"Il file «{name}» è nel vecchio formato Excel 97-2003 (.xls), che non è supportato. "
        f"Aprirlo in Excel e salvarlo con {SAVE_AS_XLSX}, poi usare il nuovo file."
    )


class _Cfb:
    """Just enough of [MS-CFB] to list the directory and read a stream's first sector."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        fh.seek(0)
        header = fh.read(512)
        if len(header) < 512:
            raise _CfbError("short header")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise _CfbError("bad sector shift")
        self.ssize = 1 << shift
        self.n_fat = struct.unpack_from("<I", header, 0x2C)[0]
        self.first_dir = struct.unpack_from("<I", header, 0x30)[0]
        self.first_difat = struct.unpack_from("<I", header, 0x44)[0]
        self.difat = list(struct.unpack_from("<109I", header, 0x4C))
        self._fat_cache: dict[int, tuple[int, ...]] = {}
        self._difat_loaded = False

    def read_sector(self, sector: int) -> bytes:
        self.fh.seek((sector + 1) * self.ssize)
        data = self.fh.read(self.ssize)
        if len(data) < self.ssize:
            raise _CfbError("sector beyond end of file")
        return data

    def _fat_sector_id(self, index: int) -> int:
        if index >= len(self.difat) and not self._difat_loaded:
            self._load_difat()
        if index >= len(self.difat) or index >= self.n_fat:
            raise _CfbError("FAT index out of range")
        return self.difat[index]

    def _load_difat(self) -> None:
        self._difat_loaded = True
        per = self.ssize // 4 - 1
        sector, seen = self.first_difat, 0
        while sector not in (_ENDOFCHAIN, _FREESECT) and len(self.difat) < self.n_fat:
            seen += 1
            if seen > _MAX_SECTORS_WALKED:
                raise _CfbError("DIFAT loop")
            data = self.read_sector(sector)
            values = struct.unpack(f"<{per + 1}I", data)
            self.difat.extend(values[:per])
            sector = values[per]

    def next_sector(self, sector: int) -> int:
        per = self.ssize // 4
        index = sector // per
        if index not in self._fat_cache:
            data = self.read_sector(self._fat_sector_id(index))
            self._fat_cache[index] = struct.unpack(f"<{per}I", data)
        return self._fat_cache[index][sector % per]

    def directory(self) -> dict[str, tuple[int, int]]:
        """Map stream/storage name -> (start sector, size), for every directory entry."""
        entries: dict[str, tuple[int, int]] = {}
        sector, seen = self.first_dir, 0
        while sector not in (_ENDOFCHAIN, _FREESECT):
            seen += 1
            if seen > _MAX_SECTORS_WALKED:
                raise _CfbError("directory loop")
            data = self.read_sector(sector)
            for off in range(0, self.ssize, 128):
                name_len, kind = struct.unpack_from("<HB", data, off + 64)
                if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                    continue
                entry_name = data[off:off + name_len - 2].decode("utf-16-le", errors="replace")
                entries[entry_name] = struct.unpack_from("<II", data, off + 116)
            sector = self.next_sector(sector)
        return entries


def _xls_has_filepass(cfb: _Cfb, stream: tuple[int, int]) -> bool:
    """True if the BIFF8 Workbook stream starts with BOF followed by FILEPASS (encrypted)."""
    start_sector, size = stream
    if start_sector in (_ENDOFCHAIN, _FREESECT) or size < 4096:  # mini stream: not handled
        return False
    try:
        data = cfb.read_sector(start_sector)
        rtype, size = struct.unpack_from("<HH", data, 0)
        if rtype not in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF, any BIFF version
            return False
        return struct.unpack_from("<H", data, 4 + size)[0] == 0x002F  # FILEPASS
    except (_CfbError, struct.error, OSError):
        return False


# --------------------------------------------------------------------------- zip


def _corrupt(name: str, detail: str = "") -> InputFileError:
    extra = f" ({detail})" if detail else ""
    return InputFileError(
        f"Il file «{name}» è danneggiato o incompleto{extra}: forse la copia o lo scaricamento "
        "si sono interrotti. Recuperare di nuovo il file, oppure aprirlo in Excel (che può "
        f"tentare di ripararlo) e salvarlo con {SAVE_AS_XLSX}."
    )


def _bomb(name: str, detail: str, *, total: bool = False) -> InputFileError:
    advice = (
        "Se il file è legittimo e davvero così grande, il limite si alza con la variabile "
        f"d'ambiente {ENV_MAX_UNCOMPRESSED_MB} (in megabyte)."
        if total else
        "Un normale albero della performance non è fatto così: chiedere a chi l'ha inviato "
        "il file .xlsx originale salvato da Excel."
    )
    return InputFileError(
        f"Il file «{name}» è stato rifiutato per sicurezza: {detail} (possibile «zip bomb»). "
        + advice
    )


def _eocd_counts(fh: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entries, central directory size) from the end-of-central-directory record."""
    tail_len = min(size, 65535 + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    entries, cd_size = struct.unpack_from("<HI", tail, pos + 10)
    if entries != 0xFFFF and cd_size != 0xFFFFFFFF:
        return entries, cd_size
    loc = pos - 20  # zip64 end-of-central-directory locator
    if loc < 0 or tail[loc:loc + 4] != b"PK\x06\x07":
        return None
    offset = struct.unpack_from("<Q", tail, loc + 8)[0]
    fh.seek(offset)
    rec = fh.read(56)
    if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
        return None
    return struct.unpack_from("<QQ", rec, 32)


def _check_zip(fh: BinaryIO, size: int, name: str, limit: int) -> None:
    counts = _eocd_counts(fh, size)
    if counts is None:
        raise _corrupt(name, "manca l'indice finale dell'archivio")
    if counts[0] > MAX_ENTRIES:
        raise _bomb(name, f"contiene {counts[0]:,} parti (il massimo è {MAX_ENTRIES:,})"
                    .replace(",", "."))
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt(name) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _bomb(name, f"contiene {len(infos):,} parti (il massimo è {MAX_ENTRIES:,})"
                        .replace(",", "."))
        names = {i.filename for i in infos}
        _check_is_workbook(zf, names, name)
        total = sum(info.file_size for info in infos)
        if total > limit:
            raise _bomb(name, f"una volta decompresso occuperebbe {_mb(total)}, oltre il "
                        f"limite di {_mb(limit)}", total=True)
        for info in infos:
            if (info.file_size > RATIO_MIN_SIZE
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise _bomb(name, f"la parte «{info.filename}» si espande da "
                            f"{_mb(info.compress_size)} a {_mb(info.file_size)}")
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputFileError(
                    f"Il file «{name}» contiene parti cifrate con password e non può essere "
                    f"letto: aprirlo in Excel e salvarne una copia senza password con "
                    f"{SAVE_AS_XLSX}."
                )
            if info.compress_type not in _READABLE_METHODS:
                raise _corrupt(name, f"la parte «{info.filename}» usa un metodo di "
                               "compressione non supportato")
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES) and not info.is_dir():
                _check_xml_prolog(zf, info, name)


def _mb(n: int) -> str:
    """A size for people, Italian style: ``1,5 GB``, ``60,0 MB``, ``12,3 KB``."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{n / 1024:.1f} KB".replace(".", ",")


def _check_is_workbook(zf: zipfile.ZipFile, names: set[str], name: str) -> None:
    """Refuse zips that are not an OOXML workbook, saying what they are instead."""
    if "xl/workbook.bin" in names:
        raise InputFileError(
            f"Il file «{name}» è una «Cartella di lavoro binaria di Excel» (.xlsb), formato "
            f"non supportato: aprirlo in Excel e salvarlo con {SAVE_AS_XLSX}."
        )
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    if "mimetype" in names or "META-INF/manifest.xml" in names:
        mime = ""
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
            try:
                mime = zf.read("mimetype").decode("ascii", errors="replace").strip()
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
                mime = ""
        if mime.endswith("spreadsheet") or "content.xml" in names and not mime:
            raise InputFileError(
                f"Il file «{name}» è un foglio di calcolo OpenDocument (.ods, LibreOffice), "
                "non una cartella di lavoro Excel: aprirlo in Excel o LibreOffice e salvarlo "
                "come «Cartella di lavoro di Excel (.xlsx)»."
            )
        raise InputFileError(
            f"Il file «{name}» è un documento OpenDocument (LibreOffice) che non è un foglio "
            "di calcolo: indicare il file .xlsx dell'albero."
        )
    if "word/document.xml" in names:
        raise InputFileError(
            f"Il file «{name}» è un documento Word (.docx), non una cartella di lavoro Excel: "
            "indicare il file .xlsx dell'albero."
        )
    if "ppt/presentation.xml" in names:
        raise InputFileError(
            f"Il file «{name}» è una presentazione PowerPoint (.pptx), non una cartella di "
            "lavoro Excel: indicare il file .xlsx dell'albero."
        )
    inner = sorted(n for n in names if n.lower().endswith(ACCEPTED_SUFFIXES))
    if inner:
        listed = ", ".join(f"«{n}»" for n in inner[:3]) + (" ..." if len(inner) > 3 else "")
        raise InputFileError(
            f"Il file «{name}» è un archivio ZIP che contiene {listed}: estrarre prima il "
            "file Excel dall'archivio e indicare quello."
        )
    if "[Content_Types].xml" in names:
        raise InputFileError(
            f"Il file «{name}» è un documento Office ma non una cartella di lavoro Excel "
            "(manca xl/workbook.xml): indicare il file .xlsx dell'albero."
        )
    raise InputFileError(
        f"Il file «{name}» è un archivio ZIP, non una cartella di lavoro Excel: indicare il "
        "file .xlsx dell'albero."
    )


# --------------------------------------------------------------------------- XML prolog


def _check_xml_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a part whose prolog holds a DOCTYPE/ENTITY declaration; read only the prolog."""
    try:
        with zf.open(info) as part:
            verdict = _scan_prolog(part)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise _corrupt(name, f"la parte «{info.filename}» non si legge") from exc
    if verdict is not None:
        raise InputFileError(
            f"Il file «{name}» è stato rifiutato per sicurezza: la parte «{info.filename}» "
            f"contiene una dichiarazione {verdict} (possibile attacco «billion laughs» o "
            "XXE), che Excel non scrive mai. Chiedere a chi l'ha inviato il file .xlsx "
            "originale salvato da Excel."
        )


def _scan_prolog(part: BinaryIO) -> str | None:
    """Return the offending declaration found before the root element, or ``None``."""
    first = part.read(4096)
    if first.startswith(codecs.BOM_UTF8):
        encoding, first = "utf-8", first[3:]
    elif first.startswith(codecs.BOM_UTF16_LE) or first.startswith(b"<\x00"):
        encoding = "utf-16-le"
        first = first[2:] if first.startswith(codecs.BOM_UTF16_LE) else first
    elif first.startswith(codecs.BOM_UTF16_BE) or first.startswith(b"\x00<"):
        encoding = "utf-16-be"
        first = first[2:] if first.startswith(codecs.BOM_UTF16_BE) else first
    else:
        encoding = "latin-1"  # every marker we look for is ASCII
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(first)
    read = len(first)
    pos = 0
    while True:
        # skip whitespace
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        need_more = False
        if pos >= len(text):
            need_more = True
        elif text[pos] != "<":
            return None  # not well-formed XML: the parser will refuse it anyway
        else:
            rest = text[pos:pos + 10]
            if len(rest) < 10 and not _complete(text, pos):
                need_more = True
            elif rest.startswith("<?"):
                end = text.find("?>", pos + 2)
                if end < 0:
                    need_more = True
                else:
                    pos = end + 2
                    continue
            elif rest.startswith("<!--"):
                end = text.find("-->", pos + 4)
                if end < 0:
                    need_more = True
                else:
                    pos = end + 3
                    continue
            elif rest.upper().startswith("<!DOCTYPE"):
                return "<!DOCTYPE"
            elif rest.upper().startswith("<!ENTITY"):
                return "<!ENTITY"
            elif rest.startswith("<!"):
                return "<!" + rest[2:].split(None, 1)[0][:8] if rest[2:].strip() else "<!"
            else:
                return None  # root element reached: no DOCTYPE can follow
        if need_more:
            chunk = part.read(65536)
            if not chunk:
                return None
            read += len(chunk)
            if read > MAX_PROLOG:
                return "anomala (prologo XML lunghissimo)"
            text = text[pos:] + decoder.decode(chunk)
            pos = 0


def _complete(text: str, pos: int) -> bool:
    """True if the short tail at ``pos`` already decides (e.g. ``<a/>`` at end of part)."""
    rest = text[pos:]
    return len(rest) >= 2 and rest[1] not in "?!"
