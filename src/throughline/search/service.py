"""Searching the desk and finding how a similar problem was fixed before.

Every function reads; none writes (the index is written by triggers, see repository).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository as cases
from throughline.kit.errors import InvalidInput
from throughline.models import Case
from throughline.search import repository
from throughline.search.repository import Hit, SearchFilter
from throughline.search.rules import marked, search_terms, similar_terms
from throughline.search.schemas import (
    ArticleHit,
    SearchHit,
    SearchPage,
    SimilarCase,
    SimilarPanel,
)

# The most a search pages through: past a couple of hundred hits, a better query helps more.
MAX_RESULTS = 200
SIMILAR_CASES = 5
SIMILAR_ARTICLES = 3

_KINDS = {
    "case": "case",
    "messagein": "message",
    "messageout": "reply",
    "note": "note",
    "step": "step",
    "escalation": "escalation",
    "escalationanswer": "escalation",
}


def case_url(case_id: int) -> str:
    return f"/app/cases/TL-{case_id}"


def _kind(scope: str) -> str:
    return "article" if scope.startswith("article") else _KINDS.get(scope, scope)


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    def __post_init__(self) -> None:
        if self.offset + self.limit > MAX_RESULTS:
            raise InvalidInput(
                f"offset: a search shows its best {MAX_RESULTS} results; use a narrower query"
            )


async def search(
    session: AsyncSession, query: str, filters: SearchFilter, paging: Paging
) -> SearchPage:
    """A rep's search over cases, messages, notes, steps (and articles): best first."""
    terms = search_terms(query)
    hits = await repository.search(
        session, terms, filters, limit=paging.limit + 1, offset=paging.offset
    )
    more = len(hits) > paging.limit
    hits = hits[: paging.limit]
    found = await cases.cases_by_id(session, {h.case_id for h in hits if h.case_id is not None})
    articles = await _article_hits(session, hits, portal=False)
    items = []
    for hit in hits:
        case = found.get(hit.case_id) if hit.case_id is not None else None
        if case is None:
            article = articles.get(hit.doc_id)
            if article is not None:
                items.append(
                    SearchHit(
                        kind="article",
                        case=None,
                        case_subject=None,
                        case_status=None,
                        title_html=article.title_html,
                        snippet_html=article.snippet_html,
                        score=round(hit.score, 4),
                        url=article.url,
                    )
                )
            continue
        items.append(
            SearchHit(
                kind=_kind(hit.scope),
                case=case.number,
                case_subject=case.subject,
                case_status=case.status,
                title_html=marked(hit.title or case.subject),
                snippet_html=marked(hit.snippet),
                score=round(hit.score, 4),
                url=case_url(case.id),
            )
        )
    return SearchPage(
        query=query,
        words=terms,
        items=items,
        next_offset=paging.offset + paging.limit if more else None,
    )


async def similar_solved(
    session: AsyncSession, case: Case, *, limit: int = SIMILAR_CASES
) -> SimilarPanel:
    """The resolved cases most like this one (by its subject and first message), each with
    what fixed it: the steps that worked and the resolution summary."""
    first = await cases.first_customer_message(session, case.id)
    terms = similar_terms(case.subject, first)
    solved = await repository.solved_like(session, terms, exclude_case_id=case.id, limit=limit)
    ids = [s.case_id for s in solved]
    found = await cases.cases_by_id(session, set(ids))
    worked = await repository.worked_steps(session, ids)
    article_hits = (
        await repository.search(
            session,
            terms,
            SearchFilter(),
            limit=SIMILAR_ARTICLES,
            offset=0,
            only="article",
            any_word=True,
        )
        if terms
        else []
    )
    return SimilarPanel(
        case=case.number,
        words=terms,
        cases=[
            SimilarCase(
                case=found[s.case_id].number,
                subject=found[s.case_id].subject,
                resolution_summary=found[s.case_id].resolution_summary,
                worked=worked[s.case_id],
                score=round(s.score, 4),
                url=case_url(s.case_id),
            )
            for s in solved
            if s.case_id in found
        ],
        articles=list((await _article_hits(session, article_hits, portal=False)).values()),
    )


async def _article_hits(
    session: AsyncSession, hits: list[Hit], *, portal: bool
) -> dict[int, ArticleHit]:
    """The article hits among ``hits`` by document id, in their order, linked for reps or
    for the portal."""
    wanted = [h for h in hits if h.scope.startswith("article")]
    found = await repository.articles_by_id(
        session, {repository.article_id(h.doc_id) for h in wanted}
    )
    out: dict[int, ArticleHit] = {}
    for hit in wanted:
        article = found.get(repository.article_id(hit.doc_id))
        if article is None:
            continue
        url = f"/portal/articles/{article.slug}" if portal else f"/app/articles/{article.slug}"
        out[hit.doc_id] = ArticleHit(
            title=article.title,
            title_html=marked(hit.title or article.title),
            snippet_html=marked(hit.snippet),
            public=article.visibility == "public",
            url=url,
        )
    return out


async def search_public_articles(
    session: AsyncSession, query: str, *, limit: int = 20
) -> list[ArticleHit]:
    """The customer's search: public articles only, best first (the portal calls this)."""
    terms = search_terms(query)
    hits = await repository.search(
        session, terms, SearchFilter(), limit=limit, offset=0, only="public"
    )
    return list((await _article_hits(session, hits, portal=True)).values())


async def search_portal(
    session: AsyncSession, query: str
) -> tuple[list[ArticleHit] | None, str | None]:
    """The portal's search box: (hits, None), or (None, what is wrong with the query);
    (None, None) when nothing was asked."""
    if not query.strip():
        return None, None
    try:
        return await search_public_articles(session, query), None
    except InvalidInput as exc:
        return None, exc.message.removeprefix("q: ")
