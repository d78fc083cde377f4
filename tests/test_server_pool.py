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
