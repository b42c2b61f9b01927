"""FastAPI dependencies: the request's unit of work, settings, and the calling rep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.config import Settings
from throughline.db import Database
from throughline.kit.actors import Actor
from throughline.kit.errors import InvalidInput, Unauthorized
from throughline.kit.security import hash_secret
from throughline.reps import repository as reps


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _write_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    async with database.unit_of_work(write=True) as session:
        yield session


async def _read_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    async with database.unit_of_work(write=False) as session:
        yield session


# scope="function": the commit happens before the response leaves, so a client
# never hears "created" for something a failed commit then lost.
WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="A rep's API token (throughline rep add)")


async def _current_rep(
    database: Annotated[Database, Depends(get_database)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The rep behind the bearer token, read in a short session of its own.

    The rep object is detached: services that change the rep load it again
    in the request's own session.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing rep token: send 'Authorization: Bearer <token>'")
    async with database.unit_of_work(write=False, lookup=True) as session:
        rep = await reps.by_token_hash(session, hash_secret(credentials.credentials))
        if rep is None:
            raise Unauthorized("unknown or revoked rep token")
        session.expunge(rep)
    return Actor.of_rep(rep)


CurrentRep = Annotated[Actor, Depends(_current_rep)]


async def refuse_nul(request: Request) -> None:
    """A NUL character in the path or query would make PostgreSQL fail, not just miss.

    ``async`` like every dependency that does not block: FastAPI runs a plain ``def``
    in a thread, a hop on every request.
    """
    if "\x00" in request.scope["path"] or any(
        "\x00" in key or "\x00" in value for key, value in request.query_params.multi_items()
    ):
        raise InvalidInput("url: must not contain NUL (%00) characters")
