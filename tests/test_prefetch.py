"""Reading ahead (``io.file_source.prefetch``): the tree sheet is read while the program
loads, and the command sees exactly what it would have read itself."""

from __future__ import annotations

import gc
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.test_cli_valida import SAMPLE, SAMPLE_PDF, run
from xl_albero.io import file_source as fs
from xl_albero.io.file_source import FileSource, discard_prefetched, prefetch
from xl_albero.sheet_parser import tree_from_source


@pytest.fixture(autouse=True)
def _nothing_left_behind():
    yield
    discard_prefetched()
    assert not fs._prefetched
    assert gc.isenabled()  # the reader's pause of the collector was undone


def _read(path: Path):
    with FileSource(path) as src:
        return tree_from_source(src)


@pytest.mark.parametrize("workbook", [SAMPLE, SAMPLE_PDF])
def test_read_ahead_gives_the_same_tree(workbook):
    plain = _read(workbook)
    prefetch(workbook)
    with FileSource(workbook) as src:
        assert src._ready, "the tree sheet was read ahead"
        early = tree_from_source(src)
        assert not src._ready, "each sheet read ahead is handed out once"
    assert early.sheet == plain.sheet and early.rows == plain.rows
    assert early.data.equals(plain.data)
    assert early.sectors.equals(plain.sectors)
    assert early.read_findings.equals(plain.read_findings)
    assert early.formulas == plain.formulas


def test_a_file_saved_again_meanwhile_is_read_afresh(tmp_path):
    path = tmp_path / "albero.xlsx"
    shutil.copy(SAMPLE, path)
    prefetch(path)
    fs._prefetched[path.resolve()][0].join()
    shutil.copy(SAMPLE_PDF, path)  # the user saved another version over it
    os.utime(path, ns=(1, 1))
    with FileSource(path) as src:
        assert not src._ready
        tree = tree_from_source(src)
    assert tree.data.equals(_read(SAMPLE_PDF).data)


def test_the_sheet_asked_for_is_the_one_read_ahead():
    prefetch(SAMPLE, "Settori")
    with FileSource(SAMPLE) as src:
        assert set(src._ready) == {("Settori", True)}


def test_a_bad_file_is_reported_by_the_command_as_usual(tmp_path):
    bad = tmp_path / "rotto.xlsx"
    bad.write_bytes(b"PK\x03\x04 non uno zip")
    code, out, err = run("valida", str(bad))
    assert code == 2 and "rotto.xlsx" in err and not out
    assert "Traceback" not in err


def test_a_missing_sheet_is_reported_by_the_command_as_usual():
    code, _, err = run("valida", "--foglio", "Nessuno", str(SAMPLE))
    assert code == 2 and "Il foglio «Nessuno» non esiste" in err


def test_valida_reads_ahead_and_reports_the_same(monkeypatch):
    taken: list[bool] = []
    orig = fs._take_prefetched

    def spy(p):
        got = orig(p)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(fs, "_take_prefetched", spy)
    code, out, _ = run("valida", "--json", str(SAMPLE_PDF))
    assert taken == [True]
    monkeypatch.setattr(fs, "prefetch", lambda *a, **k: None)  # as before reading ahead
    code2, plain, _ = run("valida", "--json", str(SAMPLE_PDF))
    assert taken == [True, False]
    assert json.loads(out) == json.loads(plain) and code == code2


def test_a_command_that_ends_early_closes_what_was_read_ahead(tmp_path):
    # an output that may not be written ends the command before the tree is opened
    code, _, err = run("settori", str(SAMPLE), "-o", str(SAMPLE))
    assert code == 2
    assert not fs._prefetched
    assert not [t for t in threading.enumerate() if t.name == "albero-prefetch"]


def test_raccogli_does_not_read_ahead(tmp_path, monkeypatch):
    calls: list[object] = []
    monkeypatch.setattr(fs, "prefetch", lambda *a, **k: calls.append(a))
    run("raccogli", str(SAMPLE), str(tmp_path), "-o", str(tmp_path / "out.xlsx"),
        "--rilevazione", "30/06")
    assert calls == []


def test_the_collector_resumes_frozen_only_for_a_process_that_ends_with_the_command():
    """``albero`` (``cli.run``) asks for freezing; the library and in-process callers
    (tests, the server's workers) keep the collector as it was."""
    before = gc.get_freeze_count()
    with FileSource(SAMPLE) as src:
        tree_from_source(src)
    assert gc.get_freeze_count() == before and gc.isenabled()
    fs.freeze_when_resumed()
    try:
        with FileSource(SAMPLE) as src:
            tree_from_source(src)
        assert gc.get_freeze_count() > before and gc.isenabled()
    finally:
        fs._gc_state["freeze"] = False
        gc.unfreeze()


def test_a_big_sheet_gives_back_the_memory_its_reader_freed(monkeypatch):
    calls = []
    monkeypatch.setattr(fs, "release_freed_memory", lambda: calls.append(1))
    with FileSource(SAMPLE) as src:
        tree_from_source(src)
    assert not calls  # a small sheet: not worth the call
    monkeypatch.setattr(fs, "TRIM_CELLS", 1)
    with FileSource(SAMPLE) as src:
        plain = tree_from_source(src)
    assert calls == [1]  # once, for the tree sheet (the registry is read without its scan)
    assert plain.data.equals(_read(SAMPLE).data)
    monkeypatch.undo()
    fs.release_freed_memory()  # glibc here; a no-op where there is no malloc_trim
