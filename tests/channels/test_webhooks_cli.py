"""``throughline channel …`` as an administrator runs it, against the test database of each
engine; the secret it prints is the one inbound messages must be signed with."""

from __future__ import annotations

import json

import httpx

from tests.builders import Personas
from tests.channels.test_reports_cli import cli_env, run
from throughline.channels.webhooks.signing import sign

__all__ = ["cli_env"]


def signed(secret: str, message_id: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(
        {
            "external_user_id": "u-1",
            "display_name": "Sam",
            "text": "Hello, my phone will not pair",
            "message_id": message_id,
            "sent_at": "2026-11-23T10:00:00+01:00",
        }
    ).encode()
    return raw, {"X-Throughline-Signature": sign(secret, raw)}


async def test_add_list_and_remove_channels(
    client: httpx.AsyncClient, people: Personas, cli_env: None
) -> None:
    assert "No channels yet" in await run("channel", "list")
    added = await run("channel", "add", "telegram", "--outbound-url", "https://bridge.example/out")
    lines = added.strip().splitlines()
    assert lines[0] == "Channel 'telegram' added."
    assert lines[1] == "Inbound:  POST http://testserver/api/v1/channels/telegram/inbound"
    assert lines[2] == "Outbound: POST https://bridge.example/out"
    secret = lines[-1]
    assert len(secret) == 64

    raw, headers = signed(secret, "t-1")
    accepted = await client.post("/api/v1/channels/telegram/inbound", content=raw, headers=headers)
    assert accepted.status_code == 201, accepted.text

    assert "already exists" in await run(
        "channel", "add", "telegram", "--outbound-url", "https://x.example/", code=1
    )
    bad_name = await run("channel", "add", "Tele Gram", "--outbound-url", "https://x/", code=1)
    assert "name: 'Tele Gram' must be 1 to 24 lowercase letters" in bad_name
    bad_url = await run("channel", "add", "sms", "--outbound-url", "ftp://x/", code=1)
    assert "outbound-url: 'ftp://x/' must be an http:// or https:// URL" in bad_url

    listing = (await run("channel", "list")).split()
    assert listing == ["telegram", "active", "https://bridge.example/out"]
    assert secret not in await run("channel", "list")

    removed = await run("channel", "remove", "telegram")
    assert removed.strip() == "Channel 'telegram' removed; its cases stay as they are."
    raw, headers = signed(secret, "t-2")
    refused = await client.post("/api/v1/channels/telegram/inbound", content=raw, headers=headers)
    assert refused.status_code == 404
    assert (await run("channel", "list")).split()[1] == "removed"

    # Added again, the channel has a new secret: the old one no longer signs.
    again = (
        (await run("channel", "add", "telegram", "--outbound-url", "https://bridge.example/v2"))
        .strip()
        .splitlines()[-1]
    )
    assert again != secret
    raw, headers = signed(secret, "t-3")
    stale = await client.post("/api/v1/channels/telegram/inbound", content=raw, headers=headers)
    assert stale.status_code == 401
    raw, headers = signed(again, "t-3")
    fresh = await client.post("/api/v1/channels/telegram/inbound", content=raw, headers=headers)
    assert fresh.status_code == 201
