"""The short Italian outcome shown in Excel after a ribbon command (pure).

``message(name, result)`` turns what an Excel adapter returned into one or two lines;
the xlwings Server route and the desktop add-in show it with ``book.app.alert``.
"""

from __future__ import annotations

from typing import Any

TITLE = "Albero Performance"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _notices(result: dict[str, Any]) -> str:
    n = len(result.get("avvisi") or [])
    return f" Attenzione: {_plural(n, 'avviso', 'avvisi')} sul registro dei settori." if n else ""


def _valida(r: dict[str, Any]) -> str:
    e, a = int(r.get("errori", 0)), int(r.get("avvisi", 0))
    if not e and not a:
        return "Validazione completata: nessun rilievo, l'albero è valido."
    return (f"Validazione completata: {_plural(e, 'errore', 'errori')} e "
            f"{_plural(a, 'avviso', 'avvisi')}. Vedere il foglio «Validazione».")


def _settori(r: dict[str, Any]) -> str:
    sheets = r.get("fogli") or {}
    empty = sum(1 for n in sheets.values() if not n)
    tail = f" ({_plural(empty, 'settore', 'settori')} senza obiettivi)" if empty else ""
    return (f"Fogli per settore: {_plural(len(sheets), 'foglio creato', 'fogli creati')}"
            f"{tail}.{_notices(r)}")


def _riepilogo(r: dict[str, Any]) -> str:
    pivots, tables = len(r.get("pivot") or []), len(r.get("tabelle") or [])
    return (f"Riepilogo creato: {_plural(pivots, 'tabella pivot', 'tabelle pivot')} e "
            f"{_plural(tables, 'tabella calcolata', 'tabelle calcolate')}"
            + (", con il grado di raggiungimento per area e per settore e il suo grafico,"
               if r.get("raggiungimento") else "")
            + f" nel foglio «Riepilogo».{_notices(r)}")


def _nuovo_ciclo(r: dict[str, Any]) -> str:
    review = int(r.get("da_rivedere") or 0)
    tail = f" {_plural(review, 'voce', 'voci')} da rivedere." if review else ""
    return (f"Nuovo ciclo pronto: «{r.get('file')}» (collegamento nel foglio «Nuovo ciclo»)."
            f"{tail}")


def _invia(r: dict[str, Any]) -> str:
    counts = r.get("conteggi") or {}
    parts = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "nessun settore"
    head = "Invio ai settori" if r.get("modalita") == "invio" else \
        "Bozze delle e-mail (nulla inviato)"
    if r.get("interrotto"):
        return f"{head} interrotto: {r['interrotto']} ({parts})."
    done = "completato" if r.get("completo") else "non completo"
    return f"{head} {done} ({parts}). Dettagli nel foglio «Invio ai settori»."


def _raccogli(r: dict[str, Any]) -> str:
    s = r.get("riepilogo") or {}
    missing = r.get("non_restituite") or []
    text = (f"Raccolta {s.get('rilevazione', '')}: {s.get('restituite', 0)} settori su "
            f"{s.get('settori_attesi', 0)} hanno restituito la cartella, "
            f"{_plural(int(r.get('celle') or 0), 'cella cambiata', 'celle cambiate')} "
            f"nell'albero, {s.get('errori', 0)} errori e {s.get('avvisi', 0)} avvisi "
            "(foglio «Rilievi raccolta»; registro nel foglio «Raccolta»).")
    if missing:
        shown = ", ".join(missing[:5]) + (f" e altri {len(missing) - 5}" if len(missing) > 5
                                         else "")
        text += f" Non restituite: {shown}."
    return text + _notices(r)


def _relazione(r: dict[str, Any]) -> str:
    return (f"Relazione pronta: «{r.get('file')}» (collegamento nel foglio «Relazione»), grado "
            f"complessivo {r.get('complessivo')}.{_notices(r)}")


_BY_COMMAND = {"valida": _valida, "settori": _settori, "riepilogo": _riepilogo,
               "nuovo_ciclo": _nuovo_ciclo, "invia": _invia, "raccogli": _raccogli,
               "relazione": _relazione}


def message(name: str, result: Any) -> str:
    """The outcome of command ``name`` (registry name) as shown to the user."""
    from xl_albero.commands import BY_NAME

    fn = _BY_COMMAND.get(name)
    if fn is not None and isinstance(result, dict):
        return fn(result)
    label = BY_NAME[name].label if name in BY_NAME else name
    return f"«{label}»: fatto."


def error_text(exc: Exception, cmd: Any, *, findings_shown: bool = False) -> str:
    """A refusal as Excel shows it: the core's message, the task-pane control that helps
    (``AlberoError.option``; never a CLI flag), and where the findings are."""
    from xl_albero.commands import control_hint, with_hint

    text = with_hint(str(exc), control_hint(getattr(exc, "option", None), cmd, excel=True))
    findings = getattr(exc, "findings", None)
    if findings_shown and findings is not None and len(findings):
        from xl_albero.findings import counts

        c = counts(findings)
        text += (f" ({_plural(c['errori'], 'errore', 'errori')}, "
                 f"{_plural(c['avvisi'], 'avviso', 'avvisi')}: vedere il foglio «Validazione».)")
    return f"«{cmd.label}» non eseguito. {text}"


def show(book: Any, text: str, *, ok: bool = True) -> str:
    """Queue ``text`` as an Excel message box (xlwings ``app.alert``); return it."""
    book.app.alert(text, title=TITLE, buttons="ok", mode="info" if ok else "critical")
    return text
