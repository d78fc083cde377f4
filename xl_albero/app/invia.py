"""``albero invia FILE``: each sector's workbook to its dirigente (drafts or SMTP).

Exit codes: 0 every sector got its draft / mail (sectors without objectives aside), 1 some
were skipped or failed (see the send log), 2 unusable input, settings or server before
anything was sent.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from xl_albero.app.sector_common import show_notices
from xl_albero.app.ui import Ui, one_line
from xl_albero.mail import campaign as R
from xl_albero.mail import compose
from xl_albero.mail.config import MailSettings, load_settings


def default_folder(source: Path) -> Path:
    """``invio_<name>`` beside the workbook."""
    return source.parent / f"invio_{source.stem}"


def _size(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else \
        f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


def print_plan(plan: list[compose.Outgoing], settings: MailSettings, ui: Ui, *,
               sending: bool) -> None:
    ready = [o for o in plan if o.status == compose.PRONTO]
    skipped = [o for o in plan if o.status == compose.SALTATO]
    verb = "da inviare" if sending else "da preparare come bozza"
    ui.out(f"Settori: {len(plan)} — {verb}: {len(ready)}, saltati: {len(skipped)}.")
    sender = settings.sender or "(non indicato: lo sceglie il programma di posta)"
    ui.out(f"Mittente: {sender}" + (f"   Cc: {', '.join(settings.cc)}" if settings.cc
                                    else "")
           + (f"   Rispondi a: {settings.reply_to}" if settings.reply_to else ""))
    for o in plan:
        label = one_line(o.sector) + (f" ({one_line(o.sigla)})" if o.sigla and o.sigla != o.sector
                                   else "")
        if o.status == compose.PRONTO:
            who = f" ({o.dirigente})" if o.dirigente else ""
            ui.out(f"  → {label}: a {', '.join(o.recipients)}{who}; allegato "
                   f"«{o.filename}» {_size(o.size)}; {o.led + o.involved} obiettivi")
            ui.out(f"      Oggetto: {o.subject}")
        elif o.status == compose.SALTATO:
            ui.out(f"  ✗ {label}: SALTATO — {o.reason}")
        else:
            ui.out(f"  · {label}: nessun messaggio ({o.reason})")


def print_result(result: R.MailResult, ui: Ui) -> None:
    c = result.counts
    if result.sent:
        ui.out(f"Inviati: {c.get(R.INVIATO, 0)}; già inviati in precedenza: "
               f"{c.get(R.GIA_INVIATO, 0)}; saltati: {c.get(R.SALTATO, 0)}; falliti: "
               f"{c.get(R.FALLITO, 0)}.")
        ui.out(f"Registro degli invii: {result.log_path}")
    else:
        drafts = [o for o in result.outcomes if o.outcome == R.BOZZA]
        ui.out(f"Bozze scritte: {len(drafts)} in «{result.folder / R.DRAFTS}» "
               "(si aprono con Outlook o Thunderbird). Nessun messaggio è stato inviato: "
               "usare --invia per spedirli.")
        if c.get(R.BOZZA_PRESENTE):
            ui.out(f"Bozze già presenti, lasciate come erano: {c[R.BOZZA_PRESENTE]}.")
        if c.get(R.GIA_INVIATO):
            ui.out(f"Già inviati secondo il registro (nessuna bozza): {c[R.GIA_INVIATO]}.")
    for o in result.outcomes:
        if o.outcome == R.FALLITO:
            ui.err(f"Non inviato a «{one_line(o.sector)}»: {o.reason}")
        elif o.outcome == R.SALTATO:
            ui.err(f"Saltato «{one_line(o.sector)}»: {o.reason}")
    if result.aborted:
        ui.err(f"Invio interrotto: {result.aborted}. Quando il server è di nuovo "
               "disponibile rilanciare con --invia --riprendi.")
    if not result.complete:
        ui.err("Non tutti i settori hanno ricevuto il messaggio: correggere i dati e "
               "rilanciare con --riprendi (chi l'ha già ricevuto non lo riceve di nuovo).")


def run(args: argparse.Namespace, ui: Ui) -> int:
    from xl_albero.io.file_source import FileSource
    from xl_albero.usecases.invia import InviaOptions, invia

    source = Path(args.file)
    settings = load_settings(os.environ, getattr(args, "configurazione", None),
                             search_dirs=(source.parent, Path.cwd()))
    folder = Path(args.cartella) if args.cartella else default_folder(source)
    options = InviaOptions(invia=args.invia, riprendi=args.riprendi, foglio=args.foglio,
                           schema=args.schema, forza=args.forza)

    def on_plan(found, plan, settings) -> None:
        show_notices(found.notices, ui)
        print_plan(plan, settings, ui, sending=args.invia)

    # drafts of an earlier run may have been edited: replaced only when asked
    mailer = R.Campaign(settings, folder, progress=ui.progress, on_plan=on_plan,
                        drafts_overwrite=bool(getattr(args, "sovrascrivi", False)),
                        check_drafts_first=True)
    with FileSource(source) as src:
        result = invia(src, options, mailer)
    print_result(result.outcome, ui)
    return result.outcome.exit_code
