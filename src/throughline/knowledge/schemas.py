"""The knowledge base's JSON in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from throughline.kit.schemas import In
from throughline.knowledge.rules import MAX_BODY, MAX_TITLE, Visibility


class ArticleIn(In):
    title: Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
    body: Annotated[str, Field(min_length=1, max_length=MAX_BODY, description="Markdown")]
    visibility: Visibility = Visibility.INTERNAL
    case: Annotated[
        str | None, Field(description="the solved case it comes from, e.g. TL-1042")
    ] = None


class ArticleChange(In):
    title: Annotated[str | None, Field(min_length=1, max_length=MAX_TITLE)] = None
    body: Annotated[str | None, Field(min_length=1, max_length=MAX_BODY)] = None
    visibility: Visibility | None = None


class ArticleOut(BaseModel):
    slug: str
    title: str
    body: str
    html: str
    visibility: str
    author: str
    solved_by: str | None
    case: str | None
    created_at: datetime
    updated_at: datetime
    views: int
    helped: int


class ArticleBrief(BaseModel):
    slug: str
    title: str
    visibility: str
    updated_at: datetime
    views: int
    helped: int


class DraftOut(BaseModel):
    title: str
    body: str
    case: str | None
