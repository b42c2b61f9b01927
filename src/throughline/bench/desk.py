"""One "desk" process: arrivals, resolutions and shift changes through the real services.

Several of these run at once, each with its own engine as a web process would
have, in the assignment benchmark (scenario 4) and in the test that proves
assignment race-free across processes. Every customer is new, so nobody
returns to a previous rep: the bound on a rep's load is their capacity.
"""

from __future__ import annotations

import asyncio
import random
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as EventType
from typing import Any

from sqlalchemy.exc import DBAPIError

from throughline.cases import repository as case_repository
from throughline.cases import service as cases
from throughline.config import Settings
from throughline.customers.status import case_for_token
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.models import Rep, utcnow
from throughline.reps import service as reps


@dataclass(frozen=True)
class DeskJob:
    index: int
    url: str
    secret_key: str
    var_dir: str
    arrivals: int
    toggled_reps: tuple[int, ...]
    resolve_share: float
    toggle_every: int = 10


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
    case_ids: list[int] = field(default_factory=list)


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
            case_id, token = await _retrying(result, arrive)
            result.open_ms.append((time.perf_counter() - began) * 1000)
            pending.append((case_id, token))
            result.case_ids.append(case_id)
            result.opened += 1
            if rng.random() < job.resolve_share and await _resolve_one(
                database, settings, pending, result
            ):
                result.resolved += 1
            half = job.toggle_every // 2
            if i % job.toggle_every == half and job.toggled_reps:
                rep_id = job.toggled_reps[(i // job.toggle_every) % len(job.toggled_reps)]
                on = rep_id in off
                await _retrying(result, lambda r=rep_id, o=on: set_shift(database, r, on=o))
                off ^= {rep_id}
                result.shift_changes += 1
        for rep_id in sorted(off):
            await _retrying(result, lambda r=rep_id: set_shift(database, r, on=True))
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


async def set_shift(database: Database, rep_id: int, *, on: bool) -> None:
    """As POST /api/v1/reps/me/shift does it."""
    async with database.unit_of_work() as session:
        rep = await session.get(Rep, rep_id, with_for_update=True, populate_existing=True)
        assert rep is not None
        await reps.set_shift(session, rep, on=on, actor=Actor.of_rep(rep), now=utcnow())
