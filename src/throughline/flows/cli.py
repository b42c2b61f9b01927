"""``throughline flow …``: check the flow files and the phone directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from throughline.flows import loader
from throughline.phone import directory as directories

flow_app = typer.Typer(help="Self-service flows and the phone directory.", no_args_is_help=True)


@flow_app.command("check")
def check(
    folder: Annotated[
        Path | None, typer.Option(help="Flows folder (default: THROUGHLINE_FLOWS_DIR)")
    ] = None,
    directory: Annotated[
        Path | None,
        typer.Option(help="Phone directory file (default: THROUGHLINE_PHONE_DIRECTORY_FILE)"),
    ] = None,
) -> None:
    """Validate every flow file and the phone directory; print each problem. Exit 1 on any."""
    from throughline.cli import load_settings

    settings = load_settings()
    flows_folder, origin = (folder, "file") if folder else loader.flows_folder(settings)
    if not flows_folder.is_dir():
        typer.echo(f"Error: flows folder {flows_folder} does not exist", err=True)
        raise typer.Exit(1)
    files = loader.flow_files(flows_folder)
    problems = [str(problem) for problem in loader.check_folder(flows_folder)]
    where = " (shipped with Throughline)" if origin == "package" else ""
    typer.echo(f"Flows in {flows_folder}{where}: {len(files)} file(s)")
    path = directory or directories.directory_file(settings)
    if path.is_file():
        directory_problems = directories.check(path)
        problems.extend(f"{path}: {problem}" for problem in directory_problems)
        typer.echo(f"Phone directory {path}: {'ok' if not directory_problems else 'problems'}")
    else:
        problems.append(f"{path}: phone directory file does not exist")
    for problem in problems:
        typer.echo(f"  - {problem}")
    if problems:
        typer.echo(f"{len(problems)} problem(s).", err=True)
        raise typer.Exit(1)
    typer.echo("All flows and the phone directory are valid.")
