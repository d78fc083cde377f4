"""Per-sector views: who leads, who is involved, and the registry's Siglas."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sector_fixtures import SECTORS, small_tree
from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.model import Tree
from xl_albero.per_sector import (
    ROLE_COLUMN,
    ROLE_INVOLVED,
    ROLE_LED,
    involvement_table,
    registry_problems,
    sector_frames,
    sheet_name_conflicts,
)


def _codes(frame: pd.DataFrame, role: str) -> list[str]:
    return frame.loc[frame[ROLE_COLUMN] == role, C.CODICE].tolist()


def test_frames_led_then_involved_with_every_column():
    tree = small_tree()
    frames = sector_frames(tree)
    assert list(frames) == [s[1] for s in SECTORS]
    tec = frames["TECNICO"]
    assert list(tec.columns) == [ROLE_COLUMN, *tree.data.columns]
    assert "Note dell'ufficio" in tec.columns
    # led first (tree order), then involved (tree order)
    roles = tec[ROLE_COLUMN].tolist()
    assert roles == sorted(roles, key=lambda r: r != ROLE_LED)
    assert _codes(tec, ROLE_LED) == ["1.1.1.1", "1.1.1.2", "1.2.1.1"]
    # 3.1.1.1 via TUTTI, 3.2.1.1 named (and TUTTI): once only
    assert _codes(tec, ROLE_INVOLVED) == ["3.1.1.1", "3.2.1.1"]
    # the index points back to the tree rows
    for pos, code in zip(tec.index, tec[C.CODICE], strict=True):
        assert tree.data[C.CODICE].iloc[pos] == code


def test_tutti_involves_every_other_sector_and_interessati_nobody():
    tree = small_tree()
    frames = sector_frames(tree)
    for sigla, frame in frames.items():
        involved = _codes(frame, ROLE_INVOLVED)
        led = _codes(frame, ROLE_LED)
        if "3.1.1.1" in led:  # the leader of a TUTTI objective is not also "involved"
            assert "3.1.1.1" not in involved
        else:
            assert "3.1.1.1" in involved, sigla
        assert "3.1.1.2" not in involved  # DIRIGENTI INTERESSATI names no sector
    assert _codes(frames["AVV"], ROLE_LED) == []


def test_names_match_ignoring_case_accents_and_punctuation():
    rows = [{C.CODICE: "1", C.OPERATIVO: "x", C.RESPONSABILE: "servizi alla citta",
             C.COINVOLTI: "Economico Finanziario e Patrimonio"}]
    tree = Tree(data=pd.DataFrame(rows), sectors=small_tree().sectors, registry_declared=True)
    frames = sector_frames(tree)
    assert _codes(frames["CITTA"], ROLE_LED) == ["1"]
    assert _codes(frames["ECOFIN"], ROLE_INVOLVED) == ["1"]


def _registry(rows: list[tuple]) -> Tree:
    data = pd.DataFrame([{C.CODICE: "1", C.OPERATIVO: "x", C.RESPONSABILE: rows[0][0]}])
    reg = pd.DataFrame(rows, columns=list(C.REGISTRY_COLUMNS))
    return Tree(data=data, sectors=reg, registry_declared=True, registry_sheet="Settori")


def test_missing_sigla_is_derived_and_reported():
    tree = _registry([("SERVIZI SOCIALI", None, None, None), ("POLIZIA LOCALE", "PL", None, None)])
    reg, found = registry_problems(tree)
    assert reg[C.SIGLA].tolist()[1] == "PL"
    derived = reg[C.SIGLA].tolist()[0]
    assert derived and len(derived) <= 31
    assert list(found["gravita"]) == [F.AVVISO]
    assert derived in found["messaggio"].iloc[0] and "SERVIZI SOCIALI" in found["messaggio"].iloc[0]
    assert found["cella"].iloc[0] == "B2"


def test_long_name_with_forbidden_characters_gets_a_valid_sheet_name():
    name = "SERVIZI [SOCIALI]: CASA/LAVORO * FAMIGLIE? E PARI OPPORTUNITÀ \\ GIOVANI"
    reg, found = registry_problems(_registry([(name, None, None, None)]))
    sigla = reg[C.SIGLA].iloc[0]
    assert len(sigla) <= 31 and not set(sigla) & set("[]:*?/\\")
    assert "troppo lungo" in found["messaggio"].iloc[0]
    assert not F.has_errors(found)


def test_invalid_siglas_are_errors_with_a_suggestion():
    tree = _registry([("SERVIZI SOCIALI", "SOC/SAN", None, None),
                      ("POLIZIA LOCALE", "P" * 32, None, None),
                      ("AVVOCATURA", "History", None, None)])
    _, found = registry_problems(tree)
    errs = found[found["gravita"] == F.ERRORE]
    assert len(errs) == 3
    assert "non ammessi" in errs["messaggio"].iloc[0] and "SOC/SAN" in errs["messaggio"].iloc[0]
    assert "31 caratteri" in errs["messaggio"].iloc[1]
    assert "riservato" in errs["messaggio"].iloc[2]
    assert all(s.startswith("Usare una sigla breve") for s in errs["suggerimento"])


def test_colliding_siglas_are_an_error_naming_both_sectors():
    tree = _registry([("SERVIZI SOCIALI", "SOC", None, None),
                      ("SERVIZI SCOLASTICI", "soc", None, None)])
    _, found = registry_problems(tree)
    err = found[found["codice"] == "SIGLA_DUPLICATA"]
    assert len(err) == 1
    msg = err["messaggio"].iloc[0]
    assert "SERVIZI SOCIALI" in msg and "SERVIZI SCOLASTICI" in msg
    assert err["cella"].iloc[0] == "B3"


def test_sector_used_in_tree_but_not_registered_is_added():
    data = pd.DataFrame([{C.CODICE: "1", C.OPERATIVO: "x", C.RESPONSABILE: "UFFICIO NUOVO"}])
    tree = Tree(data=data, sectors=small_tree().sectors, registry_declared=True)
    reg, found = registry_problems(tree)
    assert reg[C.SETTORE].iloc[-1] == "UFFICIO NUOVO"
    assert "SETTORE_NON_REGISTRATO" in set(found["codice"])
    frames = sector_frames(tree)
    assert _codes(frames[reg[C.SIGLA].iloc[-1]], ROLE_LED) == ["1"]


def test_sigla_equal_to_an_existing_sheet():
    reg = registry_problems(small_tree())[0]
    found = sheet_name_conflicts(reg, ["Albero", "tecnico"])
    assert len(found) == 1 and "tecnico" in found["messaggio"].iloc[0]


# -- properties -------------------------------------------------------------------------
NAMES = ["ALFA", "BETA", "GAMMA", "DELTA", "EPSILON"]


@st.composite
def trees(draw):
    m = draw(st.integers(1, len(NAMES)))
    names = NAMES[:m]
    n = draw(st.integers(0, 25))
    rows = []
    for i in range(n):
        lead = draw(st.sampled_from(names))
        kind = draw(st.sampled_from(["none", "list", "tutti", "interessati"]))
        if kind == "list":
            inv = "; ".join(draw(st.lists(st.sampled_from(names), max_size=3)))
        else:
            inv = {"none": None, "tutti": "TUTTI", "interessati": "DIRIGENTI INTERESSATI"}[kind]
        rows.append({C.CODICE: f"c{i}", C.OPERATIVO: f"obiettivo {i}", C.RESPONSABILE: lead,
                     C.COINVOLTI: inv or None})
    data = pd.DataFrame(rows, columns=[C.CODICE, C.OPERATIVO, C.RESPONSABILE, C.COINVOLTI])
    reg = pd.DataFrame({C.SETTORE: names, C.SIGLA: [s[:3] for s in names]})
    return Tree(data=data, sectors=reg, registry_declared=True)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_every_objective_on_its_leaders_sheet_once_and_involvement_is_exact(tree):
    frames = sector_frames(tree)
    names = tree.sectors[C.SETTORE].tolist()
    for name, (_sigla, frame) in zip(names, frames.items(), strict=True):
        led = frame.loc[frame[ROLE_COLUMN] == ROLE_LED, C.CODICE].tolist()
        inv = frame.loc[frame[ROLE_COLUMN] == ROLE_INVOLVED, C.CODICE].tolist()
        expected_led = tree.data.loc[tree.data[C.RESPONSABILE] == name, C.CODICE].tolist()
        expected_inv = []
        for _, r in tree.data.iterrows():
            listed = r[C.COINVOLTI].split("; ") if isinstance(r[C.COINVOLTI], str) else []
            if r[C.RESPONSABILE] != name and ("TUTTI" in listed or name in listed):
                expected_inv.append(r[C.CODICE])
        assert led == expected_led
        assert inv == expected_inv
        assert len(frame) == len(led) + len(inv) == len(set(frame[C.CODICE]))
    # every objective is led exactly once over all sheets
    all_led = [c for f in frames.values()
               for c in f.loc[f[ROLE_COLUMN] == ROLE_LED, C.CODICE]]
    assert sorted(all_led) == sorted(tree.data[C.CODICE])
    long = involvement_table(tree)
    assert len(long) == sum(len(f) for f in frames.values())
