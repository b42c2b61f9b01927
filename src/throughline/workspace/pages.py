"""Pages of the rep workspace (/app)."""

from fastapi import APIRouter

router = APIRouter(prefix="/app")
