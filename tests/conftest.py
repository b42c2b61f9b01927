"""Test databases: every test gets a fresh database on SQLite and on PostgreSQL.

Services commit once per request and several tests need real commits seen by
other processes, so instead of rolling back one shared transaction, each test
gets its own database cloned from a template that the real migrations built
(a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL: ~70 ms).

PostgreSQL is a real server started from the installed binaries. Without it
the PostgreSQL half is skipped locally, but with CI=true that is a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.builders import Personas, make_personas
from throughline.app import create_app
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.pgserver import PostgresNotInstalled, TemporaryPostgres
from throughline.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps its own event loop running while the
    session's browser is open, and the asyncio tests must not run inside it."""
    items.sort(key=lambda item: "browser" in item.path.parts)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker
        only_pg = marker("postgres_only") is not None
        only_sqlite = marker("sqlite_only") is not None
        backends = ["postgresql"] if only_pg else ["sqlite"] if only_sqlite else list(BACKENDS)
        metafunc.parametrize("backend", backends)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryPostgres]:
    try:
        server = TemporaryPostgres().start()
    except PostgresNotInstalled as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not installed: {exc}")
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # an event loop may be running here
            pool.submit(asyncio.run, _admin_execute(server, "CREATE DATABASE tl_template")).result()
        upgrade(server.url("tl_template"))
        yield server
    finally:
        server.stop()


async def _admin_execute(server: TemporaryPostgres, sql: str) -> None:
    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "throughline.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    server: TemporaryPostgres = request.getfixturevalue("pg_server")
    name = f"test_{os.getpid()}_{next(_counter)}"
    await _admin_execute(server, f'CREATE DATABASE "{name}" TEMPLATE tl_template')
    yield server.url(name)
    await _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-key",
        embedded_worker=False,
        base_url="http://testserver",
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database=database, run_worker=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def people(database: Database) -> Personas:
    """The personas of permission tests: owner, other rep, lead, specialist, stranger."""
    return await make_personas(database)
