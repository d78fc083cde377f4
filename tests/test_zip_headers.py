"""Every part of every output has plain ZIP headers (no ZIP64 form): parts are streamed
while they are made, and ZIP64 headers, which Excel is known to be picky about, are used
only when a part could pass the 2-GB limit of a plain entry."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from tests.test_cli_valida import SAMPLE, run
from xl_albero.io.xml_rows import rows_size_bound, write_streamed


def _local_headers(path: Path) -> list[tuple[str, int, bytes]]:
    """(name, version needed, extra field) of each entry's local header."""
    out = []
    with zipfile.ZipFile(path) as z, open(path, "rb") as fh:
        for info in z.infolist():
            fh.seek(info.header_offset)
            head = struct.unpack("<IHHHHHIIIHH", fh.read(30))
            name = fh.read(head[9])
            out.append((name.decode(), head[1], fh.read(head[10])))
    return out


@pytest.mark.parametrize("argv", [("settori", "-o", "s.xlsx"), ("riepilogo", "-o", "r.xlsx"),
                                  ("nuovo-ciclo", "--anno", "2026", "-o", "n.xlsx"),
                                  ("esporta", "--cartella", "esp")])
def test_outputs_have_plain_zip_headers(tmp_path, argv):
    command, *rest = argv
    rest = [str(tmp_path / a) if a.endswith((".xlsx", "esp")) else a for a in rest]
    code, _out, err = run(command, str(SAMPLE), *rest)
    assert code == 0, err
    outputs = list(tmp_path.rglob("*.xlsx"))
    assert outputs
    for out in outputs:
        for name, version, extra in _local_headers(out):
            assert version < 45 and not extra.startswith(b"\x01\x00"), (out.name, name)


def test_a_part_that_may_pass_two_gigabytes_gets_zip64_headers(tmp_path):
    assert rows_size_bound(300_000, 20) < zipfile.ZIP64_LIMIT < rows_size_bound(1_048_576, 20)
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        write_streamed(z, zipfile.ZipInfo("piccola.xml"), [b"<a/>"], 4)
        write_streamed(z, zipfile.ZipInfo("grande.xml"), [b"<a/>"], 1 << 32)
    heads = {name: (version, extra) for name, version, extra in _local_headers(path)}
    assert heads["piccola.xml"][0] < 45 and not heads["piccola.xml"][1]
    assert heads["grande.xml"][0] == 45 and heads["grande.xml"][1].startswith(b"\x01\x00")
    with zipfile.ZipFile(path) as z:
        assert z.read("grande.xml") == b"<a/>" and z.testzip() is None
