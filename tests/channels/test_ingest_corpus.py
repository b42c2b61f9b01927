"""Real-world mail written by others, through the whole ingest: nothing is lost.

CPython's email test corpus (``Lib/test/test_email/data/msg_*.txt``, much of it
broken on purpose) and the client messages the parser tests use (Gmail, Apple
Mail, Outlook, Exchange and Postfix bounces, Shift_JIS ...): each one is stored,
then becomes a case, joins one, or is listed as ignored or unreadable.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import test.test_email  # type: ignore[import-not-found]  # CPython ships no stubs for it
from sqlalchemy import func, select

from tests.builders import Personas
from throughline.channels.email.ingest import process, store_raw
from throughline.config import Settings
from throughline.db import Database
from throughline.models import Case, InboundMessage

CPYTHON = sorted((Path(test.test_email.__file__).parent / "data").glob("msg_*.txt"))
CLIENTS = sorted((Path(__file__).parent / "email" / "messages").glob("*.eml"))


async def test_every_corpus_message_is_stored_and_accounted_for(
    database: Database, settings: Settings, people: Personas
) -> None:
    assert len(CPYTHON) >= 45
    assert len(CLIENTS) >= 15
    ids: dict[int, list[str]] = {}
    for path in CPYTHON + CLIENTS:
        stored = await store_raw(database, path.read_bytes(), source="smtp", settings=settings)
        ids.setdefault(stored.id, []).append(path.name)
        if stored.created:
            await process(database, settings, stored.id)

    async with database.unit_of_work(write=False) as session:
        rows = (await session.scalars(select(InboundMessage))).all()
        cases = int(await session.scalar(select(func.count()).select_from(Case)) or 0)

    # One row per distinct mail; a second file is only ever a true re-delivery.
    assert len(rows) == len(ids)
    for names in ids.values():
        if len(names) > 1:
            first, *others = names
            for other in others:
                assert (_folder(first) / first).read_bytes().split(b"\n\n", 1)[-1] == (
                    _folder(other) / other
                ).read_bytes().split(b"\n\n", 1)[-1]
    outcomes = Counter((row.state, row.outcome) for row in rows)
    assert outcomes[("received", None)] == 0, "every message was processed"
    for row in rows:
        if row.state == "processed":
            assert row.case_id is not None, (row.id, row.outcome)
        else:
            assert row.state in ("unreadable", "ignored")
            assert row.problem or row.outcome == "auto_reply", (row.id, row.outcome)
    assert outcomes[("processed", "new_case")] == cases
    # The corpus holds ordinary mail, auto-replies and bounces: all three paths ran.
    assert cases >= 40
    assert outcomes[("ignored", "auto_reply")] + outcomes[("processed", "auto_reply")] >= 1
    assert outcomes[("ignored", "bounce")] + outcomes[("processed", "bounce")] >= 2


def _folder(name: str) -> Path:
    return CPYTHON[0].parent if name.startswith("msg_") else CLIENTS[0].parent
