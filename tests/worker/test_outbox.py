"""The transactional outbox: retries with backoff, failing for good, and never twice.

Work that must not be lost (a reply to the customer, a webhook) goes through
the outbox. A failing handler is retried later, each time waiting longer; after
the last attempt the message is kept as failed with its error; and however
many workers run, each message's work is done once.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.synchronize import Event as EventType
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.processes import run_together
from throughline.config import Settings
from throughline.db import Database
from throughline.models import OutboxMessage, WorkerHeartbeat, utcnow
from throughline.outbox import service as outbox
from throughline.worker.runner import Worker

TOPIC = "test.topic"


@dataclass
class Flaky:
    """A handler that fails its first ``failures`` calls, like a mail server that is down."""

    failures: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def flaky() -> Iterator[Flaky]:
    state = Flaky()

    @outbox.handler(TOPIC)
    async def send(_session: AsyncSession, payload: dict[str, Any], _settings: Settings) -> None:
        state.calls.append(payload)
        if len(state.calls) <= state.failures:
            raise ConnectionError(f"mail server down (call {len(state.calls)})")

    yield state
    del outbox.HANDLERS[TOPIC]


@dataclass(frozen=True)
class Row:
    attempts: int
    run_at: datetime
    locked_by: str | None
    done_at: datetime | None
    failed_at: datetime | None
    last_error: str | None


async def _enqueue(database: Database, payload: dict[str, Any]) -> int:
    async with database.unit_of_work() as session:
        message_id = await outbox.enqueue(session, TOPIC, payload, now=utcnow())
        assert message_id is not None
        return message_id


async def _row(database: Database, message_id: int) -> Row:
    async with database.unit_of_work(write=False) as session:
        m = await session.get(OutboxMessage, message_id)
        assert m is not None
        return Row(m.attempts, m.run_at, m.locked_by, m.done_at, m.failed_at, m.last_error)


async def _time_passes(database: Database, message_id: int) -> None:
    """The backoff has run out: move the retry into the past."""
    async with database.unit_of_work() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(run_at=utcnow() - timedelta(seconds=1))
        )


async def test_failing_message_is_retried_with_growing_backoff_then_done(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    flaky.failures = 3
    message_id = await _enqueue(database, {"to": "ada@example.org"})
    worker = Worker(database, settings, name="outbox-test")

    for attempt in (1, 2, 3):
        before = utcnow()
        assert (await worker.run_once())["outbox"] == 1
        after = utcnow()
        row = await _row(database, message_id)
        assert (row.attempts, row.done_at, row.failed_at, row.locked_by) == (
            attempt,
            None,
            None,
            None,
        )
        assert row.last_error is not None
        assert f"call {attempt}" in row.last_error
        wait = outbox.backoff(attempt)
        assert before + wait <= row.run_at <= after + wait
        # Until the backoff has passed, nobody runs it again.
        assert (await worker.run_once())["outbox"] == 0
        assert len(flaky.calls) == attempt
        await _time_passes(database, message_id)
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]

    assert (await worker.run_once())["outbox"] == 1
    row = await _row(database, message_id)
    assert row.done_at is not None
    assert row.failed_at is None
    assert (row.attempts, row.last_error, row.locked_by) == (4, None, None)
    assert flaky.calls == [{"to": "ada@example.org"}] * 4

    await _time_passes(database, message_id)
    assert (await worker.run_once())["outbox"] == 0, "done work is never run again"
    assert len(flaky.calls) == 4


async def test_message_fails_for_good_after_max_attempts_keeping_its_error(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    flaky.failures = 100
    message_id = await _enqueue(database, {"to": "ada@example.org"})
    worker = Worker(
        database, settings.model_copy(update={"outbox_max_attempts": 3}), name="outbox-test"
    )
    for _ in range(3):
        assert (await worker.run_once())["outbox"] == 1
        await _time_passes(database, message_id)

    row = await _row(database, message_id)
    assert row.failed_at is not None
    assert row.done_at is None
    assert row.attempts == 3
    assert row.last_error is not None
    assert "ConnectionError: mail server down (call 3)" in row.last_error
    assert (await worker.run_once())["outbox"] == 0, "a failed message is not retried"
    assert len(flaky.calls) == 3


async def test_work_queued_twice_under_one_key_is_queued_once_and_the_change_still_commits(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    """A retried request queues its notice again: nothing doubles, nothing fails."""
    async with database.unit_of_work() as session:
        first = await outbox.enqueue(
            session, TOPIC, {"to": "a@x.org"}, now=utcnow(), dedupe_key="k"
        )
    async with database.unit_of_work() as session:
        again = await outbox.enqueue(
            session, TOPIC, {"to": "a@x.org"}, now=utcnow(), dedupe_key="k"
        )
        other = await outbox.enqueue(session, TOPIC, {"to": "b@x.org"}, now=utcnow())
    assert first is not None
    assert other is not None
    assert again is None
    assert await Worker(database, settings, name="outbox-test").run_outbox(utcnow()) == 2
    assert flaky.calls == [{"to": "a@x.org"}, {"to": "b@x.org"}]


async def test_a_backlog_is_sent_in_one_round_not_one_batch_per_round(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    """A burst of new cases queues a notice each: the worker sends them all without pausing."""
    async with database.unit_of_work() as session:
        for n in range(130):
            await outbox.enqueue(session, TOPIC, {"to": f"c{n}@example.org"}, now=utcnow())
    worker = Worker(database, settings, name="outbox-test")

    assert await worker.run_outbox(utcnow(), batch=50, seconds=60) == 130
    assert not worker.backlog, "the queue is empty: the worker may sleep"
    assert sorted(call["to"] for call in flaky.calls) == sorted(
        f"c{n}@example.org" for n in range(130)
    )
    # Bounded by its time: with no time left it stops after one batch and says more waits.
    async with database.unit_of_work() as session:
        for n in range(60):
            await outbox.enqueue(session, TOPIC, {"to": f"d{n}@example.org"}, now=utcnow())
    assert await worker.run_outbox(utcnow(), batch=50, seconds=0) == 50
    assert worker.backlog


async def test_stale_candidate_cannot_claim_a_message_waiting_for_its_backoff(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    """Worker B read the ready list before worker A's attempt failed: B must not retry at once."""
    flaky.failures = 1
    message_id = await _enqueue(database, {"to": "ada@example.org"})
    async with database.unit_of_work(write=False) as session:
        stale = await outbox.ready_ids(session, now=utcnow(), limit=10)
    assert stale == [message_id]

    assert (await Worker(database, settings, name="worker-a").run_once())["outbox"] == 1
    async with database.unit_of_work() as session:
        claimed = await outbox.claim(session, stale[0], worker="worker-b", now=utcnow())
    assert not claimed
    assert len(flaky.calls) == 1
    assert (await _row(database, message_id)).locked_by is None


async def test_crashed_workers_claim_expires_after_its_lease(
    database: Database, settings: Settings, flaky: Flaky
) -> None:
    message_id = await _enqueue(database, {"to": "ada@example.org"})
    now = utcnow()
    async with database.unit_of_work() as session:
        assert await outbox.claim(session, message_id, worker="crashed", now=now)

    worker = Worker(database, settings, name="survivor")
    assert await worker.run_outbox(now + outbox.LEASE - timedelta(seconds=1)) == 0
    assert flaky.calls == []
    assert await worker.run_outbox(now + outbox.LEASE + timedelta(seconds=1)) == 1
    row = await _row(database, message_id)
    assert row.done_at is not None
    assert row.attempts == 2
    assert len(flaky.calls) == 1


@pytest.mark.postgres_only
async def test_work_of_a_worker_whose_lease_ran_out_is_not_kept_twice(
    database: Database, settings: Settings
) -> None:
    """A handler slower than the lease: another worker takes over; only one run counts."""
    async with database.unit_of_work() as session:
        await session.execute(text("CREATE TABLE outbox_test_runs (n bigint, worker text)"))
    slow, fast = Worker(database, settings, name="slow"), Worker(database, settings, name="fast")

    calls: list[str] = []

    @outbox.handler(TOPIC)
    async def deliver(session: AsyncSession, _payload: dict[str, Any], _settings: Settings) -> None:
        worker = "fast" if calls else "slow"
        calls.append(worker)
        await session.execute(
            text("INSERT INTO outbox_test_runs (n, worker) VALUES (1, :worker)"),
            {"worker": worker},
        )
        if worker == "slow":
            # While "slow" is still busy its lease runs out, and "fast" runs the message.
            assert await fast.run_outbox(utcnow() + outbox.LEASE + timedelta(seconds=1)) == 1

    try:
        message_id = await _enqueue(database, {})
        assert (await slow.run_once())["outbox"] == 1
    finally:
        del outbox.HANDLERS[TOPIC]

    async with database.unit_of_work(write=False) as session:
        runs = (await session.execute(text("SELECT worker FROM outbox_test_runs"))).all()
    assert calls == ["slow", "fast"]
    assert [row.worker for row in runs] == ["fast"], "the overtaken run must not be kept too"
    row = await _row(database, message_id)
    assert row.done_at is not None
    assert row.failed_at is None
    assert (row.attempts, row.locked_by, row.last_error) == (2, None, None)


# --- several worker processes on PostgreSQL -----------------------------------------------

RECORD_TOPIC = "test.record_run"
MESSAGES = 300
WORKERS = 3


@dataclass(frozen=True)
class WorkerJob:
    name: str
    url: str
    secret_key: str
    var_dir: str


@dataclass
class WorkerResult:
    name: str
    ran: int = 0
    rounds: int = 0
    error: str | None = None


def run_worker(job: WorkerJob, start: EventType, results: Any) -> None:
    """One `throughline worker` process, until the outbox is empty."""
    result = WorkerResult(name=job.name)
    try:
        asyncio.run(_work(job, start, result))
    except Exception:  # noqa: BLE001 - reported to the test, which fails on it
        result.error = traceback.format_exc()
    results.put(result)


async def _work(job: WorkerJob, start: EventType, result: WorkerResult) -> None:
    @outbox.handler(RECORD_TOPIC)
    async def record_run(
        session: AsyncSession, payload: dict[str, Any], _settings: Settings
    ) -> None:
        await session.execute(
            text("INSERT INTO outbox_test_runs (n, worker) VALUES (:n, :worker)"),
            {"n": payload["n"], "worker": job.name},
        )

    settings = Settings(
        database_url=job.url, secret_key=job.secret_key, var_dir=job.var_dir, embedded_worker=False
    )
    database = Database.connect(job.url, pool_size=2)
    worker = Worker(database, settings, name=job.name)
    start.wait()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            result.ran += (await worker.run_once())["outbox"]
            result.rounds += 1
            async with database.unit_of_work(write=False) as session:
                left = await session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.done_at.is_(None), OutboxMessage.failed_at.is_(None))
                )
            if not left:
                return
        raise TimeoutError("the outbox did not empty within 60 s")
    finally:
        await database.dispose()


@pytest.mark.postgres_only
async def test_three_worker_processes_run_each_message_exactly_once(
    database: Database, database_url: str, settings: Settings
) -> None:
    async with database.unit_of_work() as session:
        await session.execute(text("CREATE TABLE outbox_test_runs (n bigint, worker text)"))
        now = utcnow()
        for n in range(MESSAGES):
            await outbox.enqueue(session, RECORD_TOPIC, {"n": n}, now=now)

    jobs = [
        WorkerJob(f"worker-{i}", database_url, settings.secret_key, str(settings.var_dir))
        for i in range(WORKERS)
    ]
    outcomes, elapsed = await run_together(run_worker, jobs, timeout=90)
    errors = [outcome.error for outcome in outcomes if outcome.error]
    assert not errors, "\n".join(errors)

    async with database.unit_of_work(write=False) as session:
        runs: dict[int, int] = dict(
            (
                await session.execute(
                    text("SELECT n, count(*) FROM outbox_test_runs GROUP BY n ORDER BY n")
                )
            ).all()
        )
        by_worker: dict[str, int] = dict(
            (
                await session.execute(
                    text("SELECT worker, count(*) FROM outbox_test_runs GROUP BY worker")
                )
            ).all()
        )
        states = (
            await session.execute(
                select(OutboxMessage.attempts, func.count())
                .where(OutboxMessage.done_at.is_not(None), OutboxMessage.failed_at.is_(None))
                .group_by(OutboxMessage.attempts)
            )
        ).all()
        beats = set(await session.scalars(select(WorkerHeartbeat.name)))

    print(
        f"\n{MESSAGES} outbox messages by {WORKERS} worker processes in {elapsed:.1f} s "
        f"({MESSAGES / elapsed:.0f}/s); runs per worker: {by_worker}"
    )
    assert runs == {n: 1 for n in range(MESSAGES)}, "every message ran exactly once"
    assert [tuple(row) for row in states] == [(1, MESSAGES)], "each claimed once, all done"
    assert sum(outcome.ran for outcome in outcomes) == MESSAGES
    assert by_worker == {o.name: o.ran for o in outcomes if o.ran}
    assert len(by_worker) >= 2, "the workers must have competed for the same messages"
    assert beats == {f"worker-{i}" for i in range(WORKERS)}, "every worker shows its heartbeat"
