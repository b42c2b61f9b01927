"""Every query of the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases.timeline import Kind
from throughline.kit.queries import one_or_404
from throughline.knowledge.rules import MAX_SLUG, Visibility
from throughline.models import Article, Case, Step, TimelineEntry

LIST_LIMIT = 200


async def by_slug(
    session: AsyncSession, slug: str, *, public_only: bool = False, for_update: bool = False
) -> Article:
    """The article; a customer asking for an internal one is told it does not exist."""
    query = select(Article).where(Article.slug == slug[: MAX_SLUG + 10])
    if public_only:
        query = query.where(Article.visibility == Visibility.PUBLIC.value)
    return await one_or_404(session, query, missing=f"no article {slug!r}", for_update=for_update)


async def listed(
    session: AsyncSession, *, public_only: bool, limit: int = LIST_LIMIT
) -> Sequence[Article]:
    query = select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit)
    if public_only:
        query = query.where(Article.visibility == Visibility.PUBLIC.value)
    return (await session.scalars(query)).all()


async def slugs_like(session: AsyncSession, base: str) -> set[str]:
    rows = await session.scalars(select(Article.slug).where(Article.slug.startswith(base)))
    return set(rows)


async def count(session: AsyncSession, article_id: int, *, field: str) -> None:
    """One more view or "this helped", as one UPDATE (no read-modify-write race)."""
    column = Article.views if field == "views" else Article.helped
    await session.execute(
        update(Article).where(Article.id == article_id).values({column: column + 1})
    )


async def first_customer_message(session: AsyncSession, case_id: int) -> str | None:
    return await session.scalar(
        select(TimelineEntry.body)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == Kind.MESSAGE_IN)
        .order_by(TimelineEntry.id)
        .limit(1)
    )


async def steps_of(session: AsyncSession, case_id: int) -> Sequence[Step]:
    return (
        await session.scalars(select(Step).where(Step.case_id == case_id).order_by(Step.id))
    ).all()


async def from_case(session: AsyncSession, case_id: int) -> Sequence[Article]:
    return (await session.scalars(select(Article).where(Article.case_id == case_id))).all()


async def case_of(session: AsyncSession, article: Article) -> Case | None:
    return await session.get(Case, article.case_id) if article.case_id else None
