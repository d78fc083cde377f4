"""Server settings: environment first, then ``[tool.xl_albero.server]`` in pyproject.toml.

Keys (pyproject / environment):

- ``host``, ``port`` (``ALBERO_SERVER_HOST``, ``ALBERO_SERVER_PORT``): overridden by the
  ``--host``/``--port`` options.
- ``token`` (``ALBERO_SERVER_TOKEN``): shared secret; when set, every script and function
  call must carry it in the ``Authorization`` header (provider ``token``).
- ``auth_providers`` (``XLWINGS_AUTH_PROVIDERS``, JSON list): ``["token"]``,
  ``["entraid"]`` or both; defaults to ``["token"]`` when a token is set, else none.
- ``entraid_client_id``, ``entraid_tenant_id`` (``XLWINGS_AUTH_ENTRAID_CLIENT_ID``,
  ``XLWINGS_AUTH_ENTRAID_TENANT_ID``), ``required_roles`` (``XLWINGS_AUTH_REQUIRED_ROLES``).
- ``hostname`` (``XLWINGS_HOSTNAME``): public host name used in the manifest.
- ``environment`` (``XLWINGS_ENVIRONMENT``): dev/qa/uat/staging/prod (default prod).
- ``certfile``, ``keyfile`` (``ALBERO_SERVER_CERTFILE``, ``ALBERO_SERVER_KEYFILE``): HTTPS.
- ``license_key`` (``XLWINGS_LICENSE_KEY``): defaults to ``noncommercial`` (PolyForm
  Noncommercial 1.0.0, which permits public institutions such as a comune).
- ``download_dir`` (``ALBERO_SERVER_DOWNLOADS``): where generated workbooks are kept
  (default ``~/.cache/xl-albero/scarica``, private to the server user: folder 0700,
  files 0600).
- ``download_hours`` (``ALBERO_SERVER_DOWNLOAD_HOURS``, default 24): a generated
  workbook and its signed download link expire after this many hours.
- ``log_level`` (``XLWINGS_LOG_LEVEL``).
- ``max_body_mb`` (``ALBERO_SERVER_MAX_BODY_MB``, default 64): largest request body
  accepted (the workbook Excel sends); larger ones get 413. A 60,000-row tree with realistic texts is ~40 MB.
- ``workers`` (``ALBERO_SERVER_WORKERS``, default: the number of cores, 2 to 8): worker
  processes running the commands (half of them reserved for small requests, see
  ``server.pool``); 0 runs them
  in the server's own loop (debugging only: a big request stalls every other).
- ``queue`` (``ALBERO_SERVER_QUEUE``, default 32): requests that may wait for a worker
  in each lane; past it the server answers 503 with ``Retry-After``.
- ``small_request_kb`` (``ALBERO_SERVER_SMALL_REQUEST_KB``, default 512): requests up to
  this size go to the small-request worker.
- ``allowed_origins`` (``ALBERO_SERVER_ALLOWED_ORIGINS``, list): web origins besides the
  server's own (and ``https://<hostname>``) allowed to send commands from a browser.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xl_albero.errors import InputFileError

#: The xlwings Server project shipped with the package.
PROJECT_DIR = Path(__file__).resolve().parent / "project"
NAMESPACE = "ALBERO"
PROJECT_NAME = "Albero Performance"

_ENV = {
    "host": "ALBERO_SERVER_HOST",
    "port": "ALBERO_SERVER_PORT",
    "token": "ALBERO_SERVER_TOKEN",
    "auth_providers": "XLWINGS_AUTH_PROVIDERS",
    "required_roles": "XLWINGS_AUTH_REQUIRED_ROLES",
    "entraid_client_id": "XLWINGS_AUTH_ENTRAID_CLIENT_ID",
    "entraid_tenant_id": "XLWINGS_AUTH_ENTRAID_TENANT_ID",
    "hostname": "XLWINGS_HOSTNAME",
    "environment": "XLWINGS_ENVIRONMENT",
    "certfile": "ALBERO_SERVER_CERTFILE",
    "keyfile": "ALBERO_SERVER_KEYFILE",
    "license_key": "XLWINGS_LICENSE_KEY",
    "download_dir": "ALBERO_SERVER_DOWNLOADS",
    "log_level": "XLWINGS_LOG_LEVEL",
    "download_hours": "ALBERO_SERVER_DOWNLOAD_HOURS",
    "max_body_mb": "ALBERO_SERVER_MAX_BODY_MB",
    "workers": "ALBERO_SERVER_WORKERS",
    "queue": "ALBERO_SERVER_QUEUE",
    "small_request_kb": "ALBERO_SERVER_SMALL_REQUEST_KB",
    "allowed_origins": "ALBERO_SERVER_ALLOWED_ORIGINS",
}
#: Numeric settings: (type, smallest allowed value).
_NUMBERS: dict[str, tuple[type, float]] = {
    "download_hours": (float, 0.01), "max_body_mb": (float, 0.001), "workers": (int, 0),
    "queue": (int, 0), "small_request_kb": (int, 0),
}
ENVIRONMENTS = ("dev", "qa", "uat", "staging", "prod")


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    auth_providers: tuple[str, ...] = ()
    required_roles: tuple[str, ...] = ()
    entraid_client_id: str | None = None
    entraid_tenant_id: str | None = None
    hostname: str | None = None
    environment: str = "prod"
    certfile: str | None = None
    keyfile: str | None = None
    license_key: str = "noncommercial"
    download_dir: str | None = None
    log_level: str = "INFO"
    download_hours: float = 24.0
    max_body_mb: float = 64.0
    workers: int = field(default_factory=lambda: min(max(os.cpu_count() or 2, 2), 8))
    queue: int = 32
    small_request_kb: int = 512
    allowed_origins: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)


def read_pyproject(path: str | os.PathLike | None = None) -> dict:
    """``[tool.xl_albero.server]`` of ``path`` (default: ./pyproject.toml), or {}."""
    p = Path(path) if path else Path.cwd() / "pyproject.toml"
    if not p.is_file():
        return {}
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputFileError(f"Impossibile leggere le impostazioni del server da «{p}»: "
                             f"{exc}") from exc
    section = data.get("tool", {}).get("xl_albero", {}).get("server", {})
    return dict(section) if isinstance(section, dict) else {}


def _list(value: object, key: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputFileError(f"Impostazione «{key}» non valida: {value!r} "
                                     "(atteso un elenco JSON, es. [\"token\"]).") from exc
        else:
            value = [v.strip() for v in text.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise InputFileError(f"Impostazione «{key}» non valida: atteso un elenco.")
    return tuple(str(v) for v in value)


def load_settings(*, host: str | None = None, port: int | None = None,
                  environ: Mapping[str, str] | None = None,
                  pyproject: str | os.PathLike | None = None) -> ServerSettings:
    """Merge defaults < pyproject < environment < explicit host/port."""
    env = os.environ if environ is None else environ
    file_cfg = read_pyproject(pyproject or env.get("ALBERO_PYPROJECT"))
    unknown = set(file_cfg) - set(_ENV)
    if unknown:
        raise InputFileError("Impostazioni sconosciute in [tool.xl_albero.server]: "
                             + ", ".join(sorted(unknown)) + ". Ammesse: "
                             + ", ".join(_ENV) + ".")
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for key, var in _ENV.items():
        if env.get(var) not in (None, ""):
            values[key], sources[key] = env[var], f"ambiente ({var})"
        elif key in file_cfg:
            values[key], sources[key] = file_cfg[key], "pyproject.toml"
    if host:
        values["host"], sources["host"] = host, "--host"
    if port:
        values["port"], sources["port"] = port, "--port"
    try:
        values["port"] = int(values.get("port", 8000))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InputFileError(f"Porta non valida: {values.get('port')!r}.") from exc
    for key in ("auth_providers", "required_roles", "allowed_origins"):
        values[key] = _list(values.get(key), key)
    for key, (kind, least) in _NUMBERS.items():
        if key in values:
            try:
                number: float | None = float(values[key])  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = None
            if number is None or isinstance(values[key], bool) or not number >= least \
                    or number == float("inf") or kind is int and number != int(number):
                raise InputFileError(f"Impostazione «{key}» non valida: {values[key]!r} "
                                     f"(atteso un numero {'intero ' if kind is int else ''}"
                                     f"non minore di {least:g}).")
            values[key] = kind(number)
    values["allowed_origins"] = tuple(o.rstrip("/").lower()
                                      for o in values["allowed_origins"])  # type: ignore[union-attr]
    bad_origin = [o for o in values["allowed_origins"]  # type: ignore[union-attr]
                  if not o.startswith(("https://", "http://"))]
    if bad_origin:
        raise InputFileError("Origine non valida in allowed_origins: " + ", ".join(bad_origin)
                             + " (scrivere ad esempio https://albero.comune.example.it).")
    token = values.get("token")
    if token and not values["auth_providers"]:
        values["auth_providers"] = ("token",)
    if "token" in values["auth_providers"] and not token:  # type: ignore[operator]
        raise InputFileError("L'autenticazione «token» è attiva ma manca il codice: "
                             "impostare ALBERO_SERVER_TOKEN o token in pyproject.toml.")
    bad = set(values["auth_providers"]) - {"token", "entraid"}  # type: ignore[arg-type]
    if bad:
        raise InputFileError("Metodo di autenticazione sconosciuto: " + ", ".join(sorted(bad))
                             + " (ammessi: token, entraid).")
    if "entraid" in values["auth_providers"] and not (  # type: ignore[operator]
            values.get("entraid_client_id") and values.get("entraid_tenant_id")):
        raise InputFileError("Per Microsoft Entra ID servono entraid_client_id e "
                             "entraid_tenant_id.")
    env_name = str(values.get("environment", "prod"))
    if env_name not in ENVIRONMENTS:
        raise InputFileError(f"Ambiente «{env_name}» non valido (ammessi: "
                             + ", ".join(ENVIRONMENTS) + ").")
    if bool(values.get("certfile")) != bool(values.get("keyfile")):
        raise InputFileError("Per HTTPS servono sia certfile sia keyfile.")
    return ServerSettings(**values, sources=sources)  # type: ignore[arg-type]


def xlwings_environ(s: ServerSettings) -> dict[str, str]:
    """The environment variables xlwings Server and the project read."""
    env = {
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_PROJECT_DIR": str(PROJECT_DIR),
        "XLWINGS_LICENSE_KEY": s.license_key,
        "XLWINGS_FUNCTIONS_NAMESPACE": NAMESPACE,
        "XLWINGS_PROJECT_NAME": PROJECT_NAME,
        "XLWINGS_ENVIRONMENT": s.environment,
        "XLWINGS_ENABLE_EXAMPLES": "false",
        "XLWINGS_ENABLE_HOTRELOAD": "false",
        "XLWINGS_ENABLE_SOCKETIO": "false",
        "XLWINGS_LOG_LEVEL": s.log_level,
        "XLWINGS_AUTH_PROVIDERS": json.dumps(list(s.auth_providers)),
        "XLWINGS_AUTH_REQUIRED_ROLES": json.dumps(list(s.required_roles)),
        "DOTENV_PATH": os.devnull,
    }
    if s.token:
        env["ALBERO_SERVER_TOKEN"] = s.token
    if s.entraid_client_id:
        env["XLWINGS_AUTH_ENTRAID_CLIENT_ID"] = s.entraid_client_id
    if s.entraid_tenant_id:
        env["XLWINGS_AUTH_ENTRAID_TENANT_ID"] = s.entraid_tenant_id
    if s.hostname:
        env["XLWINGS_HOSTNAME"] = s.hostname
    if s.download_dir:
        env["ALBERO_SERVER_DOWNLOADS"] = s.download_dir
    env["ALBERO_SERVER_DOWNLOAD_HOURS"] = f"{s.download_hours:g}"
    env["ALBERO_SERVER_MAX_BODY_MB"] = f"{s.max_body_mb:g}"
    env["ALBERO_SERVER_WORKERS"] = str(s.workers)
    env["ALBERO_SERVER_QUEUE"] = str(s.queue)
    env["ALBERO_SERVER_SMALL_REQUEST_KB"] = str(s.small_request_kb)
    env["ALBERO_SERVER_ALLOWED_ORIGINS"] = json.dumps(list(s.allowed_origins))
    env["XLWINGS_CORS_ALLOW_ORIGINS"] = json.dumps(list(s.allowed_origins))
    return env
