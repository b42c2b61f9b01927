"""PostgreSQL search ranks the newest matches however far back the older ones lie.

The index holds tens of thousands of documents here, so that a search must climb from the
newest spans of documents to bigger ones (rules.WINDOW_SHIFTS) to find what it ranks.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tests.builders import Personas, create_case
from throughline.db import Database
from throughline.search import repository
from throughline.search.repository import RANKED_CANDIDATES, SearchFilter
from throughline.search.rules import first_window

pytestmark = pytest.mark.postgres_only

FIRST_ID = 10_000_000_000  # far above any id the tests' cases and messages get
_FILL = text(
    "INSERT INTO search_documents (id, scope, body) "
    "SELECT CAST(:first AS bigint) + n, 'note', :body || ' ' || n "
    "FROM generate_series(1, :count) AS n"
)


async def _fill(database: Database, body: str, count: int, first: int) -> None:
    async with database.unit_of_work() as session:
        await session.execute(_FILL, {"first": first, "body": body, "count": count})


async def _found(database: Database, q: str, limit: int = 20) -> list[int]:
    async with database.unit_of_work(write=False) as session:
        hits = await repository.search(session, q.split(), SearchFilter(), limit=limit, offset=0)
    return [hit.doc_id for hit in hits]


async def test_the_newest_matches_are_ranked_when_older_ones_are_many_spans_back(
    database: Database,
) -> None:
    # 3,000 old notes on gadgets, 70,000 about other things, then 10 new ones on gadgets.
    await _fill(database, "the gadget hums", 3000, FIRST_ID)
    await _fill(database, "the printer jams", 70_000, FIRST_ID + 10_000)
    await _fill(database, "the gadget hums", 10, FIRST_ID + 100_000)
    async with database.unit_of_work(write=False) as session:
        newest = int(await session.scalar(text("SELECT max(seq) FROM search_documents")))
    # The newest spans of the smallest size hold only the ten: the search had to climb.
    begins = first_window(newest).begins
    assert begins > 3000

    found = await _found(database, "gadget", limit=30)
    # All rank alike: the newest first, the 10 new notes, then the newest of the old ones.
    assert found[:10] == [FIRST_ID + 100_000 + n for n in range(10, 0, -1)]
    assert found[10:] == [FIRST_ID + n for n in range(3000, 2980, -1)]
    # The page past the newest 2,000 is empty: a search ranks at most that many matches.
    async with database.unit_of_work(write=False) as session:
        beyond = await repository.search(
            session, ["gadget"], SearchFilter(), limit=20, offset=RANKED_CANDIDATES
        )
    assert beyond == []


async def test_a_word_only_the_oldest_document_has_is_found(database: Database) -> None:
    await _fill(database, "the unicycle squeaks", 1, FIRST_ID)
    await _fill(database, "the printer jams", 70_000, FIRST_ID + 10)
    assert await _found(database, "unicycle") == [FIRST_ID + 1]
    assert await _found(database, "unicycle printer") == []


async def test_documents_are_numbered_in_the_order_they_were_written_across_kinds(
    client: httpx.AsyncClient, people: Personas, database: Database
) -> None:
    first = await create_case(client, people.owner, subject="Ocelot app", body="Ocelot crashes")
    second = await create_case(client, people.owner, subject="Ocelot sync", body="Ocelot stops")
    ids = [int(case["number"].removeprefix("TL-")) for case in (first, second)]
    written = text(
        "SELECT scope, case_id FROM search_documents WHERE case_id IN (:a, :b) ORDER BY seq"
    )
    order = [("case", ids[0]), ("messagein", ids[0]), ("case", ids[1]), ("messagein", ids[1])]
    async with database.unit_of_work(write=False) as session:
        assert [
            tuple(row) for row in await session.execute(written, {"a": ids[0], "b": ids[1]})
        ] == order
    # Rebuilt from the sources, the index numbers them by when they were written.
    async with database.unit_of_work() as session:
        await repository.rebuild(session)
    async with database.unit_of_work(write=False) as session:
        rebuilt = [
            row.case_id for row in await session.execute(written, {"a": ids[0], "b": ids[1]})
        ]
    assert rebuilt == [ids[0], ids[0], ids[1], ids[1]]
