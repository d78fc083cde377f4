"""One way to name things on the command line: ``-o`` for every output (folders too),
``.xlsx`` added when missing, a suggestion for a mistyped option, Italian help and
placeholders, the refusal reason last, a quiet end when the output goes to ``head``,
progress bars on a terminal."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from contextlib import redirect_stderr
from pathlib import Path

import pandas as pd
import pytest

from tests.sector_fixtures import run_cli, small_tree, tree_file
from xl_albero import columns as C
from xl_albero.cli import build_parser
from xl_albero.commands import COMMANDS
from xl_albero.model import Tree

ENV = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}


def _run(*argv: str) -> tuple[int, str, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        try:
            code = run_cli(*argv)[0]
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, "", err.getvalue()


def _tree_with_errors(tmp_path: Path) -> Path:
    tree = small_tree()
    data = tree.data.copy()
    data.loc[[0, 3], C.RESPONSABILE] = "SETTORE CHE NON ESISTE"
    return tree_file(tmp_path / "errori.xlsx", Tree(data=data, sectors=tree.sectors,
                                                     registry_declared=True))


def test_every_output_is_named_with_dash_o(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    assert run_cli("esporta", src, "-o", tmp_path / "dir")[0] == 0
    assert (tmp_path / "dir" / "TECNICO_2025.xlsx").exists()
    assert run_cli("esporta", src, "--cartella", tmp_path / "dir2")[0] == 0  # the alias
    assert (tmp_path / "dir2" / "TECNICO_2025.xlsx").exists()
    assert run_cli("valida", src, "-o", tmp_path / "rilievi.xlsx")[0] == 0
    assert (tmp_path / "rilievi.xlsx").exists()
    parser = build_parser()
    for cmd in COMMANDS:
        sub = parser._subparsers._group_actions[0].choices[cmd.cli]  # noqa: SLF001
        outputs = [o for o in cmd.options if o.name in ("output", "cartella", "report")]
        for opt in outputs:
            assert "-o" in opt.flags, (cmd.cli, opt.name)
        flags = [s for a in sub._actions for s in a.option_strings]  # noqa: SLF001
        assert flags.count("-o") <= 1


@pytest.mark.parametrize("cmd", ["settori", "riepilogo", "nuovo-ciclo"])
def test_xlsx_is_added_when_the_name_has_none(tmp_path, cmd):
    src = tree_file(tmp_path / "albero.xlsx")
    extra = ["--anno", "2026", "--estendi-periodo", "2026-2027"] if cmd == "nuovo-ciclo" else []
    code, out, err = run_cli(cmd, src, "-o", tmp_path / "uscita", *extra)
    assert code == 0, err
    assert (tmp_path / "uscita.xlsx").exists() and not (tmp_path / "uscita").exists()
    assert "uscita.xlsx" in out


def test_a_name_with_an_extension_is_kept_as_typed(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    assert run_cli("riepilogo", src, "-o", tmp_path / "R.XLSX")[0] == 0
    assert (tmp_path / "R.XLSX").exists() and not (tmp_path / "R.XLSX.xlsx").exists()
    # an existing path is judged as typed (here: a folder, refused)
    (tmp_path / "cartella").mkdir()
    code, _, err = run_cli("riepilogo", src, "-o", tmp_path / "cartella")
    assert code == 2 and not (tmp_path / "cartella.xlsx").exists(), err


@pytest.mark.parametrize("argv,name,want", [
    (["relazione", "a.xlsx", "-o", "relazione_2025"], "output", "relazione_2025.docx"),
    (["relazione", "a.xlsx", "-o", "r.DOCX"], "output", "r.DOCX"),
    (["relazione", "a.xlsx", "-o", "r.xlsx"], "output", "r.xlsx"),  # refused later
    (["settori", "a.xlsx", "-o", "s.xlsm"], "output", "s.xlsm"),
    (["valida", "a.xlsx", "-o", "rilievi"], "report", "rilievi.xlsx"),
])
def test_each_output_gets_its_own_extension(argv, name, want):
    from xl_albero.cli import with_suffixes

    args = build_parser().parse_args(argv)
    assert getattr(with_suffixes(args, args._command), name) == want


def test_report_gets_xlsx_too(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    assert run_cli("valida", src, "--report", tmp_path / "rilievi")[0] == 0
    assert (tmp_path / "rilievi.xlsx").exists()


@pytest.mark.parametrize("typed,meant", [
    ("--force", "--forza"), ("--overwrite", "--sovrascrivi"), ("--sovrascivi", "--sovrascrivi"),
    ("--cartela", "--cartella"), ("--sheet", "--foglio"),
])
def test_a_mistyped_option_gets_a_suggestion(typed, meant):
    code, _, err = _run("esporta", "a.xlsx", "-o", "dir", typed)
    assert code == 2
    assert f"argomenti non riconosciuti: {typed}. Forse si intendeva «{meant}»" in err
    assert err.startswith("uso: albero esporta")


def test_no_suggestion_when_nothing_is_close():
    code, _, err = _run("valida", "a.xlsx", "--zzzzzz")
    assert code == 2 and "argomenti non riconosciuti: --zzzzzz\n" in err
    assert "Forse" not in err


def test_help_speaks_correct_italian():
    parser = build_parser()
    texts = []
    for cmd in COMMANDS:
        sub = parser._subparsers._group_actions[0].choices[cmd.cli]  # noqa: SLF001
        texts.append(sub.format_help())
    text = "\n".join(texts)
    assert "ed elenca" in text and " e elenca" not in text
    for placeholder in ("ESTENDI_PERIODO", "HOST", "PORT ", "FOGLIO", "OUTPUT", "REPORT"):
        assert placeholder not in text, placeholder
    riepilogo = next(t for t in texts if t.startswith("uso: albero riepilogo"))
    flat = " ".join(riepilogo.split())
    for what in ("Giunta", "area e settore", "pluriennale", "grafico",
                 "albero completo resta in un foglio nascosto"):
        assert what in flat, what


def test_a_refused_tree_ends_with_the_reason_and_the_count(tmp_path):
    src = _tree_with_errors(tmp_path)
    code, _, err = run_cli("settori", src, "-o", tmp_path / "out.xlsx")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("albero settori: L'albero ha 2 errori"), last
    assert "SETTORE_SCONOSCIUTO" in err  # the errors are listed before it
    assert "avviso" not in err.split(last)[0]  # only the errori that block
    assert not (tmp_path / "out.xlsx").exists()


def test_output_piped_to_head_ends_quietly_with_the_exit_code_of_the_work(tmp_path):
    src = _tree_with_errors(tmp_path)
    big = small_tree()
    rows = pd.concat([big.data] * 300, ignore_index=True)
    rows[C.OPERATIVO] = [f"Obiettivo {i}" for i in range(len(rows))]
    rows[C.RESPONSABILE] = "SETTORE CHE NON ESISTE"
    src = tree_file(tmp_path / "molti.xlsx", Tree(data=rows, sectors=big.sectors,
                                                  registry_declared=True))
    report = tmp_path / "rilievi.xlsx"
    proc = subprocess.run(
        f"{sys.executable} -m xl_albero valida '{src}' -o '{report}' | head -2; "
        "exit ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", capture_output=True,
        text=True, env=ENV, timeout=300)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    assert proc.returncode == 1  # the tree has errori: the work's code, not the pipe's
    assert report.exists()  # the work was finished


def _on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run ``albero ARGV`` with standard error on a pseudo-terminal: (exit code, what the
    terminal showed)."""
    code = (f"import sys; from xl_albero.cli import run; sys.argv = ['albero', *{argv!r}]; "
            "raise SystemExit(run())")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=slave, env=ENV)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    code, shown = _on_a_terminal(["esporta", str(src), "-o", str(tmp_path / "d")])
    assert code == 0
    assert "Cartelle per settore" in shown and "settore" in shown
    # not on a pipe
    piped = subprocess.run([sys.executable, "-m", "xl_albero", "esporta", str(src), "-o",
                            str(tmp_path / "e")], capture_output=True, text=True, env=ENV)
    assert piped.returncode == 0 and "Cartelle per settore" not in piped.stderr


def test_a_status_line_while_a_tree_is_read_and_checked(tmp_path):
    src = tree_file(tmp_path / "albero.xlsx")
    code, shown = _on_a_terminal(["valida", str(src)])
    assert code == 0
    assert "albero valida: lettura ed elaborazione" in shown
    piped = subprocess.run([sys.executable, "-m", "xl_albero", "valida", str(src)],
                           capture_output=True, text=True, env=ENV)
    assert piped.returncode == 0 and "lettura ed elaborazione" not in piped.stderr
    assert "nessun errore" in piped.stdout
