"""Scenario 4: assignment under contention, on PostgreSQL.

Eight OS processes, each with its own engine (as eight web processes would
have), open cases for new customers through the real service while the reps
resolve cases (the owner proposes, the customer confirms) and come on and off
shift. The HTTP layer is left out on purpose: scenario 2 measures it, and here
it would hide the row-lock contention this scenario is about.

Afterwards the database itself is asked whether any case had two owners
(more than one ``owner_change`` entry, with no hand-offs in this run), whether
any rep holds more active cases than capacity (+1 for a returning customer,
which cannot happen here: every customer is new), and whether the reps' load
counters tell the truth.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Any

from sqlalchemy import text

from bench.client import summary
from throughline.bench.desk import DeskJob, DeskResult, desk_process, set_shift
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import utcnow
from throughline.reps import service as reps

ACTIVE = "('new', 'open', 'waiting_on_customer', 'waiting_on_team')"


async def _make_reps(url: str, count: int, capacity: int) -> list[int]:
    database = Database.connect(url, pool_size=2)
    ids = []
    try:
        async with database.unit_of_work() as session:
            for n in range(count):
                rep, _token = await reps.add_rep(
                    session,
                    name=f"Rep {n}",
                    email=f"rep{n}@contention.example",
                    capacity=capacity,
                    actor=CLI,
                    now=utcnow(),
                )
                ids.append(rep.id)
        for rep_id in ids:
            await set_shift(database, rep_id, on=True)
    finally:
        await database.dispose()
    return ids


async def _check(url: str) -> dict[str, int]:
    """What the database says after the run: the invariants of principles 1 and 2."""
    database = Database.connect(url, pool_size=2)
    queries = {
        "cases": "SELECT count(*) FROM cases",
        "assigned": "SELECT count(*) FROM cases WHERE owner_id IS NOT NULL",
        "cases_with_two_owners": (
            "SELECT count(*) FROM (SELECT case_id FROM timeline_entries "
            "WHERE kind = 'owner_change' GROUP BY case_id HAVING count(*) > 1) AS twice"
        ),
        "owned_without_owner_entry": (
            "SELECT count(*) FROM cases c WHERE owner_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM timeline_entries t WHERE t.case_id = c.id AND t.kind = 'owner_change')"
        ),
        "reps_over_capacity": (
            f"SELECT count(*) FROM reps r WHERE (SELECT count(*) FROM cases c WHERE "
            f"c.owner_id = r.id AND c.status IN {ACTIVE}) > r.capacity"
        ),
        "reps_over_capacity_plus_one": (
            f"SELECT count(*) FROM reps r WHERE (SELECT count(*) FROM cases c WHERE "
            f"c.owner_id = r.id AND c.status IN {ACTIVE}) > r.capacity + 1"
        ),
        "load_counters_wrong": (
            f"SELECT count(*) FROM reps r WHERE r.active_cases <> (SELECT count(*) FROM cases c "
            f"WHERE c.owner_id = r.id AND c.status IN {ACTIVE})"
        ),
        "waiting": "SELECT count(*) FROM cases WHERE owner_id IS NULL AND status <> 'resolved'",
        "on_shift_reps_with_room": (
            "SELECT count(*) FROM reps WHERE on_shift AND active_cases < capacity"
        ),
    }
    try:
        async with database.unit_of_work(write=False) as session:
            return {
                name: int(await session.scalar(text(sql)) or 0) for name, sql in queries.items()
            }
    finally:
        await database.dispose()


def run(
    url: str,
    *,
    secret_key: str,
    var_dir: str,
    processes: int,
    arrivals: int,
    reps: int,
    capacity: int = 5,
    timeout: float = 600,
) -> dict[str, Any]:
    """Run the scenario against an empty, migrated PostgreSQL database."""
    rep_ids = asyncio.run(_make_reps(url, reps, capacity))
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    per_process = [
        arrivals // processes + (1 if n < arrivals % processes else 0) for n in range(processes)
    ]
    workers = [
        context.Process(
            target=desk_process,
            args=(
                DeskJob(
                    index=n,
                    url=url,
                    secret_key=secret_key,
                    var_dir=var_dir,
                    arrivals=per_process[n],
                    # Every rep comes off and on shift in some process, none in two.
                    toggled_reps=tuple(rep_ids[n::processes]),
                    resolve_share=0.9,
                ),
                start,
                results,
            ),
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    start.set()
    outcomes: list[DeskResult] = []
    deadline = time.monotonic() + timeout
    while len(outcomes) < processes and time.monotonic() < deadline:
        try:
            outcomes.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
        except Exception:  # noqa: BLE001 - queue.Empty: the deadline passed
            break
    for worker in workers:
        worker.join(timeout=30)
        if worker.is_alive():
            worker.kill()
            worker.join()
    errors = [o.error for o in outcomes if o.error]
    if len(outcomes) < processes:
        errors.append(f"only {len(outcomes)} of {processes} processes finished in {timeout:.0f} s")
    checks = asyncio.run(_check(url))
    began = min((o.began for o in outcomes if o.began), default=0.0)
    ended = max((o.ended for o in outcomes if o.ended), default=0.0)
    seconds = max(ended - began, 1e-9)
    open_ms = [ms for o in outcomes for ms in o.open_ms]
    opened = sum(o.opened for o in outcomes)
    return {
        "processes": processes,
        "reps": reps,
        "capacity": capacity,
        "arrivals": opened,
        "seconds": round(seconds, 3),
        "arrivals_per_second": round(opened / seconds, 1),
        "assigned_per_second": round(checks["assigned"] / seconds, 1),
        "open_case_ms": summary(open_ms),
        "resolved": sum(o.resolved for o in outcomes),
        "shift_changes": sum(o.shift_changes for o in outcomes),
        "retries": sum(o.retries for o in outcomes),
        "errors": errors,
        "checks": checks,
    }
