"""How well "similar solved cases" finds the cases of the same problem family.

The labelled set (``tests/knowledge/data/similar_cases.yaml``) holds families of cases that
share a cause and a fix, told in different words. Every case is loaded as a resolved case;
then, leave-one-out, each in turn is the new case and the others are the desk's history:

- recall@5: the share of its family's other cases (at most 5) in the top five;
- hit@5: the share of cases with at least one of their family in the top five.

``python -m tests.search.similar_eval`` prints the figures on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from throughline.cases import service as cases
from throughline.cases.rules import Status
from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import CLI
from throughline.migrate import upgrade
from throughline.models import Case, utcnow
from throughline.search.service import similar_solved

DATA = Path(__file__).parents[1] / "knowledge" / "data" / "similar_cases.yaml"
TOP = 5


@dataclass(frozen=True)
class Labelled:
    family: str
    subject: str
    body: str
    environment: dict[str, Any]
    steps: list[dict[str, str]]
    resolution: str


def labelled_cases(path: Path = DATA) -> list[Labelled]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Labelled(
            family=family["family"],
            subject=case["subject"].strip(),
            body=case["body"].strip(),
            environment={k: v for k, v in (case.get("environment") or {}).items() if v is not None},
            steps=list(case.get("steps") or []),
            resolution=case["resolution"].strip(),
        )
        for family in data["families"]
        for case in family["cases"]
    ]


@dataclass(frozen=True)
class Quality:
    cases: int
    families: int
    recall_at_5: float
    hit_at_5: float


async def load_resolved(
    database: Database, settings: Settings, labelled: list[Labelled]
) -> dict[int, str]:
    """Every labelled case as a resolved case of the desk; returns case id -> family."""
    families: dict[int, str] = {}
    now = utcnow()
    async with database.unit_of_work() as session:
        for i, item in enumerate(labelled):
            case, _token = await cases.open_case(
                session,
                cases.NewCase(
                    email=f"customer{i}@example.org",
                    name=f"Customer {i}",
                    subject=item.subject,
                    body=item.body,
                    severity=3,
                    environment=item.environment,
                ),
                settings=settings,
                now=now,
            )
            for step in item.steps:
                await cases.record_step(
                    session,
                    case,
                    CLI,
                    description=step["description"],
                    outcome=step["outcome"],
                    now=now,
                )
            case.resolution_summary = item.resolution
            case.resolved_at = now
            case.status = Status.RESOLVED
            await session.flush()
            families[case.id] = item.family
    return families


async def evaluate(database: Database, settings: Settings, labelled: list[Labelled]) -> Quality:
    families = await load_resolved(database, settings, labelled)
    sizes: dict[str, int] = {}
    for family in families.values():
        sizes[family] = sizes.get(family, 0) + 1
    recall = hits = 0.0
    async with database.unit_of_work(write=False) as session:
        for case_id, family in families.items():
            case = await session.get(Case, case_id)
            assert case is not None
            panel = await similar_solved(session, case, limit=TOP)
            same = sum(1 for c in panel.cases if families[int(c.case[3:])] == family)
            wanted = min(TOP, sizes[family] - 1)
            recall += same / wanted if wanted else 1.0
            hits += 1.0 if same else 0.0
    return Quality(
        cases=len(families),
        families=len(sizes),
        recall_at_5=recall / len(families),
        hit_at_5=hits / len(families),
    )


async def _measure(url: str, var: Path) -> Quality:
    upgrade(url)
    settings = Settings(database_url=url, var_dir=var, secret_key="evaluation")
    database = Database.from_settings(settings)
    try:
        return await evaluate(database, settings, labelled_cases())
    finally:
        await database.dispose()


def main() -> None:
    from throughline.kit.pgserver import TemporaryPostgres

    with tempfile.TemporaryDirectory() as tmp:
        figures = {
            "SQLite (FTS5, BM25)": asyncio.run(
                _measure(f"sqlite+aiosqlite:///{tmp}/eval.db", Path(tmp))
            )
        }
        with TemporaryPostgres() as server:
            figures["PostgreSQL (tsvector, ts_rank)"] = asyncio.run(
                _measure(server.url("postgres"), Path(tmp))
            )
    for name, q in figures.items():
        sys.stdout.write(
            f"{name}: {q.cases} cases in {q.families} families, "
            f"recall@5 {q.recall_at_5:.3f}, hit@5 {q.hit_at_5:.3f}\n"
        )


if __name__ == "__main__":
    main()
