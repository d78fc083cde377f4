"""Where generated workbooks go: the server's download folder, or beside the user's file."""

from __future__ import annotations

from xl_albero.server import downloads


def test_desktop_writes_beside_the_workbook_without_overwriting(tmp_path):
    (tmp_path / "Albero 2026.xlsx").write_bytes(b"mine")
    token = downloads.LOCAL_FOLDER.set(tmp_path)
    try:
        p = downloads.new_path("Albero 2026.xlsx")
        assert p.parent == tmp_path and p.name == "Albero 2026 (2).xlsx"
        assert downloads.public_url(p).startswith("file://")
        assert downloads.display_name(p) == "Albero 2026 (2).xlsx"
    finally:
        downloads.LOCAL_FOLDER.reset(token)
    assert (tmp_path / "Albero 2026.xlsx").read_bytes() == b"mine"


def test_server_names_cannot_be_guessed(tmp_path, monkeypatch):
    monkeypatch.setenv("ALBERO_SERVER_DOWNLOADS", str(tmp_path))
    a, b = downloads.new_path("x.xlsx"), downloads.new_path("x.xlsx")
    assert a != b and a.parent == tmp_path and downloads.display_name(a) == "x.xlsx"
    assert downloads.find("../etc/passwd") is None
