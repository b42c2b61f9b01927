"""``throughline bench``: what the benchmarks (``make bench``) need from the command line."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from throughline.migrate import upgrade

bench_app = typer.Typer(
    help="Benchmarks: load a big desk to measure against (see docs/PERFORMANCE.md).",
    no_args_is_help=True,
)


@bench_app.command("seed")
def seed_command(
    cases: Annotated[int, typer.Option(help="Cases to load (numbers from TL-1001)")],
    reps: Annotated[int, typer.Option(help="Reps, about 60 % of them on shift")] = 1000,
    customers: Annotated[int, typer.Option(help="Customers the cases belong to")] = 200_000,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the reps' API tokens [default: VAR_DIR/bench-seed.json]"),
    ] = None,
    random_seed: Annotated[int, typer.Option(help="Same seed, same desk")] = 20261123,
) -> None:
    """Bulk-load an empty database with a realistic desk, fast (COPY / executemany)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from throughline.bench.seed import BIG_TIMELINE, SeedPlan, seed
    from throughline.cli import load_settings

    settings = load_settings()
    url = settings.resolved_database_url
    upgrade(url)
    plan = SeedPlan(cases=cases, reps=reps, customers=customers, random_seed=random_seed)
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        try:
            result = asyncio.run(seed(url, plan, settings=settings, progress=progress))
        except ValueError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
    target = out or settings.var_dir / "bench-seed.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    # The file holds every seeded rep's API token: readable by its owner only.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(result.to_json(), handle)
    rows = ", ".join(f"{count:,} {table}" for table, count in result.rows.items() if count)
    typer.echo(f"Loaded in {result.seconds:.1f} s: {rows}.")
    typer.echo(f"Case with a {BIG_TIMELINE}-entry timeline: {result.big_case}.")
    typer.echo(f"Rep tokens: {target}")
