"""Server settings: environment over pyproject, clear Italian refusals (pure)."""

from __future__ import annotations

import json

import pytest

from xl_albero.errors import InputFileError
from xl_albero.server.settings import PROJECT_DIR, load_settings, xlwings_environ


def _pyproject(tmp_path, body: str):
    p = tmp_path / "pyproject.toml"
    p.write_text("[tool.xl_albero.server]\n" + body, encoding="utf-8")
    return p


def test_environment_wins_over_pyproject_and_options_win_over_both(tmp_path):
    p = _pyproject(tmp_path, 'port = 9000\ntoken = "da-file"\nhostname = "a.example"\n')
    s = load_settings(environ={"ALBERO_SERVER_TOKEN": "da-ambiente"}, pyproject=p)
    assert (s.port, s.token, s.hostname) == (9000, "da-ambiente", "a.example")
    assert s.auth_providers == ("token",)
    assert load_settings(port=9100, environ={"ALBERO_SERVER_PORT": "9050"}, pyproject=p).port == 9100
    env = xlwings_environ(s)
    assert env["XLWINGS_PROJECT_DIR"] == str(PROJECT_DIR)
    assert json.loads(env["XLWINGS_AUTH_PROVIDERS"]) == ["token"]
    assert env["XLWINGS_FUNCTIONS_NAMESPACE"] == "ALBERO"
    assert env["XLWINGS_LICENSE_KEY"] == "noncommercial"


def test_no_auth_by_default(tmp_path):
    s = load_settings(environ={}, pyproject=tmp_path / "manca.toml")
    assert s.auth_providers == () and s.token is None and s.port == 8000


@pytest.mark.parametrize("body, words", [
    ('porta = 1\n', "sconosciute"),
    ('auth_providers = ["token"]\n', "manca il codice"),
    ('auth_providers = ["entraid"]\n', "entraid_client_id"),
    ('auth_providers = ["ldap"]\n', "sconosciuto"),
    ('certfile = "c.pem"\n', "sia certfile sia keyfile"),
    ('environment = "test"\n', "non valido"),
    ('port = "ottomila"\n', "Porta non valida"),
    ('[[\n', "Impossibile leggere"),
])
def test_bad_settings_are_refused_in_italian(tmp_path, body, words):
    with pytest.raises(InputFileError, match=words):
        load_settings(environ={}, pyproject=_pyproject(tmp_path, body))


def test_load_and_body_settings(tmp_path):
    p = _pyproject(tmp_path, 'max_body_mb = 10\nworkers = 3\nqueue = 0\n'
                             'allowed_origins = ["https://Intranet.Comune.example.it/"]\n')
    s = load_settings(environ={"ALBERO_SERVER_SMALL_REQUEST_KB": "256"}, pyproject=p)
    assert (s.max_body_mb, s.workers, s.queue, s.small_request_kb) == (10, 3, 0, 256)
    assert s.allowed_origins == ("https://intranet.comune.example.it",)
    env = xlwings_environ(s)
    assert env["ALBERO_SERVER_MAX_BODY_MB"] == "10" and env["ALBERO_SERVER_WORKERS"] == "3"
    assert json.loads(env["XLWINGS_CORS_ALLOW_ORIGINS"]) == ["https://intranet.comune.example.it"]
    d = load_settings(environ={}, pyproject=tmp_path / "manca.toml")
    assert (d.max_body_mb, d.download_hours) == (64, 24) and 2 <= d.workers <= 8


@pytest.mark.parametrize("body, words", [
    ('workers = -1\n', "«workers» non valida"),
    ('workers = 1.5\n', "«workers» non valida"),
    ('max_body_mb = "tanti"\n', "«max_body_mb» non valida"),
    ('max_body_mb = nan\n', "«max_body_mb» non valida"),
    ('download_hours = -1\n', "«download_hours» non valida"),
    ('queue = true\n', "«queue» non valida"),
    ('allowed_origins = ["intranet"]\n', "Origine non valida"),
])
def test_bad_load_settings_are_refused_in_italian(tmp_path, body, words):
    with pytest.raises(InputFileError, match=words):
        load_settings(environ={}, pyproject=_pyproject(tmp_path, body))
