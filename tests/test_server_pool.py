"""The worker pool of the add-in server: lanes, bounded queue, inline mode."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from xl_albero.server.pool import Busy, WorkerPool


def test_full_lane_is_busy_at_once_and_small_requests_use_idle_big_workers():
    pool = WorkerPool(workers=2, queue=0, small_request_kb=1)

    async def scenario():
        slow = asyncio.create_task(pool.submit(10, time.sleep, 1.5))  # small lane
        await asyncio.sleep(0.05)
        # the small worker is busy, the big one idle: the next small request goes there
        other = asyncio.create_task(pool.submit(10, os.getpid))
        pid = await other
        t = time.monotonic()
        with pytest.raises(Busy) as busy:
            big = asyncio.create_task(pool.submit(10_000, time.sleep, 1.5))
            await asyncio.sleep(0.05)
            await pool.submit(10_000, os.getpid)
        assert time.monotonic() - t < 1.0  # refused at once, not queued
        assert "Il server è occupato" in str(busy.value) and busy.value.retry_after == 5
        await slow
        await big
        return pid

    try:
        pid = asyncio.run(scenario())
    finally:
        pool.shutdown()
    assert pid != os.getpid()


def test_workers_zero_runs_in_the_server_itself():
    pool = WorkerPool(workers=0)
    assert asyncio.run(pool.submit(10, os.getpid)) == os.getpid()


def _workers_of(pid: int) -> set[int]:
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.add(int(d))
            except OSError:
                pass
    return out


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_do_not_outlive_the_server(tmp_path):
    """A stopped (or killed) server leaves no worker processes behind."""
    import signal
    import subprocess

    from tests.server_support import running_server

    for sig in (signal.SIGTERM, signal.SIGKILL):
        with running_server(tmp_path) as url:
            import httpx

            assert httpx.get(url + "/").status_code == 200
            server = next(int(p) for p in os.listdir("/proc") if p.isdigit()
                          and _cmdline(p).endswith(url.rsplit(":", 1)[1])
                          and "xl_albero" in _cmdline(p))
            deadline = time.monotonic() + 30
            while len(_workers_of(server)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            workers = _workers_of(server)
            assert workers
            os.kill(server, sig)
            subprocess.run(["true"], check=True)
        deadline = time.monotonic() + 10
        while any(os.path.exists(f"/proc/{w}") and _alive(w) for w in workers) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if os.path.exists(f"/proc/{w}") and _alive(w)], sig


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
