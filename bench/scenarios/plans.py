"""The query plans behind scenario 3: the real code path runs once, every SELECT is explained.

The queries are captured as the product sends them (SQLAlchemy's
``before_cursor_execute``), so a change in a repository shows up here without
anybody copying SQL into the benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository, views
from throughline.cases.worklist import work_list
from throughline.db import Database
from throughline.kit.security import hash_secret
from throughline.models import Rep, utcnow
from throughline.reps import repository as reps

_INDEX = re.compile(
    r"(?:USING (?:COVERING )?INDEX (\w+)|Index (?:Only )?Scan(?: Backward)? using (\w+)"
    r"|Bitmap Index Scan on (\w+)|USING (INTEGER PRIMARY KEY))"
)


def indexes_in(plan: str) -> list[str]:
    found: list[str] = []
    for match in _INDEX.finditer(plan):
        name = next(group for group in match.groups() if group)
        if name not in found:
            found.append(name)
    return found


def scans_in(plan: str) -> list[str]:
    """Steps that walk a table or a whole index rather than seek into it.

    SQLite says ``SCAN t`` (with ``USING INDEX`` when it walks an index in order,
    which a LIMIT may stop early); PostgreSQL says ``Seq Scan on t``.
    """
    scans = []
    for line in plan.splitlines():
        text = line.strip().lstrip("->").strip()
        if text.startswith("SCAN ") or text.startswith("Seq Scan on "):
            scans.append(text.split("  (")[0])
    return scans


async def _explain(session: AsyncSession, statement: str, parameters: Any, sqlite: bool) -> str:
    connection = await session.connection()
    if sqlite:
        result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        rows: list[Any] = list(result.all())
        depth: dict[int, int] = {0: 0}
        lines = []
        for row in rows:
            node, parent, detail = int(row[0]), int(row[1]), str(row[3])
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return "\n".join(lines)
    result = await connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
    return "\n".join(str(row[0]) for row in result.all())


async def capture_plans(
    url: str, *, rep_token: str, rep_id: int, big_case: str
) -> list[dict[str, Any]]:
    """Run the work list, unowned list and case page as the routes do; explain every query."""
    database = Database.connect(url, pool_size=2)
    captured: list[tuple[str, Any]] = []

    def grab(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    engine = database.reader.sync_engine
    routes: list[tuple[str, Callable[[AsyncSession], Awaitable[object]]]] = [
        ("every request: the rep behind the token", lambda s: _auth(s, rep_token)),
        ("GET /api/v1/worklist", lambda s: _work_list(s, rep_id)),
        (
            "GET /api/v1/cases?unowned=true",
            lambda s: repository.list_cases(
                s, repository.CaseFilter(unowned=True), before_id=None, limit=51
            ),
        ),
        (f"GET /api/v1/cases/{big_case}", lambda s: _case_page(s, big_case)),
    ]
    plans: list[dict[str, Any]] = []
    try:
        async with database.unit_of_work(write=False) as session:
            for label, call in routes:
                captured.clear()
                event.listen(engine, "before_cursor_execute", grab)
                try:
                    await call(session)
                finally:
                    event.remove(engine, "before_cursor_execute", grab)
                for statement, parameters in list(captured):
                    plan = await _explain(session, statement, parameters, database.is_sqlite)
                    plans.append(
                        {
                            "route": label,
                            "sql": " ".join(statement.split()),
                            "plan": plan,
                            "indexes": indexes_in(plan),
                            "scans": scans_in(plan),
                        }
                    )
    finally:
        await database.dispose()
    return plans


async def _auth(session: AsyncSession, token: str) -> object:
    return await reps.by_token_hash(session, hash_secret(token))


async def _work_list(session: AsyncSession, rep_id: int) -> object:
    rep = await session.get(Rep, rep_id)
    assert rep is not None
    return await work_list(session, rep, now=utcnow())


async def _case_page(session: AsyncSession, number: str) -> object:
    return await views.case_out(session, await repository.get_case(session, number))
