"""The cross-site rule of ``server.guard`` (pure)."""

from __future__ import annotations

import pytest

from xl_albero.server.guard import own_origin, refusal

OWN = "https://albero.comune.example.it"


@pytest.mark.parametrize("method, headers, status", [
    ("GET", {"origin": "https://attacco.example"}, None),
    ("POST", {"content-type": "text/plain"}, 415),
    ("POST", {"content-type": "multipart/form-data; boundary=x"}, 415),
    ("POST", {}, 415),
    ("POST", {"content-type": "application/json", "origin": "https://attacco.example"}, 403),
    ("POST", {"content-type": "application/json", "origin": OWN + ".attacco.example"}, 403),
    ("POST", {"content-type": "application/json", "sec-fetch-site": "cross-site"}, 403),
    ("POST", {"content-type": "application/json", "sec-fetch-site": "same-site"}, 403),
    ("POST", {"content-type": "application/json", "origin": OWN.upper() + "/"}, None),
    ("POST", {"content-type": "application/json", "origin": "https://intranet.example",
              "sec-fetch-site": "cross-site"}, None),
    ("POST", {"content-type": "application/json", "sec-fetch-site": "same-origin"}, None),
    ("POST", {"content-type": "Application/JSON; charset=utf-8"}, None),
    ("DELETE", {"content-type": "text/plain"}, 415),
])
def test_refusal(method, headers, status):
    got = refusal(method, headers, OWN, trusted=("https://intranet.example",))
    assert (got[0] if got else None) == status
    if got:
        assert got[1].startswith("Richiesta rifiutata")


def test_own_origin_drops_default_ports():
    assert own_origin({"scheme": "https"}, {"host": "a.example:443"}) == "https://a.example"
    assert own_origin({"scheme": "http"}, {"host": "127.0.0.1:8000"}) == "http://127.0.0.1:8000"
    assert own_origin({"scheme": "http", "server": ("10.0.0.1", 80)}, {}) == "http://10.0.0.1"
