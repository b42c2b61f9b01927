"""JSON routes of the flows: running a flow, the flow report."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["flows"])
