"""Portal pages that run a flow (and the lead's flow editor and report in the workspace)."""

from fastapi import APIRouter

router = APIRouter()
