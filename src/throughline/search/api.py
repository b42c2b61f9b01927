"""JSON routes: search the desk, and the similar solved cases of a case (reps only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from throughline.cases import repository as cases
from throughline.cases.rules import Status
from throughline.kit.actors import Actor
from throughline.kit.deps import CurrentRep, ReadSession
from throughline.kit.errors import InvalidInput
from throughline.reps import repository as reps
from throughline.search import service
from throughline.search.repository import SearchFilter
from throughline.search.rules import MAX_QUERY_CHARS
from throughline.search.schemas import SearchPage, SimilarPanel

router = APIRouter(tags=["search"])


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def search_filter(
    session: ReadSession,
    actor: Actor,
    *,
    status: str | None,
    owner: str | None,
    team: str | None,
    since: datetime | None,
    until: datetime | None,
) -> SearchFilter:
    """The filters as the query names them, each checked: a clear 422 for an unknown one."""
    if status and status not in {s.value for s in Status}:
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(s.value for s in Status)}")
    owner_id = None
    if owner == "me":
        owner_id = actor.rep_id
    elif owner:
        rep = await reps.by_ref(session, owner)
        if rep is None:
            raise InvalidInput(f"owner: no rep {owner!r}")
        owner_id = rep.id
    team_id = None
    if team:
        found = await reps.team_by_name(session, team)
        if found is None:
            raise InvalidInput(f"team: no team {team!r}")
        team_id = found.id
    since, until = _utc(since), _utc(until)
    if since and until and since >= until:
        raise InvalidInput("until: must be after since")
    return SearchFilter(
        status=status or None,
        owner_id=owner_id,
        team_id=team_id,
        since=since,
        until=until,
    )


@router.get("/api/v1/search", response_model=SearchPage)
async def search(
    session: ReadSession,
    actor: CurrentRep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS * 2, description="words to find")] = "",
    status: Annotated[str | None, Query(max_length=32)] = None,
    owner: Annotated[str | None, Query(description="rep id, email, or 'me'")] = None,
    team: Annotated[str | None, Query(max_length=100, description="the owner's team")] = None,
    since: Annotated[datetime | None, Query(description="cases opened at or after")] = None,
    until: Annotated[datetime | None, Query(description="cases opened before")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=service.MAX_RESULTS)] = 0,
) -> SearchPage:
    """Cases, messages, notes, steps and articles holding every word of ``q``, best first,
    with the matches marked in escaped snippets."""
    filters = await search_filter(
        session, actor, status=status, owner=owner, team=team, since=since, until=until
    )
    return await service.search(session, q, filters, service.Paging(limit, offset))


@router.get("/api/v1/cases/{number}/similar", response_model=SimilarPanel)
async def similar(number: str, session: ReadSession, _actor: CurrentRep) -> SimilarPanel:
    """The five resolved cases most like this one, each with what fixed it."""
    case = await cases.get_case(session, number)
    return await service.similar_solved(session, case)
