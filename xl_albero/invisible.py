"""Characters that a reader cannot see, by name (pure).

Two names that look identical on screen may differ only in such a character (a zero-width
space pasted from a web page, a non-breaking space, a bidi mark): the findings then name
the character instead of suggesting a text that looks the same as the one typed.
"""

from __future__ import annotations

import unicodedata

#: Invisible (or invisible-looking) characters and their Italian names.
INVISIBLE: dict[str, str] = {
    "\u00a0": "spazio unificatore",
    "\u00ad": "trattino facoltativo (invisibile)",
    "\u061c": "segno di lettera araba (direzione del testo)",
    "\u115f": "riempitivo Hangul",
    "\u1160": "riempitivo Hangul",
    "\u180e": "separatore vocale mongolo",
    "\u2007": "spazio per cifre",
    "\u200b": "spazio a larghezza zero",
    "\u200c": "non-congiunzione a larghezza zero",
    "\u200d": "congiunzione a larghezza zero",
    "\u200e": "segno da sinistra a destra",
    "\u200f": "segno da destra a sinistra",
    "\u202a": "incorporamento da sinistra a destra",
    "\u202b": "incorporamento da destra a sinistra",
    "\u202c": "fine di incorporamento o di forzatura della direzione",
    "\u202d": "forzatura da sinistra a destra",
    "\u202e": "forzatura da destra a sinistra",
    "\u202f": "spazio unificatore stretto",
    "\u2060": "unione di parole (invisibile)",
    "\u2061": "applicazione di funzione (invisibile)",
    "\u2062": "moltiplicazione invisibile",
    "\u2063": "separatore invisibile",
    "\u2064": "più invisibile",
    "\u2066": "isolamento da sinistra a destra",
    "\u2067": "isolamento da destra a sinistra",
    "\u2068": "isolamento della prima direzione forte",
    "\u2069": "fine di isolamento della direzione",
    "\u3164": "riempitivo Hangul",
    "\ufeff": "spazio unificatore a larghezza zero (BOM)",
}
#: Those that stand for a space (the others stand for nothing).
_SPACE_LIKE = {"\u00a0", "\u2007", "\u202f"}


def char_name(ch: str) -> str:
    """``U+200B spazio a larghezza zero``."""
    name = INVISIBLE.get(ch) or unicodedata.name(ch, "carattere di controllo").lower()
    return f"U+{ord(ch):04X} {name}"


def invisible_chars(text: str) -> list[str]:
    """The invisible characters of ``text``, in order, each once."""
    return list(dict.fromkeys(ch for ch in text if ch in INVISIBLE
                              or unicodedata.category(ch) in ("Cc", "Cf")))


def visible(text: str) -> str:
    """``text`` as it reads: NFC, invisible characters removed, space-like ones as spaces,
    runs of spaces collapsed."""
    out = "".join(" " if ch in _SPACE_LIKE else "" if ch in INVISIBLE
                  or unicodedata.category(ch) in ("Cc", "Cf") else ch
                  for ch in unicodedata.normalize("NFC", text))
    return " ".join(out.split())


def invisible_difference(typed: str, known: str) -> str:
    """When ``typed`` and ``known`` read the same but differ, which invisible characters
    make the difference (Italian, ready for a finding); "" otherwise."""
    if typed == known or visible(typed) != visible(known):
        return ""
    extra = [c for c in invisible_chars(typed) if c not in known]
    missing = [c for c in invisible_chars(known) if c not in typed]
    if extra:
        names = ", ".join(f"«{char_name(c)}»" for c in extra)
        return (f"Il nome sembra «{known}» ma contiene un carattere invisibile: {names}. "
                "Cancellare il nome e riscriverlo (oppure copiarlo dal foglio Settori).")
    if missing:
        names = ", ".join(f"«{char_name(c)}»" for c in missing)
        return (f"Il nome sembra uguale a «{known}» del foglio Settori, ma lì contiene un "
                f"carattere invisibile: {names}. Riscrivere il nome nel foglio Settori.")
    return (f"Il nome sembra uguale a «{known}» ma differisce per spazi o caratteri "
            "invisibili: riscriverlo copiandolo dal foglio Settori.")
