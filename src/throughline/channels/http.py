"""What the HTTP inbound channels (in-app reports, webhooks) share in their routes.

A body that is not the channel's model is a 422 naming each wrong field, as
FastAPI's own validation would say it. A message already stored and committed
is processed in its request when all goes well; when processing fails the
stored row and its outbox job remain, and the worker processes it shortly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from throughline.db import Database

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


def parse_json(model: type[Model], raw: str | bytes, where: str) -> Model:
    """``raw`` as ``model``; a wrong field is named under ``where`` (e.g. "body")."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": (where, *error.get("loc", ()))} for error in exc.errors()]
        ) from None


async def process_in_request(
    database: Database,
    process: Callable[[AsyncSession], Awaitable[Result]],
    *,
    log: logging.Logger,
    stored: str,
) -> Result | None:
    """``process`` in its own committed transaction, or None when it failed: the message
    ``stored`` names is kept with its outbox job, so the worker processes it later."""
    try:
        async with database.unit_of_work(write=True) as session:
            return await process(session)
    except Exception:  # noqa: BLE001 - stored and queued: the worker processes it later
        log.exception("%s stored; processing it is left to the worker", stored)
        return None
