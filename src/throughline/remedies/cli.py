"""``throughline remedy …``: the catalogue, per-rep limits, and each rep's approver."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.kit.actors import CLI
from throughline.kit.errors import NotFound
from throughline.models import Rep, utcnow
from throughline.remedies.rules import amount_words, parse_limit, parse_unit

remedy_app = typer.Typer(
    help="Remedies reps may grant (refunds, replacements…), their limits and approvers.",
    no_args_is_help=True,
)

UnitOption = Annotated[str, typer.Option(help="What the amount counts: money, days or items")]
LimitOption = Annotated[str, typer.Option(help="Most a rep may grant at once without approval")]


async def _rep(session: AsyncSession, ref: str, what: str) -> Rep:
    from throughline.reps import repository as reps

    rep = await reps.by_ref(session, ref)
    if rep is None:
        raise NotFound(f"{what}: no rep {ref!r}")
    return rep


@remedy_app.command("add")
def remedy_add(
    key: Annotated[str, typer.Argument(help="What reps send as 'kind', e.g. refund")],
    label: Annotated[str, typer.Option(help="Shown to reps and customers, e.g. 'Refund'")],
    unit: UnitOption,
    limit: LimitOption,
) -> None:
    """Add a remedy to the catalogue with the limit every rep gets by default."""
    from throughline.cli import in_session
    from throughline.remedies import service

    async def work(session: AsyncSession, _settings: Settings) -> str:
        kind = parse_unit(unit)
        remedy = await service.add_remedy(
            session,
            key=key,
            label=label,
            unit=kind,
            limit=parse_limit(kind, limit),
            actor=CLI,
            now=utcnow(),
        )
        limit_text = amount_words(remedy.default_limit, kind)
        return f"Remedy {remedy.key!r} added: {remedy.label}, limit {limit_text}."

    typer.echo(in_session(work))


@remedy_app.command("list")
def remedy_list() -> None:
    """The catalogue with each remedy's default limit."""
    from throughline.cli import in_session
    from throughline.remedies import repository

    async def work(session: AsyncSession, _settings: Settings) -> list[str]:
        remedies = await repository.catalogue(session, active_only=False)
        return [
            f"{r.key:<20} {r.label:<24} {r.unit:<6} "
            f"limit {amount_words(r.default_limit, r.unit):<12}"
            f"{'' if r.is_active else ' (retired)'}".rstrip()
            for r in remedies
        ]

    lines = in_session(work)
    typer.echo(
        "\n".join(lines) if lines else "No remedies yet: add one with 'throughline remedy add'."
    )


@remedy_app.command("limit")
def remedy_limit(
    kind: Annotated[str, typer.Option(help="The remedy's key")],
    limit: LimitOption,
    rep: Annotated[str | None, typer.Option(help="The rep's email (or id)")] = None,
    default: Annotated[
        bool, typer.Option("--default", help="Set the default every rep gets, not one rep's")
    ] = False,
) -> None:
    """Give one rep their own limit for one remedy (--rep), or change the default (--default)."""
    from throughline.cli import in_session
    from throughline.remedies import service

    if default == (rep is not None):
        typer.echo("Error: give either --rep (one rep's limit) or --default.", err=True)
        raise typer.Exit(2)

    async def work(session: AsyncSession, _settings: Settings) -> str:
        remedy = await service.get_remedy(session, kind)
        value = parse_limit(remedy.unit, limit)
        if rep is None:
            value = await service.set_default_limit(session, remedy, limit=value, actor=CLI)
            return (
                f"Every rep without their own limit may now grant {remedy.label} "
                f"up to {amount_words(value, remedy.unit)}."
            )
        person = await _rep(session, rep, "rep")
        value = await service.set_rep_limit(session, person, remedy, limit=value, actor=CLI)
        return (
            f"{person.name} may now grant {remedy.label} up to {amount_words(value, remedy.unit)}."
        )

    typer.echo(in_session(work))


@remedy_app.command("retire")
def remedy_retire(
    key: str,
    undo: Annotated[bool, typer.Option("--undo", help="Offer the remedy again")] = False,
) -> None:
    """Stop offering a remedy; actions already taken stay on their cases."""
    from throughline.cli import in_session
    from throughline.remedies import service

    async def work(session: AsyncSession, _settings: Settings) -> str:
        remedy = await service.get_remedy(session, key)
        await service.set_active(session, remedy, active=undo, actor=CLI)
        return f"{remedy.label} is {'offered again' if undo else 'no longer offered'}."

    typer.echo(in_session(work))


@remedy_app.command("approver")
def remedy_approver(
    rep: Annotated[str, typer.Option(help="The rep's email (or id)")],
    approver: Annotated[str, typer.Option(help="The lead who decides above their limits")],
) -> None:
    """Name the one lead who decides a rep's actions above their limits."""
    from throughline.cli import in_session
    from throughline.remedies import service

    async def work(session: AsyncSession, _settings: Settings) -> str:
        person = await _rep(session, rep, "rep")
        lead = await _rep(session, approver, "approver")
        await service.set_approver(session, person, lead, actor=CLI)
        return f"{lead.name} now decides {person.name}'s actions above their limits."

    typer.echo(in_session(work))
