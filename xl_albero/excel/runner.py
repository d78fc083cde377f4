"""Run a ribbon command on an open workbook: the one dispatcher of both Excel add-ins.

The Office add-in (xlwings Server route) and the classic add-in (``desktop.run``) call
:func:`run_command`: it checks the command and its options against the registry, runs the
command's Excel renderer (``Command.excel_entry``: use case + rendering on the workbook)
and turns a refusal into an honest failure: the Italian message naming the task-pane
control (never a CLI flag) and, when the refusal carries findings (a tree with errori,
a registry whose Siglas cannot name sheets), those findings on the ``Validazione`` sheet
with their cells coloured, as after «Valida».
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from xl_albero.commands import BY_NAME, Command, Option, excel_options, resolve, ribbon_commands
from xl_albero.errors import AlberoError
from xl_albero.excel import outcome
from xl_albero.excel.context import ExcelContext


class UnknownCommand(AlberoError, LookupError):
    """A ribbon button or script asked for a command the registry does not offer in Excel."""


class BadArguments(AlberoError, ValueError):
    """Arguments that do not fit the command's options (Italian message)."""


def excel_command(name: str) -> Command:
    """The registry command behind a ribbon button; Italian error otherwise."""
    cmd = BY_NAME.get(name)
    if cmd is None:
        names = ", ".join(c.name for c in ribbon_commands())
        raise UnknownCommand(
            f"Comando «{name}» sconosciuto. Comandi disponibili in Excel: {names}. Il "
            "componente aggiuntivo potrebbe essere di una versione diversa da quella di "
            "xl-albero installata: reinstallarli insieme.")
    if not cmd.ribbon or not cmd.excel_entry:
        raise UnknownCommand(f"«{cmd.label}» non si può eseguire da Excel: usare il comando "
                             f"da terminale «albero {cmd.cli}».")
    return cmd


def _coerce(opt: Option, value: Any) -> Any:
    if opt.many and value not in (None, "", []):
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                if not isinstance(item.get("nome"), str) or not isinstance(item.get("dati"), str):
                    raise BadArguments(f"«{opt.name}»: ogni file deve avere «nome» e «dati».")
            elif not isinstance(item, str):
                raise BadArguments(f"«{opt.name}» deve essere un elenco di file.")
        return items
    if value is None or value == "" or value == []:
        if opt.required:
            raise BadArguments(f"Manca «{opt.name}»: {opt.help}.")
        return opt.default
    if opt.kind == "int":
        if isinstance(value, bool):
            raise BadArguments(f"«{opt.name}» deve essere un numero intero.")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadArguments(f"«{opt.name}» deve essere un numero intero, non {value!r}.") from None
        if not math.isfinite(number) or number != int(number) or abs(number) >= 2**31:
            raise BadArguments(f"«{opt.name}» deve essere un numero intero, non {value!r}.")
        return int(number)
    if opt.kind == "flag":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "vero", "si", "sì", "1"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "falso", "no", "0"):
            return False
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise BadArguments(f"«{opt.name}» deve essere vero o falso, non {value!r}.")
    if not isinstance(value, (str, int, float)):
        raise BadArguments(f"«{opt.name}» deve essere un testo.")
    return str(value)


def coerce_args(cmd: Command, args: list[Any]) -> dict[str, Any]:
    """Map ``args`` (positional list, or ``[{name: value}]``) to renderer keyword args."""
    opts = excel_options(cmd)
    if len(args) == 1 and isinstance(args[0], dict):
        given = dict(args[0])
        unknown = set(given) - {o.name for o in opts}
        if unknown:
            raise BadArguments(f"Opzioni sconosciute per «{cmd.label}»: "
                               + ", ".join(sorted(unknown)) + ".")
    else:
        if len(args) > len(opts):
            raise BadArguments(f"«{cmd.label}» accetta al massimo {len(opts)} opzioni "
                               f"({', '.join(o.name for o in opts) or 'nessuna'}), "
                               f"ricevute {len(args)}.")
        given = {o.name: v for o, v in zip(opts, args, strict=False)}
    return {o.name: _coerce(o, given.get(o.name)) for o in opts}


@dataclass(frozen=True)
class Outcome:
    """What Excel shows after a command: ``ok`` (success or failure), the Italian
    ``message`` and the renderer's result (``None`` on failure)."""

    ok: bool
    message: str
    result: Any = None
    findings: int = 0  # findings written on «Validazione» by a refusal


def run_command(book: Any, name: str, args: list[Any] | None = None,
                ctx: ExcelContext | None = None) -> Outcome:
    """Run the ribbon command ``name`` on ``book``; never raises ``AlberoError``."""
    ctx = ctx or ExcelContext()
    try:
        cmd = excel_command(name)
    except AlberoError as exc:
        return Outcome(False, str(exc))
    try:
        kwargs = coerce_args(cmd, list(args or []))
    except AlberoError as exc:
        return Outcome(False, f"{cmd.label}: {exc}")
    try:
        result = resolve(cmd.excel_entry)(book, ctx, **kwargs)  # type: ignore[arg-type]
    except AlberoError as exc:
        shown = 0
        findings = getattr(exc, "findings", None)
        if findings is not None and len(findings):
            from xl_albero.excel.valida import write_findings

            write_findings(book, findings)
            shown = len(findings)
        return Outcome(False, outcome.error_text(exc, cmd, findings_shown=bool(shown)),
                       findings=shown)
    return Outcome(True, outcome.message(name, result), result)
