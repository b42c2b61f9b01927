"""``throughline product …`` and ``throughline channel …``: report keys, webhook channels."""

import typer

product_app = typer.Typer(help="Products that send in-app error reports.", no_args_is_help=True)
channel_app = typer.Typer(help="Social and IM webhook channels.", no_args_is_help=True)
