"""Mail settings: SMTP server, sender, cc, template, limits (environment + ``albero.toml``).

Sources, highest priority first:

1. environment variables (``ALBERO_SMTP_HOST``, ``ALBERO_SMTP_PORT``, ``ALBERO_SMTP_USER``,
   ``ALBERO_SMTP_PASSWORD``, ``ALBERO_SMTP_SECURITY``, ``ALBERO_MITTENTE`` and the optional
   ones in ``ENV_KEYS``);
2. the ``[invio]`` section of a TOML file the user chose: the path in ``ALBERO_CONFIG`` or
   the ``config_path`` argument (an option of the front end);
3. ``albero.toml`` found in one of ``search_dirs`` (beside the workbook, the current folder);
4. the user's own settings file, ``user_config_file(env)`` (``$XDG_CONFIG_HOME/albero/
   albero.toml``, ``~/.config/albero/albero.toml``, ``%APPDATA%\\albero\\albero.toml``).

The password comes **only** from ``ALBERO_SMTP_PASSWORD``: a password in the config file is
refused (it would end up copied, mailed, committed). A file *found* beside the workbook
travels with it (anyone may have sent it), so it may not choose where the password goes:
its ``CONNECTION_KEYS`` (server, port, security, CA, AUTH without TLS, cc, reply-to) are
not used, and
sending is refused while it names any that the user did not set elsewhere. AUTH is never
sent over an unencrypted connection unless the user allows it explicitly. Nothing here
touches the network.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xl_albero.addresses import ADDRESS_RE, has_control_chars, is_valid_address
from xl_albero.errors import AlberoError, os_reason

__all__ = ["ADDRESS_RE", "MailConfigError", "MailSettings", "has_control_chars",
           "is_valid_address", "load_settings", "user_config_file"]

CONFIG_NAME = "albero.toml"
SECTION = "invio"
SECURITY_CHOICES: tuple[str, ...] = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_MAX_MB = 10.0
DEFAULT_DEADLINE_DAYS = 15

#: Setting -> environment variable.
ENV_KEYS: dict[str, str] = {
    "host": "ALBERO_SMTP_HOST",
    "port": "ALBERO_SMTP_PORT",
    "user": "ALBERO_SMTP_USER",
    "password": "ALBERO_SMTP_PASSWORD",
    "security": "ALBERO_SMTP_SECURITY",
    "sender": "ALBERO_MITTENTE",
    "cc": "ALBERO_CC",
    "reply_to": "ALBERO_RISPONDI_A",
    "max_attachment_mb": "ALBERO_LIMITE_ALLEGATO_MB",
    "deadline": "ALBERO_SCADENZA",
    "template": "ALBERO_MODELLO",
    "ca_file": "ALBERO_SMTP_CA",
    "timeout": "ALBERO_SMTP_TIMEOUT",
    "plain_auth": "ALBERO_SMTP_AUTH_SENZA_TLS",
}
CONFIG_ENV = "ALBERO_CONFIG"
USER_DIR_NAME = "albero"
#: Settings that decide where the credentials and the mails go (server, its trust, who
#: else gets a copy or the replies): only from the environment, a file the user named, or
#: the user's own settings file.
CONNECTION_KEYS: tuple[str, ...] = ("host", "port", "security", "ca_file", "plain_auth", "cc",
                                    "reply_to")
_CONNECTION_LABELS = {"host": "host", "port": "porta", "security": "sicurezza",
                      "ca_file": "certificato_ca", "plain_auth": "auth_senza_tls", "cc": "cc",
                      "reply_to": "rispondi_a"}

#: Key of the ``[invio]`` section -> setting. Italian keys, a few English synonyms.
FILE_KEYS: dict[str, str] = {
    "host": "host", "server": "host",
    "porta": "port", "port": "port",
    "utente": "user", "user": "user",
    "sicurezza": "security", "security": "security",
    "mittente": "sender",
    "cc": "cc", "copia": "cc",
    "rispondi_a": "reply_to", "reply_to": "reply_to",
    "limite_allegato_mb": "max_attachment_mb",
    "scadenza": "deadline",
    "giorni_scadenza": "deadline_days",
    "modello": "template",
    "certificato_ca": "ca_file",
    "timeout": "timeout",
    "auth_senza_tls": "plain_auth",
}
PASSWORD_KEYS = {"password", "passwd", "pass", "pwd", "parola_chiave", "parola_d_ordine",
                 "smtp_password", "segreto", "secret"}

class MailConfigError(AlberoError):
    """Mail settings missing or wrong (Italian message; exit code 2)."""


@dataclass(frozen=True)
class MailSettings:
    """Everything needed to compose and send the sector mails.

    ``password`` is never shown by ``repr``. ``deadline`` is the date by which the
    dirigente returns the workbook. ``template`` is a user template file or ``None`` for
    the one shipped with the package.
    """

    sender: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "starttls"
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    max_attachment_mb: float = DEFAULT_MAX_MB
    deadline: dt.date | None = None
    template: Path | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    config_file: Path | None = None
    #: AUTH over an unencrypted connection explicitly allowed (test servers only).
    plain_auth: bool = False
    #: Connection settings named by a file found beside the workbook (not used; sending
    #: is refused while there are any) and that file.
    untrusted_keys: tuple[str, ...] = ()
    untrusted_file: Path | None = None

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb * 1024 * 1024)

    def require_smtp(self) -> None:
        """Raise ``MailConfigError`` unless the settings suffice to send over SMTP."""
        if self.untrusted_keys:
            keys = ", ".join(f"'{_CONNECTION_LABELS[k]}'" for k in self.untrusted_keys)
            raise MailConfigError(
                f"Il file «{self.untrusted_file}», trovato accanto alla cartella di lavoro, "
                f"indica dove vanno la password o i messaggi ({keys}). Per sicurezza un file "
                "che accompagna la cartella di lavoro (chiunque può averlo inviato insieme) "
                "non decide a quale server vanno la password e i messaggi né chi ne riceve "
                "copia. Indicare queste impostazioni nelle variabili d'ambiente "
                "(ALBERO_SMTP_HOST, ALBERO_SMTP_PORT, ALBERO_SMTP_SECURITY, ALBERO_CC…), nel "
                "proprio file di configurazione personale "
                f"«{_user_file_hint()}», oppure scegliere esplicitamente quel file "
                f"(opzione del file di impostazioni, o la variabile {CONFIG_ENV}).")
        if not self.host:
            raise MailConfigError(
                "Manca il server SMTP: impostare la variabile ALBERO_SMTP_HOST oppure "
                f"'host' nella sezione [{SECTION}] di {CONFIG_NAME}.")
        if self.user and not self.password:
            raise MailConfigError(
                f"È indicato l'utente SMTP «{self.user}» ma manca la password: impostarla "
                "nella variabile d'ambiente ALBERO_SMTP_PASSWORD (mai nel file di "
                "configurazione né sulla riga di comando).")
        if self.password and not self.user:
            raise MailConfigError(
                "È impostata ALBERO_SMTP_PASSWORD ma manca l'utente: impostare anche "
                "ALBERO_SMTP_USER (o 'utente' in albero.toml).")
        if self.user and self.security == "none" and not self.plain_auth:
            raise MailConfigError(
                f"Con la sicurezza «none» la password dell'utente «{self.user}» passerebbe "
                "in chiaro sulla rete: l'accesso (AUTH) non si invia mai senza una connessione "
                "cifrata. Usare ALBERO_SMTP_SECURITY=starttls oppure ssl. Solo per un server "
                "di prova lo si può consentire esplicitamente con "
                "ALBERO_SMTP_AUTH_SENZA_TLS=1 (o 'auth_senza_tls = true' nel proprio file "
                "di configurazione).")


def user_config_file(env: Mapping[str, str]) -> Path | None:
    """The user's own settings file (it may not exist): ``$XDG_CONFIG_HOME/albero/
    albero.toml``, else ``%APPDATA%\\albero\\albero.toml`` (Windows), else
    ``$HOME/.config/albero/albero.toml``; ``None`` when ``env`` names no such folder."""
    base = env.get("XDG_CONFIG_HOME") or env.get("APPDATA")
    if base:
        return Path(base).expanduser() / USER_DIR_NAME / CONFIG_NAME
    home = env.get("HOME") or env.get("USERPROFILE")
    if home:
        return Path(home) / ".config" / USER_DIR_NAME / CONFIG_NAME
    return None


def _user_file_hint() -> str:
    path = user_config_file(os.environ)
    return str(path) if path else f"~/.config/{USER_DIR_NAME}/{CONFIG_NAME}"


def find_config(env: Mapping[str, str], config_path: str | os.PathLike | None,
                search_dirs: Iterable[str | os.PathLike]) -> Path | None:
    """The config file to read: ``ALBERO_CONFIG``, ``config_path`` or the first
    ``albero.toml`` in ``search_dirs``; ``None`` when there is none."""
    explicit = explicit_config(env, config_path)
    return explicit if explicit is not None else found_config(search_dirs)


def explicit_config(env: Mapping[str, str],
                    config_path: str | os.PathLike | None) -> Path | None:
    """The settings file the user named (``ALBERO_CONFIG`` or ``config_path``), checked."""
    explicit = env.get(CONFIG_ENV) or config_path
    if not explicit:
        return None
    path = Path(explicit).expanduser()
    if not path.is_file():
        source = CONFIG_ENV if env.get(CONFIG_ENV) else "configurazione"
        raise MailConfigError(f"Il file di configurazione «{path}» ({source}) non esiste.")
    return path


def found_config(search_dirs: Iterable[str | os.PathLike]) -> Path | None:
    """The first ``albero.toml`` in ``search_dirs`` (found, not chosen by the user)."""
    for folder in search_dirs:
        candidate = Path(folder).expanduser() / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config_section(path: Path) -> dict[str, object]:
    """The ``[invio]`` section of a TOML file, keys mapped to setting names."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise MailConfigError(f"Il file di configurazione «{path}» non è in UTF-8.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MailConfigError(
            f"Il file di configurazione «{path}» non è TOML valido: {exc}.") from exc
    except OSError as exc:
        raise MailConfigError(f"Impossibile leggere «{path}»: {os_reason(exc)}.") from exc
    section = data.get(SECTION, {})
    if not isinstance(section, dict):
        raise MailConfigError(f"In «{path}» [{SECTION}] deve essere una sezione.")
    out: dict[str, object] = {}
    for key, value in section.items():
        k = key.strip().lower()
        if k in PASSWORD_KEYS or "password" in k:
            raise MailConfigError(
                f"Il file di configurazione «{path}» contiene una password ('{key}'): "
                "toglierla. Per sicurezza la password SMTP si legge solo dalla variabile "
                "d'ambiente ALBERO_SMTP_PASSWORD.")
        if k not in FILE_KEYS:
            valid = ", ".join(sorted(FILE_KEYS))
            raise MailConfigError(
                f"Chiave sconosciuta '{key}' nella sezione [{SECTION}] di «{path}». "
                f"Chiavi ammesse: {valid}.")
        out[FILE_KEYS[k]] = value
    return out


def load_settings(env: Mapping[str, str] | None = None,
                  config_path: str | os.PathLike | None = None, *,
                  search_dirs: Iterable[str | os.PathLike] = (".",),
                  today: dt.date | None = None) -> MailSettings:
    """Read and check the mail settings; raise ``MailConfigError`` (Italian) when wrong.

    ``today`` fixes the reference date of a deadline given as a number of days.
    """
    env = os.environ if env is None else env
    user_file = user_config_file(env)
    explicit = explicit_config(env, config_path)
    found = None if explicit is not None else found_config(search_dirs)
    raw: dict[str, object] = {}
    origin: dict[str, Path] = {}
    untrusted: list[str] = []
    for file, trusted in ((user_file, True), (found, False), (explicit, True)):
        if file is None or not file.is_file():
            continue
        if not trusted and user_file is not None and file.resolve() == user_file.resolve():
            trusted = True  # the user's own file, found from its own folder
        for name, value in read_config_section(file).items():
            if not trusted and name in CONNECTION_KEYS:
                untrusted.append(name)
                continue
            raw[name] = value
            origin[name] = file
    for name, var in ENV_KEYS.items():
        value = env.get(var)
        if value is not None and str(value).strip() != "":
            raw[name] = value
            origin.pop(name, None)
            if name == "deadline":
                raw.pop("deadline_days", None)
    untrusted = [k for k in CONNECTION_KEYS if k in untrusted and k not in raw]
    path = explicit or found or (user_file if user_file and user_file.is_file() else None)
    where = f"«{path}»" if path else "l'ambiente"

    security = _text(raw.get("security")) or "starttls"
    security = security.lower()
    if security not in SECURITY_CHOICES:
        raise MailConfigError(
            f"Sicurezza SMTP «{security}» non valida: usare starttls, ssl oppure none "
            "(ALBERO_SMTP_SECURITY).")
    port = _port(raw.get("port"))
    sender = _text(raw.get("sender"))
    if sender is not None:
        _check_address(sender, "il mittente (ALBERO_MITTENTE)")
    cc = _address_list(raw.get("cc"), "cc")
    reply_to = _text(raw.get("reply_to"))
    if reply_to is not None:
        _check_address(reply_to, "l'indirizzo di risposta (rispondi_a)")
    host = _text(raw.get("host"))
    if host is not None and (has_control_chars(host) or " " in host):
        raise MailConfigError(f"Nome del server SMTP «{host!r}» non valido.")
    user = _text(raw.get("user"))
    if user is not None and has_control_chars(user):
        raise MailConfigError("L'utente SMTP contiene caratteri non ammessi (a capo o simili).")
    password = env.get(ENV_KEYS["password"]) or None
    max_mb = _positive_float(raw.get("max_attachment_mb"), DEFAULT_MAX_MB,
                             "Il limite per l'allegato (limite_allegato_mb)")
    timeout = _positive_float(raw.get("timeout"), 30.0, "Il timeout SMTP")
    deadline = _deadline(raw.get("deadline"), raw.get("deadline_days"),
                         today or dt.date.today())
    template = _path(raw.get("template"), origin.get("template"))
    if template is not None and not template.is_file():
        raise MailConfigError(f"Il modello del messaggio «{template}» (indicato in {where}) "
                              "non esiste.")
    ca_file = _path(raw.get("ca_file"), origin.get("ca_file"))
    if ca_file is not None and not ca_file.is_file():
        raise MailConfigError(f"Il certificato CA «{ca_file}» non esiste.")
    return MailSettings(sender=sender, host=host, port=port, user=user, password=password,
                        security=security, cc=cc, reply_to=reply_to, max_attachment_mb=max_mb,
                        deadline=deadline, template=template, ca_file=ca_file,
                        timeout=timeout, config_file=path,
                        plain_auth=_flag(raw.get("plain_auth")), untrusted_keys=tuple(untrusted),
                        untrusted_file=found if untrusted else None)


# -- helpers -----------------------------------------------------------------------------
def _text(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value or "").strip().lower()
    if s in ("", "0", "no", "false", "falso"):
        return False
    if s in ("1", "si", "sì", "yes", "true", "vero"):
        return True
    raise MailConfigError(f"Valore «{value}» non valido per auth_senza_tls "
                          "(ALBERO_SMTP_AUTH_SENZA_TLS): usare 1 oppure 0.")


def _port(value: object) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        port = int(str(value).strip())
    except ValueError:
        raise MailConfigError(f"Porta SMTP «{value}» non valida: indicare un numero "
                              "(es. 587).") from None
    if not 0 < port < 65536:
        raise MailConfigError(f"Porta SMTP {port} fuori intervallo (1-65535).")
    return port


def _check_address(address: str, what: str) -> None:
    if has_control_chars(address):
        raise MailConfigError(f"Indirizzo non ammesso per {what}: contiene un a capo o "
                              "caratteri di controllo.")
    if not is_valid_address(address):
        raise MailConfigError(f"Indirizzo email «{address}» non valido per {what}.")


def _address_list(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r"[;,]", str(value))
    out = []
    for item in items:
        s = str(item).strip()
        if s:
            _check_address(s, what)
            out.append(s)
    return tuple(out)


def _positive_float(value: object, default: float, what: str) -> float:
    if value is None or str(value).strip() == "":
        return default
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise MailConfigError(f"{what} «{value}» non è un numero.") from None
    if not number > 0:
        raise MailConfigError(f"{what} deve essere maggiore di zero (trovato {value}).")
    return number


def _deadline(value: object, days: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is not None and str(value).strip():
        s = str(value).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(s, fmt).date()
            except ValueError:
                pass
        if s.isdigit():
            return today + dt.timedelta(days=int(s))
        raise MailConfigError(f"Scadenza «{s}» non valida: usare una data come 31/03/2025 "
                              "oppure 2025-03-31, o un numero di giorni.")
    if days is not None:
        try:
            n = int(str(days))
        except ValueError:
            raise MailConfigError(f"giorni_scadenza «{days}» non è un numero intero.") from None
        if n < 0:
            raise MailConfigError("giorni_scadenza non può essere negativo.")
        return today + dt.timedelta(days=n)
    return today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)


def _path(value: object, config_file: Path | None) -> Path | None:
    s = _text(value)
    if s is None:
        return None
    p = Path(s).expanduser()
    if not p.is_absolute() and config_file is not None:
        p = config_file.parent / p
    return p
