"""``throughline product …`` and ``throughline channel …``: report keys, webhook channels.

Keys and signing secrets are printed once, when they are made; the database
keeps only a key's hash and a channel's nonce, so neither can be shown again.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.kit.actors import CLI
from throughline.models import utcnow

product_app = typer.Typer(help="Products that send in-app error reports.", no_args_is_help=True)
channel_app = typer.Typer(help="Social and IM webhook channels.", no_args_is_help=True)


def _echo_lines(lines: list[str], *, none: str) -> None:
    """One line each, or ``none`` saying how to add the first."""
    typer.echo("\n".join(lines) if lines else none)


@product_app.command("add")
def product_add(
    name: Annotated[str, typer.Argument(help="The product's name, as reports send it")],
) -> None:
    """Add a product and print its key (X-Api-Key), once."""
    from throughline.channels.reports import service
    from throughline.cli import in_session

    async def work(session: AsyncSession, _settings: Settings) -> str:
        product, key = await service.add_product(session, name, actor=CLI, now=utcnow())
        return (
            f"Product {product.name!r} added. Its key, shown only now (send it as X-Api-Key):\n"
            f"{key}"
        )

    typer.echo(in_session(work))


@product_app.command("list")
def product_list() -> None:
    """Products with the start of their key and whether it still works."""
    from throughline.channels.reports import repository
    from throughline.cli import in_session

    async def work(session: AsyncSession, _settings: Settings) -> list[str]:
        return [
            f"{p.name:<30} {p.key_prefix}…  {'active' if p.is_active else 'revoked'}  "
            f"added {p.created_at:%Y-%m-%d}"
            for p in await repository.products(session)
        ]

    _echo_lines(in_session(work), none="No products yet: add one with 'throughline product add'.")


@product_app.command("revoke")
def product_revoke(name: Annotated[str, typer.Argument(help="The product's name")]) -> None:
    """Revoke a product's key: its reports are refused from now on (401)."""
    from throughline.channels.reports import service
    from throughline.cli import in_session

    async def work(session: AsyncSession, _settings: Settings) -> str:
        product = await service.revoke_product(session, name, actor=CLI)
        return f"Key of {product.name!r} revoked; its reports are refused from now on."

    typer.echo(in_session(work))


@channel_app.command("add")
def channel_add(
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits, - or _; at most 24")],
    outbound_url: Annotated[
        str, typer.Option("--outbound-url", help="Where replies to this channel's cases are POSTed")
    ],
) -> None:
    """Add a webhook channel and print its signing secret, once."""
    from throughline.channels.webhooks import service
    from throughline.cli import in_session

    async def work(session: AsyncSession, settings: Settings) -> str:
        channel, secret = await service.add_channel(
            session, name, outbound_url=outbound_url, settings=settings, actor=CLI, now=utcnow()
        )
        inbound = f"{settings.base_url.rstrip('/')}/api/v1/channels/{channel.name}/inbound"
        return (
            f"Channel {channel.name!r} added.\n"
            f"Inbound:  POST {inbound}\n"
            f"Outbound: POST {channel.outbound_url}\n"
            "Signing secret, shown only now (HMAC-SHA256 key for X-Throughline-Signature):\n"
            f"{secret}"
        )

    typer.echo(in_session(work))


@channel_app.command("list")
def channel_list() -> None:
    """Webhook channels with their outbound URL."""
    from throughline.channels.webhooks import repository
    from throughline.cli import in_session

    async def work(session: AsyncSession, _settings: Settings) -> list[str]:
        return [
            f"{c.name:<24} {'active ' if c.is_active else 'removed'}  {c.outbound_url}"
            for c in await repository.channels(session)
        ]

    _echo_lines(in_session(work), none="No channels yet: add one with 'throughline channel add'.")


@channel_app.command("remove")
def channel_remove(name: Annotated[str, typer.Argument(help="The channel's name")]) -> None:
    """Stop a channel: its messages are refused (404) and no replies are sent to it."""
    from throughline.channels.webhooks import service
    from throughline.cli import in_session

    async def work(session: AsyncSession, _settings: Settings) -> str:
        channel = await service.remove_channel(session, name, actor=CLI)
        return f"Channel {channel.name!r} removed; its cases stay as they are."

    typer.echo(in_session(work))
