"""xlwings Server scripts, generated from the command registry (one per ribbon command).

Each script takes the book plus the command's Excel options and calls the same
dispatcher (``xl_albero.server.scripts.run``) as ``albero server``'s own route, so a
command is defined once, in ``xl_albero.commands``.
"""

from __future__ import annotations

import inspect

import xlwings as xw
from xlwings.server import script

from xl_albero.server import scripts as _scripts
from xl_albero.server.ribbon import buttons

_TYPES = {"int": int, "flag": bool, "str": str, "path": str}


def _make(name: str):
    button = next(b for b in buttons() if b.script == name)
    params = [inspect.Parameter("book", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=xw.Book)]
    annotations = {"book": xw.Book}
    for opt in button.options:
        params.append(inspect.Parameter(opt.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=opt.default, annotation=_TYPES[opt.kind]))
        annotations[opt.name] = _TYPES[opt.kind]

    def wrapper(book, *args):
        out = _scripts.run(name, book, list(args))
        book.app.alert(out.message, title="Albero Performance", buttons="ok",
                       mode="info" if out.ok else "critical")

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = button.tooltip
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = annotations
    return script(wrapper)


for _button in buttons():
    globals()[_button.script] = _make(_button.script)
