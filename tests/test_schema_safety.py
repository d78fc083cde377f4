"""``--schema`` files: an alias «bomb» is refused before it expands, and a schema that
defines no rule is an error (the check must never fail open)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.sector_fixtures import run_cli, tree_file

ROOT = Path(__file__).resolve().parents[1]


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


CASES = {
    "bomba.yaml": (alias_bomb(), "bomba"),
    "vuoto.yaml": ("", "vuoto"),
    "commenti.yaml": ("# solo un commento\n", "vuoto"),
    "senza_regole.yaml": ("schema_type: dataframe\ncolumns: {}\n", "non definisce alcuna regola"),
    "null.yaml": ("null\n", "non definisce alcuna regola"),
    "lista.yaml": ("- 1\n- 2\n", "schema"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unusable_schema_is_refused(tmp_path, name):
    text, words = CASES[name]
    src = tree_file(tmp_path / "albero.xlsx")
    data = src.read_bytes()
    schema = tmp_path / name
    schema.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    t = time.perf_counter()
    code, _out, err = run_cli("valida", src, "--schema", schema)
    assert time.perf_counter() - t < 30
    assert code == 2, err
    assert "Traceback" not in err and name in err and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert src.read_bytes() == data


def test_a_schema_with_rules_and_a_few_aliases_still_works(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    text = (ROOT / "schemas" / "albero.yaml").read_text(encoding="utf-8")
    schema = tmp_path / "mio.yaml"
    schema.write_text(text, encoding="utf-8")
    code, _out, err = run_cli("valida", src, "--schema", schema)
    assert code in (0, 1), err


def test_schema_that_is_a_folder(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    (tmp_path / "cartella.yaml").mkdir()
    code, _out, err = run_cli("valida", src, "--schema", tmp_path / "cartella.yaml")
    assert code == 2 and "cartella.yaml" in err and "Traceback" not in err
