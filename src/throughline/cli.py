"""The ``throughline`` command: migrate, serve, worker, and managing reps and teams."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.bench.cli import bench_app
from throughline.channels.cli import channel_app, product_app
from throughline.config import Settings
from throughline.db import Database
from throughline.flows.cli import flow_app
from throughline.kit.actors import CLI
from throughline.kit.errors import DomainError
from throughline.migrate import upgrade
from throughline.models import utcnow
from throughline.remedies.cli import remedy_app
from throughline.schedules.cli import schedule_app
from throughline.search.cli import search_app

app = typer.Typer(
    help="Throughline: technical support where one person owns your problem.", no_args_is_help=True
)
rep_app = typer.Typer(help="Reps: the people who own cases.", no_args_is_help=True)
team_app = typer.Typer(help="Specialist teams that answer escalations.", no_args_is_help=True)
app.add_typer(rep_app, name="rep")
app.add_typer(team_app, name="team")
app.add_typer(remedy_app, name="remedy")
app.add_typer(bench_app, name="bench")
app.add_typer(product_app, name="product")
app.add_typer(channel_app, name="channel")
app.add_typer(flow_app, name="flow")
rep_app.add_typer(schedule_app, name="schedule")
app.add_typer(search_app, name="search")

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  THROUGHLINE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        ]
        typer.echo("Bad settings:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


def in_session(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """Run one unit of work against the configured database, after migrating it."""
    settings = load_settings()
    upgrade(settings.resolved_database_url)

    async def run() -> T:
        database = Database.from_settings(settings)
        try:
            async with database.unit_of_work() as session:
                return await work(session, settings)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except DomainError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    settings = load_settings()
    upgrade(settings.resolved_database_url)
    typer.echo(f"Database is up to date ({settings.resolved_database_url.split('://')[0]}).")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(help="Web processes, each with the embedded worker when it is on")
    ] = 1,
    demo: Annotated[
        bool, typer.Option(help="Create the demo workspace on an empty database")
    ] = True,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (turn off behind a proxy that logs them)")
    ] = True,
    smtp_port: Annotated[
        int | None,
        typer.Option(help="Inbound SMTP port (default THROUGHLINE_SMTP_PORT, 2525; 0 disables)"),
    ] = None,
) -> None:
    """Migrate, then serve the API with the background worker inside (embedded default)."""
    import uvicorn

    settings = load_settings()
    upgrade(settings.resolved_database_url)
    if demo:
        from throughline.demo import ensure_demo

        asyncio.run(ensure_demo(settings))
    # One SMTP server in this (parent) process, however many web processes uvicorn starts.
    smtp = None
    smtp_port = settings.smtp_port if smtp_port is None else smtp_port
    if smtp_port:
        from throughline.channels.email.smtp import InboundSMTPServer

        try:
            smtp = InboundSMTPServer(settings, port=smtp_port).start()
        except OSError as exc:
            typer.echo(
                f"Cannot receive mail on {settings.smtp_host}:{smtp_port}: {exc.strerror or exc}"
                " (choose another --smtp-port, or 0 to turn inbound SMTP off)",
                err=True,
            )
            raise typer.Exit(1) from None
        typer.echo(f"Inbound mail (SMTP) on {settings.smtp_host}:{smtp_port}")
    if settings.smtp_url:
        relay = urlsplit(settings.smtp_url)  # never print the credentials
        typer.echo(f"Outgoing mail through the relay {relay.hostname}:{relay.port or 'default'}")
    else:
        typer.echo(
            f"Outgoing mail is written to {settings.var_dir / 'outgoing-mail'}/ "
            "(set THROUGHLINE_SMTP_URL to send it through a relay)"
        )
    typer.echo(f"Throughline on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    try:
        uvicorn.run(
            "throughline.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
            proxy_headers=False,
            # Live pages hold connections open; do not wait for them to end on shutdown.
            timeout_graceful_shutdown=5,
        )
    finally:
        if smtp is not None:
            smtp.stop()


@app.command()
def worker() -> None:
    """Run background work (timers, outbox) as its own process; run several at scale."""
    from throughline.worker.runner import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    upgrade(settings.resolved_database_url)

    async def run() -> None:
        database = Database.from_settings(settings)
        try:
            await Worker(database, settings).run_forever()
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@team_app.command("add")
def team_add(name: str) -> None:
    """Create a team (e.g. "Tier 2", "Billing", "Hardware")."""
    from throughline.reps import service

    async def work(session: AsyncSession, _settings: Settings) -> None:
        await service.add_team(session, name, actor=CLI, now=utcnow())

    in_session(work)
    typer.echo(f"Team {name!r} created.")


@rep_app.command("add")
def rep_add(
    name: Annotated[str, typer.Option(help="Full name, shown to customers")],
    email: Annotated[str, typer.Option(help="Work email; also the sign-in")],
    capacity: Annotated[int, typer.Option(help="Active cases at once")] = 5,
    team: Annotated[list[str] | None, typer.Option(help="Team to join (repeatable)")] = None,
    lead: Annotated[bool, typer.Option(help="A lead: may step into any case, approves")] = False,
    extension: Annotated[str | None, typer.Option(help="Direct phone extension")] = None,
    phone: Annotated[str | None, typer.Option(help="Direct phone number")] = None,
    on_shift: Annotated[bool, typer.Option(help="Start on shift: pulls waiting cases now")] = False,
    role: Annotated[
        str | None, typer.Option(help="Workspace role: rep, specialist, lead or admin")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="First workspace password (default: generated, printed)")
    ] = None,
) -> None:
    """Add a rep; print their first workspace password and their API token (shown once)."""
    from throughline.reps import service
    from throughline.workspace import auth

    chosen_role = auth.check_role(role) if role else ("lead" if lead else "rep")
    first_password = password or auth.new_password()

    async def work(session: AsyncSession, _settings: Settings) -> str:
        rep, token = await service.add_rep(
            session,
            name=name,
            email=email,
            capacity=capacity,
            teams=list(team or []),
            lead=chosen_role in ("lead", "admin"),
            extension=extension,
            phone=phone,
            on_shift=on_shift,
            actor=CLI,
            now=utcnow(),
        )
        auth.set_role(session, rep, chosen_role, actor=CLI)
        await auth.set_password(session, rep, first_password, actor=CLI, now=utcnow())
        return token

    token = in_session(work)
    typer.echo(f"Rep {name} <{email.lower()}> added as {chosen_role}.")
    if password is None:
        typer.echo(f"Workspace password (shown once): {first_password}")
    typer.echo(f"API token (shown once):\n{token}")


@rep_app.command("password")
def rep_password(
    email: str,
    password: Annotated[
        str | None, typer.Option(help="The new password (default: generated and printed)")
    ] = None,
) -> None:
    """Set a new workspace password for a rep (signs them out everywhere)."""
    from throughline.reps import repository
    from throughline.workspace import auth

    new = password or auth.new_password()

    async def work(session: AsyncSession, _settings: Settings) -> None:
        rep = await repository.by_ref(session, email)
        if rep is None:
            raise DomainError(f"no rep {email!r}")
        await auth.set_password(session, rep, new, actor=CLI, now=utcnow())

    in_session(work)
    typer.echo(
        f"Password for {email.lower()} changed." + ("" if password else f" New password: {new}")
    )


@rep_app.command("token")
def rep_token(email: str) -> None:
    """Issue a new API token for a rep; the old one stops working."""
    from throughline.reps import repository, service

    async def work(session: AsyncSession, _settings: Settings) -> str:
        rep = await repository.by_ref(session, email)
        if rep is None:
            raise DomainError(f"no rep {email!r}")
        return await service.new_token(session, rep, actor=CLI)

    typer.echo(in_session(work))


if __name__ == "__main__":
    app()
