"""The rollover core: unit tests on a small sample and property tests on generated trees."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rollover_trees import P1, P3, SECTORS, sample_rows, sample_tree
from xl_albero import columns as C
from xl_albero.errors import InputFileError
from xl_albero.model import Tree
from xl_albero.periods import parse_period, stale_year_reason
from xl_albero.rollover import (
    ARCHIVIATO,
    CODE_EXPIRED,
    CODE_NO_STATUS,
    CODE_OLD_YEAR,
    CODE_PLACEHOLDER,
    RIPORTATO,
    STATO_NUOVO,
    RolloverRefused,
    history_sheet_name,
    passage_sheet_name,
    roll_over,
)


def _ops(passage: pd.DataFrame) -> pd.DataFrame:
    return passage[passage["Livello"] == C.OPERATIVO]


def _real(data: pd.DataFrame) -> pd.DataFrame:
    """Rows of a new tree that hold an operational objective (not placeholders)."""
    return data[data[C.OPERATIVO].notna() & (data[C.OPERATIVO].astype(str).str.strip() != "")]


# --- the sample --------------------------------------------------------------------------
def test_sheet_names():
    assert passage_sheet_name(2025, 2026) == "Passaggio 2025→2026"
    assert history_sheet_name(2025) == "Storico 2025"


def test_closed_objectives_archived_others_carried_with_origin():
    ro = roll_over(sample_tree(), 2026)
    ops = _ops(ro.passage).set_index("Codice")
    assert ops.loc["1.1.1.2", "Esito"] == ARCHIVIATO  # Concluso
    assert ops.loc["2.1.1.1", "Esito"] == ARCHIVIATO  # Annullato
    for code in ("1.1.1.1", "1.1.2.1", "2.1.2.1"):  # In corso, Da avviare, Sospeso
        assert ops.loc[code, "Esito"] == RIPORTATO
        assert ops.loc[code, "Nuovo codice"] == code
    real = _real(ro.tree.data)
    assert real[C.CODICE_ORIGINE].tolist() == ["1.1.1.1", "1.1.2.1", "2.1.2.1"]
    assert real[C.CODICE].tolist() == ["1.1.1.1", "1.1.2.1", "2.1.2.1"]
    assert ro.counts["riportati"] == 3 and ro.counts["archiviati"] == 2
    assert ro.counts["operativi"] == 5 and ro.counts["proposte"] == 0


def test_year_specific_data_reset_and_target_moved():
    ro = roll_over(sample_tree(), 2026)
    real = _real(ro.tree.data)
    assert (ro.tree.data[C.ANNO] == 2026).all()
    assert (real[C.STATO] == STATO_NUOVO).all()
    assert real[C.AVANZAMENTO].isna().all()
    assert real["Risultato raggiunto"].isna().all()
    assert (real[C.TARGET] == "120%").all()  # from "Target 2026"
    assert real["Note interne"].tolist() == ["nota 1.1.1.1", "nota 1.1.2.1", "nota 2.1.2.1"]
    assert real[C.INDICATORE].tolist() == ["n. atti"] * 3


def test_columns_kept_in_order_origin_after_code_target_column_consumed():
    tree = sample_tree()
    ro = roll_over(tree, 2026)
    old = [c for c in tree.data.columns if c != "Target 2026"]
    expected = [old[0], C.CODICE_ORIGINE, *old[1:]]
    assert list(ro.tree.data.columns) == expected


def test_target_column_renamed_when_sheet_has_no_target():
    rows = sample_rows()
    for r in rows:
        del r[C.TARGET]
    ro = roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)
    cols = list(ro.tree.data.columns)
    assert "Target 2026" not in cols
    old = list(pd.DataFrame(rows).columns)
    assert cols.index(C.TARGET) == old.index("Target 2026") + 1  # +1: Codice origine
    assert (_real(ro.tree.data)[C.TARGET] == "120%").all()


def test_target_of_another_year_is_an_ordinary_column():
    rows = sample_rows()
    for r in rows:
        r["Target 2027"] = r.pop("Target 2026")
    ro = roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)
    real = _real(ro.tree.data)
    assert (real[C.TARGET] == "100%").all()
    assert (real["Target 2027"] == "120%").all()


def test_result_like_columns_emptied_fold_insensitive():
    rows = sample_rows()
    for r in rows:
        r["CONSUNTIVO 2025"] = 12
        r["Note di monitoraggio"] = "ok"
        r["Note monitoraggio"] = "ok"
        r["Responsabile procedimento"] = "Rossi"
    ro = roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)
    real = _real(ro.tree.data)
    for c in ("CONSUNTIVO 2025", "Note di monitoraggio", "Note monitoraggio"):
        assert real[c].isna().all(), c
    assert (real["Responsabile procedimento"] == "Rossi").all()


def test_collected_monitoring_rounds_are_emptied():
    rows = sample_rows()
    for r in rows:
        r["Avanzamento % 30/06"] = 40
        r["Stato 31/12"] = "Concluso"
        r["Note 31/12"] = "fatto"
    ro = roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)
    real = _real(ro.tree.data)
    for c in ("Avanzamento % 30/06", "Stato 31/12", "Note 31/12"):
        assert real[c].isna().all(), c


def test_multi_year_objective_without_carried_objectives_keeps_a_placeholder():
    ro = roll_over(sample_tree(), 2026)
    data = ro.tree.data
    ph = data[data[C.PLURIENNALE] == P3]
    assert len(ph) == 1
    row = ph.iloc[0]
    assert row[C.CODICE] == "2.1.1.2"  # fresh code: the archived 2.1.1.1 is not reused
    assert pd.isna(row[C.CODICE_ORIGINE])
    assert pd.isna(row[C.OPERATIVO]) and pd.isna(row[C.RESPONSABILE])
    assert pd.isna(row["Note interne"]) and row[C.ANNO] == 2026
    assert ro.counts["segnaposto"] == 1
    todo = ro.review[ro.review["codice"] == CODE_PLACEHOLDER]
    assert todo["cella"].tolist() == [ro.tree.cell(int(ph.index[0]), C.OPERATIVO)]
    assert P3 in todo["messaggio"].iloc[0]
    # rolling again keeps it as one placeholder, not as an objective
    again = roll_over(ro.tree, 2027)
    assert len(again.tree.data[again.tree.data[C.PLURIENNALE] == P3]) == 1
    assert again.counts["operativi"] == 3


def test_expired_period_flagged_then_extended():
    ro = roll_over(sample_tree(), 2026)
    expired = ro.review[ro.review["codice"] == CODE_EXPIRED]
    assert sorted(expired["cella"]) == ["G2", "G4"]  # P1 (2024-2025) and P3 (2025)
    plur = ro.passage[ro.passage["Livello"] == C.PLURIENNALE].set_index("Codice")
    assert plur.loc["2.1.1", "Esito"] == "da rivedere"
    assert plur.loc["1.1.2", "Esito"] == "mantenuto"  # 2025-2027 still running
    ext = roll_over(sample_tree(), 2026, extend_period="2026-2028")
    assert not (ext.review["codice"] == CODE_EXPIRED).any()
    per = dict(zip(ext.tree.data[C.PLURIENNALE], ext.tree.data[C.PERIODO], strict=True))
    assert per[P1] == "2026-2028" and per[P3] == "2026-2028"
    assert "2025-2027" in per.values() and "2024/2026" in per.values()  # not expired: as is
    assert ext.counts["periodi_estesi"] == 2
    plur = ext.passage[ext.passage["Livello"] == C.PLURIENNALE].set_index("Codice")
    assert plur.loc["2.1.1", "Esito"] == "mantenuto"
    assert "esteso" in plur.loc["2.1.1", "Motivo"]
    # P1's text still names the old biennium: flagged, text untouched
    assert plur.loc["1.1.1", "Esito"] == "da rivedere"
    assert P1 in ext.tree.data[C.PLURIENNALE].tolist()


def test_old_year_text_flagged_not_rewritten():
    ro = roll_over(sample_tree(), 2026)
    old_year = ro.review[ro.review["codice"] == CODE_OLD_YEAR]
    msgs = " | ".join(old_year["messaggio"])
    assert "Cernusco 2025 - Capitale Europea dello Sport" in msgs
    assert "biennio 2024/2025" in msgs
    # archived "ESSERE GENITORI NEL 2025" is not in the new tree, so not a review item
    assert "ESSERE GENITORI" not in msgs
    assert "Cernusco 2025 - Capitale Europea dello Sport" in ro.tree.data[C.OPERATIVO].tolist()
    # the cell reference points at the new tree
    cernusco = old_year[old_year["messaggio"].str.contains("Cernusco")].iloc[0]
    pos = ro.tree.data.index[ro.tree.data[C.OPERATIVO] == cernusco_text()][0]
    assert cernusco["cella"] == ro.tree.cell(pos, C.OPERATIVO)
    assert (ro.review["gravita"] == "avviso").all()


def cernusco_text() -> str:
    return "Cernusco 2025 - Capitale Europea dello Sport"


def test_without_status_every_objective_is_a_proposal():
    tree = sample_tree(with_status=False)
    ro = roll_over(tree, 2026)
    assert C.STATO not in ro.tree.data
    ops = _ops(ro.passage)
    assert (ops["Esito"] == RIPORTATO).all()
    assert ops["Motivo"].str.contains("proposta da confermare").all()
    assert ro.counts["proposte"] == ro.counts["riportati"] == 5
    assert (ro.review["codice"] == CODE_NO_STATUS).sum() == 1


def test_status_values_matched_loosely():
    rows = sample_rows()
    rows[0][C.STATO] = "CONCLUSO"
    rows[2][C.STATO] = " concluso "
    rows[4][C.STATO] = None
    ro = roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)
    fate = _ops(ro.passage).set_index("Codice")["Esito"]
    assert fate["1.1.1.1"] == ARCHIVIATO and fate["1.1.2.1"] == ARCHIVIATO
    assert fate["2.1.2.1"] == RIPORTATO


def test_history_and_registry_unchanged_and_source_not_mutated():
    tree = sample_tree()
    before = tree.data.copy()
    ro = roll_over(tree, 2026)
    pd.testing.assert_frame_equal(tree.data, before)
    pd.testing.assert_frame_equal(ro.history, before)
    pd.testing.assert_frame_equal(ro.tree.sectors, SECTORS)


# --- refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize("year", [2025, 2024])
def test_refuses_year_not_after(year):
    with pytest.raises(RolloverRefused, match=r"deve essere successivo.*\(2025\)"):
        roll_over(sample_tree(), year)


def test_refuses_mixed_years():
    rows = sample_rows()
    rows[1][C.ANNO] = 2024
    with pytest.raises(InputFileError, match=r"più anni \(2024, 2025\)"):
        roll_over(Tree(data=pd.DataFrame(rows), sectors=SECTORS), 2026)


@pytest.mark.parametrize("drop", [True, False])
def test_refuses_tree_without_year(drop):
    df = pd.DataFrame(sample_rows())
    df = df.drop(columns=[C.ANNO]) if drop else df.assign(**{C.ANNO: None})
    with pytest.raises(InputFileError, match="non indica l'anno"):
        roll_over(Tree(data=df, sectors=SECTORS), 2026)


@pytest.mark.parametrize(("text", "match"), [
    ("prossimo triennio", "non è valido"),
    ("2028-2026", "non è valido"),
    ("2027-2029", "non comprende l'anno del nuovo piano \\(2026\\)"),
])
def test_refuses_bad_extension(text, match):
    with pytest.raises(RolloverRefused, match=match):
        roll_over(sample_tree(), 2026, extend_period=text)


# --- periods -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("2024-2025", (2024, 2025)), ("2024/2025", (2024, 2025)), ("2024/25", (2024, 2025)),
    ("2025", (2025, 2025)), (2025, (2025, 2025)), ("biennio 2024 – 2025", (2024, 2025)),
    ("Triennio 2026/2028", (2026, 2028)),
    ("2025-2024", None), ("", None), (None, None), ("pluriennale", None), (2025.5, None),
    ("dal 2024 al 2026", None),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(("text", "stale"), [
    ("ESSERE GENITORI NEL 2025", True),
    ("Cernusco 2025 - Capitale Europea dello Sport", True),
    ("azioni nel biennio 2024-\n2025", True),
    ("biennio 2023/24", True),
    ("triennio 2025-2027", False),
    ("dal 2019 ad oggi", False),
    ("Progetto 2026", False),
])
def test_stale_year_reason(text, stale):
    assert (stale_year_reason(text, 2025) is not None) == stale


# --- property tests over generated trees -------------------------------------------------
_WORDS = st.sampled_from(["Città", "Scuola", "Verde", "Sport", "Cultura", "Bilancio",
                          "Mobilità", "Servizi", "Digitale", "Casa"])
_STATI = st.sampled_from([*C.STATI, "", "CONCLUSO", "annullato", "in corso"])


@st.composite
def trees(draw) -> Tree:
    year = draw(st.integers(2020, 2030))
    with_status = draw(st.booleans())
    with_target = draw(st.booleans())
    extra = draw(st.lists(st.sampled_from(["Note", "Risultato ottenuto", "Capitolo"]),
                          unique=True, max_size=3))
    rows = []
    for a in range(1, draw(st.integers(1, 3)) + 1):
        area = f"AREA {a} {draw(_WORDS)}"
        for s in range(1, draw(st.integers(1, 3)) + 1):
            strat = f"Strategico {a}.{s} {draw(_WORDS)}"
            for p in range(1, draw(st.integers(1, 3)) + 1):
                start = draw(st.integers(year - 3, year))
                end = draw(st.integers(start, year + 2))
                plur = f"Pluriennale {a}.{s}.{p} {draw(_WORDS)} {start}-{end}"
                n_ops = draw(st.integers(0, 4))
                for o in range(1, max(n_ops, 1) + 1):
                    blank = n_ops == 0
                    op_text = None if blank else (
                        f"Operativo {a}.{s}.{p}.{o} {draw(_WORDS)}"
                        + (f" {year}" if draw(st.booleans()) else ""))
                    code = f"{a}.{s}.{p}" if blank else f"{a}.{s}.{p}.{o}"
                    row = {C.CODICE: code, C.ANNO: year, C.AREA: area, C.STRATEGICO: strat,
                           C.PLURIENNALE: plur, C.PERIODO: f"{start}-{end}",
                           C.OPERATIVO: op_text, C.RESPONSABILE: None if blank else "SETTORE A",
                           C.COINVOLTI: None}
                    if with_status:
                        row[C.STATO] = None if blank else draw(_STATI)
                    row[C.AVANZAMENTO] = None if blank else draw(st.integers(0, 100))
                    if with_target:
                        row[f"Target {year + 1}"] = f"t{code}"
                    for e in extra:
                        row[e] = f"{e} {code}"
                    rows.append(row)
    return Tree(data=pd.DataFrame(rows), sectors=SECTORS.copy())


def _closed(v) -> bool:
    return isinstance(v, str) and v.strip().lower() in ("concluso", "annullato")


_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(trees(), st.booleans())
def test_no_objective_lost(tree, extend):
    year = tree.year + 1
    ro = roll_over(tree, year, extend_period=f"{year}-{year + 2}" if extend else None)
    old = tree.data
    is_op = old[C.OPERATIVO].notna()
    old_ops = old[is_op]
    ops = _ops(ro.passage)
    # every old operational objective exactly once, carried or archived
    assert sorted(ops["Codice"]) == sorted(old_ops[C.CODICE])
    assert set(ops["Esito"]) <= {RIPORTATO, ARCHIVIATO}
    closed = old_ops[C.STATO].map(_closed) if C.STATO in old else pd.Series(False, old_ops.index)
    expected_carried = old_ops.loc[~closed, C.CODICE].tolist()
    carried = ops.loc[ops["Esito"] == RIPORTATO, "Codice"].tolist()
    assert carried == expected_carried
    # carried objectives are in the new tree once, in order, linked to their origin
    real = _real(ro.tree.data)
    assert real[C.CODICE_ORIGINE].tolist() == expected_carried
    assert real[C.OPERATIVO].tolist() == old_ops.loc[~closed, C.OPERATIVO].tolist()
    # archived ones are not
    archived = set(ops.loc[ops["Esito"] == ARCHIVIATO, "Codice"])
    assert not archived & set(ro.tree.data[C.CODICE_ORIGINE].dropna())
    assert ro.counts["riportati"] + ro.counts["archiviati"] == ro.counts["operativi"] == len(old_ops)
    # every area, strategic and multi-year objective survives with code and text
    for cols, parts in (([C.AREA], 1), ([C.AREA, C.STRATEGICO], 2),
                        ([C.AREA, C.STRATEGICO, C.PLURIENNALE], 3)):
        old_keys = {tuple(r) for r in old[cols].itertuples(index=False)}
        new_keys = {tuple(r) for r in ro.tree.data[cols].itertuples(index=False)}
        assert old_keys == new_keys
        old_codes = {".".join(c.split(".")[:parts]) for c in old[C.CODICE]}
        new_codes = {".".join(c.split(".")[:parts]) for c in ro.tree.data[C.CODICE]}
        assert old_codes == new_codes
    assert (ro.tree.data[C.ANNO] == year).all()
    plur = ro.passage[ro.passage["Livello"] == C.PLURIENNALE]
    assert len(plur) == old[[C.AREA, C.STRATEGICO, C.PLURIENNALE]].drop_duplicates().shape[0]
    assert set(plur["Esito"]) <= {"mantenuto", "da rivedere"}


@_SETTINGS
@given(trees())
def test_rollover_is_deterministic_and_chains(tree):
    year = tree.year + 1
    a, b = roll_over(tree, year), roll_over(tree, year)
    pd.testing.assert_frame_equal(a.tree.data, b.tree.data)
    pd.testing.assert_frame_equal(a.passage, b.passage)
    pd.testing.assert_frame_equal(a.review, b.review)
    assert a.counts == b.counts
    nxt = roll_over(a.tree, year + 1)
    assert nxt.old_year == year
    assert nxt.counts["operativi"] == a.counts["riportati"]
    keys = [C.AREA, C.STRATEGICO, C.PLURIENNALE]
    assert (set(map(tuple, nxt.tree.data[keys].to_numpy()))
            == set(map(tuple, tree.data[keys].to_numpy())))
    # after one year every carried objective has Stato "Da avviare": nothing archived
    if C.STATO in tree.data:
        assert nxt.counts["archiviati"] == 0


@_SETTINGS
@given(trees())
def test_unknown_columns_preserved_in_order(tree):
    year = tree.year + 1
    ro = roll_over(tree, year)
    target_col = f"Target {year}"
    old = [c for c in tree.data.columns]
    new = [c for c in ro.tree.data.columns if c != C.CODICE_ORIGINE]
    expected = [C.TARGET if c == target_col else c for c in old]
    assert new == expected
    extras = [c for c in tree.extra_columns if c != target_col]
    real = _real(ro.tree.data)
    old_ops = tree.data[tree.data[C.OPERATIVO].notna()]
    carried = old_ops[old_ops[C.CODICE].isin(real[C.CODICE_ORIGINE])]
    for c in extras:
        if c.startswith("Risultato"):
            assert real[c].isna().all()
        else:
            assert real[c].tolist() == carried[c].tolist()
