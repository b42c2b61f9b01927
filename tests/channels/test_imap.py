"""The IMAP poller against a real IMAP server: Debian's Dovecot, started by the test.

Dovecot runs from a minimal configuration in a temporary folder: plain
password auth from a passwd-file, Maildir storage, one IMAP listener on a
free port of 127.0.0.1, no TLS.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.builders import Personas
from tests.channels.mail import compose, free_port
from throughline.channels.email import imap
from throughline.channels.email.imap import MailboxUrl
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, InboundMessage
from throughline.worker.runner import Worker

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "support", "s3cret pass"


@dataclass
class Dovecot:
    port: int
    log: Path

    def url(self, password: str = PASSWORD) -> str:
        return f"imap://{USER}:{password.replace(' ', '%20')}@127.0.0.1:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        client.select("INBOX")
        return client

    def deliver(self, raw: bytes, *, seen: bool = False) -> None:
        client = self.client()
        try:
            status, _ = client.append("INBOX", "(\\Seen)" if seen else None, None, raw)
            assert status == "OK"
        finally:
            client.logout()

    def unseen(self) -> int:
        client = self.client()
        try:
            _, data = client.uid("SEARCH", "UNSEEN")
            return len(data[0].split())
        finally:
            client.logout()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="tl-dovecot-"))
    port = free_port()
    if os.geteuid() == 0:
        # Dovecot never runs mail processes as root: the mail belongs to its own user.
        mail_user = pwd.getpwnam("dovecot")
        uid, gid, users = mail_user.pw_uid, mail_user.pw_gid, ""
        root.chmod(0o755)
    else:
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        users = f"default_login_user = {me}\ndefault_internal_user = {me}\n"
    (root / "mail").mkdir()
    os.chown(root / "mail", uid, gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{users}protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:{root}/mail/%u/Maildir
first_valid_uid = {uid}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True)
    server = Dovecot(port=port, log=root / "dovecot.log")
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().logout()
                break
            except OSError:
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.1)
        yield server
    finally:
        subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False)
        pid_file = root / "run" / "master.pid"
        deadline = time.monotonic() + 15
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Dovecot:
    """The shared server with an empty INBOX for this test."""
    client = dovecot.client()
    try:
        _, data = client.uid("SEARCH", "ALL")
        if data[0]:
            client.uid("STORE", b",".join(data[0].split()).decode(), "+FLAGS", "(\\Deleted)")
            client.expunge()
    finally:
        client.logout()
    return dovecot


async def count(database: Database, model: type[Case] | type[InboundMessage]) -> int:
    async with database.unit_of_work(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_mailbox_url_is_read_with_defaults() -> None:
    url = MailboxUrl.parse("imaps://help%40acme.example:p%40ss@imap.example.com/Support")
    assert (url.secure, url.host, url.port) == (True, "imap.example.com", 993)
    assert (url.user, url.password, url.mailbox) == ("help@acme.example", "p@ss", "Support")
    assert MailboxUrl.parse("imap://u:p@h").port == 143
    assert MailboxUrl.parse("imap://u:p@h").mailbox == "INBOX"
    with pytest.raises(ValueError, match="imap:// or imaps://"):
        MailboxUrl.parse("pop3://u:p@h/INBOX")


async def test_unseen_mail_is_stored_then_marked_seen_and_becomes_cases(
    mailbox: Dovecot, database: Database, settings: Settings, people: Personas
) -> None:
    first, _ = compose(subject="Laptop will not boot")
    second, _ = compose(sender="Ken <ken@example.org>", subject="VPN drops")
    already_read, _ = compose(sender="old@example.org", subject="Read by a person already")
    mailbox.deliver(first)
    mailbox.deliver(second)
    mailbox.deliver(already_read, seen=True)
    polling = settings.model_copy(update={"imap_url": mailbox.url()})

    result = await imap.poll(database, polling)

    assert (result.fetched, result.stored) == (2, 2)
    assert mailbox.unseen() == 0
    assert await count(database, InboundMessage) == 2
    assert await count(database, Case) == 2
    async with database.unit_of_work(write=False) as session:
        stored = (await session.scalars(select(InboundMessage))).all()
    assert {row.raw for row in stored} == {first, second}  # byte for byte
    assert {row.source for row in stored} == {"imap"}


async def test_a_message_fetched_again_is_not_stored_twice(
    mailbox: Dovecot, database: Database, settings: Settings, people: Personas
) -> None:
    raw, _ = compose()
    mailbox.deliver(raw)
    polling = settings.model_copy(update={"imap_url": mailbox.url()})
    await imap.poll(database, polling)
    # Someone marks it unread again (or we crashed before \Seen): the next poll sees it.
    mailbox.deliver(raw)

    result = await imap.poll(database, polling)

    assert (result.fetched, result.stored) == (1, 0)
    assert await count(database, InboundMessage) == 1
    assert await count(database, Case) == 1


async def test_mail_over_the_size_limit_stays_unread_in_the_mailbox(
    mailbox: Dovecot, database: Database, settings: Settings
) -> None:
    raw, _ = compose(body="x" * 5000)
    mailbox.deliver(raw)
    polling = settings.model_copy(update={"imap_url": mailbox.url(), "max_email_bytes": 2048})

    result = await imap.poll(database, polling)

    assert (result.fetched, result.stored, result.refused) == (1, 0, 1)
    assert mailbox.unseen() == 1  # a person can still read it there
    assert await count(database, InboundMessage) == 0


async def test_the_worker_polls_the_mailbox_and_survives_a_wrong_password(
    mailbox: Dovecot, database: Database, settings: Settings, people: Personas
) -> None:
    mailbox.deliver(compose()[0])
    wrong = settings.model_copy(update={"imap_url": mailbox.url("wrong")})

    done = await Worker(database, wrong).run_once()  # logged, not raised

    assert done["inbound_mail"] == 0
    assert mailbox.unseen() == 1
    right = settings.model_copy(update={"imap_url": mailbox.url()})
    done = await Worker(database, right).run_once()
    assert done["inbound_mail"] == 1
    assert mailbox.unseen() == 0
    assert await count(database, Case) == 1
