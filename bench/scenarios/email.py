"""Scenario 5: email ingest over SMTP.

Our SMTP server runs in a process of its own (as in ``throughline serve``);
four client threads, each one SMTP connection like a sending MTA, deliver
realistic mail with ``smtplib``: new problems (plain, HTML-only, with a log
file attached), customers' replies to their own earlier mail (threaded by
``In-Reply-To``), replies tagged ``[TL-n]``-style in the subject, and
out-of-office auto-replies. Measured: messages per second answered ``250``
(stored), and messages per second fully processed (threaded, cases opened),
from the first byte sent to the last message processed. Checked: every
message sent is stored exactly once and processed; none is lost.

    python -m bench.scenarios.email --messages 5000 [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import smtplib
import socket
import tempfile
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.client import summary
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.models import Case, InboundMessage, utcnow
from throughline.reps import service as reps

SUPPORT = "help@bench.example"
_PROBLEMS = (
    ("Printer says offline", "Since this morning the printer on floor 2 says it is offline."),
    ("VPN drops every hour", "The VPN client disconnects every hour and asks for my password."),
    ("Cannot sign in", "I reset my password but the portal still says it is wrong."),
    ("Laptop fan very loud", "The fan runs at full speed even when nothing is open."),
    ("Invoice shows wrong plan", "We moved to the team plan in May but are billed for pro."),
    ("Sync conflicts in 5.2", "Since the update every file opened on two machines conflicts."),
)
_LOG = b"2026-11-23 09:14:02 ERROR spooler: device not responding (timeout 30s)\n"


# Each customer writes ten mails: kinds 1, 3, 6 answer the customer's previous mail
# (30 % replies to existing cases), 2 and 7 carry a log file (20 % with attachments,
# 5 to 200 KB), 5 is HTML only, 9 is an out-of-office auto-reply; the rest open cases.
REPLIES = (1, 3, 6)
WITH_ATTACHMENT = (2, 7)
AUTO_REPLY = 9


def _mail(n: int, client: int, sent: dict[int, str], rng: random.Random) -> bytes:
    """The n-th message of one client: a mix like a support inbox's."""
    who = f"{client}-{n // 10}"
    message = EmailMessage()
    message["From"] = f"Customer {who} <customer{who}@example{(n // 10) % 7}.org>"
    message["To"] = SUPPORT
    message["Date"] = format_datetime(utcnow())
    mid = f"bench-{client}-{n}-{rng.getrandbits(48):x}@example.org"
    message["Message-ID"] = f"<{mid}>"
    subject, body = _PROBLEMS[n % len(_PROBLEMS)]
    kind = n % 10
    if kind in REPLIES:
        earlier = sent[n - 1]
        message["Subject"] = f"Re: {subject}"
        message["In-Reply-To"] = f"<{earlier}>"
        message["References"] = f"<{earlier}>"
        body = (
            "Restarting did not help, it happened again twice.\n\n"
            f"On Mon, Nov 23, 2026 at 9:14 AM Support <{SUPPORT}> wrote:\n> {body}\n"
        )
    elif kind == AUTO_REPLY:
        message["Subject"] = f"Automatic reply: {subject}"
        message["Auto-Submitted"] = "auto-replied"
        body = "I am out of the office until Monday with limited access to email."
    else:
        message["Subject"] = subject
    if kind == 5:
        message.set_content(f"<p>{body}</p><p>Thanks,<br>the customer</p>", subtype="html")
    else:
        message.set_content(f"Hello,\n\n{body}\n\nThanks\n-- \nCustomer {who}\n")
    if kind in WITH_ATTACHMENT:
        size = rng.randrange(5_000, 200_000)
        log = (_LOG * (size // len(_LOG) + 1))[:size]
        message.add_attachment(log, maintype="text", subtype="plain", filename="spooler.log")
    sent[n] = mid
    return message.as_bytes(policy=SMTP)


def _compose(client: int, count: int) -> list[bytes]:
    """One client's mail, composed before the clock starts: composing costs the client
    about 6 ms of CPU a message (the email package), which on 2 cores would be taken
    from the server being measured; a sending MTA has its mail ready."""
    rng = random.Random(client)
    sent: dict[int, str] = {}
    return [_mail(n, client, sent, rng) for n in range(count)]


def _client(
    port: int, client: int, mails: list[bytes], latencies: list[float], errors: list[str]
) -> None:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
            smtp.ehlo(f"mta{client}.example.org")
            for raw in mails:
                began = time.perf_counter()
                smtp.sendmail(f"bounce{client}@example.org", [SUPPORT], raw)
                latencies.append((time.perf_counter() - began) * 1000)
    except Exception as exc:  # noqa: BLE001 - reported in the result, not raised
        errors.append(f"client {client}: {type(exc).__name__}: {exc}")


def _serve(settings_json: str, port: int, ready: Any, stop: Any) -> None:
    from throughline.channels.email.smtp import InboundSMTPServer

    settings = Settings.model_validate_json(settings_json)
    server = InboundSMTPServer(settings, host="127.0.0.1", port=port).start()
    ready.set()
    stop.wait()
    server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _prepare(url: str, reps_count: int) -> None:
    database = Database.connect(url, pool_size=2)
    try:
        async with database.unit_of_work() as session:
            for n in range(reps_count):
                await reps.add_rep(
                    session,
                    name=f"Mail Rep {n}",
                    email=f"mailrep{n}@bench.example",
                    capacity=10_000,
                    on_shift=True,
                    actor=CLI,
                    now=utcnow(),
                )
    finally:
        await database.dispose()


async def _counts(url: str) -> tuple[int, int, dict[tuple[str, str | None], int], int]:
    database = Database.connect(url, pool_size=1)
    try:
        async with database.unit_of_work(write=False) as session:
            total = int(await session.scalar(select(func.count(InboundMessage.id))) or 0)
            waiting = int(
                await session.scalar(
                    select(func.count(InboundMessage.id)).where(InboundMessage.state == "received")
                )
                or 0
            )
            rows = await session.execute(
                select(InboundMessage.state, InboundMessage.outcome, func.count()).group_by(
                    InboundMessage.state, InboundMessage.outcome
                )
            )
            outcomes = {(state, outcome): int(n) for state, outcome, n in rows.all()}
            cases = int(await session.scalar(select(func.count(Case.id))) or 0)
        return total, waiting, outcomes, cases
    finally:
        await database.dispose()


def run(
    url: str,
    *,
    var_dir: str,
    secret_key: str,
    messages: int = 5_000,
    clients: int = 4,
    timeout: float = 600.0,
    parse_processes: int = 1,
) -> dict[str, Any]:
    """Deliver ``messages`` over SMTP from ``clients`` connections to a migrated database."""
    asyncio.run(_prepare(url, reps_count=20))
    settings = Settings(
        database_url=url,
        var_dir=Path(var_dir),
        secret_key=secret_key,
        support_address=SUPPORT,
        embedded_worker=False,
        # Mail parsed in a process of its own: the configuration docs/PERFORMANCE.md
        # recommends for a desk that takes much mail (it uses the second core).
        email_parse_processes=parse_processes,
    )
    port = _free_port()
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    server = context.Process(target=_serve, args=(settings.model_dump_json(), port, ready, stop))
    server.start()
    errors: list[str] = []
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 60
        while not ready.wait(0.1):
            if not server.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP server did not start (exit code {server.exitcode})")
        per_client = [
            messages // clients + (1 if i < messages % clients else 0) for i in range(clients)
        ]
        threads = [
            threading.Thread(target=_client, args=(port, i, _compose(i, count), latencies, errors))
            for i, count in enumerate(per_client)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        sent_seconds = time.perf_counter() - began
        deadline = time.monotonic() + timeout
        while True:
            total, waiting, outcomes, cases = asyncio.run(_counts(url))
            if (total >= messages and waiting == 0) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        processed_seconds = time.perf_counter() - began
    finally:
        stop.set()
        server.join(60)
        if server.is_alive():
            server.kill()
    lost = messages - total
    if lost:
        errors.append(f"{lost} of {messages} messages were not stored")
    if waiting:
        errors.append(f"{waiting} messages stored but not processed in time")
    return {
        "name": f"email ingest: {messages:,} messages over SMTP, {clients} clients at once",
        "messages": messages,
        "clients": clients,
        "parse_processes": parse_processes,
        "stored": total,
        "stored_per_second": round(len(latencies) / sent_seconds, 1) if sent_seconds else 0.0,
        "processed_per_second": round(total / processed_seconds, 1) if processed_seconds else 0.0,
        "seconds_to_store": round(sent_seconds, 2),
        "seconds_to_process": round(processed_seconds, 2),
        "smtp_ms": summary(latencies),
        "outcomes": {
            f"{state}/{outcome}": n for (state, outcome), n in sorted(outcomes.items(), key=str)
        },
        "cases": cases,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Scenario 5: email ingest over SMTP")
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument(
        "--parse-processes", type=int, default=1, help="THROUGHLINE_EMAIL_PARSE_PROCESSES"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="throughline-email-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{work / 'bench.db'}"
    from throughline.migrate import upgrade

    upgrade(url)
    result = run(
        url,
        var_dir=str(work / "var"),
        secret_key="bench-secret",
        messages=args.messages,
        clients=args.clients,
        parse_processes=args.parse_processes,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
