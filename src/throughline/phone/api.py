"""Voice webhooks called by a hosted telephony provider: /voice/incoming, /voice/menu."""

from fastapi import APIRouter

router = APIRouter(tags=["voice"])
