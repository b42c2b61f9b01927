"""Assignment is race-free across OS processes on PostgreSQL (principle 2).

Six processes, each with its own engine, open cases, resolve them the way the
owner and the customer would, and take reps off and on shift, all at once,
through the real services. A monitor meanwhile samples every rep's active
cases. Afterwards the database must show one owner per case, nobody above
capacity at any sample, true load counters, and no case waiting while a rep
on shift has room.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from tests.builders import make_rep
from tests.processes import run_together
from throughline.assignment.service import assign_waiting
from throughline.bench.desk import DeskJob, desk_process
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Rep, utcnow

PROCESSES = 6
CASES_PER_PROCESS = 510
REPS = 40
ACTIVE = "('new', 'open', 'waiting_on_customer', 'waiting_on_team')"
ACTIVE_COUNTS = text(
    f"SELECT owner_id, count(*) FROM cases WHERE status IN {ACTIVE} "
    "AND owner_id IS NOT NULL GROUP BY owner_id"
)


@dataclass
class Samples:
    taken: int = 0
    over_capacity: list[tuple[int, int, int]] = field(default_factory=list)
    counters_over: list[tuple[int, int, int]] = field(default_factory=list)
    max_waiting: int = 0


async def monitor(
    database: Database, capacities: dict[int, int], stop: asyncio.Event, samples: Samples
) -> None:
    while not stop.is_set():
        async with database.unit_of_work(write=False) as session:
            counts = (await session.execute(ACTIVE_COUNTS)).all()
            counters = (
                await session.execute(
                    text(
                        "SELECT id, active_cases, capacity FROM reps WHERE active_cases > capacity"
                    )
                )
            ).all()
            waiting = await session.scalar(
                text("SELECT count(*) FROM cases WHERE owner_id IS NULL AND status <> 'resolved'")
            )
        samples.taken += 1
        samples.max_waiting = max(samples.max_waiting, int(waiting or 0))
        samples.over_capacity += [
            (owner, n, capacities[owner]) for owner, n in counts if n > capacities[owner]
        ]
        samples.counters_over += [(rep, stored, capacity) for rep, stored, capacity in counters]
        await asyncio.sleep(0.1)


@pytest.mark.postgres_only
async def test_assignment_is_race_free_across_processes(
    database: Database, database_url: str, settings: Settings
) -> None:
    rng = random.Random(7)
    capacities: dict[int, int] = {}
    for n in range(REPS):
        person = await make_rep(database, f"Rep {n:02d}", capacity=rng.randint(2, 6))
        async with database.unit_of_work(write=False) as session:
            rep = await session.get(Rep, person.id)
            assert rep is not None
            assert rep.on_shift
            capacities[rep.id] = rep.capacity
    rep_ids = sorted(capacities)

    jobs = [
        DeskJob(
            index=index,
            url=database_url,
            secret_key=settings.secret_key,
            var_dir=str(settings.var_dir),
            arrivals=CASES_PER_PROCESS,
            # Two reps per process go off and on shift while they own cases.
            toggled_reps=tuple(rep_ids[index * 2 : index * 2 + 2]),
            resolve_share=0.75,
            toggle_every=20,
        )
        for index in range(PROCESSES)
    ]
    samples = Samples()
    stop = asyncio.Event()
    watcher = asyncio.create_task(monitor(database, capacities, stop, samples))
    try:
        outcomes, elapsed = await run_together(desk_process, jobs, timeout=110)
    finally:
        stop.set()
        await watcher

    errors = [outcome.error for outcome in outcomes if outcome.error]
    assert not errors, "\n".join(errors)
    opened = sum(outcome.opened for outcome in outcomes)
    resolved = sum(outcome.resolved for outcome in outcomes)
    shift_changes = sum(outcome.shift_changes for outcome in outcomes)
    transactions = opened + 2 * resolved + shift_changes

    async with database.unit_of_work(write=False) as session:
        stored_ids = list(await session.scalars(text("SELECT id FROM cases ORDER BY id")))
        owner_entries = (
            await session.execute(
                text(
                    "SELECT c.id, c.owner_id, count(t.id), min((t.data->>'rep_id')::bigint) "
                    "FROM cases c LEFT JOIN timeline_entries t "
                    "ON t.case_id = c.id AND t.kind = 'owner_change' "
                    "GROUP BY c.id, c.owner_id"
                )
            )
        ).all()
        final_counts: dict[int, int] = dict((await session.execute(ACTIVE_COUNTS)).all())
        counters = {
            rep_id: (stored, true)
            for rep_id, stored, true in (
                await session.execute(
                    text(
                        "SELECT r.id, r.active_cases, count(c.id) FROM reps r "
                        f"LEFT JOIN cases c ON c.owner_id = r.id AND c.status IN {ACTIVE} "
                        "GROUP BY r.id"
                    )
                )
            ).all()
        }
        on_shift = set(await session.scalars(text("SELECT id FROM reps WHERE on_shift")))

    print(
        f"\n{opened} cases opened, {resolved} resolved (propose + confirm), "
        f"{shift_changes} shift changes by {PROCESSES} processes in {elapsed:.1f} s: "
        f"{opened / elapsed:.0f} cases/s, {transactions / elapsed:.0f} transactions/s; "
        f"{samples.taken} monitor samples, queue up to {samples.max_waiting} cases"
    )
    assert opened >= 3000
    # Locks are taken in a fixed order or skipped: no deadlock, nothing to retry.
    assert sum(outcome.retries for outcome in outcomes) == 0
    assert stored_ids == sorted(i for outcome in outcomes for i in outcome.case_ids)
    assert resolved > 1500
    assert samples.taken >= 20, "the monitor must have watched the run"
    assert samples.max_waiting > 0, "cases must have queued, or the queue was never contended"

    doubled = [(case_id, n) for case_id, _owner, n, _rep in owner_entries if n > 1]
    assert doubled == [], "a case was given an owner twice"
    mismatched = [
        (case_id, owner, rep)
        for case_id, owner, n, rep in owner_entries
        if (owner is None) != (n == 0) or (n == 1 and owner != rep)
    ]
    assert mismatched == [], "a case's owner differs from its one owner-assignment entry"

    assert samples.over_capacity == [], "a rep held more active cases than capacity"
    assert samples.counters_over == [], "a rep's load counter went above capacity"
    assert {rep: n for rep, n in final_counts.items() if n > capacities[rep]} == {}
    assert {rep: c for rep, c in counters.items() if c[0] != c[1]} == {}, (
        "stored active_cases differs from the true count (rep: (stored, true))"
    )
    assert on_shift == set(rep_ids), "every rep taken off shift came back"

    swept = 0
    while True:
        async with database.unit_of_work() as session:
            pairs = await assign_waiting(session, now=utcnow())
        if not pairs:
            break
        swept += len(pairs)
    print(f"final sweep assigned {swept} cases that waited while a rep had room")
    async with database.unit_of_work(write=False) as session:
        waiting = await session.scalar(
            text("SELECT count(*) FROM cases WHERE owner_id IS NULL AND status <> 'resolved'")
        )
        with_room = (
            await session.execute(
                text(
                    "SELECT r.id, r.capacity, count(c.id) FROM reps r "
                    f"LEFT JOIN cases c ON c.owner_id = r.id AND c.status IN {ACTIVE} "
                    "WHERE r.on_shift AND r.is_active GROUP BY r.id, r.capacity "
                    "HAVING count(c.id) < r.capacity"
                )
            )
        ).all()
    assert not (waiting and with_room), f"{waiting} cases wait while reps have room: {with_room}"
