"""Run add-in commands off the event loop: worker processes and a bounded queue.

A 60,000-row ``valida`` takes seconds of CPU; run in the event loop it would stall every
other client and even ``GET /``. Here each request becomes a job for a pool of worker
processes (``spawn``: no state shared with the server, true parallelism on several
cores). There are two lanes:

- the **small** lane (half the workers, at least one) takes requests whose body is at
  most ``small_request_kb``: a normal tree, a custom function; a big workbook never
  makes them wait;
- the **big** lane (the other workers, at least one) takes the others, and small
  requests while one of its workers is idle.

Each lane accepts at most its workers plus ``queue`` jobs at once (the big lane: plus
at most two per worker, since each waiting job holds its body in memory); past that
``admit``/``submit`` raise ``Busy`` (HTTP 503 with ``Retry-After``) at once instead of
queueing without bound. A
worker that dies (killed, out of memory) breaks only its lane's pool, which is replaced
for the next request.

``workers = 0`` runs every job in the server's own event loop, as the server did before
this module: one big request then stalls everybody. Only for debugging and for the
side-by-side benchmark (``benchmarks/bench_server_load.py``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from xl_albero.server import jobs

logger = logging.getLogger("xl_albero.server")


class Busy(RuntimeError):
    """Every worker busy and the queue full; ``str()`` is an Italian message."""

    def __init__(self, lane: str, capacity: int, retry_after: int) -> None:
        super().__init__(f"Il server è occupato ({capacity} richieste {lane} in corso o in "
                         f"attesa): riprovare tra {retry_after} secondi.")
        self.retry_after = retry_after


class WorkerDied(RuntimeError):
    """The worker running the job stopped (killed, out of memory)."""


@dataclass
class Lane:
    name: str
    workers: int
    queue: int
    inflight: int = 0
    executor: ProcessPoolExecutor | None = field(default=None, repr=False)

    @property
    def capacity(self) -> int:
        return self.workers + self.queue

    def pool(self) -> ProcessPoolExecutor:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=jobs.init_worker, initargs=(os.getpid(),))
        return self.executor

    def shutdown(self) -> None:
        if self.executor is not None:
            # ``_processes`` is the executor's own table of its workers: they are stopped
            # now rather than after a running job (workers also exit on their own when the
            # server is gone, ``jobs.init_worker``)
            processes = list((getattr(self.executor, "_processes", None) or {}).values())
            self.executor.shutdown(wait=False, cancel_futures=True)
            for p in processes:
                p.terminate()
            self.executor = None


class WorkerPool:
    """The two lanes; ``submit`` from the event loop only."""

    def __init__(self, workers: int = 2, queue: int = 32, small_request_kb: int = 512,
                 retry_after: int = 5) -> None:
        self.inline = workers == 0
        workers = max(1, workers)
        small = max(1, workers // 2)
        big = max(1, workers - small)
        self.small = Lane("brevi", small, queue)
        # a waiting big request holds its body (up to max_body_mb) in memory: few wait
        self.big = Lane("di grandi cartelle", big, min(queue, 2 * big))
        self.small_bytes = small_request_kb * 1024
        self.retry_after = retry_after

    def lane_for(self, size: int) -> Lane:
        """Big bodies: big lane. Small ones: the small worker, or an idle big one."""
        if size > self.small_bytes:
            return self.big
        if self.small.inflight >= self.small.workers and self.big.inflight < self.big.workers:
            return self.big
        return self.small

    def warm(self) -> None:
        """Start the worker processes now (imports take seconds), not at the first click."""
        if self.inline:
            jobs.init_worker()
            return
        for lane in (self.small, self.big):
            pool = lane.pool()
            for _ in range(lane.workers):
                pool.submit(jobs.ping)

    def admit(self, size: int) -> None:
        """Raise ``Busy`` now if a request of ``size`` bytes would be refused (called
        before reading the body, so a full server does not buffer it first)."""
        if self.inline:
            return
        lane = self.lane_for(size)
        if lane.inflight >= lane.capacity:
            raise Busy(lane.name, lane.capacity, self.retry_after)

    async def submit(self, size: int, fn: Callable[..., Any], *args: Any) -> Any:
        if self.inline:  # ``workers = 0``: the naive way, for debugging and comparison
            return fn(*args)
        lane = self.lane_for(size)
        if lane.inflight >= lane.capacity:
            raise Busy(lane.name, lane.capacity, self.retry_after)
        lane.inflight += 1
        try:
            try:
                future = lane.pool().submit(fn, *args)
            except BrokenProcessPool:
                lane.shutdown()
                future = lane.pool().submit(fn, *args)
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                logger.error("Un processo di lavoro del server si è interrotto: ricreato.")
                lane.shutdown()
                raise WorkerDied() from None
        finally:
            lane.inflight -= 1

    def shutdown(self) -> None:
        for lane in (self.small, self.big):
            lane.shutdown()
