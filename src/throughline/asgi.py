"""The ASGI entry point for servers: ``uvicorn throughline.asgi:app``."""

from throughline.app import create_app

app = create_app()
