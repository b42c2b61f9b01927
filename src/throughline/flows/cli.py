"""``throughline flow …``: check the flow files and the phone directory."""

import typer

flow_app = typer.Typer(help="Self-service flows and the phone directory.", no_args_is_help=True)
