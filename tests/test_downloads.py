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


def test_download_folder_is_private_and_not_the_shared_temp(tmp_path, monkeypatch):
    import stat
    import tempfile

    monkeypatch.delenv("ALBERO_SERVER_DOWNLOADS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    f = downloads.folder()
    assert not str(f).startswith(tempfile.gettempdir() + "/xl-albero")
    assert f == tmp_path / "cache" / "xl-albero" / "scarica"
    assert stat.S_IMODE(f.stat().st_mode) == 0o700
    f.chmod(0o755)  # an old, world-readable folder of ours is closed again
    downloads.folder()
    assert stat.S_IMODE(f.stat().st_mode) == 0o700
    key = f / ".chiave"
    downloads.sign("x", 1)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    loose = f / "aaaaaaaaaaaaaaaaaaaaaa--x.xlsx"
    loose.write_bytes(b"x")
    loose.chmod(0o644)
    downloads.tighten()
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600


def test_links_are_signed_and_expire(tmp_path, monkeypatch):
    from urllib.parse import parse_qs, urlsplit

    monkeypatch.setenv("ALBERO_SERVER_DOWNLOADS", str(tmp_path))
    monkeypatch.setenv("ALBERO_SERVER_DOWNLOAD_HOURS", "2")
    p = downloads.new_path("Albero 2026.xlsx")
    p.write_bytes(b"x")
    url = downloads.public_url(p, now=1_000_000)
    q = parse_qs(urlsplit(url).query)
    scade, firma = q["scade"][0], q["firma"][0]
    assert int(scade) == 1_000_000 + 7200
    assert downloads.check_link(p.name, scade, firma, now=1_000_001) is None
    assert downloads.check_link(p.name, scade, firma, now=1_007_201) == "scaduto"
    assert downloads.check_link(p.name, str(int(scade) + 1), firma, now=1_000_001) == "firma"
    assert downloads.check_link("altro--x.xlsx", scade, firma, now=1_000_001) == "firma"
    assert downloads.check_link(p.name, None, None) == "firma"
    assert downloads.check_link(p.name, "-1", firma) == "firma"
    # expired files are deleted when the next one is made, and not found any more
    import os
    import time

    old = time.time() - 3 * 3600
    os.utime(p, (old, old))
    assert downloads.find(p.name) is None and not p.exists()
    q2 = downloads.new_path("b.xlsx")
    q2.write_bytes(b"y")
    os.utime(q2, (old, old))
    downloads.new_path("c.xlsx")
    assert not q2.exists()
