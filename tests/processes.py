"""Running real OS processes from a test: started together, collected, never left behind."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any


async def run_together(
    target: Callable[..., None], jobs: Sequence[Any], *, timeout: float
) -> tuple[list[Any], float]:
    """Start one spawned process per job, release them at once, return their results.

    ``target(job, start_event, results_queue)`` must put exactly one result on the
    queue. Returns the results and the seconds from release to the last result.
    """
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=target, args=(job, start, results)) for job in jobs]
    for process in processes:
        process.start()
    began = time.monotonic()
    start.set()
    outcomes: list[Any] = []
    try:
        for _ in processes:
            outcomes.append(await asyncio.to_thread(results.get, True, timeout))
    finally:
        elapsed = time.monotonic() - began
        for process in processes:
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():
                process.kill()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return outcomes, elapsed
