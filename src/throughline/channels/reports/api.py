"""POST /api/v1/reports: in-app error reports authenticated by a product key."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["in-app reports"])
