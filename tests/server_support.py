"""Start a real ``albero server`` on 127.0.0.1 for the add-in tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "albero_2025.xlsx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(tmp: Path, **env: str) -> Iterator[str]:
    """Yield the base URL of an ``albero server`` subprocess; stop it afterwards."""
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "XLWINGS_ON_SERVER": "true",
                "XLWINGS_LICENSE_KEY": "noncommercial", "ALBERO_SERVER_DOWNLOADS": str(tmp),
                "XLWINGS_LOG_LEVEL": "WARNING", **env}
    full_env.pop("ALBERO_SERVER_TOKEN", None) if "ALBERO_SERVER_TOKEN" not in env else None
    log = (tmp / f"server-{port}.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "xl_albero", "server", "--host",
                             "127.0.0.1", "--port", str(port)], cwd=tmp, env=full_env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited: " + (tmp / f"server-{port}.log").read_text())
            try:
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready: " + (tmp / f"server-{port}.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def call(url: str, script: str, payload: dict, token: str | None = None,
         timeout: float = 60) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = token
        headers["Auth-Provider"] = "token"
    return httpx.post(f"{url}/xlwings/custom-scripts-call/{script}", json=payload,
                      headers=headers, timeout=timeout)
