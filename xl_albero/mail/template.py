"""The editable subject and body of the sector mails.

A template is a UTF-8 text file: the first line is ``Oggetto: <subject>``, the rest (after an
optional blank line) is the body. Placeholders in braces are filled per sector; a literal
brace is written twice (``{{``). ``modello_email.txt`` beside this module is the default.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xl_albero.errors import os_reason
from xl_albero.mail.config import MailConfigError

DEFAULT_TEMPLATE = Path(__file__).with_name("modello_email.txt")
SUBJECT_PREFIX = "oggetto:"

#: Placeholder -> what it stands for (shown in error messages and docs).
PLACEHOLDERS: dict[str, str] = {
    "settore": "nome del settore",
    "sigla": "sigla del settore",
    "dirigente": "nome del dirigente",
    "anno": "anno del piano",
    "n_obiettivi": "numero di obiettivi del settore",
    "n_responsabile": "obiettivi di cui il settore è responsabile",
    "n_coinvolto": "obiettivi in cui il settore è coinvolto",
    "scadenza": "data entro cui restituire la cartella",
    "mittente": "indirizzo del mittente",
    "allegato": "nome del file allegato",
}


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    source: str = "modello predefinito"


def _valid_list() -> str:
    return ", ".join("{" + k + "}" for k in PLACEHOLDERS)


def _unknown_fields(text: str, where: str, source: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise MailConfigError(
            f"Nel modello {source} ({where}) le parentesi graffe non sono bilanciate: per "
            "scrivere una graffa letterale raddoppiarla ({{ oppure }}).") from None
    unknown = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + \
                (f":{spec}" if spec else "") + "}"
            unknown.append(shown)
    return unknown


def parse_template(text: str, source: str = "modello predefinito") -> Template:
    """Split and check a template text; raise ``MailConfigError`` (Italian) if wrong."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    if not first.strip().lower().startswith(SUBJECT_PREFIX):
        raise MailConfigError(
            f"Il modello {source} deve iniziare con una riga «Oggetto: ...» (l'oggetto del "
            "messaggio), seguita dal testo.")
    subject = first.strip()[len(SUBJECT_PREFIX):].strip()
    body = rest.lstrip("\n").rstrip() + "\n"
    if not subject:
        raise MailConfigError(f"Nel modello {source} l'oggetto è vuoto.")
    if not body.strip():
        raise MailConfigError(f"Nel modello {source} il testo del messaggio è vuoto.")
    unknown = _unknown_fields(subject, "oggetto", source) + _unknown_fields(body, "testo", source)
    if unknown:
        raise MailConfigError(
            f"Nel modello {source} ci sono segnaposto non riconosciuti: "
            f"{', '.join(dict.fromkeys(unknown))}. Segnaposto ammessi: {_valid_list()}.")
    return Template(subject=subject, body=body, source=source)


def load_template(path: str | os.PathLike | None = None) -> Template:
    """Read a template file (the packaged default when ``path`` is ``None``)."""
    p = Path(path) if path is not None else DEFAULT_TEMPLATE
    source = "predefinito" if path is None else f"«{p}»"
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MailConfigError(f"Il modello {source} non è un testo UTF-8: salvarlo come "
                              "UTF-8.") from None
    except OSError as exc:
        raise MailConfigError(f"Impossibile leggere il modello {source}: "
                              f"{os_reason(exc)}.") from None
    return parse_template(text, source)


def render(template: Template, values: Mapping[str, object]) -> tuple[str, str]:
    """Fill the placeholders; return (subject, body). The subject is one line."""
    filled = {k: "" if values.get(k) is None else str(values[k]) for k in PLACEHOLDERS}
    subject = " ".join(template.subject.format_map(filled).split())
    body = template.body.format_map(filled)
    return subject, body
