"""The knowledge base: articles written by reps, many of them from solved cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from throughline.models.base import Base, BigId, CreatedMixin, IdMixin


class Article(IdMixin, CreatedMixin, Base):
    """A knowledge-base article in Markdown; ``public`` ones are shown in the portal."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_visibility_updated", "visibility", "updated_at"),)

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    # "public" (portal and reps) or "internal" (reps only).
    visibility: Mapped[str] = mapped_column(String(20), default="internal")
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("reps.id"))
    # The case it was written from, and whose solve it was (credited beside the author).
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    solved_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("reps.id"))
    views: Mapped[int] = mapped_column(Integer, default=0)
    helped: Mapped[int] = mapped_column(Integer, default=0)
