"""The load client: its own process, asyncio, a bounded number of keep-alive connections.

Reads one job as JSON on stdin, prints the result as JSON on stdout:

    {"port": 8000, "kind": "worklist", "count": 2000, "concurrency": 4,
     "seconds": 60, "tokens": ["tl_…"], "case": "TL-1042"}

It speaks just enough HTTP/1.1 for a benchmark (keep-alive, Content-Length
bodies; the server always sends one), so that the client costs the shared two
cores as little as possible; httpx costs several times more per request. Each
request's latency is measured here (client side) and read from the server's
``Server-Timing: app;dur=…`` header (server side: request in to response out,
inside the app, without the network and the HTTP parsing).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.scenarios.search import queries as _queries

KINDS = ("ping", "create", "worklist", "unowned", "case_page", "search", "similar")


@dataclass(frozen=True)
class Job:
    port: int
    kind: str
    count: int
    concurrency: int
    seconds: float
    tokens: list[str] = field(default_factory=list)
    case: str | None = None
    run_id: str = "run"
    expect: int = 200


@dataclass
class Tally:
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str | None = None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float | None]:
    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "p50": r(percentile(values, 50)),
        "p90": r(percentile(values, 90)),
        "p99": r(percentile(values, 99)),
        "max": r(max(values) if values else None),
        "mean": r(sum(values) / len(values) if values else None),
    }


def _request(job: Job, i: int, rng: random.Random) -> bytes:
    """The i-th request of the job, as bytes on the wire."""
    token = rng.choice(job.tokens) if job.tokens else ""
    body = b""
    method = "GET"
    if job.kind == "ping":
        path = "/api/v1/ping"
    elif job.kind == "create":
        method, path = "POST", "/api/v1/cases"
        body = json.dumps(
            {
                "customer": {
                    "email": f"bench-{job.run_id}-{i}@customers.example",
                    "name": f"Bench Customer {i}",
                },
                "subject": "Laptop will not join the office Wi-Fi",
                "body": "Since the update yesterday my laptop sees the network "
                "but will not connect. I restarted it twice.",
                "severity": 1 + i % 4,
                "plan_tier": ("free", "pro", "enterprise")[i % 3],
                "environment": {"os": "Windows 11", "managed_by_it": i % 2 == 0},
            }
        ).encode()
    elif job.kind == "worklist":
        path = "/api/v1/worklist"
    elif job.kind == "unowned":
        path = "/api/v1/cases?unowned=true"
    elif job.kind == "case_page":
        path = f"/api/v1/cases/{job.case}"
    elif job.kind == "search":
        # job.case: how many cases the desk has; the queries are the same on every database.
        path = "/api/v1/search?" + urlencode({"q": _queries(int(job.case or 1))[i % 200]})
    elif job.kind == "similar":
        path = f"/api/v1/cases/TL-{1001 + rng.randrange(int(job.case or 1))}/similar"
    else:
        raise ValueError(f"unknown kind {job.kind!r}; one of {', '.join(KINDS)}")
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{job.port}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    length = headers.get(b"content-length")
    if length is None:
        raise RuntimeError("response without Content-Length; this client does not do chunked")
    body = await reader.readexactly(int(length))
    return status, headers, body


def _server_ms(headers: dict[bytes, bytes]) -> float | None:
    value = headers.get(b"server-timing")
    if not value:
        return None
    for part in value.split(b";"):
        if part.startswith(b"dur="):
            return float(part[4:])
    return None


async def run(job: Job) -> dict[str, Any]:
    tally = Tally()
    next_index = 0
    deadline = time.perf_counter() + job.seconds

    def take() -> int | None:
        nonlocal next_index
        if next_index >= job.count or time.perf_counter() > deadline:
            return None
        next_index += 1
        return next_index - 1

    async def connection(worker: int) -> None:
        rng = random.Random(worker)
        reader, writer = await asyncio.open_connection("127.0.0.1", job.port)
        try:
            while (i := take()) is not None:
                payload = _request(job, i, rng)
                began = time.perf_counter()
                writer.write(payload)
                status, headers, body = await _read_response(reader)
                tally.client_ms.append((time.perf_counter() - began) * 1000)
                tally.statuses[status] += 1
                server = _server_ms(headers)
                if server is not None:
                    tally.server_ms.append(server)
                if status != job.expect and tally.first_error is None:
                    tally.first_error = f"{status}: {body[:300].decode(errors='replace')}"
                if headers.get(b"connection", b"").lower() == b"close":
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", job.port)
        finally:
            writer.close()

    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    await asyncio.gather(*(connection(w) for w in range(job.concurrency)))
    elapsed = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    done = sum(tally.statuses.values())
    ok = tally.statuses.get(job.expect, 0)
    return {
        "kind": job.kind,
        "requests": done,
        "ok": ok,
        "errors": done - ok,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "first_error": tally.first_error,
        "concurrency": job.concurrency,
        "seconds": round(elapsed, 3),
        "timed_out": done < job.count,
        "rps": round(ok / elapsed, 1) if elapsed > 0 else None,
        "client_ms": summary(tally.client_ms),
        "server_ms": summary(tally.server_ms),
        "client_cpu_seconds": round(
            (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime), 3
        ),
    }


def _runner() -> Callable[[Any], Any]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run
    return uvloop.run


def main() -> None:
    job = Job(**json.load(sys.stdin))
    result = _runner()(run(job))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
