"""The add-in server under hostile or malformed requests and under load.

A real ``albero server`` on 127.0.0.1: every malformed request is a 4xx with an Italian
message and one log line (no traceback); a cross-site browser request is refused; the
body size is limited; downloads are private, signed and expiring; a big ``valida`` does
not stall the others.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import xlwings as xw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.excel_model import WorkbookModel
from tests.server_support import SAMPLE, call, running_server

SCRIPT = "/xlwings/custom-scripts-call/"
FUNC = "/xlwings/custom-functions-call"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ostile")
    downloads = tmp / "scarica"
    with running_server(tmp, ALBERO_SERVER_DOWNLOADS=str(downloads),
                        ALBERO_SERVER_MAX_BODY_MB="40", XLWINGS_LOG_LEVEL="INFO") as url:
        yield url, tmp, downloads


@pytest.fixture(scope="module")
def base():
    return WorkbookModel.from_xlsx(SAMPLE).payload()


def _log(tmp: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in tmp.glob("server-*.log"))


def _post(url: str, path: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(url + path, content=body, timeout=120,
                      headers={"Content-Type": "application/json", **headers})


def _with(base: dict, edit) -> bytes:
    p = copy.deepcopy(base)
    edit(p)
    return json.dumps(p).encode()


def _cell(value):
    def edit(p):
        p["sheets"][0]["values"][1][2] = value
    return edit


def _args(*args):
    def edit(p):
        p["args"] = list(args)
    return edit


def _fn(name: str, args) -> bytes:
    return json.dumps({"client": "Office.js", "func_name": name, "args": args,
                       "caller_address": "[a.xlsx]Foglio1!A1", "version": xw.__version__,
                       "runtime": "1.4", "culture_info_name": "it-IT",
                       "date_format": None}).encode()


CASES = {
    "JSON annidato (array)": ("valida", lambda b: b"[" * 100_000 + b"]" * 100_000,
                              400, "annidato troppo"),
    "JSON annidato (oggetti)": ("valida", lambda b: b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                                400, "annidato troppo"),
    "surrogato isolato": ("valida", lambda b: _with(b, _cell("\ud800")), 400,
                          "cella C2 del foglio «Albero» contiene un carattere non valido"),
    "surrogato nel nome del foglio": (
        "valida", lambda b: _with(b, lambda p: p["sheets"][0].update(name="A\udc00")), 400,
        "carattere non valido"),
    "names: [{}]": ("valida", lambda b: _with(b, lambda p: p.update(names=[{}])), 400,
                    "Il nome definito n. 1"),
    "names: [1]": ("valida", lambda b: _with(b, lambda p: p.update(names=[1])), 400,
                   "Il nome definito n. 1"),
    "nome senza foglio": ("valida", lambda b: _with(b, lambda p: p.update(
        names=[{"name": "x", "book_scope": False}])), 400, "scope_sheet_index"),
    "Infinity": ("valida", lambda b: _with(b, _cell(float("inf"))), 400, "«Infinity»"),
    "-Infinity": ("valida", lambda b: _with(b, _cell(float("-inf"))), 400, "«-Infinity»"),
    "NaN": ("valida", lambda b: _with(b, _cell(float("nan"))), 400, "«NaN»"),
    "1e400": ("valida", lambda b: _with(b, _cell(1.5)).replace(b"1.5", b"1e400"), 400,
              "troppo grande"),
    "cella oggetto": ("valida", lambda b: _with(b, _cell({"a": 1})), 400, "contiene un oggetto"),
    "cella elenco": ("valida", lambda b: _with(b, _cell([1])), 400, "contiene un elenco"),
    "foglio attivo fuori": ("valida", lambda b: _with(
        b, lambda p: p["book"].update(active_sheet_index=99)), 400, "active_sheet_index"),
    "non UTF-8": ("valida", lambda b: b'{"a": "\xff"}', 400, "non è testo UTF-8"),
    "anno 10000": ("nuovo_ciclo", lambda b: _with(b, _args(10000)), 422, "9999"),
    "anno 1e308": ("nuovo_ciclo", lambda b: _with(b, _args(1e308)), 400, "numero intero"),
    "anno infinito (testo)": ("nuovo_ciclo", lambda b: _with(b, _args("inf")), 400,
                              "numero intero"),
    "anno NaN (testo)": ("nuovo_ciclo", lambda b: _with(b, _args("nan")), 400, "numero intero"),
    "anno oggetto": ("nuovo_ciclo", lambda b: _with(b, _args({"anno": {"x": 1}})), 400,
                     "numero intero"),
    "funzione senza argomenti": (None, lambda b: _fn("sigla", []), 400,
                                 "ALBERO.SIGLA richiede 2 argomenti"),
    "funzione con un oggetto": (None, lambda b: _fn("sigla", [{"a": 1}, [["X"]]]), 400,
                                "contiene un oggetto"),
    "funzione con cella oggetto": (None, lambda b: _fn("obiettivi", [[[{"a": 1}]], [["X"]]]),
                                   400, "contiene un oggetto"),
    "funzione con troppi argomenti": (None, lambda b: _fn("rilievi", [[["a"]], [["b"]]]), 400,
                                      "al massimo 1"),
    "funzione con Infinity": (None, lambda b: _fn("sigla", [[[float("inf")]], [["X"]]]), 400,
                              "«Infinity»"),
    "funzione non oggetto": (None, lambda b: b"[1]", 400, "servono «func_name» e «args»"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_requests_are_4xx_in_italian_with_one_log_line(srv, base, case):
    url, tmp, _ = srv
    script, body, status, words = CASES[case]
    before = len(_log(tmp).splitlines())
    r = _post(url, SCRIPT + script if script else FUNC, body(base))
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    time.sleep(0.1)
    new = _log(tmp).splitlines()[before:]
    new = [line for line in new if "HTTP/1.1" not in line]  # uvicorn's access log
    assert len(new) == 1, new
    assert "Traceback" not in _log(tmp)


@settings(max_examples=int(os.environ.get("ALBERO_FUZZ_EXAMPLES", "40")), deadline=None,
          derandomize=not os.environ.get("ALBERO_FUZZ_EXAMPLES"), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_payload_shapes_never_get_a_500(srv, base, data):
    """Replace one part of a valid payload by arbitrary JSON: never a 5xx."""
    url, tmp, _ = srv
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(), kids,
                                                                  max_size=3),
        max_leaves=8)
    p = copy.deepcopy(base)
    p["sheets"] = p["sheets"][:2]
    p["sheets"][0]["values"] = p["sheets"][0]["values"][:6]
    paths = [("book",), ("names",), ("sheets",), ("args",), ("version",),
             ("book", "name"), ("book", "active_sheet_index"), ("book", "selection"),
             ("sheets", 0), ("sheets", 0, "name"), ("sheets", 0, "values"),
             ("sheets", 0, "values", 1), ("sheets", 0, "values", 1, 2),
             ("sheets", 0, "tables"), ("sheets", 0, "pivot_tables"), ("sheets", 0, "notes"),
             ("sheets", 0, "visibility"), ("sheets", 1, "values", 0), ("sheets", 1, "name"),
             ("client",)]
    where = data.draw(st.sampled_from(paths))
    target = p
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = data.draw(json_values)
    script = data.draw(st.sampled_from(["valida", "settori", "riepilogo", "nuovo_ciclo"]))
    r = _post(url, SCRIPT + script, json.dumps(p).encode())
    assert r.status_code < 500, (where, r.text)
    fn = data.draw(st.sampled_from(["sigla", "obiettivi", "rilievi"]))
    args = data.draw(st.lists(json_values, max_size=4))
    r = _post(url, FUNC, _fn(fn, args))
    assert r.status_code < 500, (fn, args, r.text)
    assert "Traceback" not in _log(tmp)


def test_cross_site_text_plain_post_is_refused(srv, base):
    url, _, _ = srv
    body = json.dumps(base).encode()
    # what a page on another site can send without a CORS preflight
    r = _post(url, SCRIPT + "valida", body, **{"Content-Type": "text/plain",
                                                  "Origin": "https://attacco.example",
                                                  "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 415 and "solo richieste JSON" in r.json()["detail"]
    r = _post(url, SCRIPT + "valida", body, **{"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = _post(url, SCRIPT + "valida", body, **{"Content-Type":
                                                  "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    # JSON from another origin (would need a preflight; refused anyway)
    r = _post(url, SCRIPT + "valida", body, Origin="https://attacco.example")
    assert r.status_code == 403 and "altro sito" in r.json()["detail"]
    r = _post(url, SCRIPT + "valida", body, **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = _post(url, FUNC, _fn("sigla", [[["Settore", "Sigla"]], [["X"]]]),
              Origin="https://attacco.example")
    assert r.status_code == 403
    # the preflight a browser would send first gets no permission
    pre = httpx.options(url + SCRIPT + "valida", headers={
        "Origin": "https://attacco.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert "access-control-allow-origin" not in pre.headers
    # the add-in itself: same origin, JSON
    r = _post(url, SCRIPT + "valida", body, Origin=url, **{"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200, r.text
    r = _post(url, SCRIPT + "valida", body, **{"Content-Type":
                                                  "application/json; charset=utf-8"})
    assert r.status_code == 200
    # behind a reverse proxy: the public host arrives as X-Forwarded-Host
    r = _post(url, SCRIPT + "valida", body, Origin="http://albero.comune.example.it",
              **{"X-Forwarded-Host": "albero.comune.example.it",
                 "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200, r.text[:200]


def test_body_size_limit_is_413(srv):
    url, _, _ = srv
    big = b'{"x": "' + b"a" * (41 * 1_048_576) + b'"}'
    r = _post(url, SCRIPT + "valida", big)
    assert r.status_code == 413 and "limite di 40 MB" in r.json()["detail"]

    def chunks():
        for _ in range(42):
            yield b"a" * 1_048_576

    r = httpx.post(url + SCRIPT + "valida", content=chunks(), timeout=60,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "max_body_mb" in r.json()["detail"]
    assert httpx.get(url + "/").status_code == 200


def test_downloads_are_private_signed_and_expiring(srv, base):
    url, _, downloads = srv
    r = call(url, "nuovo_ciclo", {**base, "args": [2026]})
    assert r.status_code == 200, r.text
    link = r.json()["albero"]["url"]
    assert httpx.get(link).status_code == 200
    parts = urlsplit(link)
    name = parts.path.rsplit("/", 1)[-1]
    # private: folder 0700, every file 0600
    assert stat.S_IMODE(downloads.stat().st_mode) == 0o700
    for p in downloads.rglob("*"):
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p
    # no signature, a wrong one, a changed expiry: refused
    bare = f"{url}/scarica/{name}"
    assert httpx.get(bare).status_code == 403
    q = parse_qs(parts.query)
    assert httpx.get(f"{bare}?scade={q['scade'][0]}&firma={'0' * 64}").status_code == 403
    later = int(q["scade"][0]) + 3600
    assert httpx.get(f"{bare}?scade={later}&firma={q['firma'][0]}").status_code == 403
    # expired file: 410 and deleted
    old = time.time() - 48 * 3600
    os.utime(downloads / name, (old, old))
    r = httpx.get(link)
    assert r.status_code == 410 and "scaduto" in r.json()["detail"]
    assert not (downloads / name).exists()


def _tree_payload(n: int) -> dict:
    """The JSON Excel sends for a generated tree of ``n`` objectives (no file needed)."""
    from benchmarks.gen_tree import make_tree

    tree = make_tree(n)
    head = list(tree.data.columns)
    rows = [["" if v is None else v for v in r] for r in tree.data.itertuples(index=False)]
    reg = tree.sectors
    sheets = []
    for name, values in (("Albero", [head, *rows]),
                         ("Settori", [list(reg.columns), *reg.astype(object).fillna("")
                                      .values.tolist()])):
        sheets.append({"name": name, "values": values, "visibility": "Visible",
                       "pictures": [], "shapes": [], "charts": [], "tables": [],
                       "pivot_tables": [], "notes": []})
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": f"albero_{n}.xlsx", "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def test_a_big_valida_does_not_stall_the_others(srv, base):
    url, _, _ = srv
    big = json.dumps(_tree_payload(60_000)).encode()
    small = json.dumps(base).encode()
    _post(url, SCRIPT + "valida", small)  # workers warm
    done: dict[str, float] = {}

    def run_big():
        r = _post(url, SCRIPT + "valida", big)
        done["big"] = time.monotonic()
        done["status"] = r.status_code

    t = threading.Thread(target=run_big)
    start = time.monotonic()
    t.start()
    time.sleep(1.0)  # the big body is sent and being validated
    t0 = time.monotonic()
    assert httpx.get(url + "/", timeout=30).status_code == 200
    root = time.monotonic() - t0
    t0 = time.monotonic()
    r = _post(url, SCRIPT + "valida", small)
    quick = time.monotonic() - t0
    answered = time.monotonic()
    assert r.status_code == 200
    t.join()
    assert done["status"] == 200
    assert answered < done["big"], "the big valida ended before the small one was asked"
    assert root < 1.0 and quick < 3.0, (root, quick, done["big"] - start)


def test_full_queue_is_503_with_retry_after(tmp_path, base):
    """One worker per lane, no queue: a second big workbook while one runs is refused."""
    big = json.dumps(_tree_payload(20_000)).encode()
    with running_server(tmp_path, ALBERO_SERVER_WORKERS="2", ALBERO_SERVER_QUEUE="0") as url:
        _post(url, SCRIPT + "valida", json.dumps(base).encode())
        first: dict[str, int] = {}
        t = threading.Thread(target=lambda: first.update(
            status=_post(url, SCRIPT + "valida", big).status_code))
        t.start()
        time.sleep(0.3)
        r = _post(url, SCRIPT + "valida", big)
        while r.status_code != 503 and t.is_alive():  # a very fast machine: try again
            r = _post(url, SCRIPT + "valida", big)
        small = _post(url, SCRIPT + "valida", json.dumps(base).encode())
        t.join()
    assert r.status_code == 503, r.text[:200]
    assert "Il server è occupato" in r.json()["detail"] and r.headers["retry-after"] == "5"
    assert small.status_code == 200 and first["status"] == 200
