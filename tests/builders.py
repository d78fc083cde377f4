"""Builders of real (good and bad) input files for tests: workbooks, zips, OLE2/CFB files."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import openpyxl

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREESECT, _ENDOFCHAIN, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512


def write_workbook(path: Path, rows: list[list[object]] | None = None) -> Path:
    """A real, small .xlsx written by openpyxl (with accented text)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Albero"
    for row in rows or [["Codice", "Obiettivo operativo", "Settore responsabile"],
                        ["1.1.1.1", "Più servizi per la città", "Settore Attività Produttive"]]:
        ws.append(row)
    wb.save(path)
    return path


def rewrite_zip(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None,
                drop: set[str] | None = None) -> Path:
    """Copy the zip ``src`` to ``dst`` replacing/adding parts (``replace``), dropping ``drop``."""
    replace = dict(replace or {})
    drop = drop or set()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = replace.pop(info.filename, None)
            zout.writestr(info.filename, zin.read(info) if data is None else data)
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


def write_zip(path: Path, parts: dict[str, bytes | str]) -> Path:
    """A zip with the given parts (the first one stored, like an ODF ``mimetype``)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(parts.items()):
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if i == 0 else None)
    return path


def _cfb_sort_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal valid OLE2 compound file (version 3, 512-byte sectors) holding ``streams``.

    Every stream lives in regular sectors (streams are padded to 4096 bytes, the mini-stream
    cutoff), so no mini FAT is needed; the directory is a chain of right siblings sorted
    the way [MS-CFB] compares names. Readable by olefile.
    """
    items = sorted(((n, d.ljust(4096, b"\x00")) for n, d in streams.items()),
                   key=lambda item: _cfb_sort_key(item[0]))
    n_entries = 1 + len(items)
    dir_sectors = -(-n_entries * 128 // _SECTOR)
    data_sectors = [-(-len(d) // _SECTOR) for _, d in items]
    n_fat = 1
    while n_fat * (_SECTOR // 4) < n_fat + dir_sectors + sum(data_sectors):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("too big for a header-only DIFAT")

    fat: list[int] = [_FATSECT] * n_fat
    first_dir = len(fat)
    fat += [first_dir + i + 1 for i in range(dir_sectors - 1)] + [_ENDOFCHAIN]
    starts = []
    for count in data_sectors:
        start = len(fat)
        starts.append(start)
        fat += [start + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN]
    fat += [_FREESECT] * (n_fat * (_SECTOR // 4) - len(fat))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00")
                + struct.pack("<HBBIII", len(raw), kind, 1, _NOSTREAM, right, child)
                + b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, _NOSTREAM, 1 if items else _NOSTREAM, _ENDOFCHAIN, 0)
    for i, ((name, data), start) in enumerate(zip(items, starts, strict=True)):
        right = i + 2 if i + 1 < len(items) else _NOSTREAM
        directory += entry(name, 2, right, _NOSTREAM, start, len(data))
    empty = b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM)
    empty = empty.ljust(128, b"\x00")
    directory = directory.ljust(dir_sectors * _SECTOR, b"\x00")
    directory = b"".join(directory[i:i + 128] if directory[i:i + 128].strip(b"\x00") else empty
                         for i in range(0, len(directory), 128))

    difat = list(range(n_fat)) + [_FREESECT] * (109 - n_fat)
    header = (CFB_SIGNATURE + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, 4096, _ENDOFCHAIN, 0,
                            _ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == _SECTOR
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    body += b"".join(d.ljust(count * _SECTOR, b"\x00")
                     for (_, d), count in zip(items, data_sectors, strict=True))
    return header + body


def biff_record(rtype: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def xls_workbook_stream(*, encrypted: bool = False) -> bytes:
    """Start of a BIFF8 Workbook stream: BOF, optionally FILEPASS (RC4), then EOF."""
    bof = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
    filepass = biff_record(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x00" * 48)
    return bof + (filepass if encrypted else b"") + biff_record(0x000A, b"")
