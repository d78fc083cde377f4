"""E-mail addresses and header-safe text from the Settori sheet (pure, no I/O).

Shared by the validation (an ``avviso`` before anything is sent) and by the mail edge (a
sector whose cells fail here is skipped, so they never reach an SMTP envelope or header).
A text is refused for a header when it holds a line break or another control character
(CR, LF, NUL, U+0085, U+2028/2029, C1), an RFC 2047 *encoded word* (``=?utf-8?b?…?=``:
mail programs decode it, so it can hide a second address or a forged name), or — in a
display name — another address, or bidi/zero-width characters that disguise what is shown.
"""

from __future__ import annotations

import re

#: A pragmatic address check: ASCII local part, a dotted domain (letters of any script
#: allowed: IDN domains are converted with IDNA when sending).
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"(?:[^\W_]|[^\W_][\w-]{0,61}[^\W_])"
ADDRESS_RE = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[^\W\d_]{{2,}}$|"
                        rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.xn--[a-z0-9-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[A-Za-z]\?[^?\s]*\?=")
_DISGUISE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
#: ``Nome <indirizzo>``, ``"Nome" <indirizzo>`` or a bare address; no comments.
_PART = re.compile(r'^(?:"(?P<qname>[^"\\]*)"|(?P<name>[^<>"()]*?))\s*<(?P<addr>[^<>\s]+)>$')

CONTROL_REASON = ("contiene un a capo o caratteri di controllo (possibile tentativo di "
                  "inserire intestazioni)")
ENCODED_REASON = ("contiene una parola codificata «=?…?=» (RFC 2047), che il programma di "
                  "posta decodificherebbe in un altro testo, per esempio un secondo indirizzo")
DISGUISE_REASON = ("contiene caratteri invisibili o che invertono la direzione del testo, "
                   "che camuffano ciò che si legge")


def has_control_chars(text: str) -> bool:
    """True when ``text`` holds a line break or another control character."""
    return bool(_CONTROL.search(text))


def is_valid_address(address: str) -> bool:
    """A bare address (``nome@dominio.it``) that is safe to put in a header."""
    return (bool(address) and not has_control_chars(address) and "=?" not in address
            and bool(ADDRESS_RE.match(address)))


def header_problem(text: str, *, display_name: bool = False) -> str:
    """Why ``text`` may not go into a mail header ("" when it may). ``display_name``:
    the text is shown as a person's name (no address, no disguising characters)."""
    if has_control_chars(text):
        return CONTROL_REASON
    if _ENCODED_WORD.search(text) or ("=?" in text and "?=" in text):
        return ENCODED_REASON
    if display_name:
        if "@" in text or "<" in text or ">" in text:
            return ("contiene un indirizzo email: un nome che mostra un indirizzo diverso "
                    "da quello a cui si invia è un inganno")
        if _DISGUISE.search(text):
            return DISGUISE_REASON
    return ""


def parse_recipients(cell: str) -> tuple[tuple[str, ...], str]:
    """Addresses of an ``Email`` cell (``;`` or ``,`` separated, ``Nome <a@b.it>`` ok).

    Returns (addresses, reason): ``reason`` is empty when every address is valid and safe.
    A blank cell gives ``((), "")``: the caller says that the address is missing.
    """
    text = cell.strip()
    problem = header_problem(text)
    if problem:
        return (), f"indirizzo rifiutato: {problem}"
    if _DISGUISE.search(text):
        return (), f"indirizzo rifiutato: {DISGUISE_REASON}"
    out: list[str] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        m = _PART.match(part)
        name, addr = ((m.group("qname") if m.group("qname") is not None else m.group("name")),
                      m.group("addr")) if m else ("", part)
        if name and "@" in name:
            return (), (f"indirizzo rifiutato: il nome «{name.strip()}» mostra un indirizzo "
                        f"diverso da quello a cui si invierebbe ({addr})")
        if not is_valid_address(addr):
            return (), f"indirizzo email «{part}» non valido"
        out.append(addr)
    return tuple(dict.fromkeys(out)), ""
