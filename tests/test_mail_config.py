"""Mail settings from the environment and albero.toml; template checks (Italian errors)."""

from __future__ import annotations

import datetime as dt

import pytest

from xl_albero.mail.config import MailConfigError, load_settings
from xl_albero.mail.template import PLACEHOLDERS, load_template, parse_template, render

BASE = {"ALBERO_MITTENTE": "performance@comune.example.it"}


def write_config(folder, text: str):
    path = folder / "albero.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_settings():
    s = load_settings({**BASE, "ALBERO_SMTP_HOST": "smtp.comune.it", "ALBERO_SMTP_PORT": "2525",
                       "ALBERO_SMTP_USER": "u", "ALBERO_SMTP_PASSWORD": "Zq9-segreta",
                       "ALBERO_SMTP_SECURITY": "SSL"}, search_dirs=())
    assert (s.host, s.port, s.user, s.password, s.security) == ("smtp.comune.it", 2525, "u",
                                                                 "Zq9-segreta", "ssl")
    assert "Zq9" not in repr(s)
    s.require_smtp()


def test_default_ports_by_security():
    for security, port in (("starttls", 587), ("ssl", 465), ("none", 25)):
        s = load_settings({**BASE, "ALBERO_SMTP_SECURITY": security}, search_dirs=())
        assert s.effective_port == port


def test_config_file_and_env_override(tmp_path):
    write_config(tmp_path, """
[invio]
host = "smtp.interno.it"
porta = 587
utente = "finanze"
mittente = "programmazione@comune.example.it"
cc = ["ragioneria@comune.example.it", "segreteria@comune.example.it"]
rispondi_a = "controllo@comune.example.it"
limite_allegato_mb = 5
scadenza = 2025-04-30
modello = "modello.txt"
""")
    (tmp_path / "modello.txt").write_text("Oggetto: {settore}\n\nCiao {dirigente}\n",
                                          encoding="utf-8")
    env = {"ALBERO_SMTP_HOST": "smtp.altro.it", "ALBERO_SMTP_PASSWORD": "x"}
    # the file named by the user (option or ALBERO_CONFIG): every key counts
    s = load_settings(env, tmp_path / "albero.toml", search_dirs=())
    assert s.host == "smtp.altro.it"  # environment wins
    assert s.port == 587 and s.user == "finanze" and s.password == "x"
    assert s.cc == ("ragioneria@comune.example.it", "segreteria@comune.example.it")
    assert s.reply_to == "controllo@comune.example.it"
    assert s.max_attachment_bytes == 5 * 1024 * 1024
    assert s.deadline == dt.date(2025, 4, 30)
    assert s.template == tmp_path / "modello.txt"  # relative to the config file
    assert s.config_file == tmp_path / "albero.toml"
    assert s.untrusted_keys == ()
    # the same file merely found beside the workbook: where password and mails go is not
    # its choice (port, cc, reply-to unused; sending refused until the user decides)
    s = load_settings(env, search_dirs=(tmp_path,))
    assert s.host == "smtp.altro.it" and s.port is None and s.cc == () and s.reply_to is None
    assert s.user == "finanze" and s.deadline == dt.date(2025, 4, 30)
    assert s.template == tmp_path / "modello.txt"
    assert s.untrusted_keys == ("port", "cc", "reply_to")
    with pytest.raises(MailConfigError, match="'porta', 'cc', 'rispondi_a'"):
        s.require_smtp()


def test_user_config_file_is_trusted(tmp_path):
    own = tmp_path / "xdg" / "albero"
    own.mkdir(parents=True)
    write_config(own, '[invio]\nhost = "smtp.mio.it"\ncc = "ragioneria@comune.example.it"\n')
    s = load_settings({**BASE, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}, search_dirs=())
    assert s.host == "smtp.mio.it" and s.cc == ("ragioneria@comune.example.it",)
    s.require_smtp()
    s = load_settings({**BASE, "HOME": str(tmp_path / "casa")}, search_dirs=())
    assert s.host is None  # ~/.config/albero/albero.toml does not exist there


def test_encoded_word_is_not_an_address():
    with pytest.raises(MailConfigError, match="non valido per cc"):
        load_settings({**BASE, "ALBERO_CC": "=?utf-8?q?a=40b.it?=@comune.example.it"},
                      search_dirs=())


def test_albero_config_env_points_to_file(tmp_path):
    path = tmp_path / "altro.toml"
    path.write_text('[invio]\nmittente = "x@comune.example.it"\n', encoding="utf-8")
    s = load_settings({"ALBERO_CONFIG": str(path)}, search_dirs=())
    assert s.sender == "x@comune.example.it"
    with pytest.raises(MailConfigError, match="non esiste"):
        load_settings({"ALBERO_CONFIG": str(tmp_path / "manca.toml")}, search_dirs=())


@pytest.mark.parametrize("key", ["password", "smtp_password", "Password", "parola_chiave"])
def test_password_in_config_file_is_refused(tmp_path, key):
    write_config(tmp_path, f'[invio]\nhost = "h"\n{key} = "segreta"\n')
    with pytest.raises(MailConfigError, match="ALBERO_SMTP_PASSWORD") as err:
        load_settings(BASE, search_dirs=(tmp_path,))
    assert "segreta" not in str(err.value)


@pytest.mark.parametrize("env, message", [
    ({"ALBERO_SMTP_SECURITY": "tls"}, "starttls, ssl oppure none"),
    ({"ALBERO_SMTP_PORT": "abc"}, "Porta SMTP «abc» non valida"),
    ({"ALBERO_SMTP_PORT": "70000"}, "fuori intervallo"),
    ({"ALBERO_MITTENTE": "non-un-indirizzo"}, "non valido per il mittente"),
    ({"ALBERO_MITTENTE": "a@b.it\r\nBcc: c@d.it"}, "a capo"),
    ({"ALBERO_CC": "ok@b.it; rotto@"}, "«rotto@» non valido per cc"),
    ({"ALBERO_LIMITE_ALLEGATO_MB": "0"}, "maggiore di zero"),
    ({"ALBERO_SCADENZA": "domani"}, "Scadenza «domani» non valida"),
    ({"ALBERO_MODELLO": "/non/esiste.txt"}, "non esiste"),
])
def test_bad_settings_give_italian_errors(env, message):
    with pytest.raises(MailConfigError, match=message):
        load_settings({**BASE, **env}, search_dirs=())


def test_unknown_key_and_bad_toml(tmp_path):
    write_config(tmp_path, '[invio]\nhots = "smtp"\n')
    with pytest.raises(MailConfigError, match="Chiave sconosciuta 'hots'.*host"):
        load_settings(BASE, search_dirs=(tmp_path,))
    write_config(tmp_path, '[invio\nhost = "smtp"\n')
    with pytest.raises(MailConfigError, match="non è TOML valido"):
        load_settings(BASE, search_dirs=(tmp_path,))


def test_require_smtp_messages():
    with pytest.raises(MailConfigError, match="ALBERO_SMTP_HOST"):
        load_settings(BASE, search_dirs=()).require_smtp()
    s = load_settings({**BASE, "ALBERO_SMTP_HOST": "h", "ALBERO_SMTP_USER": "u"}, search_dirs=())
    with pytest.raises(MailConfigError, match="manca la password.*ALBERO_SMTP_PASSWORD"):
        s.require_smtp()


def test_idn_and_display_addresses_accepted():
    s = load_settings({**BASE, "ALBERO_CC": "ufficio@comune-città.it"}, search_dirs=())
    assert s.cc == ("ufficio@comune-città.it",)


# -- template ------------------------------------------------------------------------------
def test_default_template_uses_known_placeholders_and_renders():
    t = load_template()
    values = {k: f"<{k}>" for k in PLACEHOLDERS}
    subject, body = render(t, values)
    assert "\n" not in subject and "<settore>" in subject and "<anno>" in subject
    for k in ("dirigente", "n_obiettivi", "scadenza", "mittente"):
        assert f"<{k}>" in body
    assert "{" not in subject + body


def test_unknown_placeholder_lists_valid_ones(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("Oggetto: Obiettivi {setore}\n\nGentile {dirigente} {settore.__class__}\n",
                    encoding="utf-8")
    with pytest.raises(MailConfigError) as err:
        load_template(path)
    msg = str(err.value)
    assert "{setore}" in msg and "{settore.__class__}" in msg
    assert "Segnaposto ammessi: {settore}, {sigla}, {dirigente}" in msg


@pytest.mark.parametrize("text, message", [
    ("Ciao {settore}\n", "deve iniziare con una riga «Oggetto: ...»"),
    ("Oggetto:\n\ntesto\n", "l'oggetto è vuoto"),
    ("Oggetto: x\n\n\n", "il testo del messaggio è vuoto"),
    ("Oggetto: x {\n\ntesto\n", "graffe non sono bilanciate"),
])
def test_template_structure_errors(text, message):
    with pytest.raises(MailConfigError, match=message):
        parse_template(text)


def test_template_literal_braces_and_crlf():
    t = parse_template("\ufeffOggetto: Piano {anno}\r\n\r\nUsare {{codice}} per {settore}.\r\n")
    subject, body = render(t, {"anno": 2025, "settore": "CITTÀ"})
    assert subject == "Piano 2025"
    assert body == "Usare {codice} per CITTÀ.\n"


def test_template_not_utf8(tmp_path):
    path = tmp_path / "m.txt"
    path.write_bytes("Oggetto: città\n\nè\n".encode("cp1252"))
    with pytest.raises(MailConfigError, match="UTF-8"):
        load_template(path)
