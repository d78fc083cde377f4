"""Validation: every rule yields a finding with the right cell, severity, code and message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import trees
from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.errors import InputFileError, TreeRefused
from xl_albero.io.reader import load_tree
from xl_albero.validation import require_valid, summary, validate


def _findings(tmp_path: Path, df: pd.DataFrame, reg: pd.DataFrame | None = None):
    tree = load_tree(trees.write(tmp_path / "t.xlsx", df, reg))
    return tree, validate(tree)


def test_valid_tree_has_no_findings(tmp_path):
    _, f = _findings(tmp_path, trees.frame(6))
    assert f.empty


@pytest.mark.parametrize("change,code,cell,severity,words", [
    ({"1:Settore responsabile": "AVWOCATURA COMUNALE"}, "SETTORE_SCONOSCIUTO", "H3", "errore",
     "Forse «AVVOCATURA COMUNALE»?"),
    ({"2:Settori coinvolti": "SERVIZI SOCIALI; SERVIZI SOCIALE"},
     "SETTORI_COINVOLTI_SCONOSCIUTI", "I4", "errore", "forse «SERVIZI SOCIALI»"),
    ({"1:Obiettivo operativo": None}, "CELLA_VUOTA", "G3", "errore", "Cella vuota"),
    ({"1:Obiettivo operativo": "obiettivo OPERATIVO 1 per la citta"}, "OBIETTIVO_DUPLICATO",
     "G3", "errore", "compare più di una volta"),
    ({"2:Codice": "1.1.1.3"}, "CODICE_INCOERENTE", "A4", "errore", "gerarchia"),
    ({"1:Codice": "1.1.1.1"}, "CODICE_DUPLICATO", "A3", "errore", "più obiettivi"),
    ({"1:Codice": "1-1"}, "CODICE_NON_VALIDO", "A3", "errore", "1.2.3.4"),
    ({"1:Anno": "duemila"}, "ANNO_NON_VALIDO", "B3", "errore", "quattro cifre"),
    ({"1:Anno": 2024}, "ANNI_DIVERSI", "B3", "errore", "solo anno"),
    ({"1:Periodo": "prossimo biennio"}, "PERIODO_NON_VALIDO", "F3", "errore", "2024-2026"),
    ({"1:Periodo": "2022-2023"}, "PERIODO_NON_COPRE_ANNO", "F3", "errore", "non comprende"),
    ({"1:Settore responsabile": "#RIF!"}, "ERRORE_EXCEL", "H3", "errore", "errore di Excel"),
    ({"1:Area strategica": "  AREA   1 "}, "SPAZI", "C3", "avviso", "Scrivere «AREA 1»"),
    ({"1:Settori coinvolti": "DIRIGENTI INTERESSATI"}, "COINVOLTI_NON_SPECIFICATI", "I3",
     "avviso", "DIRIGENTI INTERESSATI"),
])
def test_each_rule(tmp_path, change, code, cell, severity, words):
    _, f = _findings(tmp_path, trees.frame(4, **change))
    hit = f[f.codice == code]
    assert cell in set(hit.cella), f.to_string()
    row = hit[hit.cella == cell].iloc[0]
    assert (row.cella, row.gravita, row.foglio) == (cell, severity, "Albero")
    assert words in (row.messaggio + " " + row.suggerimento)
    assert row.riga == int(cell[1:])


def test_strategic_objective_under_two_areas(tmp_path):
    df = trees.frame(4, **{"2:Obiettivo strategico": "STRATEGICO 1.1", "2:Codice": "2.1.1.1",
                           "3:Obiettivo strategico": "STRATEGICO 1.1"})
    _, f = _findings(tmp_path, df)
    assert set(f[f.codice == "STRATEGICO_IN_PIU_AREE"].cella) == {"D2", "D3", "D4", "D5"}


def test_weights_range_and_per_sector_sum_rule(tmp_path):
    df = trees.frame(4)
    df[C.RESPONSABILE] = [trees.SECTORS[0]] * 2 + [trees.SECTORS[1]] * 2
    df[C.PESO] = [60, 40, 30, 150]
    _, f = _findings(tmp_path, df)
    assert f[f.codice == "PESO_FUORI_INTERVALLO"].cella.tolist() == ["J5"]
    sums = f[f.codice == "PESI_SETTORE"]
    assert len(sums) == 1 and "SERVIZI SOCIALI" in sums.iloc[0].messaggio
    assert "180" in sums.iloc[0].messaggio and sums.iloc[0].gravita == "avviso"


def test_rules_come_from_the_schema_file(tmp_path):
    """A user schema can drop the weight-sum rule and tighten the weight range."""
    from xl_albero.validation.schema import schemas_dir

    text = (schemas_dir() / "albero.yaml").read_text(encoding="utf-8")
    text = text.replace("- totale: 100\n  tolleranza: 0.5\n  options: {check_name: pesi_settore, ignore_na: false}\n",
                        "")
    text = text.replace("      massimo: 100\n      options: {check_name: peso_fuori_intervallo",
                        "      massimo: 50\n      options: {check_name: peso_fuori_intervallo")
    custom = tmp_path / "mio_schema.yaml"
    custom.write_text(text, encoding="utf-8")
    df = trees.frame(2)
    df[C.PESO] = [60, 10]
    tree = load_tree(trees.write(tmp_path / "t.xlsx", df))
    default = validate(tree)
    mine = validate(tree, custom)
    assert "PESI_SETTORE" in set(default.codice) and "PESI_SETTORE" not in set(mine.codice)
    assert "PESO_FUORI_INTERVALLO" not in set(default.codice)
    assert mine[mine.codice == "PESO_FUORI_INTERVALLO"].cella.tolist() == ["J2"]


def test_broken_schema_file_gives_italian_error(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("columns:\n  Anno:\n    checks:\n    - options: {check_name: inesistente}\n",
                   encoding="utf-8")
    tree = load_tree(trees.write(tmp_path / "t.xlsx"))
    with pytest.raises(InputFileError, match="non è valido"):
        validate(tree, bad)


def test_missing_required_column_says_which_headers_are_accepted(tmp_path):
    df = trees.frame(2).drop(columns=[C.STRATEGICO])
    _, f = _findings(tmp_path, df)
    hit = f[f.codice == "COLONNA_MANCANTE"]
    assert hit.colonna.tolist() == [C.STRATEGICO]
    assert "«Obiettivo strategico»" in hit.iloc[0].suggerimento
    assert "«obiettivi strategici»" in hit.iloc[0].suggerimento


def test_near_duplicate_sector_names_without_registry(tmp_path):
    from xl_albero.sector_registry import derived_registry

    df = trees.frame(4, **{"3:Settore responsabile": "AVWOCATURA COMUNALE"})
    tree = load_tree(trees.write(tmp_path / "t.xlsx", df, derived_registry(df)))
    tree = dataclasses.replace(tree, registry_declared=False)
    f = validate(tree)
    sim = f[f.codice == "SETTORI_SIMILI"]
    assert len(sim) == 1 and "AVWOCATURA COMUNALE" in sim.iloc[0].messaggio


def test_excel_error_cell_hides_other_rules_on_that_cell(tmp_path):
    _, f = _findings(tmp_path, trees.frame(4, **{"1:Settore responsabile": "#N/D"}))
    assert f[f.cella == "H3"].codice.tolist() == ["ERRORE_EXCEL"]


def test_summary_counts(tmp_path):
    tree, f = _findings(tmp_path, trees.frame(6))
    s = summary(tree, f)
    assert s == {"aree": 3, "obiettivi_strategici": 3, "obiettivi_pluriennali": 3,
                 "obiettivi_operativi": 6, "settori": 4, "errori": 0, "avvisi": 0}


def test_require_valid_refuses_with_findings_unless_forced(tmp_path):
    tree = load_tree(trees.write(tmp_path / "t.xlsx",
                                 trees.frame(4, **{"1:Obiettivo operativo": None})))
    with pytest.raises(TreeRefused) as e:
        require_valid(tree)
    # the core names no CLI flag: the option by its meaning, and which option it is
    assert "procedere comunque" in str(e.value) and "--" not in str(e.value)
    assert e.value.option == "forza" and F.has_errors(e.value.findings)
    assert F.has_errors(require_valid(tree, force=True))


def test_sample_is_valid():
    root = Path(__file__).resolve().parents[1]
    tree = load_tree(root / "workbooks" / "albero_2025.xlsx")
    f = validate(tree)
    assert not F.has_errors(f), f.to_string()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.characters(blacklist_characters="\x00",
                                                        blacklist_categories=("Cs",))),
                          st.integers()), max_size=30))
def test_batch_text_keys_equal_one_by_one(values):
    from xl_albero.validation import checks
    from xl_albero.validation.checks import text_key, text_keys

    assert text_keys(values) == [text_key(v) for v in values]
    old, checks._KEYS_CHUNK = checks._KEYS_CHUNK, 4  # a chunk at a time: the same keys
    try:
        assert text_keys(values) == [text_key(v) for v in values]
        hashes = any("#" in v for v in values if isinstance(v, str))
        may = checks._may_hold_hash(pd.Series(values, dtype=object))
        assert may == hashes if all(isinstance(v, str) for v in values) else may or not hashes
    finally:
        checks._KEYS_CHUNK = old


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=255)),
                max_size=30))
def test_batch_text_keys_of_latin1_text_equal_one_by_one(values):
    """Italian text (Latin-1) takes the byte-translation path: same keys as NFKD."""
    from xl_albero.validation.checks import text_key, text_keys

    assert text_keys(values) == [text_key(v) for v in values]


def _reference_inconsistent(df: pd.DataFrame) -> list[bool]:
    """Plain-Python statement of the rule, to check the vectorized check against."""
    import re as _re

    from xl_albero.validation.checks import text_key

    bad = [False] * len(df)
    cols = [C.AREA, C.STRATEGICO, C.PLURIENNALE]
    valid = [isinstance(c, str) and bool(_re.fullmatch(r"\d+\.\d+\.\d+\.\d+", c))
             for c in df[C.CODICE]]
    for level in (1, 2, 3):
        pre = [".".join(str(c).split(".")[:level]) for c in df[C.CODICE]]
        text = [tuple(text_key(v) if v is not None else None for v in row)
                for row in df[cols[:level]].itertuples(index=False)]
        by_pre: dict = {}
        by_text: dict = {}
        for i in range(len(df)):
            if valid[i]:
                by_pre.setdefault(pre[i], set()).add(text[i])
                by_text.setdefault(text[i], set()).add(pre[i])
        for i in range(len(df)):
            if valid[i] and (len(by_pre[pre[i]]) > 1 or len(by_text[text[i]]) > 1):
                bad[i] = True
    return bad


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "a", "B", "Città", "citta"]),
                          st.sampled_from(["S1", "S2", "s1"]),
                          st.sampled_from(["P", "Q"]),
                          st.sampled_from(["1.1.1.1", "1.1.1.2", "1.2.1.1", "2.1.1.1",
                                           "2.1.2.1", "1.1", "x", None])),
                min_size=1, max_size=25))
def test_code_hierarchy_check_matches_the_plain_rule(rows):
    from xl_albero.validation.checks import codice_incoerente

    df = pd.DataFrame(rows, columns=[C.AREA, C.STRATEGICO, C.PLURIENNALE, C.CODICE],
                      dtype=object)
    df = df.astype(object).where(df.notna(), None)
    assert (~codice_incoerente(df)).tolist() == _reference_inconsistent(df)
