"""The command line speaks Italian: help, usage and argument errors (exit 2)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from xl_albero.cli import main
from xl_albero.commands import COMMANDS


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("cmd", [c.cli for c in COMMANDS])
def test_every_command_has_italian_help(cmd):
    code, out, _ = _run([cmd, "--help"])
    assert code == 0
    assert out.startswith("uso: albero " + cmd)
    assert "opzioni:" in out and "mostra questo aiuto ed esce" in out
    for english in ("usage:", "show this help", "positional arguments", "options:"):
        assert english not in out


@pytest.mark.parametrize("argv,words", [
    (["valida"], "mancano gli argomenti obbligatori: FILE"),
    (["nuovo-ciclo", "a.xlsx", "--anno", "due", "-o", "b.xlsx"],
     "argomento --anno: serve un numero intero, non 'due'"),
    (["nonesiste"], "argomento COMANDO: scelta non valida 'nonesiste'"),
    (["valida", "a.xlsx", "--boh"], "argomenti non riconosciuti: --boh"),
])
def test_argument_errors_are_italian_with_exit_2(argv, words):
    code, _, err = _run(argv)
    assert code == 2
    assert f"albero: errore negli argomenti: {words}" in err
    assert err.startswith("uso: albero")
