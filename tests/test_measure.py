"""``measure``: grado per objective, roll-up with weights, rules file, ``albero misura``."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import trees
from xl_albero import columns as C
from xl_albero.app.ui import Ui
from xl_albero.cli import main
from xl_albero.errors import InputFileError
from xl_albero.measure import (
    ESITO,
    GRADO,
    QUOTA,
    NotMeasured,
    load_rules,
    measure,
    read_value,
    require_measured,
    to_json,
    weighted_grade,
)
from xl_albero.measure_rules import parse_rules
from xl_albero.model import Tree

SECTORS = trees.SECTORS


def tree_of(records: list[dict], reg: pd.DataFrame | None = None) -> Tree:
    base = pd.DataFrame(trees.rows(len(records)), dtype=object)
    for i, rec in enumerate(records):
        for k, v in rec.items():
            if k not in base:
                base[k] = None
            base.at[i, k] = v
    return Tree(data=base, sectors=trees.registry() if reg is None else reg)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), Ui(out, err))
    return code, out.getvalue(), err.getvalue()


# --- one objective ------------------------------------------------------------------------
@pytest.mark.parametrize(("rec", "grado", "words"), [
    ({C.AVANZAMENTO: 60}, 60.0, "Avanzamento % dichiarato: 60 %"),
    ({C.AVANZAMENTO: "75%"}, 75.0, "Avanzamento"),
    ({C.TARGET: 50, C.CONSUNTIVO: 45}, 90.0, "Consuntivo / target, più alto è meglio: 45 / 50"),
    ({C.TARGET: 50, C.CONSUNTIVO: 80}, 100.0, "limitato a 100 %"),
    ({C.TARGET: "≤ 30 giorni", C.CONSUNTIVO: 40}, 75.0, "più basso è meglio"),
    ({C.TARGET: "entro 30 giorni", C.CONSUNTIVO: 20}, 100.0, "consuntivo 20 ≤ target 30"),
    ({C.TARGET: 30, C.CONSUNTIVO: 60, C.POLARITA: "decrescente"}, 50.0, "Target / consuntivo"),
    ({C.TARGET: "sì", C.CONSUNTIVO: "no"}, 0.0, "Sì/no"),
    ({C.TARGET: "Sì", C.CONSUNTIVO: "SI"}, 100.0, "Sì/no"),
    ({C.TARGET: "90%", C.CONSUNTIVO: 0.9}, 100.0, "Consuntivo / target"),
    ({C.TARGET: "1.200", C.CONSUNTIVO: "600"}, 50.0, "600 / 1200"),
    ({C.TARGET: "12,5", C.CONSUNTIVO: "10"}, 80.0, "10 / 12,5"),
    ({C.STATO: "Concluso"}, 100.0, "Stato «Concluso» senza valori"),
    ({C.AVANZAMENTO: 40, C.TARGET: 10, C.CONSUNTIVO: 5}, 50.0, "Consuntivo / target"),
    ({C.AVANZAMENTO: -5}, 0.0, "portato a 0 %"),
])
def test_grado_of_one_objective_and_its_rule(rec, grado, words):
    m = measure(tree_of([rec]))
    row = m.objectives.iloc[0]
    assert row[GRADO] == pytest.approx(grado)
    assert words in row["Regola"]
    assert row[ESITO] == "rilevato"


def test_not_reported_is_never_zero():
    m = measure(tree_of([{C.AVANZAMENTO: 80}, {}, {C.STATO: "In corso"}, {}]))
    o = m.objectives
    assert o[GRADO].isna().tolist() == [False, True, True, True]
    assert (o["Fascia"].iloc[1:] == "Non rilevato").all()
    assert m.overall == pytest.approx(80.0)
    bands = dict(zip(m.bands["Fascia"], m.bands["Obiettivi"], strict=True))
    assert bands["Non rilevato"] == 3 and bands["Sostanzialmente raggiunto"] == 1
    # area 2 has nothing reported: not reported, not 0 %
    area2 = m.areas[m.areas[C.AREA] == "AREA 2"].iloc[0]
    assert math.isnan(area2[GRADO]) and area2["Fascia"] == "Non rilevato"
    payload = to_json(m)
    assert payload["aree"][1]["Grado %"] is None
    assert payload["obiettivi"][1]["Grado %"] is None


def test_cancelled_objectives_are_left_out():
    m = measure(tree_of([{C.AVANZAMENTO: 100}, {C.STATO: "Annullato", C.AVANZAMENTO: 0}]))
    assert m.overall == pytest.approx(100.0)
    assert m.objectives[ESITO].tolist() == ["rilevato", "escluso"]
    assert "Escluso" in m.bands["Fascia"].tolist()
    assert "Annullato" in m.objectives["Regola"].iloc[1]


def test_weights_and_roll_up_independently():
    recs = [{C.AVANZAMENTO: 100, C.PESO: 30}, {C.AVANZAMENTO: 50, C.PESO: 10},
            {C.AVANZAMENTO: 0, C.PESO: 60}, {C.AVANZAMENTO: 20, C.PESO: 40}]
    m = measure(tree_of(recs))
    # area 1 = rows 0, 1; area 2 = rows 2, 3
    assert m.areas[GRADO].tolist() == pytest.approx([(100 * 30 + 50 * 10) / 40,
                                                      (0 * 60 + 20 * 40) / 100])
    assert m.overall == pytest.approx((3000 + 500 + 0 + 800) / 140)
    assert m.objectives[QUOTA].sum() == pytest.approx(1.0)
    # sectors lead rows i % 4: one each
    assert m.sectors[GRADO].tolist() == pytest.approx([100, 50, 0, 20])


def test_sector_without_weights_gets_equal_shares_and_says_so():
    reg = trees.registry(SECTORS[:2])
    recs = [{C.AVANZAMENTO: 100, C.PESO: 80}, {C.AVANZAMENTO: 0}, {C.AVANZAMENTO: 0, C.PESO: 20},
            {C.AVANZAMENTO: 100}]
    t = tree_of(recs, reg)
    t.data[C.RESPONSABILE] = [SECTORS[0], SECTORS[1], SECTORS[0], SECTORS[1]]
    m = measure(t)
    assert m.objectives[C.PESO].tolist() == [80, 50, 20, 50]
    assert any("Pesi uguali" in n and SECTORS[1] in n for n in m.notes)
    assert m.sectors[GRADO].tolist() == pytest.approx([80.0, 50.0])


def test_involved_sectors_shown_apart_not_counted_twice():
    t = tree_of([{C.AVANZAMENTO: 100, C.COINVOLTI: SECTORS[1]}, {C.AVANZAMENTO: 40},
                 {}, {}])
    m = measure(t)
    s = m.sectors.set_index(C.SETTORE)
    assert s.loc[SECTORS[0], GRADO] == 100 and s.loc[SECTORS[0], "Obiettivi guidati"] == 1
    assert s.loc[SECTORS[1], GRADO] == 40  # its own objective only
    assert s.loc[SECTORS[1], "Obiettivi coinvolto"] == 1
    assert s.loc[SECTORS[1], "Grado % coinvolto"] == 100
    assert s["Obiettivi guidati"].sum() == 4


def test_rounds_are_measured_apart():
    t = tree_of([{"Avanzamento % 30/06": 40, "Avanzamento % 31/12": 90},
                 {"Avanzamento % 30/06": 20}])
    assert measure(t).rilevazione == "31/12"
    assert measure(t).overall == pytest.approx(90.0)
    mid = measure(t, rilevazione="30/06")
    assert mid.overall == pytest.approx(30.0)
    assert "30/06" in " ".join(mid.notes)


def test_fractions_of_avanzamento_are_recognised():
    m = measure(tree_of([{C.AVANZAMENTO: 0.5}, {C.AVANZAMENTO: 0.25}]))
    assert m.objectives[GRADO].tolist() == pytest.approx([50.0, 25.0])
    assert any("frazione" in n for n in m.notes)


def test_missing_values_as_zero_when_the_rules_say_so():
    rules = parse_rules({"valori_mancanti": "zero"})
    m = measure(tree_of([{C.AVANZAMENTO: 80}, {}]), rules)
    assert m.overall == pytest.approx(40.0)
    assert math.isnan(m.objectives[GRADO].iloc[1])  # still "non rilevato" itself


def test_not_reached_band_from_rules():
    m = measure(tree_of([{C.AVANZAMENTO: 49}, {C.AVANZAMENTO: 50}, {C.AVANZAMENTO: 100}, {}]))
    assert m.not_reached[C.CODICE].tolist() == [m.objectives[C.CODICE].iloc[0]]
    rules = parse_rules({"non_raggiunto": "Parzialmente raggiunto"})
    m2 = measure(tree_of([{C.AVANZAMENTO: 49}, {C.AVANZAMENTO: 50}, {C.AVANZAMENTO: 100}]),
                 rules)
    assert len(m2.not_reached) == 2


def test_require_measured_refuses_a_tree_without_values():
    with pytest.raises(NotMeasured, match="non ha ancora valori di monitoraggio"):
        require_measured(tree_of([{}, {C.STATO: "Da avviare"}]))


def test_read_value():
    assert read_value("1.234,5").number == pytest.approx(1234.5)
    assert read_value("≥ 90%").hint == "crescente"
    assert read_value("31/12/2025").number is None
    assert read_value("sì").yes is True


# --- the rules file -------------------------------------------------------------------------
def test_default_rules_are_the_shipped_file():
    rules = load_rules()
    assert [b.lower for b in rules.bands] == [0, 50, 75, 100]
    assert rules.not_reached == "Non raggiunto" and rules.cap == 100
    assert rules.source.endswith("misura.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("fasce: [{da: 10, etichetta: A}]", "la prima fascia deve partire da 0"),
    ("fasce: [{da: 0, etichetta: A}, {da: 0, etichetta: B}]", "ordine crescente"),
    ("valori_mancanti: boh", "«valori_mancanti» vale «boh»; valori ammessi: escludi, zero"),
    ("tetto: cento", "«tetto» deve essere un numero"),
    ("non_raggiunto: Pessimo", "non è l'etichetta di nessuna fascia"),
    ("fasse: []", "voci sconosciute «fasse»"),
    ("- a\n- b", "il file deve contenere delle voci"),
    ("fasce: [", "non si legge come YAML"),
])
def test_bad_rules_file_is_refused_in_italian(tmp_path: Path, text, message):
    p = tmp_path / "regole.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match="regole di misurazione") as info:
        load_rules(p)
    assert message in str(info.value)


def test_edited_rules_file_changes_bands(tmp_path: Path):
    p = tmp_path / "regole.yaml"
    p.write_text("fasce:\n  - {da: 0, etichetta: Insufficiente}\n  - {da: 60, etichetta: "
                 "Sufficiente}\nnon_raggiunto: Insufficiente\n", encoding="utf-8")
    m = measure(tree_of([{C.AVANZAMENTO: 59}, {C.AVANZAMENTO: 60}]), load_rules(p))
    assert m.objectives["Fascia"].tolist() == ["Insufficiente", "Sufficiente"]


# --- properties -----------------------------------------------------------------------------
grades = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))
weights = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))


def _random_tree(values: list[float | None], ws: list[float | None]) -> Tree:
    recs = [{C.AVANZAMENTO: v, C.PESO: w} for v, w in zip(values, ws, strict=True)]
    return tree_of(recs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.lists(weights, min_size=n,
                                                                            max_size=n))))
def test_all_hundred_rolls_up_to_hundred(nw):
    n, ws = nw
    m = measure(_random_tree([100.0] * n, ws))
    assert m.overall == pytest.approx(100.0)
    for frame in (m.areas, m.strategic, m.multi_year):
        assert frame[GRADO].to_numpy() == pytest.approx(np.full(len(frame), 100.0))
    led = m.sectors[m.sectors["Obiettivi guidati"] > 0]
    assert led[GRADO].to_numpy() == pytest.approx(np.full(len(led), 100.0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=n, max_size=n),
    st.lists(weights, min_size=n, max_size=n), st.integers(0, n - 1),
    st.floats(0, 100, allow_nan=False))))
def test_raising_one_objective_never_lowers_a_parent(args):
    values, ws, k, bump = args
    # the documented rule reads a column written wholly as fractions (0,5 = 50 %) as such;
    # the property is about values in one unit, so the column is kept in percent units
    assume(max(values) > 1)
    before = measure(_random_tree(values, ws))
    raised = list(values)
    raised[k] = min(100.0, values[k] + bump)
    after = measure(_random_tree(raised, ws))
    assert after.overall >= before.overall - 1e-9
    for name in ("areas", "strategic", "multi_year", "sectors"):
        b = getattr(before, name)[GRADO].to_numpy(dtype=float)
        a = getattr(after, name)[GRADO].to_numpy(dtype=float)
        both = ~np.isnan(b)
        assert (a[both] >= b[both] - 1e-9).all(), name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(grades, min_size=n, max_size=n), st.lists(weights, min_size=n, max_size=n))))
def test_weights_normalised_and_no_objective_counted_twice(args):
    values, ws = args
    m = measure(_random_tree(values, ws))
    o = m.objectives
    reported = o[ESITO] == "rilevato"
    if reported.any():
        assert o[QUOTA].sum() == pytest.approx(1.0)
        assert (o.loc[~reported, QUOTA] == 0).all()
        # the comune's grado is the share-weighted sum: each objective once
        assert m.overall == pytest.approx(float((o[QUOTA] * o[GRADO].fillna(0)).sum()))
    else:
        assert m.overall is None
    # every objective below exactly one node of each level and one leading sector
    n = len(o)
    for frame in (m.areas, m.strategic, m.multi_year):
        assert frame["Obiettivi"].sum() == n and frame["Rilevati"].sum() == reported.sum()
    assert m.sectors["Obiettivi guidati"].sum() == n
    assert m.sectors["Rilevati"].sum() == reported.sum()


def test_weighted_grade_direct():
    g = np.array([100.0, np.nan, 0.0])
    assert weighted_grade(g, np.array([1.0, 5.0, 3.0]), np.array([True, True, True])) == 25.0
    assert weighted_grade(g, np.array([1.0, 5.0, 3.0]), np.array([True, True, True]),
                          "zero") == pytest.approx(100 / 9)
    assert math.isnan(weighted_grade(np.array([np.nan]), np.ones(1), np.ones(1, bool)))


# --- the command ----------------------------------------------------------------------------
def test_misura_cli_text_and_json(tmp_path: Path):
    df = trees.frame(4)
    df[C.AVANZAMENTO] = [100, 50, None, 20]
    src = trees.write(tmp_path / "albero.xlsx", df)
    code, out, err = run("misura", str(src))
    assert code == 0, err
    assert "Comune: 56,7 %" in out and "non rilevato" in out
    code, out, err = run("misura", str(src), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) >= {"riepilogo", "obiettivi", "aree", "settori", "fasce"}
    assert payload["riepilogo"]["grado_comune"] == pytest.approx(56.67)
    assert payload["riepilogo"]["rilevati"] == 3 and payload["riepilogo"]["non_rilevati"] == 1
    assert payload["obiettivi"][2]["Grado %"] is None


def test_misura_cli_refuses_tree_without_values(tmp_path: Path):
    src = trees.write(tmp_path / "albero.xlsx")
    code, out, err = run("misura", str(src))
    assert code == 2
    assert "non ha ancora valori di monitoraggio" in err


def test_misura_cli_bad_rules_file(tmp_path: Path):
    df = trees.frame(4)
    df[C.AVANZAMENTO] = [100, 50, None, 20]
    src = trees.write(tmp_path / "albero.xlsx", df)
    bad = tmp_path / "r.yaml"
    bad.write_text("tetto: -1\n", encoding="utf-8")
    code, _, err = run("misura", str(src), "--regole", str(bad))
    assert code == 2 and "«tetto» deve essere maggiore di 0" in err
    code, _, err = run("misura", str(src), "--regole", str(tmp_path / "nessuno.yaml"))
    assert code == 2 and "non esiste" in err
