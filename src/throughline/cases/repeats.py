"""The repeated-step warning (principle 4): finding the earlier same step, and learning.

A rep who sees a warning can say "not the same step"; a rep who saw none can say "same as
<earlier step>". The judgement is stored for the pair of phrasings and applies on every
case of the desk from then on. The step itself is always kept: the warning only warns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from throughline.cases import repository
from throughline.cases.steps import Synonyms, first_same, judgement_key, read_step
from throughline.kit.actors import Actor
from throughline.kit.audit import audit
from throughline.kit.errors import InvalidInput, NotFound
from throughline.kit.queries import valid_id
from throughline.models import Case, Step, StepJudgement


async def earlier_same_step(
    session: AsyncSession,
    case_id: int,
    description: str,
    synonyms: Synonyms,
    *,
    before: int | None = None,
) -> Step | None:
    """The first earlier step on the case that is the same step, by the rules or a rep's word.

    Two queries whatever the case's length: its steps' texts and the judgements on this
    phrasing; reading each text is cached, so 200 steps cost well under a millisecond.
    """
    new = read_step(description, synonyms)
    texts = await repository.step_texts(session, case_id, before=before)
    if not texts:
        return None
    judged = await repository.step_judgements(session, new.phrase)
    found = first_same(
        new, ((row.id, read_step(row.description, synonyms)) for row in texts), judged
    )
    return await session.get(Step, found) if found is not None else None


async def _case_step(session: AsyncSession, case: Case, step_id: int, what: str) -> Step:
    step = await session.get(Step, step_id) if valid_id(step_id) else None
    if step is None or step.case_id != case.id:
        raise NotFound(f"{what}: no step {step_id} on {case.number}")
    return step


async def judge_step(
    session: AsyncSession,
    case: Case,
    actor: Actor,
    *,
    step_id: int,
    same_as: int | None,
    synonyms: Synonyms,
    now: datetime,
) -> Step:
    """Record a rep's word on a step: the same as an earlier one, or (None) not a repeat."""
    step = await _case_step(session, case, step_id, "step")
    if same_as is None:
        if step.repeat_of_id is None:
            raise InvalidInput(f"step {step.id}: was not flagged as a repeat")
        other = await _case_step(session, case, step.repeat_of_id, "step")
    else:
        other = await _case_step(session, case, same_as, "same_as")
        if other.id >= step.id:
            raise InvalidInput("same_as: must be a step recorded before this one")
    pair = judgement_key(
        read_step(step.description, synonyms).phrase, read_step(other.description, synonyms).phrase
    )
    if pair[0] == pair[1] and same_as is None:
        raise InvalidInput(f"step {step.id}: written in the same words as step {other.id}")
    judgement = await repository.step_judgement(session, pair)
    if judgement is None:
        judgement = StepJudgement(phrase_a=pair[0], phrase_b=pair[1], created_at=now)
        session.add(judgement)
    judgement.same = same_as is not None
    judgement.rep_id = actor.rep_id
    await session.flush()
    if same_as is None:
        # Another earlier step may still be the same one; only this pairing was ruled out.
        again = await earlier_same_step(
            session, case.id, step.description, synonyms, before=step.id
        )
        step.repeat_of_id = again.id if again is not None else None
    else:
        step.repeat_of_id = other.id
    audit(
        session,
        actor,
        "step.same_as" if same_as is not None else "step.not_a_repeat",
        "case",
        case.number,
        step=step.id,
        other=other.id,
        phrases=list(pair),
    )
    return step
