"""``throughline product …`` as an administrator runs it, against the test database of each
engine; the key it prints is the one reports are accepted with."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from typer.testing import CliRunner

from throughline.cli import app
from throughline.config import Settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THROUGHLINE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("THROUGHLINE_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("THROUGHLINE_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("THROUGHLINE_BASE_URL", settings.base_url)


async def run(*args: str, code: int = 0) -> str:
    # The command runs its own event loop, so it runs in a thread of its own.
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def report(product: str) -> dict[str, object]:
    return {
        "customer": {"email": "maria@example.org", "name": "Maria"},
        "product": product,
        "version": "1.0",
        "summary": "Crashed on start",
        "environment": {"os": "Linux", "os_version": "6.8", "app_version": "1.0", "device": "pc"},
    }


async def test_add_list_and_revoke_products(client: httpx.AsyncClient, cli_env: None) -> None:
    assert "No products yet" in await run("product", "list")
    added = await run("product", "add", "Acme Mail")
    first_line, key = added.strip().splitlines()
    assert first_line == (
        "Product 'Acme Mail' added. Its key, shown only now (send it as X-Api-Key):"
    )
    assert key.startswith("tlp_")
    assert len(key) > 40

    accepted = await client.post(
        "/api/v1/reports", json=report("Acme Mail"), headers={"X-Api-Key": key}
    )
    assert accepted.status_code == 201, accepted.text

    duplicate = await run("product", "add", "Acme Mail", code=1)
    assert "a product named 'Acme Mail' already exists" in duplicate
    await run("product", "add", "Acme Calendar")

    listing = [line.split() for line in (await run("product", "list")).splitlines()]
    assert [row[0:2] for row in listing] == [["Acme", "Calendar"], ["Acme", "Mail"]]
    assert listing[1][2] == key[:12] + "…"
    assert listing[1][3] == "active"
    assert key not in await run("product", "list")

    revoked = await run("product", "revoke", "Acme Mail")
    assert revoked.strip() == "Key of 'Acme Mail' revoked; its reports are refused from now on."
    refused = await client.post(
        "/api/v1/reports", json=report("Acme Mail"), headers={"X-Api-Key": key}
    )
    assert refused.status_code == 401
    assert (await run("product", "list")).splitlines()[1].split()[3] == "revoked"
    assert "no product 'Nope'" in await run("product", "revoke", "Nope", code=1)
