"""``throughline search rebuild``: refill the search index from the cases and timelines."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings

search_app = typer.Typer(help="The full-text search index.", no_args_is_help=True)


@search_app.command("rebuild")
def rebuild() -> None:
    """Rebuild the search index (it is kept in step on every write; this is for repairs and
    after a bulk load)."""
    from throughline.cli import in_session
    from throughline.search import repository

    async def work(session: AsyncSession, _settings: Settings) -> dict[str, int]:
        return await repository.rebuild(session)

    counts = in_session(work)
    typer.echo(
        "Search index rebuilt: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()) + "."
    )
