"""Our SMTP server with a real client (``smtplib``): 250 only once the mail is stored."""

from __future__ import annotations

import asyncio
import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.builders import Personas
from tests.channels.mail import compose, free_port
from throughline.channels.email.smtp import InboundSMTPServer
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, InboundMessage


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[InboundSMTPServer]:
    configured = settings.model_copy(
        update={"support_address": "help@acme.example", "max_email_bytes": 64 * 1024}
    )
    server = InboundSMTPServer(configured, host="127.0.0.1", port=free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def send(server: InboundSMTPServer, raw: bytes, *, to: str = "help@acme.example") -> None:
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        client.ehlo("client.example.org")
        client.sendmail("maria@example.org", [to], raw)


async def rows(database: Database) -> list[InboundMessage]:
    async with database.unit_of_work(write=False) as session:
        return list((await session.scalars(select(InboundMessage))).all())


async def cases(database: Database) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def test_a_mail_sent_over_smtp_is_stored_before_250_and_opens_a_case(
    smtp_server: InboundSMTPServer, database: Database, people: Personas
) -> None:
    raw, mid = compose(to="help@acme.example", subject="Scanner jams")

    await asyncio.to_thread(send, smtp_server, raw)

    # The 250 came back: the bytes are committed, whatever processing is doing.
    (row,) = await rows(database)
    assert row.raw == raw
    assert row.external_id == mid
    assert row.source == "smtp"
    assert row.envelope["mail_from"] == "maria@example.org"
    assert row.envelope["rcpt_tos"] == ["help@acme.example"]
    await asyncio.to_thread(smtp_server.drain)
    (row,) = await rows(database)
    assert (row.state, row.outcome) == ("processed", "new_case")
    assert await cases(database) == 1


async def test_the_same_mail_delivered_twice_is_one_message(
    smtp_server: InboundSMTPServer, database: Database, people: Personas
) -> None:
    raw, _ = compose(to="help@acme.example")

    await asyncio.to_thread(send, smtp_server, raw)
    await asyncio.to_thread(send, smtp_server, raw)
    await asyncio.to_thread(smtp_server.drain)

    assert len(await rows(database)) == 1
    assert await cases(database) == 1


async def test_a_mail_over_the_size_limit_is_refused_with_552(
    smtp_server: InboundSMTPServer, database: Database
) -> None:
    raw, _ = compose(to="help@acme.example", body="a long log line\n" * 8000)

    with pytest.raises(smtplib.SMTPException) as refused:
        await asyncio.to_thread(send, smtp_server, raw)

    code = getattr(refused.value, "smtp_code", None)
    assert code == 552, refused.value
    assert await rows(database) == []


async def test_mail_for_other_domains_is_refused_we_are_not_a_relay(
    smtp_server: InboundSMTPServer, database: Database
) -> None:
    raw, _ = compose(to="someone@elsewhere.example")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(send, smtp_server, raw, to="someone@elsewhere.example")

    code, message = refused.value.recipients["someone@elsewhere.example"]
    assert code == 550
    assert b"Relaying denied" in message
    assert await rows(database) == []


async def test_long_lines_from_careless_senders_are_accepted(
    smtp_server: InboundSMTPServer, database: Database, people: Personas
) -> None:
    raw, _ = compose(to="help@acme.example", body="word " * 600)  # one 3000-byte line
    raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")

    await asyncio.to_thread(send, smtp_server, raw)
    await asyncio.to_thread(smtp_server.drain)

    (row,) = await rows(database)
    assert row.state == "processed"


def test_serve_starts_one_smtp_server_that_feeds_the_desk(tmp_path: Path) -> None:
    """``throughline serve --smtp-port P`` as a user runs it: mail in, case visible."""
    http_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "THROUGHLINE_VAR_DIR": str(tmp_path / "var"),
        "THROUGHLINE_BASE_URL": f"http://127.0.0.1:{http_port}",
        "THROUGHLINE_SUPPORT_ADDRESS": "help@acme.example",
        "THROUGHLINE_WORKER_INTERVAL_SECONDS": "0.5",
    }
    env.pop("THROUGHLINE_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "throughline.cli",
            "serve",
            "--port",
            str(http_port),
            "--smtp-port",
            str(smtp_port),
            "--no-access-log",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{http_port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        raw, mid = compose(to="help@acme.example", subject="Label printer prints blank labels")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.sendmail("maria@example.org", ["help@acme.example"], raw)

        # The demo workspace's lead reads the case list with the CLI-made token.
        token = subprocess.run(
            [
                sys.executable,
                "-m",
                "throughline.cli",
                "rep",
                "add",
                "--name",
                "Test Lead",
                "--email",
                "lead@acme.example",
                "--lead",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        secret = next(word for word in token.split() if word.startswith("tl_"))
        deadline = time.monotonic() + 30
        while True:
            listed = httpx.get(
                f"http://127.0.0.1:{http_port}/api/v1/cases?channel=email",
                headers={"Authorization": f"Bearer {secret}"},
                timeout=5,
            ).json()["items"]
            if listed:
                break
            assert time.monotonic() < deadline, "the mail never became a case"
            time.sleep(0.2)
        assert listed[0]["subject"] == "Label printer prints blank labels"
        assert mid
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        log.close()
