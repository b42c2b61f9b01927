"""Bring a database to the newest schema with the migrations shipped in this package."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision``, blocking until done."""
    _ensure_sqlite_folder(url)
    _run(command.upgrade, url, revision)


def downgrade(url: str, revision: str) -> None:
    """Walk the migrations back to ``revision`` ("base": an empty database)."""
    _run(command.downgrade, url, revision)


def _run(step: Callable[[Config, str], None], url: str, revision: str) -> None:
    # Alembic's environment starts its own event loop, so when one is already
    # running in this thread the migrations run in a thread of their own.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        step(alembic_config(url), revision)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(step, alembic_config(url), revision).result()
