"""What a bridge sends us, and what it hears back."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, StringConstraints

from throughline.kit.schemas import In, Text

# The identity value is "<channel>:<external_user_id>" in 320 characters at most.
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MessageId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class WebhookMessageIn(In):
    external_user_id: ExternalId
    display_name: DisplayName = ""
    text: Text
    message_id: MessageId
    sent_at: AwareDatetime


class InboundResult(BaseModel):
    case_number: str | None
    # "new_case" or "threaded"; "queued" when it was stored and will be processed shortly.
    outcome: str
    # True when this message_id had already arrived: nothing changed.
    duplicate: bool
