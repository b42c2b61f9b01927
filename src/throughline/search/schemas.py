"""What the search and similar-cases routes answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    kind: str = Field(description="case, message, reply, note, step, escalation or article")
    case: str | None = Field(description="the case number, e.g. TL-1042 (none for articles)")
    case_subject: str | None
    case_status: str | None
    title_html: str = Field(description="escaped, matches in <mark>")
    snippet_html: str = Field(description="escaped, matches in <mark>")
    score: float = Field(description="higher is better")
    url: str


class ArticleHit(BaseModel):
    title: str
    title_html: str = Field(description="escaped, matches in <mark>")
    snippet_html: str = Field(description="escaped, matches in <mark>")
    public: bool
    url: str


class SearchPage(BaseModel):
    query: str
    words: list[str] = Field(description="the words searched for (all must match)")
    items: list[SearchHit]
    next_offset: int | None


class SimilarCase(BaseModel):
    case: str
    subject: str
    resolution_summary: str | None
    worked: list[str] = Field(description="the steps with outcome 'worked'")
    score: float
    url: str


class SimilarPanel(BaseModel):
    case: str
    words: list[str] = Field(description="the words of the case it was found by")
    cases: list[SimilarCase]
    articles: list[ArticleHit]
