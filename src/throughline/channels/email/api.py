"""Email routes for reps: messages that could not be read, raw mail, attachments."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["email"])
