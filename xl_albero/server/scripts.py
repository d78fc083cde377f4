"""Ribbon scripts: one per ribbon command of the registry, dispatched to its Excel adapter.

The arguments are the command's ``excel=True`` options, positionally (as the task pane
and ribbon JavaScript send them in ``args``) or as one JSON object.
"""

from __future__ import annotations

import math
from typing import Any

from xl_albero.commands import BY_NAME, Command, Option, resolve, ribbon_commands
from xl_albero.server.ribbon import excel_options


class UnknownScript(LookupError):
    def __init__(self, name: str) -> None:
        names = ", ".join(c.name for c in ribbon_commands())
        super().__init__(f"Comando «{name}» sconosciuto. Comandi disponibili: {names}.")


class BadArguments(ValueError):
    """Arguments that do not fit the command's options (Italian message)."""


def command(name: str) -> Command:
    cmd = BY_NAME.get(name)
    if cmd is None or not cmd.ribbon or not cmd.excel_entry:
        raise UnknownScript(name)
    return cmd


def _coerce(opt: Option, value: Any) -> Any:
    if value is None or value == "":
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
    """Map ``args`` (positional list, or ``[{name: value}]``) to adapter keyword args."""
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


def run(name: str, book: Any, args: list[Any] | None = None) -> Any:
    """Run the ribbon command ``name`` on ``book`` (an xlwings Book)."""
    cmd = command(name)
    kwargs = coerce_args(cmd, list(args or []))
    return resolve(cmd.excel_entry)(book, **kwargs)  # type: ignore[arg-type]
