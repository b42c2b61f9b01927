"""Writing, editing and reading articles; drafts from solved cases. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.cases.rules import Status
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import Conflict, Forbidden
from throughline.knowledge import repository
from throughline.knowledge.rules import (
    TriedStep,
    check_article,
    draft_from_case,
    may_edit,
    numbered_slug,
    slugify,
)
from throughline.models import Article, Customer, Rep

SOLVED = (Status.RESOLVED.value, Status.RESOLUTION_PROPOSED.value)


@dataclass(frozen=True)
class Draft:
    title: str
    body: str
    case_number: str | None
    solved_by_id: int | None


async def draft_for_case(session: AsyncSession, number: str) -> Draft:
    """A pre-filled article from a resolved (or resolution-proposed) case."""
    case = await cases.get_case(session, number)
    if case.status not in SOLVED:
        raise Conflict(f"{case.number} is not solved yet: write the article once it is resolved")
    customer = await session.get(Customer, case.customer_id)
    environment = {**(customer.environment if customer else {}), **(case.environment or {})}
    steps = [
        TriedStep(step.description, step.outcome)
        for step in await repository.steps_of(session, case.id)
    ]
    title, body = draft_from_case(
        number=case.number,
        subject=case.subject,
        first_message=await repository.first_customer_message(session, case.id),
        environment=environment,
        steps=steps,
        resolution=case.resolution_summary,
    )
    return Draft(title=title, body=body, case_number=case.number, solved_by_id=case.owner_id)


async def write_article(
    session: AsyncSession,
    *,
    title: str,
    body: str,
    visibility: str,
    case_number: str | None,
    actor: Actor,
    now: datetime,
) -> Article:
    """A new article by the acting rep; from a case, the case's owner is credited beside them."""
    title, body, shown = check_article(title, body, visibility)
    assert actor.rep_id is not None
    case_id = solved_by = None
    if case_number:
        case = await cases.get_case(session, case_number)
        case_id, solved_by = case.id, case.owner_id
    base = slugify(title)
    article = Article(
        slug=numbered_slug(base, await repository.slugs_like(session, base)),
        title=title,
        body_markdown=body,
        visibility=shown.value,
        author_id=actor.rep_id,
        case_id=case_id,
        solved_by_id=solved_by,
        created_at=now,
        updated_at=now,
        updated_by_id=actor.rep_id,
        views=0,
        helped=0,
    )
    session.add(article)
    await session.flush()
    audit(session, actor, "article.write", "article", article.id, visibility=shown.value)
    return article


async def edit_article(
    session: AsyncSession,
    slug: str,
    *,
    title: str | None,
    body: str | None,
    visibility: str | None,
    actor: Actor,
    now: datetime,
) -> Article:
    """Change an article; only its author or a lead may, and a change of who sees it is audited."""
    article = await repository.by_slug(session, slug, for_update=True)
    assert actor.rep_id is not None
    lead = actor.rep is not None and (actor.rep.is_lead or actor.rep.role in ("lead", "admin"))
    if not may_edit(rep_id=actor.rep_id, is_lead=lead, author_id=article.author_id):
        raise Forbidden("only the article's author or a lead may edit it")
    new_title, new_body, shown = check_article(
        article.title if title is None else title,
        article.body_markdown if body is None else body,
        article.visibility if visibility is None else visibility,
    )
    if shown.value != article.visibility:
        audit(
            session,
            actor,
            "article.visibility",
            "article",
            article.id,
            before=article.visibility,
            after=shown.value,
        )
    article.title, article.body_markdown, article.visibility = new_title, new_body, shown.value
    article.updated_at, article.updated_by_id = now, actor.rep_id
    await session.flush()
    return article


async def helped(session: AsyncSession, article: Article) -> None:
    await repository.count(session, article.id, field="helped")


async def viewed(session: AsyncSession, article: Article) -> None:
    await repository.count(session, article.id, field="views")


async def credits(session: AsyncSession, article: Article) -> tuple[str, str | None]:
    """The author's name and, when someone else solved the case, the solver's."""
    author = await session.get(Rep, article.author_id)
    solver = None
    if article.solved_by_id and article.solved_by_id != article.author_id:
        rep = await session.get(Rep, article.solved_by_id)
        solver = rep.name if rep else None
    return (author.name if author else "?"), solver
