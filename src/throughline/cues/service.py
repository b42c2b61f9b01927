"""Scoring each inbound customer message as it is stored (same transaction, no reply sent)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from throughline.cues import repository
from throughline.cues.rules import Frustration, cues_in, frustration, recent_contacts
from throughline.models import Case, CaseFrustration, TimelineEntry

MAX_SCORED = 5000  # characters read from a message: the start says how they feel


@lru_cache(maxsize=1)
def _analyser() -> SentimentIntensityAnalyzer:
    # Loading the lexicon costs ~20 ms: once per process, not per message.
    return SentimentIntensityAnalyzer()


def score_text(text: str, contacts: list[datetime]) -> Frustration:
    text = text[:MAX_SCORED]
    compound = float(_analyser().polarity_scores(text)["compound"]) if text.strip() else 0.0
    return frustration(compound, contacts, cues_in(text))


async def note_inbound(
    session: AsyncSession, case: Case, entry: TimelineEntry, *, now: datetime, first: bool = False
) -> Frustration:
    """Score a customer's message; keep it on the message and the case (one row a case).

    ``first``: the message that opens the case, which has no row to read yet.
    """
    row = None if first else await session.get(CaseFrustration, case.id)
    earlier = [datetime.fromisoformat(at) for at in (row.contacts if row else [])]
    contacts = recent_contacts(earlier, now)
    found = score_text(entry.body or "", contacts)
    entry.data = {
        **(entry.data or {}),
        "frustration": {"score": found.score, "level": found.level, "reason": found.reason},
    }
    if row is None:
        row = CaseFrustration(case_id=case.id)
        session.add(row)
    row.score = found.score
    row.level = found.level
    row.reason = found.reason
    row.contacts = [at.isoformat() for at in contacts]
    row.scored_at = now
    return found


async def badges(session: AsyncSession, case_ids: list[int]) -> dict[int, CaseFrustration]:
    """The latest cue of each case that is not calm, for the case page and the work list."""
    return await repository.not_calm(session, case_ids)
