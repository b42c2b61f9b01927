"""JSON routes of the knowledge base, for reps (customers read public articles in the portal)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.kit.deps import CurrentRep, ReadSession, WriteSession
from throughline.knowledge import repository, service
from throughline.knowledge.rules import render_markdown
from throughline.knowledge.schemas import (
    ArticleBrief,
    ArticleChange,
    ArticleIn,
    ArticleOut,
    DraftOut,
)
from throughline.models import Article, Case, utcnow

router = APIRouter(tags=["knowledge"])


async def article_out(session: AsyncSession, article: Article) -> ArticleOut:
    author, solver = await service.credits(session, article)
    case = await session.get(Case, article.case_id) if article.case_id else None
    return ArticleOut(
        slug=article.slug,
        title=article.title,
        body=article.body_markdown,
        html=render_markdown(article.body_markdown),
        visibility=article.visibility,
        author=author,
        solved_by=solver,
        case=case.number if case else None,
        created_at=article.created_at,
        updated_at=article.updated_at,
        views=article.views,
        helped=article.helped,
    )


@router.get("/api/v1/articles", response_model=list[ArticleBrief])
async def list_articles(session: ReadSession, _actor: CurrentRep) -> list[ArticleBrief]:
    """Every article, public and internal, newest change first (at most 200)."""
    rows = await repository.listed(session, public_only=False)
    return [ArticleBrief.model_validate(row, from_attributes=True) for row in rows]


@router.post("/api/v1/articles", response_model=ArticleOut, status_code=201)
async def write_article(body: ArticleIn, session: WriteSession, actor: CurrentRep) -> ArticleOut:
    """Write an article; with ``case``, the case's owner is credited for the solve."""
    article = await service.write_article(
        session,
        title=body.title,
        body=body.body,
        visibility=body.visibility.value,
        case_number=body.case,
        actor=actor,
        now=utcnow(),
    )
    return await article_out(session, article)


@router.get("/api/v1/articles/{slug}", response_model=ArticleOut)
async def get_article(slug: str, session: ReadSession, _actor: CurrentRep) -> ArticleOut:
    return await article_out(session, await repository.by_slug(session, slug))


@router.patch("/api/v1/articles/{slug}", response_model=ArticleOut)
async def edit_article(
    slug: str, body: ArticleChange, session: WriteSession, actor: CurrentRep
) -> ArticleOut:
    """Change the title, body or visibility (the author or a lead only)."""
    article = await service.edit_article(
        session,
        slug,
        title=body.title,
        body=body.body,
        visibility=body.visibility.value if body.visibility else None,
        actor=actor,
        now=utcnow(),
    )
    return await article_out(session, article)


@router.post("/api/v1/articles/{slug}/helped", response_model=ArticleOut)
async def article_helped(slug: str, session: WriteSession, _actor: CurrentRep) -> ArticleOut:
    """A rep used the article to fix a problem: count it."""
    article = await repository.by_slug(session, slug)
    await service.helped(session, article)
    await session.refresh(article)
    return await article_out(session, article)


@router.get("/api/v1/cases/{number}/article-draft", response_model=DraftOut)
async def article_draft(number: str, session: ReadSession, _actor: CurrentRep) -> DraftOut:
    """An article pre-filled from a solved case: problem, environment, what worked, resolution."""
    draft = await service.draft_for_case(session, number)
    return DraftOut(title=draft.title, body=draft.body, case=draft.case_number)
