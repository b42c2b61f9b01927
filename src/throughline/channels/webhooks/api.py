"""POST /api/v1/channels/{name}/inbound: signed messages from social and IM bridges."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["channels"])
