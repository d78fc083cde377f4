"""Operating-system errors reach users in Italian."""

from __future__ import annotations

import errno

import pytest

from xl_albero.errors import os_reason


@pytest.mark.parametrize("code,words", [
    (errno.EACCES, "permessi insufficienti"), (errno.ENOSPC, "spazio su disco esaurito"),
    (errno.ENOENT, "file o cartella inesistente"), (errno.EROFS, "sola lettura"),
    (errno.ECONNREFUSED, "connessione rifiutata"),
])
def test_os_errors_in_italian(code, words):
    reason = os_reason(OSError(code, "English text"))
    assert reason == words or words in reason
    assert "English" not in reason


def test_unknown_errno_still_says_something():
    assert os_reason(OSError(errno.EIO, "I/O error")) == "errore di sistema EIO"
    assert os_reason(OSError("senza codice")) == "senza codice"


def test_openpyxl_warnings_are_said_in_italian():
    from xl_albero.io.sector_sheets import _italian_warning

    note = _italian_warning("Data Validation extension is not supported and will be removed")
    assert "convalide dei dati" in note and "originale resta intatto" in note
    assert "not supported" not in note
    assert "elemento non supportato" in _italian_warning("Something else entirely")
