"""``settori`` reads and writes the source's shared strings a piece at a time (a big
tree's texts are hundreds of MB): the same counts and the same part as reading it whole."""

from __future__ import annotations

import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_albero.io import package_append as pa
from xl_albero.io.package_append import PackageAppender, _count_items

_xml = st.lists(st.sampled_from(["<si>", "<si/>", '<si a="1">', "<t>x</t>", "</si>", "<s",
                                 "i>", "si", "<", "é"]), max_size=40).map(
    lambda p: "".join(p).encode())


@settings(max_examples=300, deadline=None)
@given(_xml, st.lists(st.integers(0, 60), max_size=8))
def test_items_counted_in_pieces_as_in_the_whole(data, cuts):
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    pieces = [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    whole = sum(data.count(t) for t in (b"<si>", b"<si ", b"<si/>"))
    assert _count_items(pieces) == whole


def test_the_shared_strings_part_streamed_equals_the_whole(tmp_path, monkeypatch):
    from tests.sector_fixtures import small_tree, tree_file

    src = tree_file(tmp_path / "a.xlsx", small_tree())
    outs = []
    for piece, tail in ((1 << 22, 4096), (7, 3)):  # whole parts, then tiny pieces
        monkeypatch.setattr(pa, "_READ_PIECE", piece)
        monkeypatch.setattr(pa, "_TAIL", tail)
        app = PackageAppender(src, macros=False)
        app.target = tmp_path / f"out{piece}.xlsx"
        ids = app.strings.ids(["nuovo testo", "Città più"])
        app.add_sheet("Nuovo", [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                                b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
                                b't="s"><v>%d</v></c></row></sheetData></worksheet>' % ids[0]])
        app.close()
        with zipfile.ZipFile(app.target) as z:
            outs.append(z.read(app.sst_part))
    assert outs[0] == outs[1]
    assert outs[0].count(b"<si>") == app.strings.base + 2
    assert b"Citt\xc3\xa0 pi\xc3\xb9" in outs[0] and outs[0].rstrip().endswith(b"</sst>")
