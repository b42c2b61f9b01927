"""`throughline team add` and `throughline rep add`: the tokens they print open the API."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from throughline.app import create_app
from throughline.cli import app as cli
from throughline.config import Settings

TOKEN = re.compile(r"^(tl_[A-Za-z0-9_-]+)$", re.MULTILINE)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", url)
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("THROUGHLINE_SECRET_KEY", "cli-test-key")
    return url


async def run(*args: str) -> Result:
    """The CLI runs its own event loop, so it runs in a thread of its own here."""
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args))


def token_in(result: Result) -> str:
    assert result.exit_code == 0, result.output
    found = TOKEN.search(result.stdout)
    assert found, result.stdout
    return found.group(1)


async def api_get(url: str, tmp_path: Path, path: str, token: str) -> httpx.Response:
    settings = Settings(
        database_url=url, var_dir=tmp_path / "var", secret_key="k", embedded_worker=False
    )
    app = create_app(settings, run_worker=False)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            return await client.get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        await app.state.database.dispose()


async def test_rep_add_prints_a_token_that_opens_the_api(database_url: str, tmp_path: Path) -> None:
    team = await run("team", "add", "Tier 2")
    assert team.exit_code == 0, team.output
    assert "Tier 2" in team.stdout

    added = await run(
        "rep", "add", "--name", "Ada Lovelace", "--email", "Ada@Desk.example", "--team", "Tier 2"
    )
    token = token_in(added)
    assert "ada@desk.example" in added.stdout

    response = await api_get(database_url, tmp_path, "/api/v1/worklist", token)
    assert response.status_code == 200, response.text
    listing = response.json()
    assert listing["rep"]["name"] == "Ada Lovelace"
    assert listing["rep"]["email"] == "ada@desk.example"
    assert listing["on_shift"] is False
    assert listing["capacity"] == 5
    # The --team option made her a member: she sees Tier 2's escalations.
    escalations = await api_get(database_url, tmp_path, "/api/v1/teams/Tier 2/escalations", token)
    assert escalations.status_code == 200, escalations.text


async def test_lead_flag_makes_a_lead(database_url: str, tmp_path: Path) -> None:
    assert (await run("team", "add", "Billing")).exit_code == 0
    lead = token_in(await run("rep", "add", "--name", "Lee", "--email", "lee@x.org", "--lead"))
    rep = token_in(await run("rep", "add", "--name", "Ray", "--email", "ray@x.org"))
    path = "/api/v1/teams/Billing/escalations"
    assert (await api_get(database_url, tmp_path, path, lead)).status_code == 200
    assert (await api_get(database_url, tmp_path, path, rep)).status_code == 403


async def test_on_shift_flag_starts_the_rep_on_shift(database_url: str, tmp_path: Path) -> None:
    token = token_in(await run("rep", "add", "--name", "Sol", "--email", "sol@x.org", "--on-shift"))
    listing = (await api_get(database_url, tmp_path, "/api/v1/worklist", token)).json()
    assert listing["on_shift"] is True


async def test_the_same_email_twice_is_refused(database_url: str, tmp_path: Path) -> None:
    first = token_in(await run("rep", "add", "--name", "Ada", "--email", "ada@desk.example"))
    again = await run("rep", "add", "--name", "Ada Two", "--email", "ADA@desk.example")
    assert again.exit_code != 0
    assert "ada@desk.example already exists" in again.output
    assert "Traceback" not in again.output
    assert TOKEN.search(again.output) is None
    # The first rep and their token are untouched.
    response = await api_get(database_url, tmp_path, "/api/v1/worklist", first)
    assert response.json()["rep"]["name"] == "Ada"


async def test_the_same_team_twice_is_refused(database_url: str) -> None:
    assert (await run("team", "add", "Hardware")).exit_code == 0
    again = await run("team", "add", "Hardware")
    assert again.exit_code != 0
    assert "already exists" in again.output


async def test_an_unknown_team_is_named(database_url: str) -> None:
    result = await run("rep", "add", "--name", "Ada", "--email", "ada@x.org", "--team", "Nope")
    assert result.exit_code != 0
    assert "Nope" in result.output
    assert "team add" in result.output


async def test_a_bad_setting_is_named(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THROUGHLINE_SEVERITY_TARGETS_HOURS", "1,2")
    result = await run("team", "add", "Tier 2")
    assert result.exit_code != 0
    assert "THROUGHLINE_SEVERITY_TARGETS_HOURS" in result.output
    assert "four" in result.output
    assert "Traceback" not in result.output


async def test_a_bad_database_url_is_named(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", "mysql://localhost/x")
    result = await run("rep", "add", "--name", "Ada", "--email", "ada@x.org")
    assert result.exit_code != 0
    assert "THROUGHLINE_DATABASE_URL" in result.output
