"""`throughline rep add` sets a first password and role; `rep password` resets one."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from throughline.cli import app as cli
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Rep, utcnow
from throughline.workspace import auth


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", url)
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("THROUGHLINE_SECRET_KEY", "cli-test-key")
    return Settings(database_url=url, var_dir=tmp_path / "var", secret_key="cli-test-key")


async def run(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args))


async def can_sign_in(settings: Settings, email: str, password: str) -> bool:
    database = Database.from_settings(settings)
    try:
        async with database.unit_of_work() as session:
            await auth.sign_in(
                session,
                email=email,
                password=password,
                client="cli-test",
                settings=settings,
                now=utcnow(),
            )
        return True
    except auth.SignInFailed:
        return False
    finally:
        await database.dispose()


async def test_rep_add_with_a_password_and_a_role(settings: Settings) -> None:
    added = await run(
        "rep",
        "add",
        "--name",
        "Ada",
        "--email",
        "ada@desk.example",
        "--password",
        "a first password",
        "--role",
        "admin",
    )
    assert added.exit_code == 0, added.output
    assert "added as admin" in added.stdout
    assert "a first password" not in added.stdout  # what the admin chose is not echoed
    assert await can_sign_in(settings, "ada@desk.example", "a first password")
    database = Database.from_settings(settings)
    async with database.unit_of_work(write=False) as session:
        from sqlalchemy import select

        rep = await session.scalar(select(Rep).where(Rep.email == "ada@desk.example"))
        assert rep is not None
        assert rep.role == "admin"
        assert rep.is_lead
    await database.dispose()


async def test_rep_add_prints_a_generated_password_and_rep_password_resets_it(
    settings: Settings,
) -> None:
    added = await run("rep", "add", "--name", "Bo", "--email", "bo@desk.example")
    assert added.exit_code == 0, added.output
    found = re.search(r"Workspace password \(shown once\): (\S+)", added.stdout)
    assert found is not None
    assert await can_sign_in(settings, "bo@desk.example", found.group(1))

    reset = await run("rep", "password", "bo@desk.example")
    assert reset.exit_code == 0, reset.output
    new = re.search(r"New password: (\S+)", reset.stdout)
    assert new is not None
    assert not await can_sign_in(settings, "bo@desk.example", found.group(1))
    assert await can_sign_in(settings, "bo@desk.example", new.group(1))

    chosen = await run("rep", "password", "bo@desk.example", "--password", "short")
    assert chosen.exit_code == 1
    assert "password: must be at least 10 characters" in chosen.output
    missing = await run("rep", "password", "nobody@desk.example")
    assert missing.exit_code == 1
    assert "no rep 'nobody@desk.example'" in missing.output


async def test_demo_workspace_writes_passwords_that_sign_in(settings: Settings) -> None:
    from throughline.demo import ensure_demo
    from throughline.migrate import upgrade

    upgrade(settings.resolved_database_url)
    assert await ensure_demo(settings)
    credentials = (settings.var_dir / "demo-credentials.txt").read_text()
    line = next(line for line in credentials.splitlines() if "alex@example.com" in line)
    password = line.split()[4]
    assert "admin" in line
    assert await can_sign_in(settings, "alex@example.com", password)
