"""Outputs never lose data: inputs protected (path, symlink, hard link), only regular files
replaced, exclusive creation, signals and disk faults clean up (``io.atomic``).

Every refusal asserts: exit code 2, no traceback, an Italian message naming the file, no
output or temporary file left, the source bytes unchanged.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import trees
from tests.sector_fixtures import SECTORS, run_cli, small_tree, tree_file
from xl_albero.errors import OutputError
from xl_albero.io import atomic

FULL = [s if s[3] else (s[0], s[1], "Avv. Gialli", "avvocatura@comune.example.it")
        for s in SECTORS]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def mail_env(monkeypatch):
    for var in ("ALBERO_CONFIG", "ALBERO_MODELLO", "ALBERO_SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ALBERO_MITTENTE", "programmazione@comune.example.it")


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_refused(code: int, err: str, *, name: str, src: Path, src_bytes: bytes,
                   folder: Path, before: set[str], words: tuple[str, ...] = ()) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert name in err, err
    for w in words:
        assert w in err, err
    assert listing(folder) == before, "an output or temporary file was left behind"
    assert src.read_bytes() == src_bytes


def _src(tmp_path: Path, name: str = "albero.xlsx") -> tuple[Path, bytes]:
    src = tree_file(tmp_path / name, small_tree(FULL))
    return src, src.read_bytes()


# -- outputs against inputs -----------------------------------------------------------------
@pytest.mark.parametrize("overwrite", [False, True])
def test_esporta_refuses_the_tree_named_like_a_sector_file_in_its_own_folder(tmp_path,
                                                                            overwrite):
    src, data = _src(tmp_path, "TECNICO_2025.xlsx")
    before = listing(tmp_path)
    code, _out, err = run_cli("esporta", src, "--cartella", tmp_path,
                              *(["--sovrascrivi"] if overwrite else []))
    assert_refused(code, err, name="TECNICO_2025.xlsx", src=src, src_bytes=data,
                   folder=tmp_path, before=before, words=("coincide con il file di partenza",))


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_esporta_refuses_a_link_to_the_tree_among_its_outputs(tmp_path, kind):
    src, data = _src(tmp_path)
    out = tmp_path / "uscita"
    out.mkdir()
    link = out / "ECOFIN_2025.xlsx"
    (os.symlink if kind == "symlink" else os.link)(src, link)
    before = listing(tmp_path)
    code, _o, err = run_cli("esporta", src, "--cartella", out, "--sovrascrivi")
    assert_refused(code, err, name="ECOFIN_2025.xlsx", src=src, src_bytes=data,
                   folder=tmp_path, before=before)


def test_invia_refuses_an_attachment_that_is_the_tree(tmp_path, mail_env):
    src, data = _src(tmp_path)
    folder = tmp_path / "invio"
    (folder / "allegati").mkdir(parents=True)
    os.link(src, folder / "allegati" / "CITTA_2025.xlsx")
    before = listing(tmp_path)
    code, _o, err = run_cli("invia", src, "--cartella", folder)
    assert_refused(code, err, name="CITTA_2025.xlsx", src=src, src_bytes=data,
                   folder=tmp_path, before=before)


def test_invia_with_the_tree_folder_as_its_folder_keeps_the_tree(tmp_path, mail_env):
    """The tree inside ``allegati`` of the folder given: refused, nothing written."""
    (tmp_path / "allegati").mkdir()
    src, data = _src(tmp_path / "allegati", "POLIZIA_2025.xlsx")
    before = listing(tmp_path)
    code, _o, err = run_cli("invia", src, "--cartella", tmp_path)
    assert_refused(code, err, name="POLIZIA_2025.xlsx", src=src, src_bytes=data,
                   folder=tmp_path, before=before)


@pytest.mark.parametrize("command", ["settori", "riepilogo", "importa", "nuovo-ciclo",
                                     "valida"])
@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_single_outputs_refuse_links_to_the_tree(tmp_path, command, kind):
    src, data = _src(tmp_path)
    link = tmp_path / "uscita.xlsx"
    (os.symlink if kind == "symlink" else os.link)(src, link)
    before = listing(tmp_path)
    flag = "--report" if command == "valida" else "-o"
    extra = ["--anno", "2026"] if command == "nuovo-ciclo" else []
    code, _o, err = run_cli(command, src, flag, link, "--sovrascrivi", *extra)
    assert_refused(code, err, name="uscita.xlsx", src=src, src_bytes=data, folder=tmp_path,
                   before=before, words=("coincide con il file di partenza",))


def test_report_may_not_replace_the_schema_file(tmp_path):
    src, _ = _src(tmp_path)
    schema = tmp_path / "schema.yaml"
    schema.write_bytes((ROOT / "schemas" / "albero.yaml").read_bytes())
    schema_bytes = schema.read_bytes()
    before = listing(tmp_path)
    code, _o, err = run_cli("valida", src, "--schema", schema, "--report", schema,
                            "--sovrascrivi")
    assert_refused(code, err, name="schema.yaml", src=schema, src_bytes=schema_bytes,
                   folder=tmp_path, before=before)


# -- only regular files are replaced ---------------------------------------------------------
def _fifo(tmp_path: Path) -> Path:
    p = tmp_path / "tubo.xlsx"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("target", ["/dev/null", "/dev/full", "fifo", "folder"])
@pytest.mark.parametrize("command", ["valida", "riepilogo"])
def test_overwrite_never_replaces_a_device_pipe_or_folder(tmp_path, target, command):
    src, data = _src(tmp_path)
    if target == "fifo":
        path = _fifo(tmp_path)
    elif target == "folder":
        path = tmp_path / "cartella.xlsx"
        path.mkdir()
    else:
        path = Path(target)
    mode = os.stat(path).st_mode
    before = listing(tmp_path)
    flag = "--report" if command == "valida" else "-o"
    code, _o, err = run_cli(command, src, flag, path, "--sovrascrivi")
    assert_refused(code, err, name=path.name, src=src, src_bytes=data, folder=tmp_path,
                   before=before)
    assert os.stat(path).st_mode == mode  # still the device / pipe / folder


def test_esporta_never_replaces_a_device_in_the_folder(tmp_path):
    src, data = _src(tmp_path)
    out = tmp_path / "uscita"
    out.mkdir()
    os.mkfifo(out / "TECNICO_2025.xlsx")
    before = listing(tmp_path)
    code, _o, err = run_cli("esporta", src, "--cartella", out, "--sovrascrivi")
    assert_refused(code, err, name="TECNICO_2025.xlsx", src=src, src_bytes=data,
                   folder=tmp_path, before=before, words=("non è un file normale",))
    assert stat.S_ISFIFO(os.lstat(out / "TECNICO_2025.xlsx").st_mode)


# -- exclusive creation ------------------------------------------------------------------
def test_an_output_created_meanwhile_by_another_run_is_not_replaced(tmp_path):
    target = tmp_path / "riepilogo.xlsx"
    with atomic.input_scope():
        atomic.check_output(target, overwrite=False)

        def write(tmp: Path) -> None:
            tmp.write_bytes(b"mine")
            target.write_bytes(b"the other run")  # the other run publishes first

        with pytest.raises(OutputError, match="riepilogo.xlsx"):
            atomic.write_atomic(target, write)
    assert target.read_bytes() == b"the other run"
    assert listing(tmp_path) == {"riepilogo.xlsx"}


def test_with_overwrite_the_last_run_replaces(tmp_path):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")
    with atomic.input_scope():
        atomic.check_output(target, overwrite=True)
        atomic.write_atomic(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"new"


def _cli(*argv, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-m", "xl_albero", *map(str, argv)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def test_two_runs_at_once_one_is_refused(tmp_path):
    src = trees.write(tmp_path / "albero.xlsx", trees.frame(600))
    out = tmp_path / "riepilogo.xlsx"
    runs = [_cli("riepilogo", src, "-o", out, "--forza") for _ in range(2)]
    results = [(p.wait(120), p.stderr.read()) for p in runs]
    codes = sorted(c for c, _ in results)
    assert codes == [0, 2], results
    err = next(e for c, e in results if c == 2)
    assert "riepilogo.xlsx" in err and "Traceback" not in err
    assert listing(tmp_path) == {"albero.xlsx", "riepilogo.xlsx"}


# -- signals -------------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_esporta_killed_by_a_signal_leaves_no_temporary_folder(tmp_path, signum):
    src = trees.write(tmp_path / "albero.xlsx", trees.frame(6000))
    data = src.read_bytes()
    out = tmp_path / "uscita"
    out.mkdir()
    proc = _cli("esporta", src, "--cartella", out, "--forza")
    deadline = time.monotonic() + 120
    while not list(out.glob(".albero-esporta-*")):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signum)
    code = proc.wait(60)
    err = proc.stderr.read()
    assert code == 128 + signum, err
    assert "Traceback" not in err and "interrotto" in err
    assert listing(out) == set()
    assert src.read_bytes() == data


def test_riepilogo_killed_while_writing_leaves_no_temporary_file(tmp_path):
    src = trees.write(tmp_path / "albero.xlsx", trees.frame(20000))
    proc = _cli("riepilogo", src, "-o", tmp_path / "r.xlsx", "--forza")
    deadline = time.monotonic() + 180
    while not list(tmp_path.glob(".r.*")):
        if proc.poll() is not None:
            pytest.fail(f"finished before the temporary file was seen: {proc.stderr.read()}")
        assert time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(60)
    assert code == 128 + signal.SIGTERM, proc.stderr.read()
    assert listing(tmp_path) == {"albero.xlsx"}


# -- disk faults: EFBIG (file size limit) and ENOSPC (a tiny tmpfs) -------------------------
COMMANDS = {
    "settori": lambda src, out: ("settori", src, "-o", out / "s.xlsx"),
    "riepilogo": lambda src, out: ("riepilogo", src, "-o", out / "r.xlsx"),
    "nuovo-ciclo": lambda src, out: ("nuovo-ciclo", src, "--anno", "2026", "-o",
                                     out / "n.xlsx"),
    "esporta": lambda src, out: ("esporta", src, "--cartella", out / "settori"),
    "invia": lambda src, out: ("invia", src, "--cartella", out / "invio"),
}


def _limit_fsize(limit: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_file_too_large_is_a_message(tmp_path, command):
    src, data = _src(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    env = {"ALBERO_MITTENTE": "programmazione@comune.example.it"}
    with contextlib.ExitStack():
        proc = subprocess.Popen(
            [sys.executable, "-m", "xl_albero", *map(str, COMMANDS[command](src, out))],
            cwd=ROOT, env={**os.environ, **env, "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_limit_fsize(3000))
        _o, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert "file troppo grande" in err, err
    assert not [p for p in out.rglob("*") if p.is_file()], listing(out)
    assert src.read_bytes() == data


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KB tmpfs, almost full (a real ENOSPC); skipped where mounting is not allowed."""
    mnt = tmp_path / "disco"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        filler = mnt / "riempitivo"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)
        with open(filler, "r+b") as fh:  # leave 4 KB free: directories and a few bytes fit
            fh.truncate(os.path.getsize(filler) - 4096)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_disk_full_is_a_message(tmp_path, tiny_disk, command, mail_env):
    src, data = _src(tmp_path)
    before = listing(tiny_disk)
    code, _o, err = run_cli(*COMMANDS[command](src, tiny_disk))
    assert code == 2, err
    assert "Traceback" not in err
    assert "spazio su disco esaurito" in err, err
    assert not [p for p in tiny_disk.rglob("*") if p.is_file() and p.name != "riempitivo"]
    assert {p for p in listing(tiny_disk) if "/" not in p} <= before | {"settori", "invio"}
    assert src.read_bytes() == data


# -- names and folders -------------------------------------------------------------------
def test_an_output_name_too_long_for_the_disk(tmp_path):
    src, data = _src(tmp_path)
    before = listing(tmp_path)
    code, _o, err = run_cli("riepilogo", src, "-o", tmp_path / ("r" * 300 + ".xlsx"))
    assert_refused(code, err, name="rrrr", src=src, src_bytes=data, folder=tmp_path,
                   before=before, words=("troppo lungo",))


def test_a_folder_name_too_long_for_the_disk(tmp_path):
    src, data = _src(tmp_path)
    before = listing(tmp_path)
    code, _o, err = run_cli("esporta", src, "--cartella", tmp_path / ("c" * 300))
    assert_refused(code, err, name="cccc", src=src, src_bytes=data, folder=tmp_path,
                   before=before, words=("troppo lungo",))


@pytest.mark.parametrize("command", ["esporta", "invia"])
@pytest.mark.parametrize("sub", ["", "sotto"])
def test_cartella_pointing_at_a_file(tmp_path, command, sub, mail_env):
    src, data = _src(tmp_path)
    a_file = tmp_path / "note.txt"
    a_file.write_text("appunti")
    before = listing(tmp_path)
    code, _o, err = run_cli(command, src, "--cartella", a_file / sub if sub else a_file)
    assert_refused(code, err, name="note.txt", src=src, src_bytes=data, folder=tmp_path,
                   before=before)
    assert a_file.read_text() == "appunti"


@pytest.mark.parametrize("year", ["10000", "20266", "99999"])
def test_nuovo_ciclo_year_beyond_9999(tmp_path, year):
    src, data = _src(tmp_path)
    before = listing(tmp_path)
    code, _o, err = run_cli("nuovo-ciclo", src, "--anno", year, "-o", tmp_path / "n.xlsx")
    assert_refused(code, err, name=year, src=src, src_bytes=data, folder=tmp_path,
                   before=before, words=("non è valido",))


# -- umask ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mask", [0o077, 0o002])
def test_outputs_follow_the_umask(tmp_path, mask):
    src, _ = _src(tmp_path)
    old = os.umask(mask)
    try:
        assert run_cli("riepilogo", src, "-o", tmp_path / "r.xlsx")[0] == 0
        assert run_cli("esporta", src, "--cartella", tmp_path / "s")[0] == 0
    finally:
        os.umask(old)
    want = 0o666 & ~mask
    assert stat.S_IMODE(os.stat(tmp_path / "r.xlsx").st_mode) == want
    for p in (tmp_path / "s").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == want, p


# -- the send log -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_send_log_never_appends_to_an_input_or_a_device(tmp_path, kind):
    from xl_albero.mail.sendlog import LogEntry, SendLog, SendLogError

    src, data = _src(tmp_path)
    log = tmp_path / "registro_invii.csv"
    if kind == "fifo":
        os.mkfifo(log)
    else:
        (os.symlink if kind == "symlink" else os.link)(src, log)
    with atomic.input_scope():
        atomic.register_input(src)
        with pytest.raises(SendLogError, match="registro_invii.csv"):
            SendLog(log).append(LogEntry("TECNICO", "TEC", ("a@b.it",), "inviato"))
    assert src.read_bytes() == data
