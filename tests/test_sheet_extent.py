"""The vectorized extent of a big sheet (``sheet_extent.extent_of_refs``) is the extent
the regex pass computes, whatever the references and wherever the chunks are cut."""

from __future__ import annotations

import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sector_fixtures import small_tree, tree_file
from tests.test_cli_valida import run
from tests.test_reader_limits import FULL, inject
from xl_albero.io import sheet_extent as se
from xl_albero.io.sheet_extent import extent_of_refs


def _by_regex(data: bytes) -> se.Extent | None:
    old = se.EXACT_SCAN_BYTES
    se.EXACT_SCAN_BYTES = 1 << 62  # the regex pass, one reference at a time
    try:
        return se.sheet_extent(data)
    finally:
        se.EXACT_SCAN_BYTES = old


_letters = st.text("ABCXYZ", min_size=0, max_size=5)
_digits = st.one_of(st.integers(0, 1_100_000).map(str), st.text("0123456789", max_size=12))
_ref = st.builds(lambda a, b, q: f'r="{a}{b}{q}', _letters, _digits, st.sampled_from(['"', "", "x"]))
_noise = st.sampled_from(['<c ', '/>', '<row ', '>', ' s="1"', 'r="', 'ref="A1:B2"', 'rr="A1"',
                          '<v>12</v>', ' t="s"', "é"])
_xml = st.lists(st.one_of(_ref, _noise), max_size=40).map(lambda p: "".join(p).encode())


@settings(max_examples=400, deadline=None)
@given(_xml, st.integers(3, 64))
def test_vectorized_extent_equals_the_regex_pass(data, chunk):
    assert extent_of_refs(data, chunk=chunk) == _by_regex(data)


def test_a_far_cell_after_a_million_rows_is_found_in_a_big_part():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="O%d"><v>2</v></c></row>'
                    % (r, r, r) for r in range(1_000_000, 1_040_000))
    ext = se.sheet_extent(rows + b'<row r="5"><c r="XFD5"/></row>')
    assert len(rows) > se.EXACT_SCAN_BYTES and ext is not None
    assert ext.far == "XFD5" and ext.sparse  # 80,001 cells over 1,040,000 x 16,384
    assert se.sheet_extent(rows + b'<c r="A1048577"/>').beyond == "A1048577"
    dense = se.sheet_extent(rows)
    assert dense is not None and not dense.sparse and dense.cells == 80_000


def test_cells_past_row_one_million_in_a_big_part_are_measured(tmp_path):
    """Rows past 999,999 send a big part to the vectorized pass: a few cells spread down to
    row 1,030,000 under a small tree are refused as sparse, with the cell to delete."""
    src = tree_file(tmp_path / "a.xlsx", small_tree(FULL))
    padding = "".join(f'<row r="{r}"><c r="P{r}"><v>{r}</v></c></row>'
                      for r in range(1_000_000, 1_030_000))
    big = inject(src, tmp_path / "lontano.xlsx", "Albero", padding)
    with zipfile.ZipFile(big) as z:
        assert max(i.file_size for i in z.infolist()) > se.EXACT_SCAN_BYTES
    code, _out, err = run("valida", "--json", str(big))
    assert code == 2 and "lontanissima" in err and "P1029999" in err, err
    assert "oltre i limiti" not in err
