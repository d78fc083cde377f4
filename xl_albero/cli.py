"""``albero``: the command-line front end, generated from ``xl_albero.commands``.

Exit codes: 0 done (avvisi allowed), 1 the tree has errori (or some items failed),
2 the input or output is unusable (clear Italian message on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import difflib
import gc
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from xl_albero import __version__
from xl_albero.app.ui import Ui
from xl_albero.commands import COMMANDS, Command, Option, control_hint, resolve, with_hint
from xl_albero.errors import AlberoError, TreeRefused

#: Options that name files the command reads (protected from every output of the run).
INPUT_OPTIONS = ("file", "schema")

_EPILOG = "Codici di uscita: 0 = nessun errore, 1 = errori nell'albero, 2 = file non utilizzabile."


class _Formatter(argparse.HelpFormatter):
    """Help text in Italian (argparse's own words are English)."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[override]
        super().add_usage(usage, actions, groups, prefix="uso: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with Italian help and usage errors (exit 2, no traceback)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argomenti"
        self._optionals.title = "opzioni"
        self.add_argument("-h", "--help", action="help",
                          help="mostra questo aiuto ed esce")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        hint = _suggestion(self, message)
        self.exit(2, f"albero: errore negli argomenti: {_italian(message)}{hint}\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        ns, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is not None:
            # an unknown option of a sub-command: let that sub-command say it, with a
            # suggestion from its own options
            sub = getattr(ns, "_parser", None)
            if sub is not None:
                sub.error("unrecognized arguments: " + " ".join(extras))
        return ns, extras


#: English or common spellings of the options, pointed to their Italian name.
_ALIASES = {"--force": "--forza", "--overwrite": "--sovrascrivi", "--sheet": "--foglio",
            "--year": "--anno", "--send": "--invia", "--resume": "--riprendi",
            "--folder": "--cartella", "--dir": "--cartella", "--out": "-o",
            "--extend-period": "--estendi-periodo", "--anni": "--anno"}


def _suggestion(parser: argparse.ArgumentParser, message: str) -> str:
    """`` Forse intendeva «--forza»?`` for the unknown options of ``message``."""
    m = re.fullmatch(r"unrecognized arguments: (.*)", message)
    if not m:
        return ""
    known = [s for a in parser._actions for s in a.option_strings]
    hints = []
    for word in m.group(1).split():
        if not word.startswith("-"):
            continue
        name = word.split("=", 1)[0]
        aliases = {k: v for k, v in _ALIASES.items() if v in known}
        close = difflib.get_close_matches(name.lower(), [*known, *aliases], n=1, cutoff=0.6)
        best = aliases.get(close[0], close[0]) if close else None
        if best:
            hints.append(f"«{best}» al posto di «{name}»")
    if not hints:
        return ""
    return ". Forse si intendeva " + ", ".join(hints) + "?"


_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (.*)"),
     r"mancano gli argomenti obbligatori: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"argomenti non riconosciuti: \1"),
    (re.compile(r"argument (.*?): invalid int value: (.*)"),
     r"argomento \1: serve un numero intero, non \2"),
    (re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"),
     r"argomento \1: scelta non valida \2 (scegliere tra \3)"),
    (re.compile(r"argument (.*?): expected one argument"),
     r"argomento \1: manca il valore"),
)


def _italian(message: str) -> str:
    """argparse's English error messages, in Italian (others are left as they are)."""
    for pattern, repl in _ARGPARSE_MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(repl, message)
    return message


def _add_option(parser: argparse.ArgumentParser, opt: Option) -> None:
    if opt.flags[0][0] != "-":
        parser.add_argument(opt.name, help=opt.help, metavar=opt.metavar or opt.name.upper(),
                            **({"nargs": "+"} if opt.many else {}))
        return
    kwargs: dict = {"dest": opt.name, "help": opt.help}
    if opt.kind != "flag":
        kwargs["metavar"] = opt.metavar or {"path": "FILE", "int": "NUMERO"}.get(
            opt.kind, opt.name.upper())
    if opt.kind == "flag":
        kwargs["action"] = "store_true"
    else:
        kwargs["default"] = opt.default
        kwargs["required"] = opt.required
        if opt.kind == "int":
            kwargs["type"] = int
        if opt.choices:
            kwargs["choices"] = opt.choices
    parser.add_argument(*opt.flags, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="albero", description="Albero della Performance: strumenti per il "
                     "PIAO/PEG del comune.", epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"xl-albero {__version__}",
                        help="mostra la versione ed esce")
    subs = parser.add_subparsers(dest="command", metavar="COMANDO", parser_class=_Parser)
    for cmd in COMMANDS:
        sp = subs.add_parser(cmd.cli, help=cmd.tooltip, description=cmd.tooltip, epilog=_EPILOG)
        for opt in cmd.options:
            _add_option(sp, opt)
        sp.set_defaults(_command=cmd, _parser=sp)
    return parser


def with_suffixes(args: argparse.Namespace, cmd: Command) -> argparse.Namespace:
    """File outputs get their extension (``.xlsx``, ``.docx``) when the name has none and
    names nothing that exists: ``-o riepilogo_2026`` writes ``riepilogo_2026.xlsx``; a name
    with an extension, or an existing path (``/dev/null``), is kept as typed, so the checks
    on outputs judge what the user wrote."""
    for opt in cmd.options:
        value = getattr(args, opt.name, None)
        if not (opt.suffix and value):
            continue
        path = Path(str(value))
        if not path.suffix and not os.path.lexists(path):
            setattr(args, opt.name, str(value) + opt.suffix)
    return args


def error_text(exc: AlberoError, cmd: Command) -> str:
    """The core's message with the CLI flag of the option that helps (``--forza``...)."""
    return with_hint(str(exc), control_hint(exc.option, cmd, excel=False))


def main(argv: Sequence[str] | None = None, ui: Ui | None = None) -> int:
    ui = ui or Ui()
    parser = build_parser()
    args = parser.parse_args(argv)
    cmd: Command | None = getattr(args, "_command", None)
    if cmd is None:
        parser.print_help(sys.stderr)
        return 2
    args = with_suffixes(args, cmd)
    from xl_albero.io.atomic import Terminated, guard_signals, input_scope, register_input
    from xl_albero.io.file_source import discard_prefetched, prefetch

    if cmd.usecase is not None and cmd.read_ahead and isinstance(getattr(args, "file", None),
                                                                 str | os.PathLike):
        # the tree is read (GIL-free) while pandas and pandera load for the command
        prefetch(args.file, getattr(args, "foglio", None))
    try:
        with input_scope(), guard_signals():
            for name in INPUT_OPTIONS:  # no output of this run may replace them
                if getattr(args, name, None):
                    register_input(getattr(args, name))
            if cmd.name == "server":  # runs until stopped: no status line
                return int(resolve(cmd.cli_entry)(args, ui))
            with ui.working(f"albero {cmd.cli}: lettura ed elaborazione…"):
                return int(resolve(cmd.cli_entry)(args, ui))
    except AlberoError as exc:
        findings = exc.findings if isinstance(exc, TreeRefused) else None
        if findings is not None and len(findings):
            from xl_albero import findings as F
            from xl_albero.app.render import findings_table

            errors = findings[findings["gravita"] == F.ERRORE]
            ui.err(findings_table(errors if len(errors) else findings))
            ui.err("")
        # the reason (and the count) last, where the eye lands after a long list
        ui.err(f"albero {cmd.cli}: {error_text(exc, cmd)}")
        return exc.exit_code
    except Terminated as exc:
        ui.err(f"albero {cmd.cli}: interrotto dal segnale {exc.signum}; nessun file lasciato "
               "a metà.")
        return 128 + exc.signum
    except KeyboardInterrupt:
        ui.err("albero: interrotto.")
        return 130
    except OSError as exc:  # a system failure no layer turned into a message
        from xl_albero.errors import os_reason

        where = f" su «{exc.filename}»" if exc.filename else ""
        ui.err(f"albero {cmd.cli}: errore del sistema{where}: {os_reason(exc)}.")
        return 2
    finally:
        discard_prefetched()


def run() -> int:
    """The ``albero`` console script: ``main`` plus a quiet end when the reader of the
    output goes away (``albero valida FILE | head``): the work is finished and its exit
    code returned, without a traceback."""
    from xl_albero.io.file_source import freeze_when_resumed

    freeze_when_resumed()  # a process that ends with the command
    try:
        code = main()
        sys.stdout.flush()
        # the interpreter's last garbage collection would walk every object still alive
        # (millions after a big command: ~0.2 s for raccogli); frozen, they are skipped
        gc.freeze()
    except BrokenPipeError:  # pragma: no cover - raised only outside Ui
        code = 1
    if Ui.pipe_closed:
        # Python flushes stdout again at exit: point it at /dev/null (docs: signal, SIGPIPE)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run())
