"""``albero``: the command-line front end, generated from ``xl_albero.commands``.

Exit codes: 0 done (avvisi allowed), 1 the tree has errori (or some items failed),
2 the input or output is unusable (clear Italian message on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

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
        self.exit(2, f"albero: errore negli argomenti: {_italian(message)}\n")


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
        parser.add_argument(opt.name, help=opt.help, metavar=opt.name.upper(),
                            **({"nargs": "+"} if opt.many else {}))
        return
    kwargs: dict = {"dest": opt.name, "help": opt.help}
    if opt.kind != "flag":
        kwargs["metavar"] = ("CARTELLA" if opt.name == "cartella" else
                             {"path": "FILE", "int": "NUMERO"}.get(opt.kind, opt.name.upper()))
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
        sp.set_defaults(_command=cmd)
    return parser


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
    from xl_albero.io.atomic import Terminated, guard_signals, input_scope, register_input

    try:
        with input_scope(), guard_signals():
            for name in INPUT_OPTIONS:  # no output of this run may replace them
                if getattr(args, name, None):
                    register_input(getattr(args, name))
            return int(resolve(cmd.cli_entry)(args, ui))
    except AlberoError as exc:
        ui.err(f"albero {cmd.cli}: {error_text(exc, cmd)}")
        findings = exc.findings if isinstance(exc, TreeRefused) else None
        if findings is not None and len(findings):
            from xl_albero.app.render import findings_table

            ui.err(findings_table(findings))
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
