"""Limits on what one client can send: request size, and the rate of unauthenticated writes."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def _reject(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413, before they are read into memory.

    ``overrides`` maps an exact path to its own cap: in-app reports carry log files.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = dict(overrides or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.overrides.get(scope["path"].rstrip("/"), self.max_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        detail = f"request body is larger than {max_bytes} bytes"
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _reject(send, 413, detail, [])
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(send, 413, detail, [])


class _TooLarge(Exception):
    pass


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """A token bucket per key (client address, product key …), per process."""

    def __init__(self, *, per_minute: int, max_keys: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(per_minute)
        self.max_keys = max_keys
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, now: float) -> bool:
        bucket = self.buckets.pop(key, None) or _Bucket(tokens=self.burst, at=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self.buckets[key] = bucket
        while len(self.buckets) > self.max_keys:
            self.buckets.popitem(last=False)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


class RateLimit:
    """A token bucket per client address for paths under ``prefix`` (per process).

    Status links are unguessable, so this is not about guessing them: it keeps
    one client from flooding a case or the database through the open routes.
    """

    def __init__(self, app: ASGIApp, *, prefix: str, per_minute: int, max_clients: int = 10_000):
        self.app = app
        self.prefix = prefix
        self.limiter = TokenBuckets(per_minute=per_minute, max_keys=max_clients)

    def allow(self, client: str, now: float) -> bool:
        return self.limiter.allow(client, now)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            client = (scope.get("client") or ("unknown", 0))[0]
            if not self.allow(str(client), time.monotonic()):
                await _reject(
                    send, 429, "too many requests; try again in a minute", [(b"retry-after", b"60")]
                )
                return
        await self.app(scope, receive, send)
