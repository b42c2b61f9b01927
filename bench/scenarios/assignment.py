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
import random
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as EventType
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bench.client import summary
from throughline.cases import repository as case_repository
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.customers.status import case_for_token
from throughline.db import Database
from throughline.kit.actors import CLI, Actor
from throughline.models import Rep, utcnow
from throughline.reps import service as reps

ACTIVE = "('new', 'open', 'waiting_on_customer', 'waiting_on_team')"


@dataclass(frozen=True)
class DeskJob:
    index: int
    url: str
    secret_key: str
    var_dir: str
    arrivals: int
    toggled_reps: tuple[int, ...]
    resolve_share: float


@dataclass
class DeskResult:
    index: int
    opened: int = 0
    resolved: int = 0
    shift_changes: int = 0
    retries: int = 0
    error: str | None = None
    began: float = 0.0
    ended: float = 0.0
    open_ms: list[float] = field(default_factory=list)


def desk_process(job: DeskJob, start: EventType, results: Any) -> None:
    """One OS process: a web server's worth of arrivals, resolutions and shift changes."""
    result = DeskResult(index=job.index)
    try:
        asyncio.run(_desk(job, start, result))
    except Exception:  # noqa: BLE001 - reported, and the run fails on it
        result.error = traceback.format_exc()
    results.put(result)


async def _retrying(result: DeskResult, work: Any) -> Any:
    """A deadlock or serialization failure is retried, as a client would; each is counted."""
    for attempt in range(5):
        try:
            return await work()
        except DBAPIError:
            if attempt == 4:
                raise
            result.retries += 1
            await asyncio.sleep(0.01 * (attempt + 1))
    return None


async def _desk(job: DeskJob, start: EventType, result: DeskResult) -> None:
    settings = Settings(
        database_url=job.url,
        secret_key=job.secret_key,
        var_dir=job.var_dir,
        embedded_worker=False,
    )
    database = Database.connect(job.url, pool_size=2)
    rng = random.Random(job.index)
    pending: deque[tuple[int, str]] = deque()
    off: set[int] = set()
    start.wait()
    result.began = time.time()
    try:
        for i in range(job.arrivals):

            async def arrive(i: int = i) -> tuple[int, str]:
                async with database.unit_of_work() as session:
                    case, token = await cases.open_case(
                        session,
                        cases.NewCase(
                            email=f"arrival-{job.index}-{i}@customers.example",
                            name=f"Customer {job.index}-{i}",
                            subject="Printer offline",
                            body="It stopped printing this morning.",
                            severity=rng.randint(1, 4),
                            plan_tier=rng.choice(["free", "pro", "enterprise"]),
                        ),
                        settings=settings,
                        now=utcnow(),
                    )
                    return case.id, token

            began = time.perf_counter()
            pending.append(await _retrying(result, arrive))
            result.open_ms.append((time.perf_counter() - began) * 1000)
            result.opened += 1
            if rng.random() < job.resolve_share and await _resolve_one(
                database, settings, pending, result
            ):
                result.resolved += 1
            if i % 10 == 5 and job.toggled_reps:
                rep_id = job.toggled_reps[(i // 10) % len(job.toggled_reps)]
                on = rep_id in off
                await _retrying(result, lambda r=rep_id, o=on: _set_shift(database, r, on=o))
                off ^= {rep_id}
                result.shift_changes += 1
        for rep_id in sorted(off):
            await _retrying(result, lambda r=rep_id: _set_shift(database, r, on=True))
            result.shift_changes += 1
    finally:
        result.ended = time.time()
        await database.dispose()


async def _resolve_one(
    database: Database, settings: Settings, pending: deque[tuple[int, str]], result: DeskResult
) -> bool:
    """The owner of one of this process's cases proposes a fix; the customer confirms it."""
    for _ in range(min(5, len(pending))):
        case_id, token = pending.popleft()

        async def propose(case_id: int = case_id) -> bool:
            async with database.unit_of_work() as session:
                case = await case_repository.get_case(session, case_id, for_update=True)
                if case.owner_id is None:
                    return False
                owner = await session.get(Rep, case.owner_id)
                assert owner is not None
                await cases.propose_resolution(
                    session,
                    case,
                    Actor.of_rep(owner),
                    summary="Reinstalled the driver.",
                    settings=settings,
                    now=utcnow(),
                )
                return True

        async def confirm(token: str = token) -> None:
            async with database.unit_of_work() as session:
                case = await case_for_token(session, token, for_update=True)
                await cases.confirm(
                    session,
                    case,
                    fixed=True,
                    comment="Works again, thanks.",
                    satisfaction=5,
                    settings=settings,
                    now=utcnow(),
                )

        if not await _retrying(result, propose):
            pending.append((case_id, token))
            continue
        await _retrying(result, confirm)
        return True
    return False


async def _set_shift(database: Database, rep_id: int, *, on: bool) -> None:
    """As POST /api/v1/reps/me/shift does it."""
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, rep_id, with_for_update=True, populate_existing=True)
        assert rep is not None
        await reps.set_shift(session, rep, on=on, actor=Actor.of_rep(rep), now=utcnow())


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
            await _set_shift(database, rep_id, on=True)
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
