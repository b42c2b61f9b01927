"""Scenario 8, live updates: many open work lists, the database's queries, a write's latency.

Reps sign in; ``streams`` work-list event streams (``GET /app/events``) are opened
against the server on 127.0.0.1, spread over the reps. Then, with every stream
connected: the database's queries per second while nothing happens, and while cases
arrive (``POST /api/v1/cases``, each assigned to one of the reps); and for every
arrival, the time from the request being sent to the ``worklist`` event on each open
stream of its owner. Bounded in count (streams, arrivals) and in time.

Queries counted: on PostgreSQL the database's transactions (``pg_stat_database``,
which a backend reports within about 10 s, hence the settling pauses); on SQLite the
statements the one server process sent (its ``/healthz``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench.server import Server, ServerConfig
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import Rep, utcnow
from throughline.reps import service as reps
from throughline.workspace import auth

PG_SETTLE_SECONDS = 11.0  # PostgreSQL 15 reports an idle backend's counters within 10 s


@dataclass
class Desk:
    reps: list[tuple[int, str, str]] = field(default_factory=list)  # id, API token, cookie


async def _desk(url: str, count: int, secret_key: str) -> Desk:
    database = Database.connect(url)
    desk = Desk()
    settings = Settings(database_url=url, secret_key=secret_key)
    try:
        for i in range(count):
            async with database.unit_of_work() as session:
                rep, api_token = await reps.add_rep(
                    session,
                    name=f"Live Rep {i}",
                    email=f"live{i}@desk.example",
                    capacity=10_000,
                    on_shift=True,
                    actor=CLI,
                    now=utcnow(),
                )
                await auth.set_password(session, rep, "a long password", actor=CLI, now=utcnow())
            async with database.unit_of_work() as session:
                cookie = await auth.sign_in(
                    session,
                    email=rep.email,
                    password="a long password",
                    client="bench",
                    settings=settings,
                    now=utcnow(),
                )
                assert await session.get(Rep, rep.id) is not None
            desk.reps.append((rep.id, api_token, cookie))
    finally:
        await database.dispose()
    return desk


class Streams:
    """Open event streams; each ``worklist`` event is noted with its rep and the time.

    Each behaves as a browser's EventSource: when the server ends a stream it waits the
    ``retry:`` the server asked for, then reconnects with the last event id.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.events: list[tuple[int, float]] = []
        self.first: set[int] = set()
        self.tasks: list[asyncio.Task[None]] = []
        self.errors = 0

    def open(self, index: int, rep_id: int, cookie: str) -> None:
        self.tasks.append(asyncio.create_task(self._stream(index, rep_id, cookie)))

    async def _stream(self, index: int, rep_id: int, cookie: str) -> None:
        last_id = ""
        retry = 1.0
        while True:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self.errors += 1
                await asyncio.sleep(0.5)
                continue
            head = (
                f"GET /app/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: {auth.COOKIE}={cookie}\r\nAccept: text/event-stream\r\n"
                "Connection: close\r\n"
                + (f"Last-Event-ID: {last_id}\r\n" if last_id else "")
                + "\r\n"
            )
            writer.write(head.encode())
            try:
                async for raw in reader:
                    line = raw.decode().strip()
                    if line.startswith("retry: "):
                        retry = int(line[7:]) / 1000
                    elif line.startswith("id: "):
                        last_id = line[4:]
                    elif line == "event: worklist":
                        self.events.append((rep_id, time.monotonic()))
                        self.first.add(index)
            except (OSError, asyncio.IncompleteReadError):
                self.errors += 1
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            await asyncio.sleep(retry)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _percentile(values: list[float], share: float) -> float | None:
    """In milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 1)


async def _phase(
    port: int,
    desk: Desk,
    *,
    streams: int,
    arrivals: int,
    rate: float,
    idle_seconds: float,
    settle: float,
    queries: Callable[[], Any],
    seconds: float,
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    opened = Streams(port)
    for i in range(streams):
        rep_id, _api, cookie = desk.reps[i % len(desk.reps)]
        opened.open(i, rep_id, cookie)
    try:
        while len(opened.first) < streams and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        connected = len(opened.first)
        await asyncio.sleep(settle)
        before = await queries()
        idle_began = time.monotonic()
        await asyncio.sleep(idle_seconds)
        idle = (await queries() - before) / (time.monotonic() - idle_began)
        sent: list[tuple[int, float]] = []
        posts: list[float] = []
        busy_before = await queries()
        busy_began = time.monotonic()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for n in range(arrivals):
                if time.monotonic() > deadline:
                    break
                _rep, api_token, _cookie = random.choice(desk.reps)
                began = time.monotonic()
                response = await client.post(
                    "/api/v1/cases",
                    json={
                        "customer": {"email": f"live{n}-{streams}@example.org", "name": "C"},
                        "subject": "Live",
                        "body": "It broke.",
                        "severity": 3,
                    },
                    headers={"Authorization": f"Bearer {api_token}"},
                )
                owner = (response.json().get("owner") or {}).get("id")
                if response.status_code == 201 and owner is not None:
                    sent.append((owner, began))
                    posts.append(time.monotonic() - began)
                await asyncio.sleep(max(0.0, began + 1 / rate - time.monotonic()))
        await asyncio.sleep(1.5)  # the last events
        busy_seconds = time.monotonic() - busy_began
        await asyncio.sleep(settle)
        busy = (await queries() - busy_before) / (busy_seconds + settle)
        per_rep: dict[int, int] = {}
        for i in range(streams):
            rep_id = desk.reps[i % len(desk.reps)][0]
            per_rep[rep_id] = per_rep.get(rep_id, 0) + 1
        latencies: list[float] = []
        missed = 0
        for owner, began in sent:
            times = sorted(at for rep, at in opened.events if rep == owner and at >= began)
            # Each open stream of the owner says it once: the first that many after the write.
            want = per_rep.get(owner, 0)
            got = times[:want]
            missed += want - len(got)
            latencies += [at - began for at in got]
        return {
            "streams": streams,
            "connected": connected,
            "queries_per_second_idle": round(idle, 1),
            "queries_per_second_with_arrivals": round(busy, 1),
            "arrivals": len(sent),
            "arrivals_per_second": rate,
            "events_expected": sum(per_rep.get(owner, 0) for owner, _ in sent),
            "events_missed": missed,
            "latency_ms_p50": _percentile(latencies, 0.5),
            "latency_ms_p99": _percentile(latencies, 0.99),
            # The write itself: from sending the request to its response (the commit).
            "write_ms_p99": _percentile(posts, 0.99),
            "latency_ms_max": round(max(latencies) * 1000, 1) if latencies else None,
            "stream_errors": opened.errors,
        }
    finally:
        await opened.close()


def run(
    url: str,
    *,
    config: ServerConfig,
    pg_port: int | None,
    secret_key: str,
    stream_counts: tuple[int, ...],
    reps: int,
    arrivals: int,
    rate: float,
    idle_seconds: float,
    seconds: float,
) -> dict[str, Any]:
    desk = asyncio.run(_desk(url, reps, secret_key))
    errors: list[str] = []
    phases = []
    with Server(config) as server:
        port = server.port
        if pg_port is not None:
            name = url.rsplit("/", 1)[1]

            async def queries() -> float:
                connection = await asyncpg.connect(
                    f"postgresql://postgres@127.0.0.1:{pg_port}/postgres"
                )
                try:
                    value = await connection.fetchval(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                        " WHERE datname = $1",
                        name,
                    )
                finally:
                    await connection.close()
                return float(value) + 1  # this look itself (it runs in "postgres")

            settle = PG_SETTLE_SECONDS
        else:

            async def queries() -> float:
                async with httpx.AsyncClient() as client:
                    health = await client.get(f"http://127.0.0.1:{port}/healthz")
                return float(json.loads(health.text)["statements"]) - 2  # /healthz's own

            settle = 0.5
        for count in stream_counts:
            phase = asyncio.run(
                _phase(
                    port,
                    desk,
                    streams=count,
                    arrivals=arrivals,
                    rate=rate,
                    idle_seconds=idle_seconds,
                    settle=settle,
                    queries=queries,
                    seconds=seconds,
                )
            )
            if phase["connected"] < count:
                errors.append(f"live: {count - phase['connected']} of {count} streams never opened")
            if phase["events_missed"]:
                errors.append(f"live: {phase['events_missed']} work-list events never arrived")
            phases.append(phase)
    return {
        "name": f"live updates: {max(stream_counts):,} open work lists, {reps} reps",
        "counted": "transactions (pg_stat_database)" if pg_port else "statements (in-process)",
        "phases": phases,
        "errors": errors,
    }
