"""The application factory: one app for the API (and, later, the pages)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from throughline.config import Settings, get_settings
from throughline.db import Database
from throughline.kit.deps import refuse_nul
from throughline.kit.errors import DomainError
from throughline.kit.limits import BodySizeLimit, RateLimit
from throughline.models import utcnow
from throughline.policy.service import PolicyRefresh
from throughline.web.csrf import CsrfCookie
from throughline.worker.runner import last_heartbeat


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>``: the time from request to response start.

    On when ``THROUGHLINE_SERVER_TIMING=true``; the benchmarks read server-side latency from it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                headers = [
                    *message.get("headers", []),
                    (b"server-timing", f"app;dur={took:.3f}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed_send)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


_HEADINGS = {
    400: "Something is wrong with that request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "That cannot be done now",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many requests",
}


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    """JSON ``{"detail": …}`` for the API; a page with the same message for a browser."""
    assert isinstance(exc, DomainError)
    if _wants_page(request):
        from throughline.web.templating import render

        heading = _HEADINGS.get(exc.status_code, "Something went wrong")
        return render(
            request,
            "error.html",
            {"heading": heading, "message": exc.message},
            status_code=exc.status_code,
        )
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """A 422 whose message names each field that is wrong and why."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(error.get("loc", ()))), "message": error.get("msg", "")}
        for error in exc.errors()
    ]
    detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


# Objects allocated before the youngest generation is collected (Python's default: 700).
GC_YOUNG_THRESHOLD = 50_000


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    run_worker: bool | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    database = database or Database.from_settings(settings)
    embedded = settings.embedded_worker if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up allocated lives as long as the process: take it out of the
        # collector's generations, or every full collection walks it (30-50 ms pauses).
        gc.collect()
        gc.freeze()
        # A request allocates thousands of objects that die with it. Collected every 700
        # allocations (the default), many were caught alive mid-request and promoted, and
        # the full collections that followed (about 10 ms, every ~50 case pages once the
        # process had worked a while) made the read routes' p99 (docs/PERFORMANCE.md).
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)
        task = None
        if embedded:
            from throughline.worker.runner import Worker

            worker = Worker(database, settings, name="embedded")
            task = asyncio.create_task(worker.run_forever())
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await database.dispose()

    app = FastAPI(
        title="Throughline",
        version="0.1.0",
        description="Technical support where one person owns your problem.",
        lifespan=lifespan,
    )
    app.add_middleware(
        RateLimit, prefix="/api/v1/status/", per_minute=settings.customer_requests_per_minute
    )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        overrides={
            "/api/v1/reports": settings.max_report_bytes,
            # The portal's new-case form carries attachments (each checked on its own).
            "/portal/new": settings.max_email_bytes,
        },
    )
    app.add_middleware(CsrfCookie, secure=settings.cookie_secure)
    app.add_middleware(PolicyRefresh, settings=settings, database=database)
    if settings.server_timing:
        app.add_middleware(ServerTiming)
    app.state.settings = settings
    app.state.database = database
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

    from throughline.api import router
    from throughline.web.routes import router as pages
    from throughline.web.templating import STATIC_DIR

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        """200 while the database answers; says when a worker was last seen working."""
        try:
            async with database.unit_of_work(write=False) as session:
                await session.execute(text("SELECT 1"))
                beat = await last_heartbeat(session)
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        worker = None
        if beat is not None:
            age = (utcnow() - beat.seen_at).total_seconds()
            worker = {
                "name": beat.name,
                "seen_at": beat.seen_at.isoformat(),
                "age_seconds": round(age, 1),
                # Silence for ten rounds means background work has stopped: say so loudly.
                "stale": age > 10 * settings.worker_interval_seconds,
            }
        return JSONResponse(
            {
                "status": "ok",
                "database": "sqlite" if database.is_sqlite else "postgresql",
                "worker": worker,
                "statements": database.statements,
            }
        )

    @app.get("/api/v1/ping", tags=["ops"])
    async def ping() -> dict[str, bool]:
        """A route that does no work: the framework's own cost (benchmark scenario 1)."""
        return {"pong": True}

    # Routes are matched in the order they were added: the operational routes first (a
    # ping must not walk past every page), then the API, then the pages.
    app.include_router(router, dependencies=[Depends(refuse_nul)])
    app.include_router(pages, dependencies=[Depends(refuse_nul)])
    # Websockets cannot sit behind the page router's CSRF check (it reads a Request);
    # the chat checks the Origin header instead.
    from throughline.portal.chat import router as chat

    app.include_router(chat)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    return app
